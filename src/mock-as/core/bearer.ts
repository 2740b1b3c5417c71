import type { ServerContext } from './context'
import { OAuthError, sanitizeDescription } from './errors'
import { splitSpaceList } from './http'
import { type AccessTokenRecord, checkAccessToken } from './tokens'

/**
 * A `WWW-Authenticate: Bearer` challenge. Without an error code when the request carried no
 * token at all (RFC 6750 §3.1), with one otherwise.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function bearerChallenge(
  realm: string,
  error?: {
    code: 'invalid_request' | 'invalid_token' | 'insufficient_scope'
    description: string
    scope?: string
  },
): string {
  const parts = [`realm="${realm}"`]
  if (error) {
    parts.push(
      `error="${error.code}"`,
      `error_description="${sanitizeDescription(error.description)}"`,
    )
    if (error.scope) parts.push(`scope="${error.scope}"`)
  }
  return `Bearer ${parts.join(', ')}`
}

/** The b64token syntax of RFC 6750 §2.1. */
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Reads the bearer token from the Authorization header and checks it, throwing the RFC 6750
 * error with its challenge when anything is wrong. Tokens in the query are not accepted.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export async function requireAccessToken(
  ctx: ServerContext,
  request: Request,
  realm: string,
  requiredScope: string,
): Promise<AccessTokenRecord> {
  const header = request.headers.get('authorization')
  const match = header ? /^bearer(?: +(.*))?$/i.exec(header.trim()) : null
  if (!match) {
    throw new OAuthError('invalid_token', 'An access token is required.', {
      headers: { 'WWW-Authenticate': bearerChallenge(realm) },
    })
  }
  const token = match[1]?.trim() ?? ''
  if (!b64token.test(token)) {
    const description = 'The Authorization header is malformed.'
    throw new OAuthError('invalid_request', description, {
      headers: {
        'WWW-Authenticate': bearerChallenge(realm, { code: 'invalid_request', description }),
      },
    })
  }
  const check = await checkAccessToken(ctx, token)
  if (!check.valid) {
    throw new OAuthError('invalid_token', check.reason, {
      headers: {
        'WWW-Authenticate': bearerChallenge(realm, {
          code: 'invalid_token',
          description: check.reason,
        }),
      },
    })
  }
  if (!splitSpaceList(check.record.scope).includes(requiredScope)) {
    const description = `The access token lacks the ${requiredScope} scope.`
    throw new OAuthError('insufficient_scope', description, {
      headers: {
        'WWW-Authenticate': bearerChallenge(realm, {
          code: 'insufficient_scope',
          description,
          scope: requiredScope,
        }),
      },
    })
  }
  return check.record
}
