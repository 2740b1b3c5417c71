import { authenticateClient, invalidClient } from '../client-authentication'
import type { ServerContext } from '../context'
import { OAuthError } from '../errors'
import { jsonResponse, readForm } from '../http'
import {
  checkAccessToken,
  isGrantActive,
  type RefreshTokenRecord,
  refreshTokensKind,
} from '../tokens'

/**
 * `POST /as/introspect`. The caller must authenticate as a confidential client. An unknown,
 * expired or revoked token is `{"active": false}` and nothing else.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export async function handleIntrospect(request: Request, ctx: ServerContext): Promise<Response> {
  const params = await readForm(request)
  const { method } = await authenticateClient(ctx, request, params)
  if (method === 'none') {
    throw invalidClient('Introspection needs an authenticated client.', request)
  }
  const token = params.get('token')
  if (!token) throw new OAuthError('invalid_request', 'token is required.')
  const inactive = jsonResponse({ active: false })

  const refresh = await ctx.deps.store.get<RefreshTokenRecord>(refreshTokensKind, token)
  if (refresh) {
    const active =
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
  return jsonResponse({
    active: true,
    scope: record.scope,
    client_id: record.clientId,
    sub: record.sub,
    token_type: 'Bearer',
    iss: ctx.issuer,
    aud: record.aud ?? ctx.resourceAudience,
    iat: record.iat,
    exp: record.exp,
    jti: record.jti,
    ...(record.act === undefined ? {} : { act: record.act }),
  })
}
