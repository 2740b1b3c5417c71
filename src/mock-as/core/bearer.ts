import { findClient } from './clients'
import type { ServerContext } from './context'
import { checkDpopProof, dpopChallenge, dpopError, requiresDpopNonce } from './dpop'
import { OAuthError, sanitizeDescription } from './errors'
import { splitSpaceList } from './http'
import type { BearerTarget } from './protected-resources'
import type { CoreRequest } from './request-response'
import { type AccessTokenRecord, checkAccessToken } from './tokens'

/**
 * A `WWW-Authenticate: Bearer` challenge. Without an error code when the request carried no
 * token at all (RFC 6750 §3.1), with one otherwise. A protected resource with RFC 9728 metadata
 * adds `resource_metadata`, its URL, to every challenge (RFC 9728 §5.1), and may hint with `scope`
 * which scope to ask for before there is an error (RFC 6750 §3).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function bearerChallenge(
  realm: string,
  error?: {
    code: 'invalid_request' | 'invalid_token' | 'insufficient_scope'
    description: string
    scope?: string
  },
  extras: { resourceMetadata?: string; scope?: string } = {},
): string {
  const parts = [`realm="${realm}"`]
  if (error) {
    parts.push(
      `error="${error.code}"`,
      `error_description="${sanitizeDescription(error.description)}"`,
    )
  }
  const scope = error ? error.scope : extras.scope
  if (scope) parts.push(`scope="${scope}"`)
  if (extras.resourceMetadata) parts.push(`resource_metadata="${extras.resourceMetadata}"`)
  return `Bearer ${parts.join(', ')}`
}

/** The b64token syntax of RFC 6750 §2.1 (the DPoP scheme's token68 is the same, RFC 9449 §7.1). */
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

type Scheme = 'bearer' | 'dpop'

type ChallengeError = {
  code: 'invalid_request' | 'invalid_token' | 'insufficient_scope'
  description: string
  scope?: string
}

type ChallengeExtras = { resourceMetadata?: string; scope?: string }

/**
 * The challenge for an error in a request made with `scheme`. A 401 (no token, or an invalid
 * one) also names the other scheme this resource takes: a resource that accepts both says so
 * (RFC 9449 §7.2), so a client learns it may retry with DPoP. The resource's RFC 9728 metadata
 * URL rides on the challenge of either scheme (RFC 9728 §5.1).
 */
function challengeFor(
  scheme: Scheme,
  realm: string,
  error?: ChallengeError,
  extras: ChallengeExtras = {},
): string {
  const both = error === undefined || error.code === 'invalid_token'
  if (scheme === 'bearer') {
    return both
      ? `${bearerChallenge(realm, error, extras)}, ${dpopChallenge()}`
      : bearerChallenge(realm, error, extras)
  }
  const dpop = dpopChallenge(error, extras)
  return both ? `${dpop}, ${bearerChallenge(realm, undefined, extras)}` : dpop
}

function refuse(
  scheme: Scheme,
  realm: string,
  error: ChallengeError,
  extras: ChallengeExtras = {},
): OAuthError {
  return new OAuthError(error.code, error.description, {
    headers: { 'WWW-Authenticate': challengeFor(scheme, realm, error, extras) },
  })
}

/**
 * Reads the access token from the Authorization header and checks it, throwing the RFC 6750 or
 * RFC 9449 error with its challenge when anything is wrong. Tokens in the query are not accepted.
 * - `Bearer`: a token bound to a DPoP key is refused, else anyone who copied it could use it
 *   (RFC 9449 §7.2).
 * - `DPoP`: the token must be DPoP-bound, and the request must carry a proof (checked by
 *   `checkDpopProof`, `ath` included) made with the key the token is bound to (§7.1, §4.3 item
 *   12); the server's nonce when the token's client must send one (§9).
 * With a `target` (a protected resource of `protected-resources.ts`), the token's `aud` must name
 * that resource (RFC 8707 §2, RFC 9068 §4) and every challenge points to its RFC 9728 metadata;
 * without one, the default audience (the demo API) applies. `requiredScope` undefined: any scope.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 */
