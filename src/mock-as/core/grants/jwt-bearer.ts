import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
} from 'jose'
import { type ClientRecord, clientScopes, findClient } from '../clients'
import type { ServerContext } from '../context'
import { isKnownScope } from '../demo-data'
import type { UserRecord } from '../directory'
import { OAuthError } from '../errors'
import { listNames, splitSpaceList } from '../http'
import { createGrant, issueAccessToken } from '../tokens'
import { type GrantDefinition, tokenTypeFor } from './grant-types'

export const jwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/**
 * Signature algorithms accepted on an assertion: asymmetric only, never `none` or HMAC. Ed25519 by
 * its RFC 9864 name; the deprecated polymorphic `EdDSA` is refused (oauth4webapi and jose name
 * Ed25519 keys `Ed25519`; docs/decisions/102).
 */
export const assertionAlgorithms = ['RS256', 'PS256', 'ES256', 'Ed25519'] as const

/** How far clocks may disagree, in seconds. */
export const assertionClockSkew = 30
/** An assertion whose `exp` lies further ahead than this is refused: assertions are short-lived. */
export const maxAssertionLifetime = 60 * 60
/** An `iat` older than this is "unreasonably far in the past" (RFC 7523 §3, item 6). */
export const maxAssertionAge = 60 * 60

const assertionJtisKind = 'grant-assertion-jtis'

/**
 * The checks, in the order the server makes them. Every failure is `invalid_grant` with an
 * `error_description` that starts with the check's name and a colon, so a client (the
 * walkthrough's assertion editor) can tell which one failed.
 */
export const assertionChecks = [
  'format',
  'alg',
  'iss',
  'signature',
  'aud',
  'exp',
  'nbf',
  'iat',
  'sub',
  'jti',
] as const

export type AssertionCheck = (typeof assertionChecks)[number]

function refuse(check: AssertionCheck, description: string): OAuthError {
  return new OAuthError('invalid_grant', `${check}: ${description}`)
}

/** Scopes this grant never gives: it issues neither an ID token nor a refresh token. */
const scopesNotForAssertions = ['openid', 'offline_access']

function findUser(ctx: ServerContext, sub: string): UserRecord | undefined {
  return ctx.directory.userBySub(sub) ?? ctx.directory.userByUsername(sub)
}

function decodeClaims(assertion: string): JWTPayload | undefined {
  try {
    return decodeJwt(assertion)
  } catch {
    return undefined
  }
}

/**
 * The issuer this server trusts for an assertion: a client registered with public keys (`jwks`)
 * and the jwt-bearer grant, issuing for itself (`iss` = its client_id), and marked trusted by an
 * administrator (`trustedAssertionIssuer`). Registering a key is not enough: anyone can do that
 * here, and an assertion speaks for any user. See docs/decisions/056-jwt-bearer-trust-model.md.
 */
async function trustedIssuer(
  ctx: ServerContext,
  iss: unknown,
  requester: ClientRecord,
): Promise<ClientRecord> {
  if (typeof iss !== 'string' || iss === '') {
    throw refuse('iss', 'the assertion has no iss claim naming who issued it.')
  }
  const issuer = await findClient(ctx, iss)
  if (!issuer?.jwks || !issuer.grant_types.includes(jwtBearerGrantType)) {
    throw refuse(
      'iss',
      `${iss} is not a trusted assertion issuer here (it must be a client registered with jwks and the jwt-bearer grant).`,
    )
  }
  if (issuer.trustedAssertionIssuer !== true) {
    throw refuse(
      'iss',
      `${iss} is registered with keys, but no administrator trusts it to assert for users; a self-registered client cannot use this grant (in this demo, a registration with the demo administrator's initial access token is trusted).`,
    )
  }
  if (issuer.client_id !== requester.client_id) {
    throw refuse(
      'iss',
      `the assertion was issued by ${iss}, but the request comes from client ${requester.client_id}.`,
    )
  }
  return issuer
}

/**
 * `aud` must be this server's issuer identifier as a single string. RFC 7523 §3 also allowed the
 * token endpoint URL; its update refuses it, and a single-valued array too
 * (draft-ietf-oauth-rfc7523bis; docs/decisions/102).
 */
function checkAudience(ctx: ServerContext, aud: unknown): void {
  const rule = `use this server's issuer identifier, ${ctx.issuer}, as a single string (draft-ietf-oauth-rfc7523bis: the token endpoint URL is no longer accepted).`
  if (aud === undefined) throw refuse('aud', `the assertion has no aud claim; ${rule}`)
  if (aud !== ctx.issuer) {
    throw refuse('aud', `the audience ${JSON.stringify(aud)} is not accepted; ${rule}`)
  }
}

function checkTimes(claims: JWTPayload, now: number): void {
  const { exp, nbf, iat } = claims
  if (typeof exp !== 'number') throw refuse('exp', 'the assertion has no numeric exp claim.')
  if (exp + assertionClockSkew <= now) {
    throw refuse('exp', `the assertion expired ${now - exp} seconds ago.`)
  }
  if (exp - now > maxAssertionLifetime) {
    throw refuse(
      'exp',
      `the assertion is valid for ${exp - now} seconds; at most ${maxAssertionLifetime} are accepted.`,
    )
  }
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') throw refuse('nbf', 'nbf must be a number of seconds.')
    if (nbf - assertionClockSkew > now) {
      throw refuse('nbf', `the assertion is not valid for another ${nbf - now} seconds.`)
    }
  }
  if (iat !== undefined) {
    if (typeof iat !== 'number') throw refuse('iat', 'iat must be a number of seconds.')
    if (iat - assertionClockSkew > now) {
      throw refuse('iat', `the assertion claims to be issued ${iat - now} seconds in the future.`)
    }
    if (now - iat > maxAssertionAge) {
      throw refuse(
        'iat',
        `the assertion was issued ${now - iat} seconds ago; at most ${maxAssertionAge} are accepted.`,
      )
    }
  }
}

