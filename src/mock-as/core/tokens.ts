import { createLocalJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose'
import type { ClientRecord } from './clients'
import type { ServerContext } from './context'
import type { SigningAlgorithm } from './deps'
import { base64url } from './http'
import { signJwt } from './jws'
import { signingKeyFor } from './keys'

export const grantsKind = 'grants'
export const accessTokensKind = 'access-tokens'
export const refreshTokensKind = 'refresh-tokens'

/**
 * One authorization a resource owner (or a client, for client_credentials) gave: every access and
 * refresh token carries its id, so revoking the grant revokes the whole token family at once.
 */
export interface GrantRecord {
  id: string
  clientId: string
  sub: string
  /** The scope the grant covers; refresh requests may narrow it, never widen it. */
  scope: string
  /**
   * The resources the authorization request named (RFC 8707 §2.1): token requests may pick some of
   * them, never others. Unset: the demo API only (resource-indicators.ts).
   */
  resources?: string[]
  authTime?: number
  revoked: boolean
  createdAt: number
  /**
   * When the last token issued under the grant expires: the store may drop the grant then
   * (`keepGrantUntil`). Unset until a token is issued.
   */
  expiresAt?: number
  /**
   * The grant this one was derived from (token exchange: the subject token's grant). Revoking
   * that one revokes this one too. Its tokens never outlive the parent's, so the parent is never
   * purged while one of them is still valid.
   */
  parentGrantId?: string
  /**
   * The login session the user approved it in (`sid`). A logout of that session revokes the
   * grant's refresh tokens (Back-Channel Logout 1.0 §2.7); the store finds grants by it.
   */
  sid?: string
}

/** The store options of a grant: its secondary key `sid`, and an expiry once known. */
function grantOptions(grant: GrantRecord, expiresAt?: number) {
  return {
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(grant.sid === undefined ? {} : { indexes: { sid: grant.sid } }),
  }
}

/** How many parent grants are followed at most: an exchange of an exchange of … */
const maxGrantChain = 16

export interface AccessTokenRecord {
  jti: string
  /** The grant it was issued under; unset for a self-contained token, which has none. */
  grantId?: string
  clientId: string
  sub: string
  scope: string
  iat: number
  exp: number
  revoked: boolean
  /** Set when the token is for another audience than the demo API (token exchange). */
  aud?: string | string[]
  /** The actor of a delegated token (RFC 8693 §4.1). */
  act?: Record<string, unknown>
  /** The thumbprint of the DPoP key the token is bound to (RFC 9449 §6.1, `cnf.jkt`). */
  jkt?: string
}

export interface RefreshTokenRecord {
  token: string
  grantId: string
  clientId: string
  sub: string
  scope: string
  authTime?: number
  iat: number
  exp: number
  /** Set when the token was exchanged: presenting it again is a replay. */
  usedAt?: number
  /**
   * The DPoP key a public client's refresh token is bound to: it is refused without a proof made
   * with that key (RFC 9449 §5).
   */
  jkt?: string
}

export async function createGrant(
  ctx: ServerContext,
  init: {
    clientId: string
    sub: string
    scope: string
    authTime?: number
    parentGrantId?: string
    sid?: string
    resources?: string[]
  },
): Promise<GrantRecord> {
  const grant: GrantRecord = {
    id: ctx.randomId(16),
    ...init,
    revoked: false,
    createdAt: ctx.nowSeconds(),
  }
  await ctx.deps.store.put(grantsKind, grant.id, grant, grantOptions(grant))
  return grant
}

/** The grants a user approved in one login session, read through the `sid` index. */
export function grantsOfSession(ctx: ServerContext, sid: string): Promise<GrantRecord[]> {
  return ctx.deps.store.listBy<GrantRecord>(grantsKind, 'sid', sid)
}

/** Revokes a grant and so every token issued under it (atomically; its expiry is kept). */
export async function revokeGrant(ctx: ServerContext, grantId: string): Promise<void> {
  await ctx.deps.store.update<GrantRecord>(grantsKind, grantId, (grant) =>
    grant && !grant.revoked ? { put: { ...grant, revoked: true } } : undefined,
  )
}

/**
 * Keeps a grant at least until `until` (a token issued under it expires then), so that the grant
 * lives as long as its longest-lived token and no longer (docs/decisions/072).
 */
async function keepGrantUntil(ctx: ServerContext, grantId: string, until: number): Promise<void> {
  await ctx.deps.store.update<GrantRecord>(grantsKind, grantId, (grant) => {
    if (!grant || (grant.expiresAt !== undefined && grant.expiresAt >= until)) return undefined
    return { put: { ...grant, expiresAt: until }, options: grantOptions(grant, until) }
  })
}

/** Active: neither the grant nor any grant it was derived from is revoked (or gone). */
export async function isGrantActive(ctx: ServerContext, grantId: string): Promise<boolean> {
  let id: string | undefined = grantId
  for (let depth = 0; id !== undefined; depth += 1) {
    if (depth >= maxGrantChain) return false
    const grant: GrantRecord | undefined = await ctx.deps.store.get<GrantRecord>(grantsKind, id)
    if (!grant || grant.revoked) return false
    id = grant.parentGrantId
  }
  return true
}

/**
 * What an access token is issued under: a stored grant, or, without `id`, nothing stored at all
 * (a self-contained token, see {@link selfContainedJtiPrefix}).
 */
export type TokenGrant = Pick<GrantRecord, 'clientId' | 'sub' | 'authTime'> & { id?: string }

/**
 * The `jti` prefix of a self-contained access token (client_credentials, docs/decisions/141).
 * The server keeps no record of such a token: its claims are all that introspection reports, and
 * it stays valid until `exp` unless a revocation stored a record for its `jti` (the denylist).
 * A `.` never occurs in the random ids of the other tokens, whose records must exist.
 */
export const selfContainedJtiPrefix = 'sc.'

/**
 * An RFC 9068 JWT access token for the demo resource server. Its `jti` is recorded (with the
 * grant's expiry extended to it) so revocation and introspection can see it; a self-contained
 * token's is not (docs/decisions/141).
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export async function issueAccessToken(
  ctx: ServerContext,
  grant: TokenGrant,
  scope: string,
  extras: {
    aud?: string | string[]
    act?: Record<string, unknown>
    notAfter?: number
    /** Binds the token to this DPoP key (RFC 9449 §6.1). */
    jkt?: string
  } = {},
): Promise<{ token: string; record: AccessTokenRecord }> {
  // ES256: every resource that accepts these tokens verifies both algorithms from /as/jwks, and an
  // ES256 signature costs a fraction of an RS256 one (RFC 9068 §2.1; docs/decisions/130).
  const key = await signingKeyFor(ctx.deps.keys, 'ES256')
  const iat = ctx.nowSeconds()
  // `notAfter`: the token may not outlive another one (token exchange: the subject token).
  const exp = Math.min(iat + ctx.lifetimes.accessToken, extras.notAfter ?? Number.POSITIVE_INFINITY)
  const record: AccessTokenRecord = {
    jti: `${grant.id === undefined ? selfContainedJtiPrefix : ''}${ctx.randomId(16)}`,
    ...(grant.id === undefined ? {} : { grantId: grant.id }),
    clientId: grant.clientId,
    sub: grant.sub,
    scope,
    iat,
    exp,
    revoked: false,
    ...(extras.aud === undefined ? {} : { aud: extras.aud }),
    ...(extras.act === undefined ? {} : { act: extras.act }),
    ...(extras.jkt === undefined ? {} : { jkt: extras.jkt }),
  }
  const claims: JWTPayload = {
    iss: ctx.issuer,
    sub: record.sub,
    aud: extras.aud ?? ctx.resourceAudience,
    client_id: record.clientId,
    iat,
    exp: record.exp,
    jti: record.jti,
    scope,
    ...(grant.authTime === undefined ? {} : { auth_time: grant.authTime }),
    ...(extras.act === undefined ? {} : { act: extras.act }),
    /** @see https://www.rfc-editor.org/rfc/rfc9449#section-6.1 */
    ...(extras.jkt === undefined ? {} : { cnf: { jkt: extras.jkt } }),
  }
  const token = await signJwt(ctx.deps, key, 'at+jwt', claims)
  if (grant.id !== undefined) {
    await ctx.deps.store.put(accessTokensKind, record.jti, record, { expiresAt: record.exp })
    await keepGrantUntil(ctx, grant.id, record.exp)
  }
  return { token, record }
}