export async function requireAccessToken(
  ctx: ServerContext,
  request: CoreRequest,
  realm: string,
  requiredScope: string | undefined,
  target?: BearerTarget,
): Promise<AccessTokenRecord> {
  const extras = target ? { resourceMetadata: target.resourceMetadata } : {}
  const header = request.headers.get('authorization')
  const match = header ? /^(bearer|dpop)(?: +(.*))?$/i.exec(header.trim()) : null
  if (!match) {
    // RFC 6750 §3.1: no error code here. The MCP server adds the scope to ask for first (MCP
    // authorization, "Protected Resource Metadata Discovery Requirements").
    const hint = target?.firstScope
    throw new OAuthError('invalid_token', 'An access token is required.', {
      headers: {
        'WWW-Authenticate': challengeFor('bearer', realm, undefined, {
          ...extras,
          ...(hint ? { scope: hint } : {}),
        }),
      },
    })
  }
  const scheme = (match[1] ?? 'bearer').toLowerCase() as Scheme
  const token = match[2]?.trim() ?? ''
  if (!b64token.test(token)) {
    throw refuse(
      scheme,
      realm,
      { code: 'invalid_request', description: 'The Authorization header is malformed.' },
      extras,
    )
  }
  const check = await checkAccessToken(ctx, token, target ? { audience: target.audience } : {})
  if (!check.valid) {
    throw refuse(scheme, realm, { code: 'invalid_token', description: check.reason }, extras)
  }
  const { record } = check
  if (scheme === 'bearer' && record.jkt !== undefined) {
    throw refuse(
      scheme,
      realm,
      {
        code: 'invalid_token',
        description:
          'This access token is bound to a DPoP key: send it with the DPoP scheme and a DPoP proof made with that key (RFC 9449 section 7.2).',
      },
      extras,
    )
  }
  if (scheme === 'dpop') {
    const recipient = { kind: 'resource', realm, ...extras } as const
    if (record.jkt === undefined) {
      throw dpopError(
        recipient,
        'invalid_token',
        'This access token is not bound to a DPoP key; send it with the Bearer scheme.',
      )
    }
    if (!request.headers.has('dpop')) {
      throw dpopError(
        recipient,
        'invalid_request',
        'The DPoP scheme needs a DPoP proof in the DPoP header (RFC 9449 section 7.1).',
      )
    }
    const proof = await checkDpopProof(ctx, request, {
      recipient,
      accessToken: token,
      requireNonce: requiresDpopNonce(await findClient(ctx, record.clientId)),
    })
    if (proof?.jkt !== record.jkt) {
      throw dpopError(
        recipient,
        'invalid_token',
        'The DPoP proof was made with another key than the one the access token is bound to.',
      )
    }
  }
  if (requiredScope !== undefined) {
    requireScope(record, realm, requiredScope, target)
  }
  return record
}

/**
 * 403 `insufficient_scope` naming the scope the request needs (RFC 6750 §3.1), with the
 * resource's metadata URL as on every other challenge (RFC 9728 §5.1). The challenge's scheme is
 * the one the token was sent with: a DPoP-bound token only passes `requireAccessToken` with the
 * DPoP scheme, an unbound one only with Bearer (RFC 9449 §7.1).
 */
export function requireScope(
  record: AccessTokenRecord,
  realm: string,
  requiredScope: string,
  target?: BearerTarget,
): void {
  if (splitSpaceList(record.scope).includes(requiredScope)) return
  throw refuse(
    record.jkt === undefined ? 'bearer' : 'dpop',
    realm,
    {
      code: 'insufficient_scope',
      description: `The access token lacks the ${requiredScope} scope.`,
      scope: requiredScope,
    },
    target ? { resourceMetadata: target.resourceMetadata } : {},
  )
}
