import { OAuthError, type OAuthErrorCode } from './errors'
import { type CoreRequest, PlainResponse } from './request-response'

/** Request bodies above this size are refused before they are parsed. */
export const maxBodyBytes = 64 * 1024

/**
 * Query strings above this length are refused with 414 before they are parsed. Authorization
 * requests are short; a client with a long one pushes it to `/as/par` instead (RFC 9126 §1).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.15
 */
export const maxQueryLength = 8 * 1024

/** The headers of every JSON answer, checked once: each answer starts from a copy. */
const jsonTemplate = new PlainResponse(null, {
  headers: {
    'Content-Type': 'application/json;charset=UTF-8',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
  },
})

/** @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1 (no-store on every JSON answer) */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): PlainResponse {
  return jsonTextResponse(JSON.stringify(body), status, headers)
}

/** {@link jsonResponse} for a body serialised already (a document kept serialised). */
export function jsonTextResponse(
  json: string,
  status = 200,
  headers: Record<string, string> = {},
): PlainResponse {
  const response = jsonTemplate.withBody(json, status)
  for (const name in headers) response.set(name, headers[name] as string)
  return response
}

export function emptyResponse(status = 200): PlainResponse {
  return new PlainResponse(null, {
    status,
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  })
}

export function redirectResponse(
  location: string,
  headers: Record<string, string> = {},
): PlainResponse {
  return new PlainResponse(null, {
    status: 302,
    headers: { Location: location, 'Cache-Control': 'no-store', ...headers },
  })
}

/** The media type without parameters, lower-cased (`application/json;charset=UTF-8` → `application/json`). */
export function mediaType(request: CoreRequest): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/** Stateless between calls (no `stream` option), so one decoder serves every request. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads the body as UTF-8 text, refusing bodies over {@link maxBodyBytes} and bytes that are not
 * valid UTF-8. Errors carry the code the calling endpoint uses for a bad body.
 */
export async function readBodyText(
  request: CoreRequest,
  errorCode: OAuthErrorCode,
): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    throw new OAuthError(errorCode, `The request body is larger than ${maxBodyBytes} bytes.`)
  }
  let bytes: ArrayBuffer
  try {
    bytes = await request.arrayBuffer()
  } catch {
    throw new OAuthError(errorCode, 'The request body could not be read.')
  }
  if (bytes.byteLength > maxBodyBytes) {
    throw new OAuthError(errorCode, `The request body is larger than ${maxBodyBytes} bytes.`)
  }
  try {
    return strictUtf8.decode(bytes)
  } catch {
    throw new OAuthError(errorCode, 'The request body is not valid UTF-8.')
  }
}

/**
 * Parameters of a query string or form body. A parameter sent without a value counts as absent
 * (RFC 6749 §3.1); a parameter sent twice is an error for the caller to report.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1
 */
export interface Parameters {
  values: Map<string, string>
  repeated: string[]
}

export function parseParameters(search: URLSearchParams): Parameters {
  const values = new Map<string, string>()
  const seen = new Set<string>()
  // A Set, not an array lookup: a request with thousands of distinct repeated names must stay
  // linear (docs/decisions/078).
  const repeated = new Set<string>()
  for (const [name, value] of search) {
    if (seen.has(name)) {
      repeated.add(name)
      continue
    }
    seen.add(name)
    if (value !== '') values.set(name, value)
  }
  return { values, repeated: [...repeated] }
}

/** At most this many names are listed in an error description; the rest are counted. */
const maxNamesInDescription = 5

/** `a, b, c` or `a, b, c, d, e and 95 more`: an error description stays short. */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, maxNamesInDescription).join(', ')
  const more = names.length - maxNamesInDescription
  return more > 0 ? `${shown} and ${more} more` : shown
}

/** Throws `invalid_request` if any parameter was repeated. */
export function rejectRepeated(parameters: Parameters): void {
  if (parameters.repeated.length > 0) {
    throw new OAuthError(
      'invalid_request',
      `Parameters must not be repeated: ${listNames(parameters.repeated)}.`,
    )
  }
}

/**
 * Reads an `application/x-www-form-urlencoded` body (the only body the token, revocation and
 * introspection endpoints accept) and rejects repeated parameters.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export async function readForm(request: CoreRequest): Promise<Map<string, string>> {
  if (mediaType(request) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(
      'invalid_request',
      'The body must be sent as application/x-www-form-urlencoded.',
    )
  }
  const text = await readBodyText(request, 'invalid_request')
  const parameters = parseParameters(new URLSearchParams(text))
  rejectRepeated(parameters)
  return parameters.values
}

/** Reads a form body for the HTML pages: same rules, no repeated-parameter check needed. */
export async function readPageForm(request: CoreRequest): Promise<Map<string, string>> {
  const text =
    mediaType(request) === 'application/x-www-form-urlencoded'
      ? await readBodyText(request, 'invalid_request')
      : ''
  return parseParameters(new URLSearchParams(text)).values
}

/** Values of one cookie from the Cookie header, or undefined. */
export function readCookie(request: CoreRequest, name: string): string | undefined {
  const header = request.headers.get('cookie')
  if (!header) return undefined
  for (const part of header.split(';')) {
    const index = part.indexOf('=')
    if (index === -1) continue
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim()
  }
  return undefined
}

/** Splits a space-delimited list (scope, response_type, prompt), dropping empty items. */
export function splitSpaceList(value: string | undefined): string[] {
  if (!value) return []
  return value.split(' ').filter((item) => item !== '')
}

const base64urlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Base64url without padding, three bytes to four characters at a time (RFC 4648 §5; RFC 7515
 * §2): no binary string, no `btoa`, no replacing afterwards.
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-5
 */
export function base64url(bytes: Uint8Array): string {
  const alphabet = base64urlAlphabet
  let text = ''
  let index = 0
  for (; index + 2 < bytes.length; index += 3) {
    const triple =
      ((bytes[index] as number) << 16) |
      ((bytes[index + 1] as number) << 8) |
      (bytes[index + 2] as number)
    text +=
      alphabet.charAt(triple >> 18) +
      alphabet.charAt((triple >> 12) & 63) +
      alphabet.charAt((triple >> 6) & 63) +
      alphabet.charAt(triple & 63)
  }
  const left = bytes.length - index
  if (left === 1) {
    const first = bytes[index] as number
    text += alphabet.charAt(first >> 2) + alphabet.charAt((first & 3) << 4)
  } else if (left === 2) {
    const pair = ((bytes[index] as number) << 8) | (bytes[index + 1] as number)
    text +=
      alphabet.charAt(pair >> 10) +
      alphabet.charAt((pair >> 4) & 63) +
      alphabet.charAt((pair & 15) << 2)
  }
  return text
}

/** Compares two strings without stopping at the first difference. */
export function timingSafeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length)
  let difference = a.length ^ b.length
  for (let index = 0; index < length; index += 1) {
    difference |= (a.charCodeAt(index) || 0) ^ (b.charCodeAt(index) || 0)
  }
  return difference === 0
}
