import { type CoreRequest, type CoreResponse, PlainResponse } from './request-response'

/**
 * Cross-origin resource sharing for the endpoints a browser client on another origin calls with
 * `fetch` (discovery, JWKS, token, userinfo, revocation, introspection, registration, PAR, device
 * authorization, the demo API and MCP server with their RFC 9728 metadata): the routes marked `cors`
 * in `routes.ts`. The HTML pages are
 * navigated to, never fetched, and get none. Off unless the host passes a policy: the service
 * worker serves only its own origin (docs/decisions/116).
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */

/** Which origins may read the server's answers from a browser. */
export interface CorsPolicy {
  allows(origin: string): boolean
}

/** The entry that stands for every loopback origin, on any port. */
export const loopbackCorsEntry = 'loopback'

/** The request headers a browser client sends to these endpoints. */
export const corsAllowedHeaders = ['Authorization', 'DPoP', 'Content-Type'] as const
/** The response headers a browser client must be able to read (RFC 9449 §8, RFC 6750 §3). */
export const corsExposedHeaders = ['DPoP-Nonce', 'WWW-Authenticate'] as const
const exposedHeaderList = corsExposedHeaders.join(', ')
/** How long a browser may cache a preflight answer, in seconds. */
export const corsMaxAgeSeconds = 600

const loopbackHosts = ['localhost', '127.0.0.1', '[::1]']

/**
 * Whether `value` is written exactly as a browser sends an origin: scheme, host and an optional
 * port, nothing else (no path, no trailing slash, lower case). `null` is not an origin here.
 */
export function isSerializedOrigin(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value
  } catch {
    return false
  }
}

/** http or https on localhost, 127.0.0.1 or [::1], any port. */
export function isLoopbackOrigin(origin: string): boolean {
  if (!isSerializedOrigin(origin)) return false
  return loopbackHosts.includes(new URL(origin).hostname)
}

/**
 * A policy from a list of exact origins and, optionally, `loopback`. An entry that is neither is
 * a mistake the host must report before it starts: this throws an Error naming it.
 */
export function createCorsPolicy(entries: readonly string[]): CorsPolicy {
  const exact = new Set<string>()
  let loopback = false
  for (const entry of entries) {
    if (entry === loopbackCorsEntry) loopback = true
    else if (isSerializedOrigin(entry)) exact.add(entry)
    else {
      throw new Error(
        `${JSON.stringify(entry)} is not an origin: write scheme://host[:port] with nothing after it (e.g. http://localhost:3000), or "${loopbackCorsEntry}".`,
      )
    }
  }
  return { allows: (origin) => exact.has(origin) || (loopback && isLoopbackOrigin(origin)) }
}

function appendVary(headers: Pick<Headers, 'get' | 'set'>, name: string): void {
  const current = headers.get('vary')
  if (!current) headers.set('vary', name)
  else if (
    !current
      .toLowerCase()
      .split(/\s*,\s*/)
      .includes(name.toLowerCase())
  ) {
    headers.set('vary', `${current}, ${name}`)
  }
}

/**
 * Answers an OPTIONS request to a CORS route. A preflight from an allowed origin gets 204 with the
 * route's methods and the headers clients use; from any other origin, 403 without a single CORS
 * header, so the browser refuses the request that would have followed. An OPTIONS request that is
 * no preflight (no `Origin` or no `Access-Control-Request-Method`) gets 204 with `Allow`.
 * @see https://fetch.spec.whatwg.org/#cors-preflight-fetch
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.3.7
 */
export function answerPreflight(
  policy: CorsPolicy,
  request: CoreRequest,
  methods: readonly string[],
  extraHeaders: readonly string[] = [],
): CoreResponse {
  const origin = request.headers.get('origin')
  const requestedMethod = request.headers.get('access-control-request-method')
  const headers = new Headers({ 'Cache-Control': 'no-store' })
  appendVary(headers, 'Origin')
  if (origin === null || requestedMethod === null) {
    headers.set('allow', [...methods, 'OPTIONS'].join(', '))
    return new PlainResponse(null, { status: 204, headers })
  }
  if (!policy.allows(origin)) {
    headers.set('content-type', 'application/json;charset=UTF-8')
    return new PlainResponse(
      JSON.stringify({
        error: 'invalid_request',
        error_description: `The origin ${origin} may not call this server from a browser: it is not among the server's CORS origins.`,
      }),
      { status: 403, headers },
    )
  }
  headers.set('access-control-allow-origin', origin)
  headers.set('access-control-allow-methods', methods.join(', '))
  headers.set('access-control-allow-headers', [...corsAllowedHeaders, ...extraHeaders].join(', '))
  headers.set('access-control-max-age', String(corsMaxAgeSeconds))
  // Chromium asks before a page reaches a more private address (Private Network Access).
  if (request.headers.get('access-control-request-private-network') === 'true') {
    headers.set('access-control-allow-private-network', 'true')
  }
  return new PlainResponse(null, { status: 204, headers })
}

/**
 * The answer to an actual request on a CORS route, with `Access-Control-Allow-Origin` when its
 * origin is allowed. `Vary: Origin` always, since the answer's headers depend on it. No
 * credentials mode: these endpoints authenticate with headers and bodies, never with cookies.
 */
export function withCorsHeaders(
  policy: CorsPolicy,
  request: CoreRequest,
  response: CoreResponse,
): CoreResponse {
  const origin = request.headers.get('origin')
  // The core's own answers keep their body as it is and their headers as a plain list; a Fetch
  // Response passes its stream on.
  const headers =
    response instanceof PlainResponse ? response.clone() : new Headers(response.headers)
  appendVary(headers, 'Origin')
  if (origin !== null && policy.allows(origin)) {
    headers.set('access-control-allow-origin', origin)
    headers.set('access-control-expose-headers', exposedHeaderList)
  }
  if (headers instanceof PlainResponse) return headers
  return new Response(response.body, {
    status: response.status,
    statusText: (response as Response).statusText,
    headers,
  })
}
