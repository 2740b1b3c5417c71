import {
  calculateJwkThumbprint,
  compactVerify,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
} from 'jose'
import type { ClientRecord } from './clients'
import type { ServerContext } from './context'
import { OAuthError, sanitizeDescription } from './errors'
import { base64url } from './http'
import type { CoreRequest } from './request-response'

/**
 * DPoP (RFC 9449): proof checks for the token endpoint, the PAR endpoint, the demo API and
 * UserInfo; the server's nonces; the key thumbprints tokens are bound to. One file, so every
 * place that accepts a proof checks the same things in the same order (docs/decisions/100).
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */

/**
 * The proof algorithms accepted, as published in `dpop_signing_alg_values_supported` (RFC 9449
 * §5.1): asymmetric only, never `none` or a MAC (§4.3 item 5). Ed25519 by its RFC 9864 name.
 */
export const dpopSigningAlgorithms = ['ES256', 'Ed25519', 'RS256', 'PS256'] as const

/**
 * How far a proof's `iat` may be from the server's clock, either way, in seconds (RFC 9449 §4.3
 * item 11 and §11.1 leave the window to the server; docs/decisions/100).
 */
export const dpopProofWindow = 60

/**
 * How long a server nonce is the current one. A nonce is accepted for twice that: while it is
 * current and while it is the previous one, so a client that just fetched one is never caught by
 * a rotation (RFC 9449 §8; docs/decisions/101).
 */
export const dpopNonceLifetime = 5 * 60

/** A DPoP header longer than this is refused before it is parsed (a 4096-bit RSA proof is ~2 KB). */
export const maxDpopProofLength = 8 * 1024

/** A `jti` longer than this is refused: the replay store keeps every one for the window. */
export const maxDpopJtiLength = 256

/** RSA proof keys must have a modulus of at least 2048 bits (RFC 8725 §3.5 via RFC 9449 §11.6). */
const minRsaModulusBytes = 256

const proofJtisKind = 'dpop-proof-jtis'
const noncesKind = 'dpop-nonces'
const nonceRecordId = 'current'

/** Members that only a private (or symmetric) JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037). */
const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** What a checked proof tells the server: the key (and its RFC 7638 thumbprint) that signed it. */
export interface DpopProof {
  /** base64url(SHA-256) JWK thumbprint of the proof's public key (RFC 7638, RFC 9449 §6.1). */
  jkt: string
  jwk: JWK
  jti: string
  iat: number
  alg: string
  nonce?: string
}

/**
 * Where the proof was sent: the authorization server answers errors as JSON with 400 (RFC 9449
 * §5, §8), a protected resource as 401 with a `WWW-Authenticate: DPoP` challenge (§7.1, §9).
 */
export type DpopRecipient =
  | { kind: 'authorization-server' }
  | {
      kind: 'resource'
      realm: string
      /** The resource's RFC 9728 metadata URL, named on every challenge it sends (§5.1). */
      resourceMetadata?: string
    }

export interface DpopCheck {
  recipient: DpopRecipient
  /** The access token sent with the proof, at a protected resource: `ath` must hash it (§4.3 item 12). */
  accessToken?: string
  /** Whether this request's proof must carry a current server nonce (§8, §9). */
  requireNonce: boolean
}

/** `base64url(SHA-256(ASCII(access token)))`: the `ath` claim (RFC 9449 §4.2). */
export async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))
  return base64url(new Uint8Array(digest))
}

/** The RFC 7638 JWK SHA-256 thumbprint, the `jkt` of RFC 9449 §6.1. */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256')
}

/** A `dpop_jkt` value: a base64url SHA-256 thumbprint, 43 characters (RFC 9449 §10). */
export const jktPattern = /^[A-Za-z0-9_-]{43}$/

/**
 * The clients whose proofs must carry a server nonce. A demo client says so itself
 * (`dpopNonceRequired`); a registered client that declared `dpop_bound_access_tokens` gets them
 * too, as this server's policy (docs/decisions/101). Nonces are never required of a client that
 * only sometimes sends a proof.
 */
export function requiresDpopNonce(client: ClientRecord | undefined): boolean {
  return client?.dpopNonceRequired === true
}