/**
 * An opaque refresh token: random bytes that mean nothing outside this server's store.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-1.5
 */
export async function issueRefreshToken(
  ctx: ServerContext,
  grant: GrantRecord,
  /** Binds the refresh token to this DPoP key (public clients, RFC 9449 §5). */
  jkt?: string,
): Promise<RefreshTokenRecord> {
  const iat = ctx.nowSeconds()
  const record: RefreshTokenRecord = {
    token: ctx.randomId(32),
    grantId: grant.id,
    clientId: grant.clientId,
    sub: grant.sub,
    scope: grant.scope,
    ...(grant.authTime === undefined ? {} : { authTime: grant.authTime }),
    iat,
    exp: iat + ctx.lifetimes.refreshToken,
    ...(jkt === undefined ? {} : { jkt }),
  }
  await ctx.deps.store.put(refreshTokensKind, record.token, record, { expiresAt: record.exp })
  await keepGrantUntil(ctx, grant.id, record.exp)
  return record
}

/**
 * Left half of the SHA-256 hash of the token, base64url-encoded: the `at_hash` and `c_hash` rule
 * for RS256 and ES256 (both use SHA-256).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
 */
export async function leftHalfHash(value: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)),
  )
  return base64url(digest.slice(0, digest.length / 2))
}

