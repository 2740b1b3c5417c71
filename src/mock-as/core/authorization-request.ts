import { type ClientRecord, clientScopes, isPublicClient } from './clients'
import { lifetimes, type ServerContext } from './context'
import { OAuthError } from './errors'
import { splitSpaceList } from './http'
import { s256ChallengePattern } from './pkce'
import { findResponseType } from './response-types/response-type-table'

const promptValues = ['none', 'login', 'consent'] as const

/**
 * An authorization request that passed validation and waits for the user (login, consent). It is
 * kept in the store under a random id that the login and consent forms carry in a hidden field,
 * so it survives the service worker being stopped between two pages. The id alone does not stop
 * cross-site request forgery (an attacker has ids of their own requests): the forms are also
 * bound to the browser that was shown the page (`browser-binding.ts`).
 */
export interface PendingAuthorization {
  id: string
  clientId: string
  redirectUri: string
  /** Whether redirect_uri was in the request; if so the token request must repeat it (RFC 6749 §4.1.3). */
  redirectUriSent: boolean
  /** The normalised response_type key of the response-type table, e.g. `code`. */
  responseType: string
  scopes: string[]
  state?: string
  nonce?: string
  codeChallenge?: string
  codeChallengeMethod?: 'S256'
  prompt: string[]
  maxAge?: number
  createdAt: number
  expiresAt: number
  /** The login session created by a login on behalf of this very request (for prompt=login). */
  loginSessionId?: string
  /**
   * The browser the request's pages were shown to (the interaction cookie, `cookie` session
   * mode); its forms are accepted only from that browser (`browser-binding.ts`).
   */
  browserId?: string
}

export const pendingKind = 'pending-authorizations'

/** What the user approved; the response type turns it into the redirect's parameters. */
export interface ApprovedAuthorization {
  pending: PendingAuthorization
  sub: string
  authTime: number
}

/**
 * RFC 8252 §7.3: a native app's loopback redirect (an IP literal, not `localhost`) may use any
 * port; everything else must match the registered URI exactly, as a plain string.
 */
function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true
  let a: URL
  let b: URL
  try {
    a = new URL(registered)
    b = new URL(requested)
  } catch {
    return false
  }
  const loopback = a.hostname === '127.0.0.1' || a.hostname === '[::1]'
  return (
    loopback &&
    a.protocol === 'http:' &&
    b.protocol === 'http:' &&
    a.hostname === b.hostname &&
    a.pathname === b.pathname &&
    a.search === b.search &&
    !requested.includes('#')
  )
}

/**
 * Step 1 of the validation: the redirect URI the response will go to. It must match a registered
 * one exactly; it may be left out only when the client registered exactly one. A failure here must
 * never be redirected (RFC 6749 §4.1.2.1), so the caller shows it as a page or as JSON.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.1.3
 */
export function resolveRedirectUri(client: ClientRecord, requested: string | undefined): string {
  if (requested === undefined) {
    const [only, ...others] = client.redirect_uris
    if (only === undefined || others.length > 0) {
      throw new OAuthError(
        'invalid_request',
        'redirect_uri is required because the client has not exactly one registered.',
      )
    }
    return only
  }
  if (!client.redirect_uris.some((uri) => redirectUriMatches(uri, requested))) {
    throw new OAuthError(
      'invalid_request',
      'redirect_uri does not exactly match any URI registered for this client.',
    )
  }
  return requested
}

/**
 * Step 2 of the validation: the request itself (response type, scope, PKCE, nonce, prompt,
 * max_age). At `/as/authorize` its errors go back to the (now trusted) redirect URI; at `/as/par`
 * they are answered as JSON. Unknown parameters are ignored (RFC 6749 §3.1).
 */
