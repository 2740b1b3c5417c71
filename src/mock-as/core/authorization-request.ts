import { type ClientRecord, clientScopes, isNativeClient, isPublicClient } from './clients'
import { lifetimes, type ServerContext } from './context'
import { jktPattern } from './dpop'
import { OAuthError } from './errors'
import { listNames, splitSpaceList } from './http'
import { hasWeakness } from './lab-clients'
import { s256ChallengePattern } from './pkce'
import { parseResourceValues } from './resource-indicators'
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
  /**
   * The thumbprint of the DPoP key the code will be bound to: `dpop_jkt`, or at `/as/par` the key
   * of the request's DPoP proof (RFC 9449 §10, §10.1).
   */
  dpopJkt?: string
  /** RFC 8707 §2.1: the resources the request named (this server's identifiers), if any. */
  resources?: string[]
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
  /** The login session's public id, for the `sid` claim (Back-Channel Logout 1.0 §2.4). */
  sid?: string
}

/**
 * A loopback IP redirect URI as RFC 8252 §7.3 defines it, split where the port goes: plain http,
 * the IP literal `127.0.0.1` or `[::1]` (never the name `localhost`, §8.3), no user info, an
 * optional port, and the rest (path and query) kept as written. No fragment.
 */
const loopbackRedirectPattern =
  /^http:\/\/(127\.0\.0\.1|\[::1\])(?::([1-9][0-9]{0,4}))?([/?][^#]*)?$/

function loopbackParts(uri: string): { host: string; rest: string } | undefined {
  const match = loopbackRedirectPattern.exec(uri)
  if (!match || Number(match[2] ?? '80') > 65535) return undefined
  return { host: match[1] ?? '', rest: match[3] ?? '' }
}

/**
 * Redirect URIs are compared as plain strings (RFC 9700 §4.1.3): no normalising of case,
 * percent-encoding, dot segments or user info. The one exception is RFC 8252 §7.3: for a client
 * registered with `application_type: native`, a loopback IP redirect may use any port, because a
 * native app listens on whatever port the system gives it; everything but the port must still be
 * byte-identical. Web clients get no exception, even on loopback (docs/decisions/075).
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.1.3
 */
export function redirectUriMatches(
  client: ClientRecord,
  registered: string,
  requested: string,
): boolean {
  if (registered === requested) return true
  // WEAKENED, for the attack lab's grantlab-lax-redirects only (docs/decisions/126): a prefix
  // check, the mistake RFC 9700 §4.1.1 describes; `<registered>/../..` passes it.
  if (hasWeakness(client, 'prefix-redirect-uri') && requested.startsWith(registered)) return true
  if (!isNativeClient(client)) return false
  const a = loopbackParts(registered)
  const b = loopbackParts(requested)
  return a !== undefined && b !== undefined && a.host === b.host && a.rest === b.rest
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
  if (!client.redirect_uris.some((uri) => redirectUriMatches(client, uri, requested))) {
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
  resourceValues: readonly string[] = [],
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
      `Parameters must not be repeated: ${listNames(repeated)}.`,
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
  /** @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata */
  const missingGrants = entry.requiredGrantTypes.filter(
    (grant) => !client.grant_types.includes(grant),
  )
  if (missingGrants.length > 0) {
    throw new OAuthError(
      'unauthorized_client',
      `response_type ${entry.responseType} needs the grant types ${entry.requiredGrantTypes.join(' and ')}; this client lacks ${missingGrants.join(' and ')}.`,
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
  // An ID token from the authorization endpoint is an OpenID Connect response: without openid
  // the request is not an OpenID Connect request, and no ID token may be issued for it.
  /** @see https://openid.net/specs/openid-connect-core-1_0.html#HybridAuthRequest */
  if (entry.requiresOpenidScope && !scopes.includes('openid')) {
    throw new OAuthError(
      'invalid_request',
      `response_type ${entry.responseType} returns an ID token, so scope must include openid (OpenID Connect Core section 3.3.2.1).`,
    )
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

  /** @see https://www.rfc-editor.org/rfc/rfc9449#section-10 */
  const dpopJkt = values.get('dpop_jkt')
  if (dpopJkt !== undefined && !jktPattern.test(dpopJkt)) {
    throw new OAuthError(
      'invalid_request',
      'dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (43 characters, RFC 7638).',
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

  /** @see https://www.rfc-editor.org/rfc/rfc8707#section-2.1 */
  const resources = parseResourceValues(ctx, resourceValues)

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
    ...(dpopJkt === undefined ? {} : { dpopJkt }),
    ...(resources.length === 0 ? {} : { resources }),
    prompt,
    ...(maxAgeText === undefined ? {} : { maxAge: Number(maxAgeText) }),
    createdAt: now,
    expiresAt: now + lifetimes.pendingRequest,
  }
}
