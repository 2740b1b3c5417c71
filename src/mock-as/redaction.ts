/**
 * Redaction of secrets in recorded HTTP exchanges (docs/decisions/081): what the worker keeps in
 * its traffic log, and what a walkthrough keeps of a finished run, must not hold a password, a
 * client secret, a private key or a usable token. Pure and worker-safe (no DOM): the worker and
 * the page both use it.
 *
 * What is redacted, wherever it appears (form bodies, JSON bodies at any depth, the query and
 * fragment of the request URL and of a `Location` header):
 * - credentials: `password`, `client_secret`, `client_assertion`, `assertion`, `code_verifier`,
 *   `registration_access_token`;
 * - tokens: `access_token`, `id_token`, `refresh_token`, `subject_token`, `actor_token`,
 *   `device_code`, `auth_req_id` (CIBA), `token` (revocation, introspection), `id_token_hint`,
 *   `logout_token`;
 * - the private members of any JWK (`d`, `p`, `q`, `dp`, `dq`, `qi`, `k`, `oth`);
 * - the headers `Authorization`, `Proxy-Authorization` (the scheme stays), `DPoP`, `Cookie` and
 *   `Set-Cookie`.
 * A JWT keeps its header and claims, which the learner reads, and loses its signature, without
 * which no server accepts it; any other value is replaced whole. Once found, a secret of 16
 * characters or more is also replaced wherever else it appears in the same record (an echo in a
 * page or an error).
 *
 * Kept on purpose: `code` (single use, short-lived, useless without the redacted verifier or
 * client secret), `user_code` (shown on screen by design), `state`, `nonce`, `code_challenge`,
 * `request_uri`, usernames and the claims of userinfo and API answers.
 */
import type { HttpExchange, HttpRequestRecord, HttpResponseRecord } from './traffic.ts'

/** What replaces a secret (or a JWT's signature). */
export const redactedMarker = '[redacted]'

/** Parameter and JSON member names whose values are credentials or tokens. */
export const secretParameterNames: ReadonlySet<string> = new Set([
  'password',
  'client_secret',
  'client_assertion',
  'assertion',
  'code_verifier',
  'registration_access_token',
  'access_token',
  'id_token',
  'refresh_token',
  'subject_token',
  'actor_token',
  'device_code',
  'auth_req_id',
  'token',
  'id_token_hint',
  'logout_token',
])

/** The private members of a JWK (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
export const privateJwkMembers: ReadonlySet<string> = new Set([
  'd',
  'p',
  'q',
  'dp',
  'dq',
  'qi',
  'k',
  'oth',
])

/** Headers whose value is replaced (after the scheme for the authorization headers). */
const credentialHeaders: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization'])
const secretHeaders: ReadonlySet<string> = new Set(['dpop', 'cookie', 'set-cookie'])

/**
 * Secrets shorter than this are redacted where they are named but not searched for elsewhere:
 * a short one ("password" guessed as a password) would also match ordinary text.
 */
const minimumEchoLength = 16

/** A secret found, and what each of its occurrences becomes. */
export type SecretReplacements = Map<string, string>

function decodeBase64UrlJson(segment: string): unknown {
  try {
    const base64 = segment.replace(/-/g, '+').replace(/_/g, '/')
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
    const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0))
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A token without its power: a signed JWT (compact JWS, RFC 7515 §7.1) keeps its header and
 * claims and loses its signature; anything else (opaque tokens, encrypted JWTs, unsigned JWTs)
 * becomes the marker. Applying it twice changes nothing.
 */
export function redactToken(value: string): string {
  const parts = value.split('.')
  if (parts.length === 3) {
    const [header = '', claims = '', signature = ''] = parts
    const decodedHeader = decodeBase64UrlJson(header)
    const signed =
      isObject(decodedHeader) &&
      typeof decodedHeader.alg === 'string' &&
      decodedHeader.alg !== 'none' &&
      signature !== ''
    if (signed && isObject(decodeBase64UrlJson(claims))) {
      return `${header}.${claims}.${redactedMarker}`
    }
  }
  return redactedMarker
}

