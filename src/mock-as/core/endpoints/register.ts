import { bearerChallenge } from '../bearer'
import { checkCibaRegistration } from '../ciba-registration'
import {
  type ClientRecord,
  clientsKind,
  type TokenEndpointAuthMethod,
  tokenEndpointAuthMethods,
} from '../clients'
import type { ServerContext } from '../context'
import { demoAdminInitialAccessToken, isKnownScope, supportedScopes } from '../demo-data'
import { OAuthError } from '../errors'
import { jwtBearerGrantType } from '../grants/jwt-bearer'
import { jsonResponse, mediaType, readBodyText, timingSafeEqual } from '../http'
import { checkGrantAndResponseTypes } from '../registration-grants'
import { validateJwks } from '../registration-jwks'
import type { CoreRequest, CoreResponse } from '../request-response'
import { normalizeResponseType } from '../response-types/response-type-table'

/**
 * Open registration is capped (docs/decisions/077): at most this many clients in the store, and at
 * most this many bytes of registered metadata per client.
 */
export const maxRegisteredClients = 1000
export const maxClientMetadataBytes = 16 * 1024
/** Entries per list field (redirect_uris, contacts, post_logout_redirect_uris). */
export const maxListEntries = 20
/** Characters per URI. */
export const maxUriLength = 2000

const registrationCountKind = 'registration-count'

/** Web pages about the client that a server may show its users: http(s) URLs only. */
const webUriFields = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const

/** Optional metadata kept as sent, as short strings. */
const stringFields = ['software_id', 'software_version'] as const

export const registrationRealm = 'grantlab-registration'

/**
 * An absolute http or https URL, written as a URI (RFC 3986 characters only: no spaces, quotes or
 * angle brackets, so no markup), with a host. `javascript:`, `data:` and the like are refused:
 * these URLs end up as links and images in front of users.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-5
 */
export function isWebUrl(value: string): boolean {
  if (
    value.length > maxUriLength ||
    !/^https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/i.test(value)
  ) {
    return false
  }
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

function invalidMetadata(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', description)
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

/**
 * https everywhere; plain http only for loopback hosts (this demo runs on http://localhost, a
 * deliberate, labelled deviation from RFC 9700 §2.6); private-use schemes with a dot for native
 * apps (RFC 8252 §7.1). Never a fragment.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2
 */
export function checkRedirectUri(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `${value} is not an absolute URI.`
  }
  if (value.includes('#')) return `${value} must not contain a fragment.`
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:') {
    return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
      ? undefined
      : `${value} must use https (http is allowed only for localhost and loopback addresses).`
  }
  const scheme = url.protocol.slice(0, -1)
  if (/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$/i.test(scheme)) return undefined
  return `${value} uses a scheme that is not allowed.`
}

function optionalStringArray(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined
  if (value === undefined) return undefined
  if (!isStringArray(value)) throw invalidMetadata(`${name} must be an array of strings.`)
  if (value.length > maxListEntries) {
    throw invalidMetadata(`${name} may hold at most ${maxListEntries} entries.`)
  }
  if (value.some((item) => item.length > maxUriLength)) {
    throw invalidMetadata(`Each entry of ${name} may be at most ${maxUriLength} characters long.`)
  }
  return value
}

/**
 * RFC 7591 §3: a registration may carry an initial access token, as a bearer token. Without one it
 * is open registration. This server knows one: the demo administrator's (docs/decisions/056), which
 * lets the registration mark the client as a trusted assertion issuer. Any other token is
 * `invalid_token` with its RFC 6750 challenge.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
function registeredByAdmin(ctx: ServerContext, request: CoreRequest): boolean {
  const header = request.headers.get('authorization')
  if (header === null) return false
  const token = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header)?.[1]
  // The demo administrator exists only where the demo data is loaded.
  const known = ctx.directory.demo ? demoAdminInitialAccessToken : undefined
  if (token !== undefined && known !== undefined && timingSafeEqual(token, known)) return true
  const description =
    'The initial access token is not valid here; leave it out for open registration.'
  throw new OAuthError('invalid_token', description, {
    headers: {
      'WWW-Authenticate': bearerChallenge(registrationRealm, {
        code: 'invalid_token',
        description,
      }),
    },
  })
}

/**
 * Reserves a place for one more registered client in one atomic read-modify-write of the counter
 * (`Store.update`), or refuses when the store is full: two registrations at the edge cannot both
 * take the last place.
 */
