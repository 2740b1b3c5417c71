import { type ClientRecord, isPublicClient } from '../clients'
import type { ServerContext } from '../context'
import { splitSpaceList } from '../http'
import { type GrantRecord, issueAccessToken, issueIdToken, issueRefreshToken } from '../tokens'
import { type TokenResponseBody, tokenTypeFor } from './grant-types'

/**
 * The token response shared by the grants that act for a user.
 * - A refresh token comes with it whenever the client is registered for the `refresh_token`
 *   grant. `offline_access` is accepted and shown on the consent page but does not decide this:
 *   the walkthroughs need refresh tokens for SPAs that never ask for offline access.
 * - An ID token comes with it when `openid` is in scope, with `at_hash` for the access token.
 * - With a DPoP proof (`jkt`), the access token is bound to its key (`token_type` DPoP), and so is
 *   a public client's refresh token; a confidential client's refresh token is already bound to
 *   its client authentication (RFC 9449 §5).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export async function issueUserTokens(
  ctx: ServerContext,
  init: {
    client: ClientRecord
    grant: GrantRecord
    scope: string
    nonce?: string
    withRefreshToken: boolean
    /** The thumbprint of the request's DPoP proof key, if it had one. */
    jkt?: string
    /** The access token's `aud` when resources were named (RFC 8707 §2.2); default: the demo API. */
    aud?: string | string[]
  },
): Promise<TokenResponseBody> {
  const { client, grant, scope } = init
  const access = await issueAccessToken(ctx, grant, scope, {
    ...(init.jkt === undefined ? {} : { jkt: init.jkt }),
    ...(init.aud === undefined ? {} : { aud: init.aud }),
  })
  const body: TokenResponseBody = {
    access_token: access.token,
    token_type: tokenTypeFor(init.jkt),
    expires_in: ctx.lifetimes.accessToken,
    scope,
  }
  if (init.withRefreshToken && client.grant_types.includes('refresh_token')) {
    const bindTo = isPublicClient(client) ? init.jkt : undefined
    body.refresh_token = (await issueRefreshToken(ctx, grant, bindTo)).token
  }
  if (splitSpaceList(scope).includes('openid')) {
    body.id_token = await issueIdToken(ctx, {
      client,
      sub: grant.sub,
      ...(grant.authTime === undefined ? {} : { authTime: grant.authTime }),
      ...(grant.sid === undefined ? {} : { sid: grant.sid }),
      ...(init.nonce === undefined ? {} : { nonce: init.nonce }),
      accessToken: access.token,
    })
  }
  return body
}
