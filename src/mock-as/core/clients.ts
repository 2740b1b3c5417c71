import type { ServerContext } from './context'
import type { SigningAlgorithm } from './deps'
import type { LabClientSettings } from './lab-clients'

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
  /**
   * The methods the client may authenticate with, when it accepts more than its registered one
   * (the demo confidential clients take Basic and the body alike). Left out: only
   * `token_endpoint_auth_method`. Server policy, not metadata: never read from a registration.
   */
  acceptedAuthMethods?: TokenEndpointAuthMethod[]
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
  /**
   * The client always sends DPoP proofs: a token request without one is refused.
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-5.2
   */
  dpop_bound_access_tokens?: boolean
  /**
   * This server asks the client for a nonce in every DPoP proof (RFC 9449 §8, §9): set for demo
   * clients that show the retry, and for registered clients with `dpop_bound_access_tokens`
   * (docs/decisions/101). Server policy, not registration metadata.
   */
  dpopNonceRequired?: true
  /**
   * Where the browser may be sent after a logout, compared as exact strings.
   * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#ClientMetadata
   */
  post_logout_redirect_uris?: string[]
  /**
   * Where this server POSTs a logout token when a session the client took part in ends.
   * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRegistration
   */
  backchannel_logout_uri?: string
  /** The client wants `sid` in its logout tokens (this server always sends it). */
  backchannel_logout_session_required?: boolean
  /**
   * Not a standard field: the client asks that a logout also revoke the refresh tokens it got
   * with `offline_access` in that session. Without it only the others are revoked, as
   * Back-Channel Logout 1.0 §2.7 says (docs/decisions/107).
   */
  grantlab_logout_revokes_offline_tokens?: boolean
  /**
   * How a CIBA client gets its tokens; this server supports `poll` only.
   * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.4
   */
  backchannel_token_delivery_mode?: 'poll'
  client_id_issued_at?: number
  client_secret_expires_at?: number
  /** Other registered metadata (client_uri, contacts, …), echoed back as it was registered. */
  extra?: Record<string, unknown>
  /**
   * A demo client kept for the deprecated grants (implicit, password). Never set by registration:
   * RFC 9700 §2.1.2 and §2.4 rule those grants out for new clients.
   */
  legacy?: true
  /**
   * The audiences (`aud` values) this client serves as a resource server. It may introspect the
   * access tokens issued for them (RFC 7662 §4), and exchange them (RFC 8693 §2.1). Set by the
   * demo configuration only, never by registration (docs/decisions/076).
   */
  resourceAudiences?: string[]
  /**
   * An administrator trusts this client to assert for users with the JWT bearer grant (RFC 7523
   * §3: the issuer must be one the server trusts). Never read from the registration metadata; set
   * by a registration carrying the demo administrator's initial access token (docs/decisions/056).
   */
  trustedAssertionIssuer?: true
  /**
   * A demo client of the attack lab: first-party, maybe with one named weakness. Never set by
   * registration (lab-clients.ts, docs/decisions/126).
   */
  lab?: LabClientSettings
  /**
   * `configured`: from a configuration file or the Node API's `addClient`. `metadata-document`: its
   * client_id is a URL, read from the document there (decision 122).
   */
  source: 'demo' | 'configured' | 'registered' | 'metadata-document'
}

export const clientsKind = 'clients'

/** A frozen copy of each configured client, made once: nothing a request does can change it. */
const frozenCopies = new WeakMap<ClientRecord, ClientRecord>()

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

/**
 * The client with this id: a configured one (from the directory) as a frozen copy made once per
 * record, rather than a fresh copy per call; a registered one read from the store (a copy, as the
 * store gives every record).
 */
export async function findClient(
  ctx: ServerContext,
  clientId: string,
): Promise<ClientRecord | undefined> {
  const configured = ctx.directory.client(clientId)
  if (configured) {
    let copy = frozenCopies.get(configured)
    if (!copy) {
      copy = deepFreeze(structuredClone(configured))
      frozenCopies.set(configured, copy)
    }
    return copy
  }
  return ctx.deps.store.get<ClientRecord>(clientsKind, clientId)
}

/** The methods a client may authenticate with: see `acceptedAuthMethods`. */
export function acceptedAuthMethods(client: ClientRecord): TokenEndpointAuthMethod[] {
  return client.acceptedAuthMethods ?? [client.token_endpoint_auth_method]
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

/**
 * Whether a token with this `aud` is meant for the client: the audience names the client itself,
 * or one of the resource servers it is registered as.
 */
export function isInAudience(client: ClientRecord, aud: string | string[]): boolean {
  const audiences = typeof aud === 'string' ? [aud] : aud
  return (
    audiences.includes(client.client_id) ||
    (client.resourceAudiences ?? []).some((audience) => audiences.includes(audience))
  )
}

/**
 * The client's registered post-logout redirect URIs. Clients registered before the field was
 * kept on its own still carry it among their other metadata.
 */
export function postLogoutRedirectUris(client: ClientRecord): string[] {
  if (client.post_logout_redirect_uris) return client.post_logout_redirect_uris
  const registered = client.extra?.post_logout_redirect_uris
  return Array.isArray(registered) ? registered.filter((uri) => typeof uri === 'string') : []
}

export function clientScopes(client: ClientRecord): string[] {
  return client.scope.split(' ').filter((scope) => scope !== '')
}
