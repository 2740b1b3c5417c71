import type { ServerContext } from '../context'
import type { SigningKey } from '../deps'
import { jsonTextResponse } from '../http'
import type { CoreRequest, CoreResponse } from '../request-response'

/** Each key set's JWKS document, serialised once: a new key set is a new array. */
const serialisedKeySets = new WeakMap<readonly SigningKey[], string>()

/**
 * The public halves of the signing keys, each with its `kid`, `alg` and `use`.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata (jwks_uri)
 */
export async function handleJwks(_request: CoreRequest, ctx: ServerContext): Promise<CoreResponse> {
  const keys = await ctx.deps.keys.signingKeys()
  let json = serialisedKeySets.get(keys)
  if (json === undefined) {
    json = JSON.stringify({ keys: keys.map((key) => key.publicJwk) })
    serialisedKeySets.set(keys, json)
  }
  return jsonTextResponse(json, 200, { 'Content-Type': 'application/jwk-set+json' })
}
