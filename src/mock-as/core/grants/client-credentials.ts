import { clientScopes } from '../clients'
import { isKnownScope, scopeTable } from '../demo-data'
import { OAuthError } from '../errors'
import { splitSpaceList } from '../http'
import { audienceValue, parseResourceValues } from '../resource-indicators'
import { issueAccessToken } from '../tokens'
import { type GrantDefinition, tokenTypeFor } from './grant-types'

/**
 * A confidential client gets a token for itself: `sub` is its client_id, there is no refresh
 * token (RFC 6749 §4.4.3) and no ID token. Without `scope`, it gets every scope it registered.
 * With `resource`, the token is for those resources (RFC 8707 §2.2); without, for the demo API.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export const clientCredentialsGrant: GrantDefinition = {
  grantType: 'client_credentials',
  allowsPublicClients: false,
  resourceIndicators: true,
  async handle({ ctx, client, params, resources, dpop }) {
    const allowed = clientScopes(client).filter(
      (scope) => isKnownScope(scope) && !scopeTable[scope].needsUser,
    )
    const requested = params.has('scope') ? splitSpaceList(params.get('scope')) : allowed
    const refused = requested.filter((scope) => !allowed.includes(scope))
    if (refused.length > 0) {
      throw new OAuthError(
        'invalid_scope',
        `Scopes not available to this client without a user: ${refused.join(' ')}.`,
      )
    }
    const targets = parseResourceValues(ctx, resources)
    const scope = requested.join(' ')
    // Self-contained (docs/decisions/141): no grant and no token record, so the request writes
    // nothing. No refresh token, code or login session could ever revoke such a grant.
    const grant = { clientId: client.client_id, sub: client.client_id }
    // RFC 9449 §5: bound to the proof's key when the request carried one.
    const access = await issueAccessToken(ctx, grant, scope, {
      ...(targets.length === 0 ? {} : { aud: audienceValue(targets) }),
      ...(dpop ? { jkt: dpop.jkt } : {}),
    })
    return {
      access_token: access.token,
      token_type: tokenTypeFor(dpop?.jkt),
      expires_in: ctx.lifetimes.accessToken,
      scope,
    }
  },
}
