/// <reference lib="webworker" />
/**
 * Service-worker adapter of the mock authorization server (docs/decisions/001, 020). It answers
 * same-origin requests for the server's paths — navigations and form posts included — with the
 * pure core's `handle`, keeps every piece of state in IndexedDB (the browser stops idle workers
 * and their memory with them), and publishes each answered exchange for the walkthrough.
 */
import { type AuthorizationServer, createAuthorizationServer } from './core/authorization-server.ts'
import { createCryptoRandom, createSystemClock } from './core/host.ts'
import { createStoredKeys } from './core/keys.ts'
import { createIndexedDbStore } from './indexeddb-store.ts'
import {
  appendToTrafficLog,
  type HttpExchange,
  type HttpRequestRecord,
  recordRequest,
  recordResponse,
  trafficChannelName,
} from './traffic.ts'

declare const self: ServiceWorkerGlobalScope

const servedPrefixes = ['/as/', '/api/', '/.well-known/oauth-authorization-server/']

function isServedPath(pathname: string): boolean {
  return pathname === '/as' || servedPrefixes.some((prefix) => pathname.startsWith(prefix))
}

let server: AuthorizationServer | undefined

// Built lazily: cheap (no I/O until a request needs it) and rebuilt after every worker restart,
// reading its state back from IndexedDB.
function getServer(): AuthorizationServer {
  if (!server) {
    const store = createIndexedDbStore()
    server = createAuthorizationServer({
      issuer: `${self.location.origin}/as`,
      appOrigin: self.location.origin,
      store,
      clock: createSystemClock(),
      random: createCryptoRandom(),
      keys: createStoredKeys(store),
      // Browsers ignore Set-Cookie on responses a worker builds; see AuthorizationServerDeps.
      sessionMode: 'this-browser',
    })
  }
  return server
}

let channel: BroadcastChannel | undefined

function publish(exchange: HttpExchange): Promise<void> {
  try {
    channel ??= new BroadcastChannel(trafficChannelName)
    channel.postMessage(exchange)
  } catch (error) {
    console.error('mock authorization server: could not publish traffic', error)
  }
  return appendToTrafficLog(exchange).catch((error: unknown) => {
    console.error('mock authorization server: could not log traffic', error)
  })
}

/** The RFC 6749 §5.2 shape, kept for true bugs: the core itself never throws. */
function serverError(description: string): Response {
  return new Response(JSON.stringify({ error: 'server_error', error_description: description }), {
    status: 500,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  })
}

async function answer(event: FetchEvent): Promise<Response> {
  const startedAt = Date.now()
  const started = performance.now()
  let requestRecord: HttpRequestRecord | undefined
  let response: Response
  try {
    requestRecord = await recordRequest(event.request)
    response = await getServer().handle(event.request)
  } catch (error) {
    console.error('mock authorization server: request failed', error)
    response = serverError('The mock server failed to answer this request.')
  }
  const durationMs = Math.round((performance.now() - started) * 100) / 100
  // Copy before the browser starts reading the body.
  const copy = response.clone()
  event.waitUntil(
    (async () => {
      try {
        await publish({
          id: crypto.randomUUID(),
          startedAt,
          durationMs,
          request: requestRecord ?? {
            method: event.request.method,
            url: event.request.url,
            headers: {},
            body: null,
            mode: event.request.mode,
          },
          response: await recordResponse(copy),
        })
      } catch (error) {
        console.error('mock authorization server: could not record traffic', error)
      }
    })(),
  )
  return response
}

self.addEventListener('install', () => {
  void self.skipWaiting()
})

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim())
})

// A page loaded with a hard reload starts uncontrolled; it asks, and the worker claims it.
self.addEventListener('message', (event) => {
  const data: unknown = event.data
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'claim') {
    event.waitUntil(self.clients.claim())
  }
})

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (url.origin !== self.location.origin || !isServedPath(url.pathname)) return
  event.respondWith(answer(event))
})
