import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose'
import { resolveClient } from './client-id-metadata-document'
import {
  acceptedAuthMethods,
  type ClientRecord,
  findClient,
  type TokenEndpointAuthMethod,
} from './clients'
import { lifetimes, type ServerContext } from './context'
import { OAuthError } from './errors'
import { timingSafeEqual } from './http'
import type { CoreRequest } from './request-response'

export const jwtBearerAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

const assertionJtisKind = 'client-assertion-jtis'

export interface AuthenticatedClient {
  client: ClientRecord
  method: TokenEndpointAuthMethod
}

export const basicRealm = 'Basic realm="grantlab-mock-as", charset="UTF-8"'

/**
 * `invalid_client`. A client that tried the Authorization header gets 401 with a challenge for
 * the scheme this server takes there, Basic (RFC 6749 §5.2 requires it, and RFC 9110 §15.5.2 wants
 * a challenge on every 401). A client that sent its credentials in the body, or none, gets 400:
 * no HTTP authentication scheme applies to it, and 400 is RFC 6749 §5.2's default status
 * (docs/decisions/076).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2
 */
export function invalidClient(description: string, request: CoreRequest): OAuthError {
  return request.headers.has('authorization')
    ? new OAuthError('invalid_client', description, {
        status: 401,
        headers: { 'WWW-Authenticate': basicRealm },
      })
    : new OAuthError('invalid_client', description, { status: 400 })
}

/**
 * The end of a failed authentication's `error_description`: which methods the client is
 * registered for, so a developer sees at once whether the method or the secret is wrong.
 */
function registeredFor(client: ClientRecord): string {
  const methods = acceptedAuthMethods(client)
  const listed =
    methods.length === 1
      ? (methods[0] ?? '')
      : `${methods.slice(0, -1).join(', ')} or ${methods[methods.length - 1]}`
  return `${client.client_id} is registered for ${listed}`
}

function unknownClient(clientId: string, request: CoreRequest): OAuthError {
  return invalidClient(
    `Client authentication failed: no client ${clientId} is registered here.`,
    request,
  )
}

/** The client exists but did not use a method it is registered for. */
function wrongMethod(
  client: ClientRecord,
  used: TokenEndpointAuthMethod,
  request: CoreRequest,
): OAuthError {
  return invalidClient(
    `Client authentication failed: ${registeredFor(client)}, and the request used ${used}.`,
    request,
  )
}

function wrongSecret(client: ClientRecord, request: CoreRequest): OAuthError {
  return invalidClient(
    `Client authentication failed: the client_secret is wrong (${registeredFor(client)}).`,
    request,
  )
}

function decodeFormComponent(value: string): string {
  // Most ids and secrets have nothing encoded in them.
  if (!value.includes('%') && !value.includes('+')) return value
  return decodeURIComponent(value.replace(/\+/g, ' '))
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Decodes `Authorization: Basic …`: base64, split on the first colon, and form-decode both halves,
 * since clients form-encode the id and the secret before joining them.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function parseBasicCredentials(header: string): { id: string; secret: string } | undefined {
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header)
  if (!match?.[1]) return undefined
  let decoded: string
  try {
    const binary = atob(match[1])
    const bytes = new Uint8Array(binary.length)
    for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index)
    decoded = strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
  const colon = decoded.indexOf(':')
  if (colon === -1) return undefined
  try {
    return {
      id: decodeFormComponent(decoded.slice(0, colon)),
      secret: decodeFormComponent(decoded.slice(colon + 1)),
    }
  } catch {
    return undefined
  }
}

/**
 * Basic credentials `claimedClient` parsed, kept for `authenticateClient` on the same request.
 * Only `claimedClient` stores: it runs first where it runs at all (PAR, and the token endpoint when
 * a DPoP proof came), so a plain token request adds no entry.
 */
const basicOfRequest = new WeakMap<CoreRequest, ReturnType<typeof parseBasicCredentials>>()

