/**
 * The mock server's core behind node:http: turns each IncomingMessage into a Fetch Request for
 * `core.handle` and writes the Fetch Response back. Used by `npm run as` (node.ts) and by tests.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { AuthorizationServer } from './core/authorization-server'

/** Bodies larger than this are refused here; the core refuses anything above 64 KB anyway. */
export const maxNodeBodyBytes = 1024 * 1024

/**
 * A body that keeps coming after the limit is read and thrown away up to this many bytes, so the
 * client can finish sending and then read the 413; beyond it the connection is closed.
 */
export const maxDrainedBytes = 64 * 1024 * 1024

type BodyResult = { kind: 'body'; bytes: Buffer } | { kind: 'too-large' }

/**
 * Reads the body up to {@link maxNodeBodyBytes}. Past the limit it stops keeping the bytes but goes
 * on reading them to the end (draining) before the answer is sent: a server that stops reading,
 * or destroys the socket, makes the client see a reset connection instead of the 413.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14
 */
function readBody(request: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
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
    request.on('end', () =>
      resolve(
        size > maxNodeBodyBytes
          ? { kind: 'too-large' }
          : { kind: 'body', bytes: Buffer.concat(chunks) },
      ),
    )
    request.on('error', reject)
    request.on('close', () => {
      if (!request.complete) reject(new Error('The client closed the connection mid-body.'))
    })
  })
}

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

function fetchHeaders(request: IncomingMessage): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  return headers
}

/** Fetch Response → node:http, keeping every Set-Cookie header separate. */
async function sendFetchResponse(fetched: Response, response: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  fetched.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = fetched.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  response.writeHead(fetched.status, headers)
  response.end(Buffer.from(await fetched.arrayBuffer()))
}

/**
 * The request listener. URLs are rooted at `origin` (the issuer's origin), so the issuer the core
 * computes matches what clients were told. A body over the limit is drained, then answered with
 * 413 and the RFC 6749 §5.2 error JSON.
 */
export function createNodeListener(core: AuthorizationServer, origin: string): RequestListener {
  return async (request, response) => {
    try {
      const method = request.method ?? 'GET'
      const hasBody = method !== 'GET' && method !== 'HEAD'
      let body: Buffer | undefined
      if (hasBody) {
        const read = await readBody(request)
        if (read.kind === 'too-large') {
          sendJson(response, 413, {
            error: 'invalid_request',
            error_description: `The request body is larger than ${maxNodeBodyBytes} bytes.`,
          })
          return
        }
        body = read.bytes
      }
      let fetchRequest: Request
      try {
        fetchRequest = new Request(new URL(request.url ?? '/', origin), {
          method,
          headers: fetchHeaders(request),
          ...(body ? { body: new Uint8Array(body) } : {}),
        })
      } catch {
        // `new Request` refuses methods such as TRACE and CONNECT.
        sendJson(response, 405, {
          error: 'method_not_allowed',
          error_description: 'Method not allowed.',
        })
        return
      }
      await sendFetchResponse(await core.handle(fetchRequest), response)
    } catch (error) {
      if (request.destroyed) return
      console.error('node adapter error', error)
      if (!response.headersSent) {
        sendJson(response, 500, { error: 'server_error', error_description: 'Adapter failure.' })
      } else {
        response.end()
      }
    }
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
