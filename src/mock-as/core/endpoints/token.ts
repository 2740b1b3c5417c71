import { authenticateClient } from '../client-authentication'
import type { ServerContext } from '../context'
import { OAuthError } from '../errors'
import { findGrant } from '../grants/grant-table'
import { jsonResponse } from '../http'
import { readFormWithResources } from '../resource-indicators'

/**
 * `POST /as/token`: form body only, client authentication, then the grant from the grants table.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5
 */
export async function handleToken(request: Request, ctx: ServerContext): Promise<Response> {
  // RFC 8707 §2: `resource` may be repeated; every other parameter is sent once.
  const { params, resources } = await readFormWithResources(request)
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
  if (resources.length > 0 && grant.resourceIndicators !== true) {
    throw new OAuthError(
      'invalid_target',
      `This server does not take resource with the ${grantType} grant, so it cannot limit the token to it.`,
    )
  }
  const body = await grant.handle({ ctx, client, params, resources, request })
  return jsonResponse(body)
}