function requestBasicCredentials(request: CoreRequest, header: string, keep: boolean) {
  if (basicOfRequest.has(request)) return basicOfRequest.get(request)
  const credentials = parseBasicCredentials(header)
  if (keep) basicOfRequest.set(request, credentials)
  return credentials
}

/**
 * The client a request says it comes from, before it is authenticated: the Basic id, the body's
 * `client_id`, or the `iss` of its client assertion. Only for decisions that must come before
 * authentication and grant nothing, such as whether a DPoP proof needs a nonce (a nonce challenge
 * must not spend the client's assertion, which a workload may have to send again as it is).
 */
export async function claimedClient(
  ctx: ServerContext,
  request: CoreRequest,
  params: Map<string, string>,
): Promise<ClientRecord | undefined> {
  const authorization = request.headers.get('authorization')
  let id = authorization ? requestBasicCredentials(request, authorization, true)?.id : undefined
  id ??= params.get('client_id')
  const assertion = params.get('client_assertion')
  if (id === undefined && assertion !== undefined) {
    try {
      const iss = decodeJwt(assertion).iss
      if (typeof iss === 'string') id = iss
    } catch {
      // Not a JWT: authentication will say so.
    }
  }
  return id === undefined ? undefined : findClient(ctx, id)
}

/**
 * Authenticates the client of a token, revocation or introspection request with a method it is
 * registered for: `none`, `client_secret_basic`, `client_secret_post` or `private_key_jwt` (the
 * demo confidential clients accept both secret methods). A failure names the methods the client
 * is registered for.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
export async function authenticateClient(
  ctx: ServerContext,
  request: CoreRequest,
  params: Map<string, string>,
): Promise<AuthenticatedClient> {
  const authorization = request.headers.get('authorization')
  const usedBasic = authorization !== null && /^basic(\s|$)/i.test(authorization)
  const bodyId = params.get('client_id')
  const bodySecret = params.get('client_secret')
  const assertion = params.get('client_assertion')
  const assertionType = params.get('client_assertion_type')

  const presented = [usedBasic, bodySecret !== undefined, assertion !== undefined].filter(Boolean)
  if (presented.length > 1) {
    throw new OAuthError('invalid_request', 'Use exactly one client authentication method.')
  }

  if (usedBasic) {
    const credentials = requestBasicCredentials(request, authorization ?? '', false)
    if (!credentials) throw invalidClient('The Basic credentials are malformed.', request)
    if (bodyId !== undefined && bodyId !== credentials.id) {
      throw new OAuthError('invalid_request', 'client_id in the body differs from the Basic id.')
    }
    const client = await findClient(ctx, credentials.id)
    if (!client) throw unknownClient(credentials.id, request)
    if (!client.client_secret || !acceptedAuthMethods(client).includes('client_secret_basic')) {
      throw wrongMethod(client, 'client_secret_basic', request)
    }
    if (!timingSafeEqual(credentials.secret, client.client_secret)) {
      throw wrongSecret(client, request)
    }
    return { client, method: 'client_secret_basic' }
  }

  if (assertion !== undefined || assertionType !== undefined) {
    if (assertionType !== jwtBearerAssertionType || assertion === undefined) {
      throw new OAuthError(
        'invalid_request',
        `client_assertion_type must be ${jwtBearerAssertionType} with a client_assertion.`,
      )
    }
    return authenticateWithAssertion(ctx, request, assertion, bodyId)
  }

  if (bodyId === undefined) {
    throw invalidClient('The client did not identify itself.', request)
  }
  // A URL client_id is read from its metadata document (docs/decisions/122).
  const client = await resolveClient(ctx, bodyId)
  if (!client) throw unknownClient(bodyId, request)

  if (bodySecret !== undefined) {
    if (!client.client_secret || !acceptedAuthMethods(client).includes('client_secret_post')) {
      throw wrongMethod(client, 'client_secret_post', request)
    }
    if (!timingSafeEqual(bodySecret, client.client_secret)) throw wrongSecret(client, request)
    return { client, method: 'client_secret_post' }
  }

  if (!acceptedAuthMethods(client).includes('none')) {
    throw invalidClient(
      `Client authentication failed: ${registeredFor(client)}, and the request sent no credentials.`,
      request,
    )
  }
  return { client, method: 'none' }
}

/**
 * `private_key_jwt`: iss = sub = client_id, `exp` and `jti` required, the `jti` seen once, the
 * signature made with a key the client registered in `jwks`, and `aud` this server's issuer
 * identifier as a single string. The token and PAR endpoint URLs, which RFC 7523 §3 and RFC 9126
 * §2 let a server accept, are refused: an assertion made for one endpoint of a server could be
 * replayed by another server that shares the URL (draft-ietf-oauth-rfc7523bis; FAPI 2.0 Security
 * Profile §5.3.2.1; docs/decisions/102). The audience is checked after the signature, so the error
 * can say what was wrong without telling a forger anything.
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-rfc7523bis/
 */
