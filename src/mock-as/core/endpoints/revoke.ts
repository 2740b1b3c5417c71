import { authenticateClient } from '../client-authentication'
import type { ServerContext } from '../context'
import { OAuthError } from '../errors'
import { emptyResponse, readForm } from '../http'
import {
  type AccessTokenRecord,
  accessTokensKind,
  checkAccessToken,
  type RefreshTokenRecord,
  refreshTokensKind,
  revokeGrant,
} from '../tokens'

/**
 * `POST /as/revoke`. Revoking a refresh token revokes its whole grant, access tokens included.
 * Only the client the token was issued to can revoke it; an unknown, foreign or already revoked
 * token still gets 200, so the endpoint tells nothing about tokens.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function handleRevoke(request: Request, ctx: ServerContext): Promise<Response> {
  const params = await readForm(request)
  const { client } = await authenticateClient(ctx, request, params)
  const token = params.get('token')
  if (!token) throw new OAuthError('invalid_request', 'token is required.')
  // token_type_hint is only a hint (RFC 7009 §2.1): both kinds are looked up whatever it says.
  const refresh = await ctx.deps.store.get<RefreshTokenRecord>(refreshTokensKind, token)
  if (refresh) {
    if (refresh.clientId === client.client_id) await revokeGrant(ctx, refresh.grantId)
    return emptyResponse(200)
  }
  const access = await checkAccessToken(ctx, token)
  if (access.valid && access.record.clientId === client.client_id) {
    await ctx.deps.store.put<AccessTokenRecord>(
      accessTokensKind,
      access.record.jti,
      { ...access.record, revoked: true },
      { expiresAt: access.record.exp },
    )
  }
  return emptyResponse(200)
}
