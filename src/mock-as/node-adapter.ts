/**
 * The mock server's core behind node:http: turns each IncomingMessage into a {@link CoreRequest}
 * for `core.respond` and writes the answer back. Used by `npm run as` (node.ts) and by tests.
 * No Fetch Request, Headers or body stream is built per request, and an answer the core built
 * itself (a `PlainResponse`) is written from its string without a Response in between; a Fetch
 * Response is read and written as before (docs/decisions/137).
 */
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  RequestListener,
  ServerResponse,
} from 'node:http'
import type { AuthorizationServer } from './core/authorization-server'
import {
  type CoreRequest,
  type CoreResponse,
  nodeHeaderRecord,
  PlainResponse,
  type RequestHeaders,
} from './core/request-response'

/** Bodies larger than this are refused here; the core refuses anything above 64 KB anyway. */
export const maxNodeBodyBytes = 1024 * 1024

/**
 * A body that keeps coming after the limit is read and thrown away up to this many bytes, so the
 * client can finish sending and then read the 413; beyond it the connection is closed.
 */
export const maxDrainedBytes = 64 * 1024 * 1024

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    ...headers,
  })
  response.end(JSON.stringify(body))
}

/**
 * node:http's parsed headers, read as a Fetch `Headers` would read them: names are matched
 * case-insensitively, and a header Node keeps as a list (`set-cookie`) comes back joined with
 * `, `. Node has joined other repeated headers already, or kept the first where only one counts.
 */
class NodeHeaders implements RequestHeaders {
  readonly #headers: IncomingHttpHeaders

  constructor(headers: IncomingHttpHeaders) {
    this.#headers = headers
  }

  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()]
    if (value === undefined) return null
    return Array.isArray(value) ? value.join(', ') : value
  }

  has(name: string): boolean {
    return this.#headers[name.toLowerCase()] !== undefined
  }
}

const emptyBody = new Uint8Array(0)

/** An IncomingMessage as the core reads it: method, absolute URL, headers and the body read. */
class NodeRequest implements CoreRequest {
  readonly method: string
  readonly url: string
  /** The adapter's own parse, so that the core does not parse the URL a second time. */
  readonly parsedUrl: URL
  readonly headers: RequestHeaders
  /** What a Fetch Request made in Node says: no referrer, cookies sent. */
  readonly referrer = 'about:client'
  readonly credentials = 'same-origin'
  readonly #body: Uint8Array
  #bodyUsed = false

  constructor(method: string, url: URL, headers: RequestHeaders, body: Uint8Array) {
    this.method = method
    this.url = url.href
    this.parsedUrl = url
    this.headers = headers
    this.#body = body
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    // As a Fetch body: read once.
    if (this.#bodyUsed) throw new TypeError('The request body was read already.')
    this.#bodyUsed = true
    const { buffer, byteOffset, byteLength } = this.#body
    return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer
  }

  clone(): NodeRequest {
    if (this.#bodyUsed) throw new TypeError('The request body was read already.')
    return new NodeRequest(this.method, this.parsedUrl, this.headers, this.#body)
  }
}

/** @see https://fetch.spec.whatwg.org/#forbidden-method */
const forbiddenMethods = new Set(['CONNECT', 'TRACE', 'TRACK'])

/**
 * The request's absolute URL, or undefined for a request `new Request` refused when the adapter
 * built Fetch Requests (a forbidden method, a URL it cannot parse or with credentials in it): those
 * were answered 405 then, and still are.
 */
function requestUrl(request: IncomingMessage, origin: string): URL | undefined {
  if (forbiddenMethods.has((request.method ?? 'GET').toUpperCase())) return undefined
  let url: URL
  try {
    url = new URL(request.url ?? '/', origin)
  } catch {
    return undefined
  }
  return url.username === '' && url.password === '' ? url : undefined
}

/** The core's answer → node:http, keeping every Set-Cookie header separate. */
function sendAnswer(answer: CoreResponse, response: ServerResponse): void | Promise<void> {
  if (answer instanceof PlainResponse) {
    response.writeHead(answer.status, answer.headerRecord())
    response.end(answer.body ?? emptyBody)
    return
  }
  return answer.arrayBuffer().then((bytes) => {
    response.writeHead(answer.status, nodeHeaderRecord(answer.headers))
    response.end(Buffer.from(bytes))
  })
}

/**
 * The request listener. URLs are rooted at `origin` (the issuer's origin), so the issuer the core
 * computes matches what clients were told. The body is read up to {@link maxNodeBodyBytes}; past
 * it the bytes are read on to the end but not kept (draining) and the answer is 413 with the
 * RFC 6749 §5.2 error JSON: a server that stopped reading, or destroyed the socket, would make the
 * client see a reset connection instead. Beyond {@link maxDrainedBytes} the connection is closed.
 * Plain callbacks and one promise (the core's) per request: this is the server's hot path, and
 * each await or promise wrapper more is CPU per token (issue 14, docs/decisions/144).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14
 */
export function createNodeListener(core: AuthorizationServer, origin: string): RequestListener {
  // Module-level helpers and inline callbacks, no named closure per request: tsx (`npm run as`)
  // keeps function names, which costs a defineProperty call for each one made.
  return (request, response) => {
    const method = request.method ?? 'GET'
    if (method === 'GET' || method === 'HEAD') {
      answerRequest(core, origin, request, response, method, emptyBody)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxDrainedBytes) {
        request.destroy()
        return
      }
      if (size > maxNodeBodyBytes) {
        chunks.length = 0
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => {
      if (size > maxNodeBodyBytes) {
        sendJson(response, 413, {
          error: 'invalid_request',
          error_description: `The request body is larger than ${maxNodeBodyBytes} bytes.`,
        })
        return
      }
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
      answerRequest(core, origin, request, response, method, body)
    })
    request.on('error', (error) => failRequest(request, response, error))
  }
}

/** The core's answer to a request whose body has been read, written back. */
function answerRequest(
  core: AuthorizationServer,
  origin: string,
  request: IncomingMessage,
  response: ServerResponse,
  method: string,
  body: Uint8Array,
): void {
  const url = requestUrl(request, origin)
  if (!url) {
    sendJson(response, 405, {
      error: 'method_not_allowed',
      error_description: 'Method not allowed.',
    })
    return
  }
  core
    .respond(new NodeRequest(method, url, new NodeHeaders(request.headers), body))
    .then((answer) => sendAnswer(answer, response))
    .catch((error: unknown) => failRequest(request, response, error))
}

/** A failure of the adapter itself: 500 JSON if nothing was sent yet; nothing for a client gone. */
function failRequest(request: IncomingMessage, response: ServerResponse, error: unknown): void {
  if (request.destroyed && !request.complete) return
  console.error('node adapter error', error)
  if (!response.headersSent) {
    sendJson(response, 500, { error: 'server_error', error_description: 'Adapter failure.' })
  } else {
    response.end()
  }
}

/** How long a back-channel logout delivery may take before it counts as failed. */
export const deliveryTimeoutMs = 5000

/**
 * The server's outgoing requests in Node (`deps.deliver`: back-channel logout POSTs, OpenID Connect
 * Back-Channel Logout 1.0 §2.5): plain fetch, bounded by a timeout so that a client that never
 * answers cannot hold up a logout, and without following redirects (the logout token goes to the
 * registered URI and nowhere else).
 */
export function createNodeDeliver(
  timeoutMs = deliveryTimeoutMs,
): (request: Request) => Promise<Response> {
  return (request) => fetch(request, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
}