async function reserveRegistration(ctx: ServerContext): Promise<void> {
  let full = false
  await ctx.deps.store.update<{ count: number }>(registrationCountKind, 'count', (current) => {
    const count = current?.count ?? 0
    full = count >= maxRegisteredClients
    return full ? undefined : { put: { count: count + 1 } }
  })
  if (full) {
    throw invalidMetadata(
      `This server already holds ${maxRegisteredClients} registered clients, its limit for open registration; use a demo client, or clear this site's data to start over.`,
    )
  }
}

/**
 * `POST /as/register`: open dynamic registration. Unknown metadata is ignored (RFC 7591 §2), so a
 * `__proto__` key or anything else unexpected never reaches the stored record. Known metadata is
 * checked and rebuilt (JWKs member by member), and the whole is capped in size and in number of
 * clients. A client registered for the JWT bearer grant is trusted to assert for users only when
 * the registration carries the demo administrator's initial access token.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export async function handleRegister(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const byAdmin = registeredByAdmin(ctx, request)
  if (mediaType(request) !== 'application/json') {
    throw invalidMetadata('Send the client metadata as application/json.')
  }
  const text = await readBodyText(request, 'invalid_client_metadata')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw invalidMetadata('The body is not valid JSON.')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidMetadata('The body must be a JSON object.')
  }
  const client = clientFromMetadata(ctx, parsed as Record<string, unknown>, { byAdmin })
  const described = describeClient(client)
  const size = new TextEncoder().encode(JSON.stringify(described)).byteLength
  if (size > maxClientMetadataBytes) {
    throw invalidMetadata(
      `The registered metadata would take ${size} bytes; this server keeps at most ${maxClientMetadataBytes} per client.`,
    )
  }
  await reserveRegistration(ctx)
  await ctx.deps.store.put(clientsKind, client.client_id, client)
  return jsonResponse(described, 201)
}

/**
 * Checks RFC 7591 client metadata and builds the client record, or throws the RFC 7591 §3.2.2
 * error. Registration uses it, and so does a host for the clients of its configuration file
 * (`configured`: their own `client_id` and `client_secret`, and, being set up by the server's
 * administrator, trusted for the JWT bearer grant).
 */