/**
 * The `WWW-Authenticate: DPoP` challenge of a protected resource, always with the `algs` it
 * accepts (RFC 9449 §7.1), the scope an `insufficient_scope` error needs (RFC 6750 §3.1), and the
 * resource's metadata URL when it has one (RFC 9728 §5.1).
 */
export function dpopChallenge(
  error?: { code: string; description: string; scope?: string },
  extras: { resourceMetadata?: string } = {},
): string {
  const parts: string[] = []
  if (error) {
    parts.push(
      `error="${error.code}"`,
      `error_description="${sanitizeDescription(error.description)}"`,
    )
    if (error.scope) parts.push(`scope="${error.scope}"`)
  }
  parts.push(`algs="${dpopSigningAlgorithms.join(' ')}"`)
  if (extras.resourceMetadata) parts.push(`resource_metadata="${extras.resourceMetadata}"`)
  return `DPoP ${parts.join(', ')}`
}

function challengeExtras(recipient: DpopRecipient): { resourceMetadata?: string } {
  return recipient.kind === 'resource' && recipient.resourceMetadata
    ? { resourceMetadata: recipient.resourceMetadata }
    : {}
}

interface NonceRecord {
  value: string
  issuedAt: number
  previous?: { value: string; issuedAt: number }
}

/**
 * The nonce to hand out now, rotated once the current one is {@link dpopNonceLifetime} old. One
 * record for the whole server: the token endpoint, PAR, UserInfo and the demo API share an
 * origin, and oauth4webapi keeps one nonce per origin, so they share one nonce too (RFC 9449 §9
 * allows a resource server its own; here that would only force extra retries). One atomic update:
 * two requests at a rotation get the same new value.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 */
export async function currentDpopNonce(ctx: ServerContext): Promise<string> {
  const now = ctx.nowSeconds()
  const fresh = ctx.randomId(24)
  const record = await ctx.deps.store.update<NonceRecord>(noncesKind, nonceRecordId, (current) => {
    if (current && current.issuedAt + dpopNonceLifetime > now) return undefined
    const next: NonceRecord = {
      value: fresh,
      issuedAt: now,
      ...(current ? { previous: { value: current.value, issuedAt: current.issuedAt } } : {}),
    }
    return { put: next, options: { expiresAt: now + 2 * dpopNonceLifetime } }
  })
  return record?.value ?? fresh
}

/** Whether `nonce` is one this server handed out and still accepts (the current or the previous one). */
async function isAcceptedNonce(ctx: ServerContext, nonce: string): Promise<boolean> {
  const record = await ctx.deps.store.get<NonceRecord>(noncesKind, nonceRecordId)
  if (!record) return false
  const now = ctx.nowSeconds()
  const accepted = [record, record.previous].filter(
    (entry): entry is { value: string; issuedAt: number } =>
      entry !== undefined && entry.issuedAt + 2 * dpopNonceLifetime > now,
  )
  return accepted.some((entry) => entry.value === nonce)
}

/**
 * The refusal of a proof, shaped for where it was sent: at the authorization server the RFC 6749
 * §5.2 JSON with 400 (`invalid_dpop_proof`, RFC 9449 §5); at a resource 401 with the DPoP
 * challenge (§7.1).
 */
export function dpopError(
  recipient: DpopRecipient,
  code: 'invalid_dpop_proof' | 'invalid_request' | 'invalid_token',
  description: string,
): OAuthError {
  const full = code === 'invalid_dpop_proof' ? `DPoP proof: ${description}` : description
  if (recipient.kind === 'authorization-server') return new OAuthError(code, full)
  return new OAuthError(code, full, {
    status: code === 'invalid_request' ? 400 : 401,
    headers: {
      'WWW-Authenticate': dpopChallenge({ code, description: full }, challengeExtras(recipient)),
    },
  })
}