/** True when the text carries the marker: something in it was redacted. */
export function containsRedaction(text: string): boolean {
  return text.includes(redactedMarker)
}

/** Adds a secret to search for elsewhere, unless it is too short to be told from ordinary text. */
export function rememberSecret(
  secrets: SecretReplacements,
  value: string,
  replacement: string,
): void {
  if (value.length >= minimumEchoLength && value !== replacement && !value.includes(redactedMarker))
    secrets.set(value, replacement)
}

const remember = rememberSecret

function decodeFormComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

/**
 * `a=1&password=x&b=2` → `a=1&password=[redacted]&b=2`: only the secret values change, every other
 * byte (order, encoding) stays as it was sent.
 */
function redactParameters(text: string, secrets: SecretReplacements): string {
  if (!text.includes('=')) return text
  return text
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=')
      if (equals < 0) return pair
      const name = decodeFormComponent(pair.slice(0, equals))
      if (!secretParameterNames.has(name)) return pair
      const raw = pair.slice(equals + 1)
      const value = decodeFormComponent(raw)
      const replacement = redactToken(value)
      remember(secrets, value, replacement)
      remember(secrets, raw, replacement)
      return `${pair.slice(0, equals + 1)}${replacement}`
    })
    .join('&')
}

/** The query and the fragment of an address, redacted; anything unparsable stays as it is. */
export function redactUrl(url: string, secrets: SecretReplacements = new Map()): string {
  const hashAt = url.indexOf('#')
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt)
  const fragment = hashAt < 0 ? undefined : url.slice(hashAt + 1)
  const queryAt = beforeHash.indexOf('?')
  const base = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt)
  const query = queryAt < 0 ? undefined : beforeHash.slice(queryAt + 1)
  return (
    base +
    (query === undefined ? '' : `?${redactParameters(query, secrets)}`) +
    (fragment === undefined ? '' : `#${redactParameters(fragment, secrets)}`)
  )
}

/**
 * Deeper than this, a JSON body is not walked: the whole subtree becomes the marker (a body
 * nested 20,000 levels deep must not overflow the stack; no real secret sits that deep).
 */
const maximumJsonDepth = 64

interface JsonWalk {
  secrets: SecretReplacements
  changed: boolean
}

/** A JSON value with every secret member redacted, at any depth up to the limit. */
function redactJsonValue(value: unknown, walk: JsonWalk, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (depth >= maximumJsonDepth) {
    walk.changed = true
    return redactedMarker
  }
  if (Array.isArray(value)) return value.map((item) => redactJsonValue(item, walk, depth + 1))
  const record = value as Record<string, unknown>
  const isJwk = typeof record.kty === 'string'
  const result: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(record)) {
    if (isJwk && privateJwkMembers.has(name) && member !== undefined) {
      if (typeof member === 'string') remember(walk.secrets, member, redactedMarker)
      result[name] = redactedMarker
      walk.changed = true
    } else if (secretParameterNames.has(name) && typeof member === 'string') {
      const replacement = redactToken(member)
      remember(walk.secrets, member, replacement)
      result[name] = replacement
      walk.changed = true
    } else {
      result[name] = redactJsonValue(member, walk, depth + 1)
    }
  }
  return result
}

/** `"name": "value"` pairs of secret names, for a body sent as JSON that does not parse. */
const jsonMemberPattern = new RegExp(
  `("(?:${[...secretParameterNames].join('|')})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)`,
  'g',
)

function redactBrokenJson(body: string, secrets: SecretReplacements): string {
  return body.replace(jsonMemberPattern, (_match, name: string, value: string) => {
    const replacement = redactToken(value)
    remember(secrets, value, replacement)
    return `${name}${replacement}`
  })
}

function headerValue(headers: Record<string, string>, name: string): string {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value
  return ''
}

/** A body, redacted as JSON when it is JSON, as form parameters otherwise (HTML stays). */
function redactBody(
  body: string | null,
  headers: Record<string, string>,
  secrets: SecretReplacements,
): string | null {
  if (body === null || body === '') return body
  const type = headerValue(headers, 'content-type').toLowerCase()
  if (type.includes('json')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      return redactBrokenJson(body, secrets)
    }
    const walk: JsonWalk = { secrets, changed: false }
    const redacted = redactJsonValue(parsed, walk)
    return walk.changed ? JSON.stringify(redacted) : body
  }
  if (type.includes('html')) return body
  // Forms, and bodies sent without a type that may still be read as a form by the server.
  return redactParameters(body, secrets)
}

