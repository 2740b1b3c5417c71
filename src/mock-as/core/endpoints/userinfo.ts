import { requireAccessToken } from '../bearer'
import type { ServerContext } from '../context'
import { claimsByScope } from '../demo-data'
import { OAuthError } from '../errors'
import { jsonResponse, splitSpaceList } from '../http'
import type { CoreRequest, CoreResponse } from '../request-response'

export const userinfoRealm = 'grantlab-userinfo'

/** Every claim name some scope releases (OIDC Core §5.4). */
const scopedClaims = new Set(Object.values(claimsByScope).flat())

/**
 * `GET|POST /as/userinfo`: the claims the access token's scopes release, always with `sub`
 * (the same `sub` as the ID token). Needs an access token with the `openid` scope. A configured
 * user's claims that no scope of §5.4 names (`groups`, `roles`…) come with `openid` itself.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ScopeClaims
 */
export async function handleUserinfo(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const record = await requireAccessToken(ctx, request, userinfoRealm, 'openid')
  const user = ctx.directory.userBySub(record.sub)
  if (!user) throw new OAuthError('invalid_token', 'The access token has no user.')
  const claims: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(user.claims)) {
    if (!scopedClaims.has(name)) claims[name] = value
  }
  const scopes = splitSpaceList(record.scope)
  for (const scope of scopes) {
    for (const claim of claimsByScope[scope] ?? []) {
      if (Object.hasOwn(user.claims, claim)) claims[claim] = user.claims[claim]
    }
  }
  if (scopes.includes('profile') && claims.preferred_username === undefined) {
    claims.preferred_username = user.username
  }
  claims.sub = user.sub
  return jsonResponse(claims)
}
