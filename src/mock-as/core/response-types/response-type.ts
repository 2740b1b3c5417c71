import type { ApprovedAuthorization } from '../authorization-request'
import type { ServerContext } from '../context'
import type { LegacyOnly } from '../grants/grant-types'

/**
 * One `response_type` of the authorization endpoint. The endpoint validates everything common to
 * all of them; an entry says where its parameters go, what it requires, and issues them.
 */
export interface ResponseTypeDefinition {
  /** The response_type value, its words sorted (`code id_token`). */
  responseType: string
  /** @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseModes */
  responseMode: 'query' | 'fragment'
  /**
   * The grant types a client must be registered for to use it: OpenID Connect Registration §2
   * pairs `code` with authorization_code, `code id_token` with authorization_code and implicit
   * (part of the answer comes from the authorization endpoint), `token` with implicit.
   * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
   */
  requiredGrantTypes: readonly string[]
  /** OIDC Core §3.2.2.1 / §3.3.2.11: front-channel ID tokens need a nonce. */
  requiresNonce: boolean
  /**
   * An ID token comes back from the authorization endpoint: an OpenID Connect response, so the
   * request must ask for the `openid` scope (OIDC Core §3.3.2.1, §3.1.2.1).
   */
  requiresOpenidScope: boolean
  /** Whether PKCE applies (a code is issued). */
  usesPkce: boolean
  /**
   * Deprecated response types (implicit's `token`): only clients marked `legacy` may use them;
   * every other client gets `unsupported_response_type`, and registration refuses them.
   */
  legacyOnly?: LegacyOnly
  /** Issues what the response carries; `state` and `iss` are added by the endpoint. */
  issue(ctx: ServerContext, approved: ApprovedAuthorization): Promise<Record<string, string>>
}