/** `use_dpop_nonce` with a fresh `DPoP-Nonce` header: 400 at the server (§8), 401 at a resource (§9). */
async function nonceChallenge(
  ctx: ServerContext,
  recipient: DpopRecipient,
  description: string,
): Promise<OAuthError> {
  const nonce = await currentDpopNonce(ctx)
  if (recipient.kind === 'authorization-server') {
    return new OAuthError('use_dpop_nonce', description, { headers: { 'DPoP-Nonce': nonce } })
  }
  return new OAuthError('use_dpop_nonce', description, {
    status: 401,
    headers: {
      'WWW-Authenticate': dpopChallenge(
        { code: 'use_dpop_nonce', description },
        challengeExtras(recipient),
      ),
      'DPoP-Nonce': nonce,
    },
  })
}

/** `htu` and the request's URI, compared as URLs without query and fragment (RFC 9449 §4.3 item 9). */
function sameTarget(htu: string, requestUrl: string): boolean {
  let claimed: URL
  try {
    claimed = new URL(htu)
  } catch {
    return false
  }
  const actual = new URL(requestUrl)
  // The WHATWG parser normalises what RFC 3986 §6.2.2 and §6.2.3 ask (case of scheme and host,
  // default port, dot segments) before the comparison.
  return claimed.origin === actual.origin && claimed.pathname === actual.pathname
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Checks the request's DPoP proof, if it has one, the way RFC 9449 §4.3 lists the checks:
 * 1. at most one DPoP header, 2. a single well-formed JWT, 3. every required claim, 4. `typ`
 * `dpop+jwt`, 5. an allowed asymmetric `alg`, 7. a public `jwk` only, 6. the signature with that
 * key, 8. `htm`, 9. `htu` without query and fragment, 11. `iat` within the window, 12. `ath` at a
 * resource; then 10. the server nonce when this request needs one, and the `jti` seen only once
 * per key (§11.1), stored atomically until the proof could no longer be accepted anyway. The
 * binding of an access token to the key (the rest of item 12) is the caller's: it knows the token.
 * Resolves to `undefined` when there is no DPoP header at all; throws the refusal otherwise.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export async function checkDpopProof(
  ctx: ServerContext,
  request: CoreRequest,
  check: DpopCheck,
): Promise<DpopProof | undefined> {
  const header = request.headers.get('dpop')
  if (header === null) return undefined
  const refuse = (description: string) =>
    dpopError(check.recipient, 'invalid_dpop_proof', description)

  // 1. Fetch joins repeated header fields with ", "; a compact JWS has neither.
  if (/[,\s]/.test(header.trim())) {
    throw refuse('send exactly one DPoP header holding one JWT.')
  }
  const proof = header.trim()
  if (proof.length > maxDpopProofLength) {
    throw refuse(`the header is longer than ${maxDpopProofLength} characters.`)
  }
  // 2. A JWS in compact form: three base64url parts.
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(proof)) {
    throw refuse('it is not a JWT (three base64url parts: header, claims, signature).')
  }
  let protectedHeader: ReturnType<typeof decodeProtectedHeader>
  try {
    protectedHeader = decodeProtectedHeader(proof)
  } catch {
    throw refuse('its header is not base64url-encoded JSON.')
  }
  // 4. typ
  if (protectedHeader.typ !== 'dpop+jwt') {
    throw refuse(`typ must be dpop+jwt, not ${String(protectedHeader.typ ?? '(absent)')}.`)
  }
  // 5. alg: asymmetric, supported, never none or HS*.
  const alg = protectedHeader.alg
  if (typeof alg !== 'string' || !(dpopSigningAlgorithms as readonly string[]).includes(alg)) {
    throw refuse(
      `alg ${String(alg ?? '(absent)')} is not accepted; sign with one of ${dpopSigningAlgorithms.join(', ')} (never none or a MAC).`,
    )
  }
  // 7. jwk: a public key, nothing private (checked before it is used for anything).
  const jwk = protectedHeader.jwk
  if (!isObject(jwk)) throw refuse('the header must carry the public key as a jwk object.')
  const leaked = privateJwkMembers.filter((member) => Object.hasOwn(jwk, member))
  if (leaked.length > 0 || jwk.kty === 'oct') {
    throw refuse(
      `the jwk holds private key material (${leaked.join(', ') || 'a symmetric key'}); send the public key only.`,
    )
  }
  if (jwk.kty === 'RSA') {
    const modulus = typeof jwk.n === 'string' ? jwk.n : ''
    if (Math.floor((modulus.length * 3) / 4) < minRsaModulusBytes) {
      throw refuse('RSA proof keys must be at least 2048 bits long.')
    }
  }
  // 6. The signature, with the key the proof carries.
  let payload: Uint8Array
  try {
    payload = (await compactVerify(proof, EmbeddedJWK, { algorithms: [...dpopSigningAlgorithms] }))
      .payload
  } catch {
    throw refuse('the signature does not verify with the jwk in its header.')
  }
  let claims: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(payload))
    if (!isObject(parsed)) throw new Error('not an object')
    claims = parsed
  } catch {
    throw refuse('its claims are not a JSON object.')
  }
  // 3. Required claims: jti, htm, htu, iat (and ath at a resource, below).
  const { jti, htm, htu, iat } = claims
  if (typeof jti !== 'string' || jti === '') throw refuse('jti (a unique id) is missing.')
  if (jti.length > maxDpopJtiLength) {
    throw refuse(`jti is longer than ${maxDpopJtiLength} characters.`)
  }
  if (typeof htm !== 'string') throw refuse('htm (the HTTP method) is missing.')
  if (typeof htu !== 'string') throw refuse('htu (the target URI) is missing.')
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw refuse('iat (when it was made) is missing.')
  }
  // 8. htm
  if (htm !== request.method.toUpperCase()) {
    throw refuse(`htm is ${htm}, but the request is a ${request.method.toUpperCase()}.`)
  }
  // 9. htu, without query and fragment.
  const target = new URL(request.url)
  if (!sameTarget(htu, request.url)) {
    throw refuse(`htu ${htu} is not this request's URI (${target.origin}${target.pathname}).`)
  }
  // 11. iat within the window.
  const now = ctx.nowSeconds()
  if (Math.abs(now - iat) > dpopProofWindow) {
    throw refuse(
      `iat is ${Math.round(now - iat)} seconds from the server's clock; at most ${dpopProofWindow} are accepted.`,
    )
  }
  // 12 (first half). ath: the proof covers this very access token.
  if (check.accessToken !== undefined) {
    if (typeof claims.ath !== 'string') {
      throw refuse('ath (the hash of the access token) is missing.')
    }
    if (claims.ath !== (await accessTokenHash(check.accessToken))) {
      throw refuse('ath does not match the access token sent with it.')
    }
  }
  // 10. The server nonce, when this request needs one.
  const nonce = claims.nonce
  if (nonce !== undefined && typeof nonce !== 'string') throw refuse('nonce must be a string.')
  if (check.requireNonce) {
    if (nonce === undefined) {
      throw await nonceChallenge(
        ctx,
        check.recipient,
        check.recipient.kind === 'authorization-server'
          ? 'Authorization server requires nonce in DPoP proof: retry with the DPoP-Nonce value.'
          : 'Resource server requires nonce in DPoP proof: retry with the DPoP-Nonce value.',
      )
    }
    if (!(await isAcceptedNonce(ctx, nonce))) {
      throw await nonceChallenge(
        ctx,
        check.recipient,
        'The nonce in the DPoP proof is not current: retry with the DPoP-Nonce value.',
      )
    }
  }
  const jkt = await jwkThumbprint(jwk as JWK)
  // §11.1: each proof once per key. Kept until its iat leaves the window (then it fails anyway).
  const expiresAt = Math.max(iat + dpopProofWindow + 1, now + 1)
  let replayed = false
  await ctx.deps.store.update<{ expiresAt: number }>(proofJtisKind, `${jkt} ${jti}`, (seen) => {
    if (seen && seen.expiresAt > now) {
      replayed = true
      return undefined
    }
    return { put: { expiresAt }, options: { expiresAt } }
  })
  if (replayed) throw refuse(`a proof with jti ${jti} was already used with this key.`)
  return {
    jkt,
    jwk: jwk as JWK,
    jti,
    iat,
    alg,
    ...(typeof nonce === 'string' ? { nonce } : {}),
  }
}
