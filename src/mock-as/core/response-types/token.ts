import { createGrant, issueAccessToken } from '../tokens'
import type { ResponseTypeDefinition } from './response-type'

/**
 * `response_type=token`, the implicit grant: the access token itself comes back in the fragment
 * of the redirect URI, with `token_type`, `expires_in` and `scope`, and never with a refresh
 * token (RFC 6749 §4.2.2). Deprecated: RFC 9700 §2.1.2 says clients SHOULD NOT use it, so this
 * server allows it only for demo clients marked legacy (`legacyOnly`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.2.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2
 */
export const tokenResponseType: ResponseTypeDefinition = {
  responseType: 'token',
  responseMode: 'fragment',
  requiredGrantTypes: ['implicit'],
  requiresNonce: false,
  requiresOpenidScope: false,
  usesPkce: false,
  legacyOnly: {
    spec: 'RFC 9700 section 2.1.2',
    reason: 'the implicit grant SHOULD NOT be used; use the authorization code grant with PKCE',
  },
  async issue(ctx, approved) {
    const { pending } = approved
    const scope = pending.scopes.join(' ')
    const grant = await createGrant(ctx, {
      clientId: pending.clientId,
      sub: approved.sub,
      scope,
      authTime: approved.authTime,
      ...(approved.sid === undefined ? {} : { sid: approved.sid }),
    })
    const access = await issueAccessToken(ctx, grant, scope)
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: String(ctx.lifetimes.accessToken),
      scope,
    }
  },
}
