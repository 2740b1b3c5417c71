import { type ClientRecord, findClient, type TokenEndpointAuthMethod } from './clients'
import type { ServerContext } from './context'
import { isKnownScope, supportedScopes } from './demo-data'
import type { ClientMetadataDocumentPolicy } from './deps'
import { checkRedirectUri, isWebUrl, maxListEntries } from './endpoints/register'
import { OAuthError } from './errors'
import { checkGrantAndResponseTypes } from './registration-grants'
import { validateJwks } from './registration-jwks'
import { isSpecialUseHost } from './special-use-addresses'

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document-01, the registration
 * the MCP authorization specification recommends): a client whose `client_id` is a URL is
 * described by the JSON document at that URL, which this server fetches instead of looking the
 * client up in its registrations. The policy (docs/decisions/122):
 * - The URL (§3): https (http only on an origin the host trusts: the demo app's own, a loopback
 *   origin in Node), a path, no fragment, no user info, no `.` or `..` segment, at most 2000
 *   characters; only allowed origins (the worker: its own); no loopback or private IP literal
 *   unless trusted (§6.5; the Node fetcher checks resolved names too).
 * - The fetch (§4, §6.5, §6.6): no redirects, status 200 only, a JSON content type, at most
 *   {@link maxDocumentBytes} bytes, within the host's timeout.
 * - The document (§4.1, §6.2): a JSON object whose `client_id` is the URL exactly (no
 *   normalising), a `client_name`, `redirect_uris` checked as registration checks them, only
 *   `none` or `private_key_jwt` (with inline `jwks`), no secret, the code grant (and refresh).
 * - Caching (§4.4): a valid document is kept in one of {@link cacheSlots} store slots for as long
 *   as its `Cache-Control` allows, at most {@link maxCacheSeconds}; errors are never cached.
 *   Concurrent first uses of one URL make one fetch.
 * Failures are `invalid_client` with a description that says what was wrong (§4.3).
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01
 */
export const maxDocumentBytes = 5 * 1024
export const defaultTimeoutMs = 3000
export const maxCacheSeconds = 60 * 60
/** When the document says nothing about caching. */
export const defaultCacheSeconds = 5 * 60
export const cacheSlots = 64

const maxUrlLength = 2000
const cacheKind = 'client-metadata-documents'

interface CachedDocument {
  url: string
  client: ClientRecord
  expiresAt: number
}

/** A `client_id` that names a document rather than a registration. */
export function isClientIdUrl(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId)
}

/**
 * The client a request names: a demo or registered client, or, for a URL, the client its
 * metadata document describes. Throws `invalid_client` explaining why a document is refused.
 */
export async function resolveClient(
  ctx: ServerContext,
  clientId: string,
): Promise<ClientRecord | undefined> {
  if (!isClientIdUrl(clientId)) return findClient(ctx, clientId)
  const policy = ctx.deps.clientMetadataDocuments
  if (!policy) {
    throw refusal(clientId, 'this server does not fetch client metadata documents')
  }
  const problem = checkClientIdUrl(policy, clientId)
  if (problem) throw refusal(clientId, problem)
  return ctx.withLock(`cimd:${clientId}`, async () => {
    const slot = `slot-${slotOf(clientId)}`
    const cached = await ctx.deps.store.get<CachedDocument>(cacheKind, slot)
    if (cached && cached.url === clientId && cached.expiresAt > ctx.nowSeconds()) {
      return cached.client
    }
    const fetched = await fetchDocument(policy, clientId)
    const client = clientFromDocument(clientId, fetched.body)
    const seconds = cacheSeconds(fetched.cacheControl)
    if (seconds > 0) {
      const expiresAt = ctx.nowSeconds() + seconds
      await ctx.deps.store.put<CachedDocument>(
        cacheKind,
        slot,
        { url: clientId, client, expiresAt },
        { expiresAt },
      )
    }
    return client
  })
}

function refusal(clientId: string, reason: string): OAuthError {
  return new OAuthError(
    'invalid_client',
    `The client_id ${clientId.slice(0, 200)} is a Client ID Metadata Document URL, and ${reason}.`,
  )
}

/**
 * What the consent page says about a client that only a metadata document vouches for: the
 * host that published it and the host the user is sent back to (the MCP authorization
 * specification: the redirect URI's host MUST be shown; draft §6.4), and a warning when that is
 * this computer, where any program can listen ("Localhost Redirect URI Risks").
 */
export function metadataDocumentNotice(
  client: ClientRecord,
  redirectUri: string,
): string | undefined {
  if (client.source !== 'metadata-document') return undefined
  const documentHost = new URL(client.client_id).host
  const redirect = new URL(redirectUri)
  const back = redirect.host || redirect.protocol
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(redirect.hostname)
  return `This application was not registered here: it describes itself in a metadata document published by ${documentHost}. If you allow, you are sent back to ${back}.${loopback ? ' That address is on this computer, where any program could be listening: allow only if you started this application yourself.' : ''}`
}