function grantedScope(client: ClientRecord, requested: string | undefined): string {
  const allowed = clientScopes(client).filter(
    (scope) => isKnownScope(scope) && !scopesNotForAssertions.includes(scope),
  )
  const wanted = requested === undefined ? allowed : splitSpaceList(requested)
  const refused = wanted.filter((scope) => !allowed.includes(scope))
  if (refused.length > 0) {
    throw new OAuthError(
      'invalid_scope',
      `Not available with an assertion grant: ${refused.join(' ')} (it issues only an access token, within the client's registered scopes).`,
    )
  }
  if (wanted.length === 0) throw new OAuthError('invalid_scope', 'No scope to grant.')
  return wanted.join(' ')
}

/**
 * The JWT bearer grant: the client presents a signed JWT (the assertion) that says "the user
 * `sub` lets `iss` act for them", and gets an access token for that user without any browser.
 * Client authentication is optional (§3.1); the client does identify itself, and its id must be
 * the assertion's `iss`. Each failed check is `invalid_grant` (RFC 7521 §4.1.1). No refresh token
 * and no ID token: the client mints a new assertion whenever it needs a new access token
 * (RFC 7521 §4.1).
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7521#section-4.1
 */
export const jwtBearerGrant: GrantDefinition = {
  grantType: jwtBearerGrantType,
  allowsPublicClients: true,
  async handle({ ctx, client, params, dpop }) {
    const assertion = params.get('assertion')
    if (assertion === undefined) throw new OAuthError('invalid_request', 'assertion is required.')

    // format: a compact JWS (JWE assertions are not supported) with JSON header and claims.
    const parts = assertion.split('.')
    if (parts.length === 5) {
      throw refuse('format', 'encrypted (JWE) assertions are not supported; send a signed JWT.')
    }
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(assertion)
    } catch {
      header = {}
    }
    const claims = parts.length === 3 ? decodeClaims(assertion) : undefined
    if (parts.length !== 3 || !claims || typeof header.alg !== 'string') {
      throw refuse(
        'format',
        'the assertion is not a JWT (three base64url parts: a JSON header, JSON claims and a signature).',
      )
    }
    if (!(assertionAlgorithms as readonly string[]).includes(header.alg)) {
      throw refuse(
        'alg',
        `${header.alg} is refused; sign with an asymmetric algorithm (${assertionAlgorithms.join(', ')}).`,
      )
    }

    const issuer = await trustedIssuer(ctx, claims.iss, client)
    const keys = issuer.jwks?.keys ?? []
    if (
      header.kid !== undefined &&
      !keys.some((key) => (key as { kid?: unknown }).kid === header.kid)
    ) {
      throw refuse(
        'signature',
        `no key with kid ${header.kid} is registered for ${issuer.client_id}.`,
      )
    }
    try {
      await compactVerify(assertion, createLocalJWKSet({ keys } as never), {
        algorithms: [...assertionAlgorithms],
      })
    } catch {
      throw refuse(
        'signature',
        `the signature does not verify with the keys registered for ${issuer.client_id}.`,
      )
    }

    checkAudience(ctx, claims.aud)
    const now = ctx.nowSeconds()
    checkTimes(claims, now)

    if (typeof claims.sub !== 'string' || claims.sub === '') {
      throw refuse('sub', 'the assertion has no sub claim naming the user.')
    }
    const user = findUser(ctx, claims.sub)
    if (!user) {
      const known = ctx.directory.users().map((each) => `${each.username} (${each.sub})`)
      throw refuse(
        'sub',
        `no user ${claims.sub} here; the users are ${known.length === 0 ? 'none' : listNames(known)}.`,
      )
    }
    const scope = grantedScope(client, params.get('scope'))

    if (typeof claims.jti !== 'string' || claims.jti === '') {
      throw refuse('jti', 'the assertion has no jti; this server needs one to refuse replays.')
    }
    const replayKey = `${issuer.client_id} ${claims.jti}`
    const exp = claims.exp as number
    await ctx.withLock(`grant-assertion:${replayKey}`, async () => {
      const seen = await ctx.deps.store.get<{ expiresAt: number }>(assertionJtisKind, replayKey)
      if (seen && seen.expiresAt > now) {
        throw refuse('jti', `an assertion with jti ${claims.jti} was already used.`)
      }
      // Kept until the assertion could no longer be accepted anyway (RFC 7523 §3, item 7).
      const expiresAt = Math.max(exp + assertionClockSkew, now + 1)
      await ctx.deps.store.put(assertionJtisKind, replayKey, { expiresAt }, { expiresAt })
    })

    const grant = await createGrant(ctx, { clientId: client.client_id, sub: user.sub, scope })
    // RFC 9449 §5: bound to the proof's key when the request carried one.
    const access = await issueAccessToken(ctx, grant, scope, dpop ? { jkt: dpop.jkt } : {})
    return {
      access_token: access.token,
      token_type: tokenTypeFor(dpop?.jkt),
      expires_in: ctx.lifetimes.accessToken,
      scope,
    }
  },
}
