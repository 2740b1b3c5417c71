import { grantTypes } from '../checks.ts'
import type { ClientMetadata } from '../client-metadata.ts'

/**
 * Who signs a `private_key_jwt` client's assertions (RFC 7523 §2.2) is not in its metadata: the
 * client itself (OpenID Connect Core §9: `iss` = `sub` = client_id), or, for a workload, the
 * platform it runs on (Kubernetes, a cloud, a CI system), whose JWT has the platform as `iss` and
 * the client_id as `sub` (RFC 7523 §3 allows both). RFC 7591 has no field for the difference, so
 * the advisor's workload draft registers the platform's `jwks_uri` under `private_key_jwt`, the
 * nearest (docs/decisions/088).
 *
 * The exports therefore offer both ways to every service client (no user, no redirect: client
 * credentials, JWT bearer, token exchange) that authenticates with `private_key_jwt`: the starter
 * sends the platform's JWT when one is configured and signs its own otherwise, and the
 * oidc-provider module checks the platform's JWT once the platform is named in it
 * (docs/decisions/135).
 */
export function mayUsePlatformAssertion(metadata: ClientMetadata): boolean {
  const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
  // CIBA acts for a user too: a call-centre app signs its own assertions.
  const withUser =
    grants.includes(grantTypes.authorizationCode) ||
    grants.includes(grantTypes.deviceCode) ||
    grants.includes(grantTypes.ciba)
  return metadata.token_endpoint_auth_method === 'private_key_jwt' && !withUser
}

export const clientAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
