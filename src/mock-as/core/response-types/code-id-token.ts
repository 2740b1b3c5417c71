import { createAuthorizationCode } from '../authorization-codes'
import { findClient } from '../clients'
import { OAuthError } from '../errors'
import { issueIdToken } from '../tokens'
import type { ResponseTypeDefinition } from './response-type'

/**
 * `response_type=code id_token`, the OpenID Connect hybrid flow: a code for the token endpoint
 * plus an ID token in the front channel. The ID token must carry the request's `nonce` (so the
 * request has to send one) and `c_hash`, the left half of the hash of the code, which ties the
 * code to the signed token. Both travel in the fragment, the default response mode of this type.
 * PKCE applies as for `code`. The request must ask for `openid` (this is an OpenID Connect
 * response), and the client must be registered for both grants the answer stands for:
 * authorization_code (the code) and implicit (the front-channel ID token).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#HybridFlowAuth
 * @see https://openid.net/specs/openid-connect-core-1_0.html#HybridIDToken
 * @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#Combinations
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
 */
export const codeIdTokenResponseType: ResponseTypeDefinition = {
  responseType: 'code id_token',
  responseMode: 'fragment',
  requiredGrantTypes: ['authorization_code', 'implicit'],
  requiresNonce: true,
  requiresOpenidScope: true,
  usesPkce: true,
  async issue(ctx, approved) {
    const client = await findClient(ctx, approved.pending.clientId)
    if (!client) throw new OAuthError('server_error', 'The client is gone.')
    const record = await createAuthorizationCode(ctx, approved)
    const idToken = await issueIdToken(ctx, {
      client,
      sub: approved.sub,
      authTime: approved.authTime,
      ...(approved.sid === undefined ? {} : { sid: approved.sid }),
      ...(approved.pending.nonce === undefined ? {} : { nonce: approved.pending.nonce }),
      code: record.code,
    })
    return { code: record.code, id_token: idToken }
  },
}
