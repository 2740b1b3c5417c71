import { authenticateClient, claimedClient } from '../client-authentication'
import type { ServerContext } from '../context'
import { checkDpopProof, requiresDpopNonce } from '../dpop'
import { OAuthError } from '../errors'
import { findGrant } from '../grants/grant-table'
import { jsonResponse } from '../http'
import type { CoreRequest, CoreResponse } from '../request-response'
import { readFormWithResources } from '../resource-indicators'

/**
 * `POST /as/token`: form body only, the DPoP proof if there is one, client authentication, then
 * the grant from the grants table. The proof is checked before anything is spent, so a refused
 * proof (a nonce challenge included) leaves the client assertion, the code, the refresh token or
 * the device code as they were. A client
 * registered with `dpop_bound_access_tokens` that sends no proof gets `invalid_request`: the
 * request lacks something this client must send; `invalid_dpop_proof` is for a proof that was
 * sent and failed a check (docs/decisions/100).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export async function handleToken(request: CoreRequest, ctx: ServerContext): Promise<CoreResponse> {
  // RFC 8707 §2: `resource` may be repeated; every other parameter is sent once.
  const { params, resources } = await readFormWithResources(request)
  // The proof first: a nonce challenge must leave the client's assertion unspent (its jti), since
  // a workload sends its platform's JWT again as it is on the retry (docs/decisions/100).
  // Without a DPoP header there is no proof to check, and no need to look up the claimed client.
  const dpop = request.headers.has('dpop')
    ? await checkDpopProof(ctx, request, {
        recipient: { kind: 'authorization-server' },
        requireNonce: requiresDpopNonce(await claimedClient(ctx, request, params)),
      })
    : undefined
  const { client, method } = await authenticateClient(ctx, request, params)
  const grantType = params.get('grant_type')
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required.')
  const grant = findGrant(grantType)
  if (!grant) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported.`)
  }
  if (grant.legacyOnly && client.legacy !== true) {
    throw new OAuthError(
      'unauthorized_client',
      `grant_type ${grantType} is allowed only for legacy demo clients: ${grant.legacyOnly.reason} (${grant.legacyOnly.spec}).`,
    )
  }
  if (
    !client.grant_types.includes(grantType) ||
    (method === 'none' && !grant.allowsPublicClients)
  ) {
    throw new OAuthError('unauthorized_client', `This client may not use the ${grantType} grant.`)
  }
  if (dpop === undefined && client.dpop_bound_access_tokens === true) {
    throw new OAuthError(
      'invalid_request',
      'This client is registered with dpop_bound_access_tokens, so every token request must carry a DPoP proof (RFC 9449 section 5.2).',
    )
  }
  if (resources.length > 0 && grant.resourceIndicators !== true) {
    throw new OAuthError(
      'invalid_target',
      `This server does not take resource with the ${grantType} grant, so it cannot limit the token to it.`,
    )
  }
  const body = await grant.handle({
    ctx,
    client,
    params,
    resources,
    request,
    ...(dpop ? { dpop } : {}),
  })
  return jsonResponse(body)
}