/**
 * An OpenID Connect ID token. `nonce` only when the authorization request carried one, since
 * clients must reject an unexpected nonce.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export async function issueIdToken(
  ctx: ServerContext,
  init: {
    client: ClientRecord
    sub: string
    authTime?: number
    /** The login session's public id (Back-Channel Logout 1.0 §2.4: `sid` in ID tokens too). */
    sid?: string
    nonce?: string
    accessToken?: string
    code?: string
  },
): Promise<string> {
  const alg: SigningAlgorithm = init.client.id_token_signed_response_alg ?? 'RS256'
  const key = await signingKeyFor(ctx.deps.keys, alg)
  const iat = ctx.nowSeconds()
  const claims: JWTPayload = {
    iss: ctx.issuer,
    sub: init.sub,
    aud: init.client.client_id,
    iat,
    exp: iat + ctx.lifetimes.idToken,
    ...(init.authTime === undefined ? {} : { auth_time: init.authTime }),
    ...(init.sid === undefined ? {} : { sid: init.sid }),
    ...(init.nonce === undefined ? {} : { nonce: init.nonce }),
    ...(init.accessToken === undefined ? {} : { at_hash: await leftHalfHash(init.accessToken) }),
    ...(init.code === undefined ? {} : { c_hash: await leftHalfHash(init.code) }),
  }
  return signJwt(ctx.deps, key, 'JWT', claims)
}

export type AccessTokenCheck =
  | { valid: true; record: AccessTokenRecord; claims: JWTPayload }
  | { valid: false; reason: string }

/**
 * Checks a bearer JWT access token the way the resource server must: signature with our keys,
 * `typ`, `iss`, `aud`, `exp`, and that it was neither revoked nor issued under a revoked grant.
 * `anyAudience` is for the server itself (introspection, token exchange), which accepts its own
 * tokens whatever their audience; `audience` is the resource server's identifier (default: the
 * demo API's), which `aud` must name (RFC 8707 §2).
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function checkAccessToken(
  ctx: ServerContext,
  token: string,
  options: { anyAudience?: boolean; audience?: string } = {},
): Promise<AccessTokenCheck> {
  const keys = await ctx.deps.keys.signingKeys()
  let claims: JWTPayload
  try {
    const result = await jwtVerify(
      token,
      createLocalJWKSet({ keys: keys.map((key) => key.publicJwk) }),
      {
        issuer: ctx.issuer,
        ...(options.anyAudience ? {} : { audience: options.audience ?? ctx.resourceAudience }),
        typ: 'at+jwt',
        algorithms: ['RS256', 'ES256'],
        currentDate: new Date(ctx.deps.clock.now()),
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
      },
    )
    claims = result.payload
  } catch (error) {
    const { code, claim, payload } = error as {
      code?: unknown
      claim?: unknown
      payload?: JWTPayload
    }
    if (code === 'ERR_JWT_EXPIRED') return { valid: false, reason: 'The access token expired.' }
    // RFC 8707 §2 / RFC 9068 §4: a token for another resource is refused here, and says whose it is.
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'aud') {
      const aud = payload?.aud
      return {
        valid: false,
        reason: `The access token is for ${Array.isArray(aud) ? aud.join(' ') : String(aud)}, not for ${options.audience ?? ctx.resourceAudience}.`,
      }
    }
    return { valid: false, reason: 'The access token is malformed or its signature is invalid.' }
  }
  const jti = String(claims.jti)
  const stored = await ctx.deps.store.get<AccessTokenRecord>(accessTokensKind, jti)
  if (stored) {
    // A self-contained token has a record only once revoked; the others name their grant.
    if (
      stored.revoked ||
      (stored.grantId !== undefined && !(await isGrantActive(ctx, stored.grantId)))
    ) {
      return { valid: false, reason: 'The access token was revoked.' }
    }
    return { valid: true, record: stored, claims }
  }
  if (!jti.startsWith(selfContainedJtiPrefix)) {
    return { valid: false, reason: 'The access token is unknown.' }
  }
  return { valid: true, record: recordOfSelfContained(ctx, claims), claims }
}

/**
 * The record a self-contained token would have had, from its verified claims: what revocation,
 * introspection and the resource servers read of a stored one (docs/decisions/141).
 */
function recordOfSelfContained(ctx: ServerContext, claims: JWTPayload): AccessTokenRecord {
  const cnf = claims.cnf as { jkt?: unknown } | undefined
  return {
    jti: String(claims.jti),
    clientId: String(claims.client_id),
    sub: String(claims.sub),
    scope: typeof claims.scope === 'string' ? claims.scope : '',
    iat: Number(claims.iat),
    exp: Number(claims.exp),
    revoked: false,
    // A stored record leaves `aud` unset for the demo API, the default audience.
    ...(claims.aud === undefined || claims.aud === ctx.resourceAudience ? {} : { aud: claims.aud }),
    ...(typeof claims.act === 'object' && claims.act !== null
      ? { act: claims.act as Record<string, unknown> }
      : {}),
    ...(typeof cnf?.jkt === 'string' ? { jkt: cnf.jkt } : {}),
  }
}

/** The `jti` of something that looks like one of our JWT access tokens, without verifying it. */
export function peekJti(token: string): string | undefined {
  try {
    const jti = decodeJwt(token).jti
    return typeof jti === 'string' ? jti : undefined
  } catch {
    return undefined
  }
}
