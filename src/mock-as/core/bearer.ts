import type { ServerContext } from './context'
import { OAuthError, sanitizeDescription } from './errors'
import { splitSpaceList } from './http'
import type { BearerTarget } from './protected-resources'
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

/** The b64token syntax of RFC 6750 §2.1. */
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Reads the bearer token from the Authorization header and checks it, throwing the RFC 6750
 * error with its challenge when anything is wrong. Tokens in the query are not accepted.
 * With a `target` (a protected resource of `protected-resources.ts`), the token's `aud` must name
 * that resource (RFC 8707 §2, RFC 9068 §4) and every challenge points to its RFC 9728 metadata;
 * without one, the default audience (the demo API) applies. `requiredScope` undefined: any scope.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export async function requireAccessToken(
  ctx: ServerContext,
  request: Request,
  realm: string,
  requiredScope: string | undefined,
  target?: BearerTarget,
): Promise<AccessTokenRecord> {
  const extras = target ? { resourceMetadata: target.resourceMetadata } : {}
  const header = request.headers.get('authorization')
  const match = header ? /^bearer(?: +(.*))?$/i.exec(header.trim()) : null
  if (!match) {
    // RFC 6750 §3.1: no error code here. The MCP server adds the scope to ask for first (MCP
    // authorization, "Protected Resource Metadata Discovery Requirements").
    const hint = target?.firstScope
    throw new OAuthError('invalid_token', 'An access token is required.', {
      headers: {
        'WWW-Authenticate': bearerChallenge(realm, undefined, {
          ...extras,
          ...(hint ? { scope: hint } : {}),
        }),
      },
    })
  }
  const token = match[1]?.trim() ?? ''
  if (!b64token.test(token)) {
    const description = 'The Authorization header is malformed.'
    throw new OAuthError('invalid_request', description, {
      headers: {
        'WWW-Authenticate': bearerChallenge(
          realm,
          { code: 'invalid_request', description },
          extras,
        ),
      },
    })
  }
  const check = await checkAccessToken(ctx, token, target ? { audience: target.audience } : {})
  if (!check.valid) {
    throw new OAuthError('invalid_token', check.reason, {
      headers: {
        'WWW-Authenticate': bearerChallenge(
          realm,
          { code: 'invalid_token', description: check.reason },
          extras,
        ),
      },
    })
  }
  if (requiredScope !== undefined) {
    requireScope(check.record, realm, requiredScope, target)
  }
  return check.record
}

/**
 * 403 `insufficient_scope` naming the scope the request needs (RFC 6750 §3.1), with the
 * resource's metadata URL as on every other challenge (RFC 9728 §5.1).
 */
export function requireScope(
  record: AccessTokenRecord,
  realm: string,
  requiredScope: string,
  target?: BearerTarget,
): void {
  if (splitSpaceList(record.scope).includes(requiredScope)) return
  const description = `The access token lacks the ${requiredScope} scope.`
  throw new OAuthError('insufficient_scope', description, {
    headers: {
      'WWW-Authenticate': bearerChallenge(
        realm,
        { code: 'insufficient_scope', description, scope: requiredScope },
        target ? { resourceMetadata: target.resourceMetadata } : {},
      ),
    },
  })
}
