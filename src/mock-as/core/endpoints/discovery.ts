import { cibaDeliveryModes } from '../ciba-requests'
import { tokenEndpointAuthMethods } from '../clients'
import type { ServerContext } from '../context'
import { claimsByScope, supportedScopes } from '../demo-data'
import { dpopSigningAlgorithms } from '../dpop'
import { grantTable } from '../grants/grant-table'
import { jsonTextResponse } from '../http'
import { resourceIdentifiers } from '../protected-resources'
import type { CoreRequest, CoreResponse } from '../request-response'
import { responseTypeTable } from '../response-types/response-type-table'
import { backchannelAuthenticationUri } from './backchannel-authentication'

/**
 * The server's metadata. It lists only what is implemented: grant and response types come from
 * their tables, so adding an entry there also advertises it here.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function buildMetadata(ctx: ServerContext): Record<string, unknown> {
  const { endpoints } = ctx
  return {
    issuer: ctx.issuer,
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
    device_authorization_endpoint: `${ctx.issuer}/device_authorization`,
    /** @see https://www.rfc-editor.org/rfc/rfc9126#section-5 */
    pushed_authorization_request_endpoint: endpoints.pushedAuthorization,
    // PAR is optional server-wide; a client can require it for itself (RFC 9126 §6).
    require_pushed_authorization_requests: false,
    /** @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.4 */
    backchannel_authentication_endpoint: backchannelAuthenticationUri(ctx),
    backchannel_token_delivery_modes_supported: [...cibaDeliveryModes],
    // No signed authentication requests (no ..._request_signing_alg_values_supported) and no user_code.
    backchannel_user_code_parameter_supported: false,
    jwks_uri: endpoints.jwks,
    userinfo_endpoint: endpoints.userinfo,
    registration_endpoint: endpoints.registration,
    revocation_endpoint: endpoints.revocation,
    introspection_endpoint: endpoints.introspection,
    /** @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#OPMetadata */
    end_session_endpoint: endpoints.endSession,
    /** @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCSupport */
    backchannel_logout_supported: true,
    // `sid` goes into logout tokens and into ID tokens issued in a login session.
    backchannel_logout_session_supported: true,
    scopes_supported: supportedScopes,
    response_types_supported: responseTypeTable.map((entry) => entry.responseType),
    response_modes_supported: [...new Set(responseTypeTable.map((entry) => entry.responseMode))],
    // The token endpoint's grants plus those that never reach it (implicit, via response_type
    // token). Legacy-only ones are listed: the server supports them, for legacy demo clients
    // (docs/decisions/062).
    grant_types_supported: [
      ...new Set([
        ...grantTable.map((entry) => entry.grantType),
        ...responseTypeTable.flatMap((entry) => entry.requiredGrantTypes),
      ]),
    ],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    token_endpoint_auth_methods_supported: tokenEndpointAuthMethods,
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256', 'PS256', 'Ed25519'],
    revocation_endpoint_auth_methods_supported: tokenEndpointAuthMethods,
    introspection_endpoint_auth_methods_supported: tokenEndpointAuthMethods.filter(
      (method) => method !== 'none',
    ),
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    /** @see https://www.rfc-editor.org/rfc/rfc9449#section-5.1 */
    dpop_signing_alg_values_supported: dpopSigningAlgorithms,
    prompt_values_supported: ['none', 'login', 'consent'],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'sid',
      'nonce',
      'at_hash',
      ...Object.values(claimsByScope).flat(),
    ],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    /** @see https://www.rfc-editor.org/rfc/rfc9728#section-4 */
    protected_resources: resourceIdentifiers(ctx),
    /** Client ID Metadata Documents (draft section 5), when the host set them up (decision 122). */
    client_id_metadata_document_supported: ctx.deps.clientMetadataDocuments !== undefined,
  }
}

/**
 * Each server's metadata, serialised once: it follows from the configuration the server started
 * with, which does not change while it runs.
 */
const serialisedMetadata = new WeakMap<ServerContext, string>()

/** `GET /as/.well-known/openid-configuration` and `GET /.well-known/oauth-authorization-server/as`. */
export async function handleDiscovery(
  _request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  let json = serialisedMetadata.get(ctx)
  if (json === undefined) {
    json = JSON.stringify(buildMetadata(ctx))
    serialisedMetadata.set(ctx, json)
  }
  return jsonTextResponse(json)
}
