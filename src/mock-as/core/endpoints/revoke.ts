import { authenticateClient } from '../client-authentication'
import type { ServerContext } from '../context'
import { OAuthError } from '../errors'
import { emptyResponse, readForm } from '../http'
import type { CoreRequest, CoreResponse } from '../request-response'
import {
  type AccessTokenRecord,
  accessTokensKind,
  checkAccessToken,
  type RefreshTokenRecord,
  refreshTokensKind,
  revokeGrant,
} from '../tokens'

/** RFC 7009 §2.1: the server checks that the token was issued to the client asking. */
function notYourToken(): OAuthError {
  return new OAuthError(
    'unauthorized_client',
    'This token was issued to another client; only that client may revoke it (RFC 7009 section 2.1).',
  )
}

/**
 * `POST /as/revoke`. Revoking a refresh token revokes its whole grant, access tokens included.
 * Only the client the token was issued to can revoke it: another client's token is refused with
 * `unauthorized_client` (RFC 7009 §2.1, answered as §2.2.1 says) and stays active. An unknown,
 * expired or already revoked token gets 200, as §2.2 says for an invalid token.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export async function handleRevoke(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const params = await readForm(request)
  const { client } = await authenticateClient(ctx, request, params)
  const token = params.get('token')
  if (!token) throw new OAuthError('invalid_request', 'token is required.')
  // token_type_hint is only a hint (RFC 7009 §2.1): both kinds are looked up whatever it says.
  const refresh = await ctx.deps.store.get<RefreshTokenRecord>(refreshTokensKind, token)
  if (refresh) {
    if (refresh.clientId !== client.client_id) throw notYourToken()
    await revokeGrant(ctx, refresh.grantId)
    return emptyResponse(200)
  }
  // Any audience: an exchanged token (another audience than the demo API) can be revoked too.
  const access = await checkAccessToken(ctx, token, { anyAudience: true })
  if (access.valid) {
    if (access.record.clientId !== client.client_id) throw notYourToken()
    await ctx.deps.store.put<AccessTokenRecord>(
      accessTokensKind,
      access.record.jti,
      { ...access.record, revoked: true },
      { expiresAt: access.record.exp },
    )
  }
  return emptyResponse(200)
}