export function clientFromMetadata(
  ctx: Pick<ServerContext, 'nowSeconds' | 'randomId'>,
  body: Record<string, unknown>,
  options: { byAdmin: boolean; configured?: { clientId: string; clientSecret?: string } },
): ClientRecord {
  const own = (name: string) => (Object.hasOwn(body, name) ? body[name] : undefined)

  const method = own('token_endpoint_auth_method') ?? 'client_secret_basic'
  if (
    typeof method !== 'string' ||
    !tokenEndpointAuthMethods.includes(method as TokenEndpointAuthMethod)
  ) {
    throw invalidMetadata(
      `token_endpoint_auth_method must be one of ${tokenEndpointAuthMethods.join(', ')}.`,
    )
  }
  const authMethod = method as TokenEndpointAuthMethod

  const grantTypes = optionalStringArray(body, 'grant_types') ?? ['authorization_code']
  const responseTypes = (
    optionalStringArray(body, 'response_types') ??
    (grantTypes.includes('authorization_code') ? ['code'] : [])
  ).map(normalizeResponseType)
  checkGrantAndResponseTypes(grantTypes, responseTypes)
  if (grantTypes.includes('client_credentials') && authMethod === 'none') {
    throw invalidMetadata('client_credentials needs a confidential client (not auth method none).')
  }

  const redirectUris = optionalStringArray(body, 'redirect_uris') ?? []
  if (responseTypes.length > 0 && redirectUris.length === 0) {
    throw new OAuthError(
      'invalid_redirect_uri',
      'redirect_uris is required for clients that use the authorization endpoint.',
    )
  }
  for (const uri of redirectUris) {
    const problem = checkRedirectUri(uri)
    if (problem) throw new OAuthError('invalid_redirect_uri', problem)
  }

  const scopeValue = own('scope')
  if (scopeValue !== undefined && typeof scopeValue !== 'string') {
    throw invalidMetadata('scope must be a space-separated string.')
  }
  const scopes = scopeValue === undefined ? supportedScopes : scopeValue.split(' ').filter(Boolean)
  const unknownScope = scopes.find((scope) => !isKnownScope(scope))
  if (unknownScope) throw invalidMetadata(`scope ${unknownScope} is not known to this server.`)

  const jwks = own('jwks')
  const jwksUri = own('jwks_uri')
  if (jwks !== undefined && jwksUri !== undefined) {
    throw invalidMetadata('Send jwks or jwks_uri, not both.')
  }
  if (jwksUri !== undefined) {
    if (typeof jwksUri !== 'string' || !jwksUri.startsWith('https://')) {
      throw invalidMetadata('jwks_uri must be an https URL.')
    }
  }
  const keySet = jwks === undefined ? undefined : validateJwks(jwks)
  if (authMethod === 'private_key_jwt' && keySet === undefined) {
    throw invalidMetadata('private_key_jwt needs the public keys registered in jwks.')
  }

  const idTokenAlg = own('id_token_signed_response_alg')
  if (idTokenAlg !== undefined && idTokenAlg !== 'RS256' && idTokenAlg !== 'ES256') {
    throw invalidMetadata('id_token_signed_response_alg must be RS256 or ES256.')
  }

  /** @see https://www.rfc-editor.org/rfc/rfc9126#section-6 */
  const requirePar = own('require_pushed_authorization_requests')
  if (requirePar !== undefined && typeof requirePar !== 'boolean') {
    throw invalidMetadata('require_pushed_authorization_requests must be a boolean.')
  }

  /** @see https://www.rfc-editor.org/rfc/rfc9449#section-5.2 */
  const dpopBound = own('dpop_bound_access_tokens')
  if (dpopBound !== undefined && typeof dpopBound !== 'boolean') {
    throw invalidMetadata('dpop_bound_access_tokens must be a boolean.')
  }

  const ciba = checkCibaRegistration(own, { grantTypes, authMethod, scopes })

  const clientName = own('client_name') ?? 'Unnamed client'
  if (typeof clientName !== 'string' || clientName.length > 200) {
    throw invalidMetadata('client_name must be a string of at most 200 characters.')
  }

  const extra: Record<string, unknown> = {}
  for (const field of webUriFields) {
    const value = own(field)
    if (value === undefined) continue
    if (typeof value !== 'string' || !isWebUrl(value)) {
      throw invalidMetadata(
        `${field} must be an absolute http or https URL of at most ${maxUriLength} characters (RFC 7591 section 2).`,
      )
    }
    extra[field] = value
  }
  for (const field of stringFields) {
    const value = own(field)
    if (value === undefined) continue
    if (typeof value !== 'string' || value.length > 200) {
      throw invalidMetadata(`${field} must be a string of at most 200 characters.`)
    }
    extra[field] = value
  }
  Object.assign(extra, ciba.extra)
  const contacts = optionalStringArray(body, 'contacts')
  if (contacts) extra.contacts = contacts
  /** @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata */
  const applicationType = own('application_type')
  if (applicationType !== undefined) {
    if (applicationType !== 'web' && applicationType !== 'native') {
      throw invalidMetadata('application_type must be "web" or "native".')
    }
    extra.application_type = applicationType
  }
  /** @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#ClientMetadata */
  const postLogoutRedirectUris = optionalStringArray(body, 'post_logout_redirect_uris')
  if (postLogoutRedirectUris) {
    for (const uri of postLogoutRedirectUris) {
      const problem = checkRedirectUri(uri)
      if (problem) throw invalidMetadata(`post_logout_redirect_uris: ${problem}`)
    }
  }

  /** @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRegistration */
  const backchannelLogoutUri = own('backchannel_logout_uri')
  if (backchannelLogoutUri !== undefined) {
    const problem =
      typeof backchannelLogoutUri !== 'string' || !isWebUrl(backchannelLogoutUri)
        ? 'backchannel_logout_uri must be an absolute http or https URL.'
        : checkRedirectUri(backchannelLogoutUri)
    if (problem) throw invalidMetadata(`backchannel_logout_uri: ${problem}`)
  }
  const sessionRequired = own('backchannel_logout_session_required')
  if (sessionRequired !== undefined && typeof sessionRequired !== 'boolean') {
    throw invalidMetadata('backchannel_logout_session_required must be a boolean.')
  }
  // This server's own field (docs/decisions/107): a logout revokes offline tokens too.
  const revokesOffline = own('grantlab_logout_revokes_offline_tokens')
  if (revokesOffline !== undefined && typeof revokesOffline !== 'boolean') {
    throw invalidMetadata('grantlab_logout_revokes_offline_tokens must be a boolean.')
  }

  const issuedAt = ctx.nowSeconds()
  const hasSecret = authMethod === 'client_secret_basic' || authMethod === 'client_secret_post'
  const { configured, byAdmin } = options
  if (configured?.clientSecret !== undefined && !hasSecret) {
    throw invalidMetadata(`client_secret is only for client_secret_basic or client_secret_post.`)
  }
  const secret = configured?.clientSecret ?? ctx.randomId(32)
  return {
    client_id: configured?.clientId ?? `client-${ctx.randomId(12)}`,
    ...(hasSecret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_name: clientName,
    token_endpoint_auth_method: authMethod,
    grant_types: grantTypes,
    response_types: responseTypes,
    redirect_uris: redirectUris,
    scope: scopes.join(' '),
    ...(keySet === undefined ? {} : { jwks: keySet }),
    ...(typeof jwksUri === 'string' ? { jwks_uri: jwksUri } : {}),
    ...(idTokenAlg === undefined ? {} : { id_token_signed_response_alg: idTokenAlg }),
    ...(requirePar === undefined ? {} : { require_pushed_authorization_requests: requirePar }),
    ...(dpopBound === undefined ? {} : { dpop_bound_access_tokens: dpopBound }),
    // A client that always sends proofs is asked for server nonces too (docs/decisions/101).
    ...(dpopBound === true ? { dpopNonceRequired: true as const } : {}),
    ...(postLogoutRedirectUris ? { post_logout_redirect_uris: postLogoutRedirectUris } : {}),
    ...(typeof backchannelLogoutUri === 'string'
      ? { backchannel_logout_uri: backchannelLogoutUri }
      : {}),
    ...(sessionRequired === undefined
      ? {}
      : { backchannel_logout_session_required: sessionRequired }),
    ...(revokesOffline === undefined
      ? {}
      : { grantlab_logout_revokes_offline_tokens: revokesOffline }),
    ...(ciba.backchannel_token_delivery_mode
      ? { backchannel_token_delivery_mode: ciba.backchannel_token_delivery_mode }
      : {}),
    client_id_issued_at: issuedAt,
    extra,
    // Only an administrator decides who may assert for users (RFC 7523 §3; docs/decisions/056).
    ...(byAdmin && grantTypes.includes(jwtBearerGrantType)
      ? { trustedAssertionIssuer: true as const }
      : {}),
    source: configured ? 'configured' : 'registered',
  }
}

/**
 * The registration response: every registered field, flat, as RFC 7591 §3.2.1 shows it. What the
 * server decided about the client (trust, resource-server audiences) is not metadata and stays out.
 */
export function describeClient(client: ClientRecord): Record<string, unknown> {
  const {
    extra,
    source: _source,
    legacy: _legacy,
    trustedAssertionIssuer: _trusted,
    resourceAudiences: _audiences,
    dpopNonceRequired: _nonces,
    ...metadata
  } = client
  return { ...metadata, ...extra }
}
