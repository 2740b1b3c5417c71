import { authenticateClient, invalidClient } from '../client-authentication'
import { isInAudience } from '../clients'
import type { ServerContext } from '../context'
import { OAuthError } from '../errors'
import { jsonResponse, readForm } from '../http'
import type { CoreRequest, CoreResponse } from '../request-response'
import {
  checkAccessToken,
  isGrantActive,
  type RefreshTokenRecord,
  refreshTokensKind,
} from '../tokens'

/**
 * `POST /as/introspect`. The caller must authenticate as a confidential client, and it learns
 * about a token only if the token is its own, or, for an access token, if it is a resource server
 * the token is meant for (its `aud`). Refresh tokens are never meant for a resource server. Any
 * other token — unknown, expired, revoked, or another client's — is `{"active": false}` and
 * nothing else, so a caller cannot use the endpoint to scan tokens it should not see.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-6.2 (`cnf.jkt` of a DPoP-bound token)
 */
export async function handleIntrospect(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const params = await readForm(request)
  const { client, method } = await authenticateClient(ctx, request, params)
  if (method === 'none') {
    throw invalidClient('Introspection needs an authenticated client.', request)
  }
  const token = params.get('token')
  if (!token) throw new OAuthError('invalid_request', 'token is required.')
  const inactive = jsonResponse({ active: false })

  const refresh = await ctx.deps.store.get<RefreshTokenRecord>(refreshTokensKind, token)
  if (refresh) {
    const active =
      refresh.clientId === client.client_id &&
      refresh.usedAt === undefined &&
      refresh.exp > ctx.nowSeconds() &&
      (await isGrantActive(ctx, refresh.grantId))
    if (!active) return inactive
    return jsonResponse({
      active: true,
      scope: refresh.scope,
      client_id: refresh.clientId,
      sub: refresh.sub,
      iss: ctx.issuer,
      iat: refresh.iat,
      exp: refresh.exp,
    })
  }

  const access = await checkAccessToken(ctx, token, { anyAudience: true })
  if (!access.valid) return inactive
  const { record } = access
  const aud = record.aud ?? ctx.resourceAudience
  if (record.clientId !== client.client_id && !isInAudience(client, aud)) return inactive
  return jsonResponse({
    active: true,
    scope: record.scope,
    client_id: record.clientId,
    sub: record.sub,
    token_type: record.jkt === undefined ? 'Bearer' : 'DPoP',
    iss: ctx.issuer,
    aud,
    iat: record.iat,
    exp: record.exp,
    jti: record.jti,
    ...(record.act === undefined ? {} : { act: record.act }),
    ...(record.jkt === undefined ? {} : { cnf: { jkt: record.jkt } }),
  })
}
