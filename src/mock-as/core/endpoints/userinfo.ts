import { requireAccessToken } from '../bearer'
import type { ServerContext } from '../context'
import { claimsByScope, findUserBySub } from '../demo-data'
import { OAuthError } from '../errors'
import { jsonResponse, splitSpaceList } from '../http'

export const userinfoRealm = 'grantlab-userinfo'

/**
 * `GET|POST /as/userinfo`: the claims the access token's scopes release, always with `sub`
 * (the same `sub` as the ID token). Needs an access token with the `openid` scope.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
export async function handleUserinfo(request: Request, ctx: ServerContext): Promise<Response> {
  const record = await requireAccessToken(ctx, request, userinfoRealm, 'openid')
  const user = findUserBySub(record.sub)
  if (!user) throw new OAuthError('invalid_token', 'The access token has no user.')
  const claims: Record<string, unknown> = { sub: user.sub }
  for (const scope of splitSpaceList(record.scope)) {
    for (const claim of claimsByScope[scope] ?? []) claims[claim] = user[claim]
  }
  if (claims.name !== undefined) claims.preferred_username = user.username
  return jsonResponse(claims)
}
