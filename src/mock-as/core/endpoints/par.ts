import {
  type PendingAuthorization,
  resolveRedirectUri,
  validateAuthorizationParameters,
} from '../authorization-request'
import { authenticateClient, claimedClient } from '../client-authentication'
import type { ServerContext } from '../context'
import { checkDpopProof, requiresDpopNonce } from '../dpop'
import { OAuthError } from '../errors'
import { jsonResponse } from '../http'
import { pushedRequestLifetime, savePushedRequest } from '../pushed-authorization-requests'
import type { CoreRequest, CoreResponse } from '../request-response'
import { readFormWithResources } from '../resource-indicators'

/**
 * `POST /as/par`: the client pushes its authorization request over the back channel and gets a
 * `request_uri` to send the browser to `/as/authorize` with.
 * - Form body only; a repeated parameter is `invalid_request`.
 * - The client authenticates as at the token endpoint (a public client sends its `client_id`;
 *   with Basic, oauth4webapi also repeats `client_id` in the body: that is one method).
 * - The parameters are validated as `/as/authorize` validates them, but every error is answered
 *   as JSON here: nothing is redirected from the back channel.
 * - A DPoP proof, if sent, is checked as at the token endpoint and binds the code to its key,
 *   like `dpop_jkt`; with both, they must name the same key (RFC 9449 §10.1).
 * - Success is 201 with `request_uri` and `expires_in`.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-10.1
 */
export async function handlePushedAuthorizationRequest(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  // RFC 8707 §2: `resource` may be repeated; every other parameter is sent once.
  const { params, resources } = await readFormWithResources(request)
  // The proof first, as at the token endpoint: a nonce challenge spends no client assertion.
  const dpop = await checkDpopProof(ctx, request, {
    recipient: { kind: 'authorization-server' },
    requireNonce: requiresDpopNonce(await claimedClient(ctx, request, params)),
  })
  const { client } = await authenticateClient(ctx, request, params)
  /** @see https://www.rfc-editor.org/rfc/rfc9126#section-2.1 */
  if (params.has('request_uri')) {
    throw new OAuthError('invalid_request', 'request_uri must not be sent to the PAR endpoint.')
  }
  const requestedRedirect = params.get('redirect_uri')
  const redirectUri = resolveRedirectUri(client, requestedRedirect)
  const validated = validateAuthorizationParameters(ctx, client, params, [], resources)
  if (dpop && validated.dpopJkt !== undefined && validated.dpopJkt !== dpop.jkt) {
    throw new OAuthError(
      'invalid_request',
      'dpop_jkt names another key than the one that signed the DPoP proof (RFC 9449 section 10.1).',
    )
  }
  const authorization: PendingAuthorization = {
    ...validated,
    ...(dpop ? { dpopJkt: dpop.jkt } : {}),
    redirectUri,
    redirectUriSent: requestedRedirect !== undefined,
  }
  const pushed = await savePushedRequest(ctx, authorization)
  /** @see https://www.rfc-editor.org/rfc/rfc9126#section-2.2 */
  return jsonResponse({ request_uri: pushed.requestUri, expires_in: pushedRequestLifetime }, 201)
}