export function validateAuthorizationParameters(
  ctx: ServerContext,
  client: ClientRecord,
  values: Map<string, string>,
  repeated: string[],
): Omit<PendingAuthorization, 'redirectUri' | 'redirectUriSent'> {
  const entry = findResponseType(values.get('response_type') ?? '')
  if (values.has('request')) {
    throw new OAuthError('request_not_supported', 'Request objects are not supported.')
  }
  if (values.has('request_uri')) {
    throw new OAuthError('request_uri_not_supported', 'request_uri is not supported.')
  }
  if (repeated.length > 0) {
    throw new OAuthError(
      'invalid_request',
      `Parameters must not be repeated: ${repeated.join(', ')}.`,
    )
  }
  const responseType = values.get('response_type')
  if (responseType === undefined) {
    throw new OAuthError('invalid_request', 'response_type is required.')
  }
  if (!entry) {
    throw new OAuthError(
      'unsupported_response_type',
      `response_type ${responseType} is not supported by this server.`,
    )
  }
  if (entry.legacyOnly && client.legacy !== true) {
    throw new OAuthError(
      'unsupported_response_type',
      `response_type ${entry.responseType} is allowed only for legacy demo clients: ${entry.legacyOnly.reason} (${entry.legacyOnly.spec}).`,
    )
  }
  if (!client.response_types.includes(entry.responseType)) {
    throw new OAuthError(
      'unauthorized_client',
      `This client is not registered for response_type ${entry.responseType}.`,
    )
  }
  const responseMode = values.get('response_mode')
  if (responseMode !== undefined && responseMode !== entry.responseMode) {
    throw new OAuthError(
      'invalid_request',
      `response_mode ${responseMode} is not supported for response_type ${entry.responseType}.`,
    )
  }

  const scopes = [...new Set(splitSpaceList(values.get('scope')))]
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'scope is required.')
  const allowed = clientScopes(client)
  const refused = scopes.filter((scope) => !allowed.includes(scope))
  if (refused.length > 0) {
    throw new OAuthError('invalid_scope', `Unknown or not allowed scope: ${refused.join(' ')}.`)
  }

  const codeChallenge = values.get('code_challenge')
  const method = values.get('code_challenge_method')
  if (entry.usesPkce) {
    if (codeChallenge === undefined) {
      if (method !== undefined) {
        throw new OAuthError(
          'invalid_request',
          'code_challenge_method was sent without code_challenge.',
        )
      }
      if (isPublicClient(client)) {
        throw new OAuthError('invalid_request', 'PKCE is required: send code_challenge with S256.')
      }
    } else {
      // RFC 7636 §4.3: an absent method means plain, which this server refuses (S256 only).
      if (method !== 'S256') {
        throw new OAuthError(
          'invalid_request',
          'code_challenge_method must be S256 (an absent method means plain, which is refused).',
        )
      }
      if (!s256ChallengePattern.test(codeChallenge)) {
        throw new OAuthError(
          'invalid_request',
          'code_challenge must be 43 base64url characters (an S256 hash).',
        )
      }
    }
  }

  const nonce = values.get('nonce')
  if (entry.requiresNonce && nonce === undefined) {
    throw new OAuthError(
      'invalid_request',
      `nonce is required for response_type ${entry.responseType}.`,
    )
  }

  const prompt = [...new Set(splitSpaceList(values.get('prompt')))]
  const unknownPrompt = prompt.find((value) => !(promptValues as readonly string[]).includes(value))
  if (unknownPrompt !== undefined) {
    throw new OAuthError('invalid_request', `prompt ${unknownPrompt} is not supported.`)
  }
  if (prompt.includes('none') && prompt.length > 1) {
    throw new OAuthError('invalid_request', 'prompt=none cannot be combined with other values.')
  }

  const maxAgeText = values.get('max_age')
  if (maxAgeText !== undefined && !/^\d{1,9}$/.test(maxAgeText)) {
    throw new OAuthError('invalid_request', 'max_age must be a non-negative integer of seconds.')
  }

  const now = ctx.nowSeconds()
  const state = values.get('state')
  return {
    id: ctx.randomId(32),
    clientId: client.client_id,
    responseType: entry.responseType,
    scopes,
    ...(state === undefined ? {} : { state }),
    ...(nonce === undefined ? {} : { nonce }),
    ...(codeChallenge === undefined ? {} : { codeChallenge, codeChallengeMethod: 'S256' as const }),
    prompt,
    ...(maxAgeText === undefined ? {} : { maxAge: Number(maxAgeText) }),
    createdAt: now,
    expiresAt: now + lifetimes.pendingRequest,
  }
}