async function authenticateWithAssertion(
  ctx: ServerContext,
  request: CoreRequest,
  assertion: string,
  bodyId: string | undefined,
): Promise<AuthenticatedClient> {
  let claimedId: unknown
  try {
    claimedId = decodeJwt(assertion).iss
  } catch {
    throw invalidClient('client_assertion is not a JWT.', request)
  }
  if (typeof claimedId !== 'string') throw invalidClient('client_assertion has no iss.', request)
  if (bodyId !== undefined && bodyId !== claimedId) {
    throw new OAuthError('invalid_request', 'client_id differs from the assertion issuer.')
  }
  const client = await resolveClient(ctx, claimedId)
  if (!client) throw unknownClient(claimedId, request)
  if (!acceptedAuthMethods(client).includes('private_key_jwt') || !client.jwks) {
    throw wrongMethod(client, 'private_key_jwt', request)
  }
  let claims: { jti?: unknown; exp?: unknown; aud?: unknown }
  try {
    const result = await jwtVerify(assertion, createLocalJWKSet(client.jwks as never), {
      issuer: client.client_id,
      subject: client.client_id,
      // RFC 9864: Ed25519 is the name to use; the deprecated EdDSA is still accepted.
      algorithms: ['RS256', 'ES256', 'PS256', 'Ed25519', 'EdDSA'],
      requiredClaims: ['exp', 'jti', 'aud'],
      currentDate: new Date(ctx.deps.clock.now()),
      clockTolerance: 30,
    })
    claims = result.payload
  } catch {
    throw invalidClient('client_assertion failed verification.', request)
  }
  if (claims.aud !== ctx.issuer) {
    throw invalidClient(
      `client_assertion aud must be this server's issuer identifier, ${ctx.issuer}, as a single string; the token and PAR endpoint URLs are not accepted (draft-ietf-oauth-rfc7523bis, FAPI 2.0 section 5.3.2.1).`,
      request,
    )
  }
  const jti = String(claims.jti)
  const replayKey = `${client.client_id} ${jti}`
  return ctx.withLock(`assertion:${replayKey}`, async () => {
    const now = ctx.nowSeconds()
    const seen = await ctx.deps.store.get<{ expiresAt: number }>(assertionJtisKind, replayKey)
    if (seen && seen.expiresAt > now) {
      throw invalidClient('client_assertion was already used (jti replay).', request)
    }
    const exp = typeof claims.exp === 'number' ? claims.exp : now
    const expiresAt = Math.max(exp + 30, now + lifetimes.assertionReplayWindow)
    await ctx.deps.store.put(assertionJtisKind, replayKey, { expiresAt }, { expiresAt })
    return { client, method: 'private_key_jwt' as const }
  })
}