/** `Basic …` / `Bearer …` / `DPoP …`: the scheme stays, the credential goes. */
function redactCredential(value: string, secrets: SecretReplacements): string {
  const space = value.indexOf(' ')
  if (space < 0) {
    remember(secrets, value, redactedMarker)
    return redactedMarker
  }
  const scheme = value.slice(0, space)
  const credential = value.slice(space + 1).trim()
  if (scheme.toLowerCase() === 'basic') {
    remember(secrets, credential, redactedMarker)
    // RFC 6749 §2.3.1: base64 of form-urlencoded id ":" secret; the secret may be echoed decoded.
    try {
      const decoded = atob(credential)
      const colon = decoded.indexOf(':')
      if (colon >= 0) {
        const rawSecret = decoded.slice(colon + 1)
        remember(secrets, rawSecret, redactedMarker)
        remember(secrets, decodeFormComponent(rawSecret), redactedMarker)
      }
    } catch {
      // Not base64: the whole credential is already gone.
    }
    return `${scheme} ${redactedMarker}`
  }
  const replacement = redactToken(credential)
  remember(secrets, credential, replacement)
  return `${scheme} ${replacement}`
}

function redactHeaders(
  headers: Record<string, string>,
  secrets: SecretReplacements,
): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (credentialHeaders.has(lower)) result[name] = redactCredential(value, secrets)
    else if (lower === 'dpop') {
      const replacement = redactToken(value)
      remember(secrets, value, replacement)
      result[name] = replacement
    } else if (secretHeaders.has(lower)) result[name] = redactedMarker
    else if (lower === 'location') result[name] = redactUrl(value, secrets)
    else result[name] = value
  }
  return result
}

/** Every string in a JSON-like value with each known secret replaced (longest first). */
export function replaceSecrets<T>(value: T, secrets: SecretReplacements): T {
  if (secrets.size === 0) return value
  const ordered = [...secrets].sort(([a], [b]) => b.length - a.length)
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') {
      let text = item
      for (const [secret, replacement] of ordered) {
        if (text.includes(secret)) text = text.split(secret).join(replacement)
      }
      return text
    }
    if (Array.isArray(item)) return item.map(walk)
    if (isObject(item)) {
      const result: Record<string, unknown> = {}
      for (const [name, member] of Object.entries(item)) result[name] = walk(member)
      return result
    }
    return item
  }
  return walk(value) as T
}

/**
 * The secrets an exchange carries, each with its replacement, without changing it: for callers
 * that must redact the same secrets in other records too (a walkthrough's saved run).
 */
export function collectExchangeSecrets(
  exchange: HttpExchange,
  secrets: SecretReplacements = new Map(),
): SecretReplacements {
  redactStructure(exchange, secrets)
  return secrets
}

function redactStructure(exchange: HttpExchange, secrets: SecretReplacements): HttpExchange {
  const request: HttpRequestRecord = {
    ...exchange.request,
    url: redactUrl(exchange.request.url, secrets),
    headers: redactHeaders(exchange.request.headers, secrets),
    body: redactBody(exchange.request.body, exchange.request.headers, secrets),
  }
  const response: HttpResponseRecord = {
    ...exchange.response,
    headers: redactHeaders(exchange.response.headers, secrets),
    body: redactBody(exchange.response.body, exchange.response.headers, secrets),
  }
  return { ...exchange, request, response }
}

/**
 * The exchange as it may be stored: secrets redacted where they are named, then wherever else
 * they (or `alsoKnown`, secrets found elsewhere) appear in it.
 */
export function redactExchange(
  exchange: HttpExchange,
  alsoKnown: SecretReplacements = new Map(),
): HttpExchange {
  const secrets = new Map(alsoKnown)
  const structured = redactStructure(exchange, secrets)
  return replaceSecrets(structured, secrets)
}
