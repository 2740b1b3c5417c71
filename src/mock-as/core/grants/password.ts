import { clientScopes } from '../clients'
import { OAuthError } from '../errors'
import { splitSpaceList } from '../http'
import { checkPassword } from '../password-attempts'
import { createGrant } from '../tokens'
import type { GrantDefinition } from './grant-types'
import { issueUserTokens } from './issue-tokens'

export { passwordAttemptLimit, passwordLockSeconds } from '../password-attempts'

/**
 * The resource owner password credentials grant: the client collects the user's username and
 * password itself and posts them here. Deprecated: RFC 9700 §2.4 says it MUST NOT be used, so
 * only demo clients marked legacy may. RFC 6749 §4.3.2 requires protection against guessing:
 * after {@link passwordAttemptLimit} failures a username is locked for
 * {@link passwordLockSeconds} seconds, even for the right password. Bad credentials and a lock
 * are both `invalid_grant`. No refresh token unless the client is registered for refresh_token.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.4
 */
export const passwordGrant: GrantDefinition = {
  grantType: 'password',
  allowsPublicClients: true,
  legacyOnly: {
    spec: 'RFC 9700 section 2.4',
    reason:
      'the resource owner password credentials grant MUST NOT be used; use the authorization code grant with PKCE',
  },
  async handle({ ctx, client, params, dpop }) {
    const username = params.get('username')
    const password = params.get('password')
    if (!username || password === undefined) {
      throw new OAuthError('invalid_request', 'username and password are required.')
    }
    const allowed = clientScopes(client)
    const requested = params.has('scope') ? splitSpaceList(params.get('scope')) : allowed
    const refused = requested.filter((scope) => !allowed.includes(scope))
    if (requested.length === 0 || refused.length > 0) {
      throw new OAuthError(
        'invalid_scope',
        `Unknown or not allowed scope: ${refused.join(' ') || '(none requested)'}.`,
      )
    }
    const checked = await checkPassword(ctx, username, password)
    if (!checked.ok) {
      throw new OAuthError(
        'invalid_grant',
        checked.reason === 'locked'
          ? `Too many failed attempts for this username: try again in ${checked.retryAfter} s.`
          : 'The username or password is wrong.',
      )
    }
    const scope = requested.join(' ')
    const grant = await createGrant(ctx, {
      clientId: client.client_id,
      sub: checked.sub,
      scope,
      authTime: ctx.nowSeconds(),
    })
    return issueUserTokens(ctx, {
      client,
      grant,
      scope,
      withRefreshToken: true,
      ...(dpop ? { jkt: dpop.jkt } : {}),
    })
  },
}