/** Why this URL cannot be a client_id here, or undefined (draft §3, §6.5). */
export function checkClientIdUrl(
  policy: ClientMetadataDocumentPolicy,
  value: string,
): string | undefined {
  if (value.length > maxUrlLength) return `it is longer than ${maxUrlLength} characters`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'it is not a valid URL'
  }
  const trusted = (policy.trustedOrigins ?? []).includes(url.origin)
  if (url.protocol !== 'https:' && !trusted) return 'it must use https (section 3)'
  const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(value)?.[1] ?? ''
  if (authority.includes('@')) return 'it must not contain a user name or password (section 3)'
  if (value.includes('#')) return 'it must not contain a fragment (section 3)'
  const rest = value.slice(value.indexOf(authority) + authority.length)
  if (!rest.startsWith('/')) return 'it must contain a path, such as /client.json (section 3)'
  const path = rest.split('?')[0] ?? ''
  const dotted = path
    .split('/')
    .some((segment) => ['.', '..'].includes(segment.toLowerCase().replace(/%2e/g, '.')))
  if (dotted) return 'its path must not contain . or .. segments (section 3)'
  if (policy.allowedOrigins && !policy.allowedOrigins.includes(url.origin)) {
    return `this server fetches metadata documents only from ${policy.allowedOrigins.join(', ')}`
  }
  if (!trusted && isSpecialUseHost(url.hostname)) {
    return 'its host is a loopback, private or reserved address, which this server does not fetch (section 6.5)'
  }
  return undefined
}

/** A small, stable hash of the URL: which cache slot it uses. */
function slotOf(url: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < url.length; index += 1) {
    hash = Math.imul(hash ^ url.charCodeAt(index), 0x01000193) >>> 0
  }
  return hash % cacheSlots
}

/** How long a document may be kept: its max-age, within the server's bounds; none for no-store. */
function cacheSeconds(cacheControl: string | null): number {
  if (cacheControl === null) return defaultCacheSeconds
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((part) => part.trim())
  if (directives.some((directive) => directive === 'no-store' || directive === 'no-cache')) {
    return 0
  }
  const maxAge = directives.find((directive) => directive.startsWith('max-age='))
  if (maxAge === undefined) return defaultCacheSeconds
  const seconds = Number(maxAge.slice('max-age='.length))
  return Number.isInteger(seconds) && seconds >= 0 ? Math.min(seconds, maxCacheSeconds) : 0
}

/**
 * Fetches the document within the time and size limits. The timeout covers the whole exchange,
 * body included, and holds even if the host's fetch ignores the abort signal.
 */
async function fetchDocument(
  policy: ClientMetadataDocumentPolicy,
  url: string,
): Promise<{ body: string; cacheControl: string | null }> {
  const timeoutMs = policy.timeoutMs ?? defaultTimeoutMs
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(refusal(url, `fetching the document took longer than ${timeoutMs} ms`))
    }, timeoutMs)
  })
  try {
    return await Promise.race([readDocument(policy, url, controller.signal), timedOut])
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
}

async function readDocument(
  policy: ClientMetadataDocumentPolicy,
  url: string,
  signal: AbortSignal,
): Promise<{ body: string; cacheControl: string | null }> {
  let response: Response
  try {
    response = await policy.fetch(url, {
      signal,
      redirect: 'manual',
      headers: { accept: 'application/json' },
    })
  } catch (error) {
    if (error instanceof OAuthError) throw error
    const detail = error instanceof Error && error.message ? `: ${error.message}` : ''
    throw refusal(url, `the document could not be fetched${detail.slice(0, 200)}`)
  }
  // An opaque redirect (status 0) or any 3xx: the draft says not to follow it (section 4).
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    await response.body?.cancel().catch(() => undefined)
    throw refusal(
      url,
      'its server answered with a redirect, which this server does not follow (section 4)',
    )
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined)
    throw refusal(url, `its server answered HTTP ${response.status}, not 200 (section 4)`)
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type ?? '')) {
    await response.body?.cancel().catch(() => undefined)
    throw refusal(url, `the document is not JSON (Content-Type ${type || 'missing'}) (section 4.1)`)
  }
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (Number.isFinite(declared) && declared > maxDocumentBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw refusal(url, `the document is larger than ${maxDocumentBytes} bytes (section 6.6)`)
  }
  const bytes = await readAtMost(response, maxDocumentBytes)
  if (bytes === undefined) {
    throw refusal(url, `the document is larger than ${maxDocumentBytes} bytes (section 6.6)`)
  }
  let body: string
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw refusal(url, 'the document is not valid UTF-8')
  }
  return { body, cacheControl: response.headers.get('cache-control') }
}

