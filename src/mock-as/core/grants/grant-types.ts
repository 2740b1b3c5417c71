import type { ClientRecord } from '../clients'
import type { ServerContext } from '../context'

/** The JSON body of a successful token response. @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1 */
export interface TokenResponseBody {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope?: string
  refresh_token?: string
  id_token?: string
  [extension: string]: unknown
}

/** What a grant handler receives: the authenticated client and the form parameters. */
export interface GrantRequest {
  ctx: ServerContext
  client: ClientRecord
  params: Map<string, string>
  request: Request
}

/**
 * One grant type of the token endpoint. A handler validates its parameters, throws an
 * `OAuthError` for anything wrong, and returns the token response body.
 */
export interface GrantDefinition {
  grantType: string
  /** Whether a public client (`token_endpoint_auth_method: none`) may use it. */
  allowsPublicClients: boolean
  handle(grant: GrantRequest): Promise<TokenResponseBody>
}
