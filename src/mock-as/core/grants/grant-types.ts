import type { ClientRecord } from '../clients'
import type { ServerContext } from '../context'
import type { DpopProof } from '../dpop'
import type { CoreRequest } from '../request-response'

/** The JSON body of a successful token response. @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1 */
export interface TokenResponseBody {
  access_token: string
  /** `DPoP` when the access token is bound to the proof's key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP'
  expires_in: number
  scope?: string
  refresh_token?: string
  id_token?: string
  [extension: string]: unknown
}

/**
 * Marks a deprecated grant or response type: which text deprecates it and why, in words that go
 * into the error descriptions of the refusals.
 */
export interface LegacyOnly {
  /** E.g. `RFC 9700 section 2.4` (error descriptions are ASCII only, RFC 6749 §5.2). */
  spec: string
  /** E.g. `the password grant MUST NOT be used`. */
  reason: string
}

/** What a grant handler receives: the authenticated client and the form parameters. */
export interface GrantRequest {
  ctx: ServerContext
  client: ClientRecord
  params: Map<string, string>
  /** Every `resource` value of the request, unchecked (RFC 8707 §2 lets it repeat). */
  resources: string[]
  request: CoreRequest
  /**
   * The request's checked DPoP proof, if it had one: the tokens issued are bound to its key
   * (RFC 9449 §5).
   */
  dpop?: DpopProof
}

/** The token_type of an access token bound to `jkt`, or of a bearer token. */
export function tokenTypeFor(jkt: string | undefined): 'Bearer' | 'DPoP' {
  return jkt === undefined ? 'Bearer' : 'DPoP'
}

/**
 * One grant type of the token endpoint. A handler validates its parameters, throws an
 * `OAuthError` for anything wrong, and returns the token response body.
 */
export interface GrantDefinition {
  grantType: string
  /** Whether a public client (`token_endpoint_auth_method: none`) may use it. */
  allowsPublicClients: boolean
  /**
   * Deprecated grants (`password`): only clients marked `legacy` may use them; every other client
   * gets `unauthorized_client`, and registration refuses them.
   */
  legacyOnly?: LegacyOnly
  /**
   * Whether the grant reads `resource` (RFC 8707 §2.2). For the others the token endpoint refuses
   * `resource` with `invalid_target` rather than ignore what the client asked to be limited to.
   */
  resourceIndicators?: true
  handle(grant: GrantRequest): Promise<TokenResponseBody>
}
