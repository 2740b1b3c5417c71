import type { ServerContext } from './context'
import { buildDemoClients } from './demo-data'
import type { SigningAlgorithm } from './deps'

export type TokenEndpointAuthMethod =
  | 'none'
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'

export const tokenEndpointAuthMethods: readonly TokenEndpointAuthMethod[] = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
]

/** A client as this server keeps it: RFC 7591 metadata plus where it came from. */
export interface ClientRecord {
  client_id: string
  client_secret?: string
  client_name: string
  token_endpoint_auth_method: TokenEndpointAuthMethod
  grant_types: string[]
  response_types: string[]
  redirect_uris: string[]
  /** Space-separated scopes the client may ask for. */
  scope: string
  jwks?: { keys: JsonWebKey[] }
  jwks_uri?: string
  id_token_signed_response_alg?: SigningAlgorithm
  /**
   * The client must send its authorization requests through `/as/par`.
   * @see https://www.rfc-editor.org/rfc/rfc9126#section-6
   */
  require_pushed_authorization_requests?: boolean
  client_id_issued_at?: number
  client_secret_expires_at?: number
  /** Other registered metadata (client_uri, contacts, …), echoed back as it was registered. */
  extra?: Record<string, unknown>
  /**
   * A demo client kept for the deprecated grants (implicit, password). Never set by registration:
   * RFC 9700 §2.1.2 and §2.4 rule those grants out for new clients.
   */
  legacy?: true
  source: 'demo' | 'registered'
}

export const clientsKind = 'clients'

export async function findClient(
  ctx: ServerContext,
  clientId: string,
): Promise<ClientRecord | undefined> {
  const demo = buildDemoClients(ctx.deps.appOrigin).find((client) => client.client_id === clientId)
  if (demo) return demo
  return ctx.deps.store.get<ClientRecord>(clientsKind, clientId)
}

export function isPublicClient(client: ClientRecord): boolean {
  return client.token_endpoint_auth_method === 'none'
}

/**
 * Registered with `application_type: native` (OpenID Connect Registration §2; the default is
 * `web`). Only native clients get the loopback port exception of RFC 8252 §7.3.
 */
export function isNativeClient(client: ClientRecord): boolean {
  return client.extra?.application_type === 'native'
}

export function clientScopes(client: ClientRecord): string[] {
  return client.scope.split(' ').filter((scope) => scope !== '')
}