/** The body's bytes, or undefined once it passes `limit` (the rest is not read). */
async function readAtMost(response: Response, limit: number): Promise<Uint8Array | undefined> {
  const reader = response.body?.getReader()
  if (!reader) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

const allowedMethods: readonly TokenEndpointAuthMethod[] = ['none', 'private_key_jwt']
const allowedGrants = ['authorization_code', 'refresh_token']
const webUriFields = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const

function stringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

/**
 * The client the document describes, checked as this server checks a registration, plus the
 * document's own rules. Unknown members are ignored (RFC 7591 §2).
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1
 */
export function clientFromDocument(url: string, text: string): ClientRecord {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw refusal(url, 'the document is not valid JSON (section 4.1)')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw refusal(url, 'the document is not a JSON object (section 4.1)')
  }
  const document = parsed as Record<string, unknown>
  const own = (name: string) => (Object.hasOwn(document, name) ? document[name] : undefined)
  const bad = (reason: string) => refusal(url, reason)

  if (own('client_id') !== url) {
    throw bad(
      `the document's client_id (${String(own('client_id')).slice(0, 200)}) is not exactly its URL (section 4.1)`,
    )
  }
  if (own('client_secret') !== undefined || own('client_secret_expires_at') !== undefined) {
    throw bad('the document carries a client secret, which no metadata document may (section 4.1)')
  }
  const method = own('token_endpoint_auth_method')
  if (method === undefined) {
    throw bad(
      'the document names no token_endpoint_auth_method; the default of RFC 7591, client_secret_basic, needs a shared secret that a metadata document cannot have: say none or private_key_jwt (section 6.2)',
    )
  }
  if (typeof method !== 'string' || !(allowedMethods as readonly string[]).includes(method)) {
    throw bad(
      `token_endpoint_auth_method ${String(method)} is not allowed: a metadata document client uses none or private_key_jwt, never a shared secret (section 4.1)`,
    )
  }
  const clientName = own('client_name')
  if (typeof clientName !== 'string' || clientName.length === 0 || clientName.length > 200) {
    throw bad('client_name must be a string of 1-200 characters')
  }
  const redirectUris = own('redirect_uris')
  if (!stringArray(redirectUris) || redirectUris.length === 0) {
    throw bad('redirect_uris must be a non-empty array of strings (section 4.5)')
  }
  if (redirectUris.length > maxListEntries) {
    throw bad(`redirect_uris may hold at most ${maxListEntries} entries`)
  }
  for (const uri of redirectUris) {
    const problem = checkRedirectUri(uri)
    if (problem) throw bad(`redirect_uris: ${problem}`)
  }
  const grantTypes = own('grant_types') ?? ['authorization_code']
  const responseTypes = own('response_types') ?? ['code']
  if (!stringArray(grantTypes) || !stringArray(responseTypes)) {
    throw bad('grant_types and response_types must be arrays of strings')
  }
  const otherGrant = grantTypes.find((grant) => !allowedGrants.includes(grant))
  if (otherGrant !== undefined) {
    throw bad(
      `grant_type ${otherGrant} is not available to metadata document clients here, only authorization_code and refresh_token`,
    )
  }
  if (responseTypes.length !== 1 || responseTypes[0] !== 'code') {
    throw bad('response_types must be ["code"]')
  }
  try {
    checkGrantAndResponseTypes(grantTypes, responseTypes)
  } catch (error) {
    if (error instanceof OAuthError) throw bad(error.description)
    throw error
  }
  const scopeValue = own('scope')
  if (scopeValue !== undefined && typeof scopeValue !== 'string') {
    throw bad('scope must be a space-separated string')
  }
  const scopes = scopeValue === undefined ? supportedScopes : scopeValue.split(' ').filter(Boolean)
  const unknownScope = scopes.find((scope) => !isKnownScope(scope))
  if (unknownScope !== undefined) throw bad(`scope ${unknownScope} is not known to this server`)

  if (own('jwks_uri') !== undefined) {
    throw bad(
      'it names a jwks_uri; this server does not fetch key sets, so put the public keys in jwks',
    )
  }
  let jwks: { keys: JsonWebKey[] } | undefined
  if (own('jwks') !== undefined) {
    try {
      jwks = validateJwks(own('jwks'))
    } catch (error) {
      if (error instanceof OAuthError) throw bad(error.description)
      throw error
    }
  }
  if (method === 'private_key_jwt' && jwks === undefined) {
    throw bad('private_key_jwt needs the public keys in jwks (section 6.2)')
  }
  const extra: Record<string, unknown> = {}
  for (const field of webUriFields) {
    const value = own(field)
    if (value === undefined) continue
    if (typeof value !== 'string' || !isWebUrl(value)) {
      throw bad(`${field} must be an absolute http or https URL`)
    }
    extra[field] = value
  }
  const applicationType = own('application_type')
  if (applicationType !== undefined) {
    if (applicationType !== 'web' && applicationType !== 'native') {
      throw bad('application_type must be "web" or "native"')
    }
    extra.application_type = applicationType
  }
  return {
    client_id: url,
    client_name: clientName,
    token_endpoint_auth_method: method as TokenEndpointAuthMethod,
    grant_types: grantTypes,
    response_types: responseTypes,
    redirect_uris: redirectUris,
    scope: scopes.join(' '),
    ...(jwks === undefined ? {} : { jwks }),
    extra,
    source: 'metadata-document',
  }
}
