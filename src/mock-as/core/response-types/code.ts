import { createAuthorizationCode } from '../authorization-codes'
import type { ResponseTypeDefinition } from './response-type'

/**
 * `response_type=code`: the code goes back in the query of the redirect URI.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export const codeResponseType: ResponseTypeDefinition = {
  responseType: 'code',
  responseMode: 'query',
  requiredGrantTypes: ['authorization_code'],
  requiresNonce: false,
  requiresOpenidScope: false,
  usesPkce: true,
  async issue(ctx, approved) {
    const record = await createAuthorizationCode(ctx, approved)
    return { code: record.code }
  },
}
