import type { ServerContext } from '../context'
import { jsonResponse } from '../http'
import type { CoreRequest, CoreResponse } from '../request-response'

/**
 * The public halves of the signing keys, each with its `kid`, `alg` and `use`.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata (jwks_uri)
 */
export async function handleJwks(_request: CoreRequest, ctx: ServerContext): Promise<CoreResponse> {
  const keys = await ctx.deps.keys.signingKeys()
  return jsonResponse({ keys: keys.map((key) => key.publicJwk) }, 200, {
    'Content-Type': 'application/jwk-set+json',
  })
}
