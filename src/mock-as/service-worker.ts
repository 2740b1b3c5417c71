/// <reference lib="webworker" />
/**
 * Service-worker adapter of the mock authorization server (docs/decisions/001, 020). It answers
 * same-origin requests for the server's paths — navigations and form posts included — with the
 * pure core's `handle`, keeps every piece of state in IndexedDB (the browser stops idle workers
 * and their memory with them), and publishes each answered exchange for the walkthrough.
 */
import { createCryptoRandom, createSystemClock } from './core/host.ts'
import { createStoredKeys } from './core/keys.ts'
import { createDemoHost, type DemoHost, isHostedPath } from './demo-host.ts'
import { createIndexedDbStore, type IndexedDbStore } from './indexeddb-store.ts'
import { type SettledResponse, settleResponse } from './settled-response.ts'
import {
  appendStoredToTrafficLog,
  headersToRecord,
  recordRequest,
  recordResponse,
  storedExchange,
  trafficChannelName,
} from './traffic.ts'
import { createTrafficRecorder, shareRequestBody } from './traffic-recorder.ts'

declare const self: ServiceWorkerGlobalScope & {
  /** The app's built files, listed by vite-plugin-pwa at build time (empty in dev). */
  __WB_MANIFEST: Array<{ url: string; revision: string | null }>
}

let host: DemoHost | undefined
let store: IndexedDbStore | undefined

// Built lazily: cheap (no I/O until a request needs it) and rebuilt after every worker restart,
// reading its state back from IndexedDB. The host is the server's core plus the demo client's
// back-channel logout route (demo-host.ts).
function getHost(): DemoHost {
  if (!host) {
    // Batched (docs/decisions/131): a request's writes are committed together by `answer`, before
    // its response is sent; reads come from a cache this worker, the only writer, keeps coherent.
    store = createIndexedDbStore(undefined, { batched: true })
    host = createDemoHost(
      {
        issuer: `${self.location.origin}/as`,
        appOrigin: self.location.origin,
        store,
        clock: createSystemClock(),
        random: createCryptoRandom(),
        keys: createStoredKeys(store),
        // Browsers ignore Set-Cookie on responses a worker builds; see AuthorizationServerDeps.
        sessionMode: 'this-browser',
        // Client ID Metadata Documents from this origin only (docs/decisions/122, 124). The one
        // document here is the demo agent's, which this worker serves itself: a worker's own fetch
        // would skip its fetch handler and ask the network, so the host answers the request.
        clientMetadataDocuments: {
          allowedOrigins: [self.location.origin],
          trustedOrigins: [self.location.origin],
          fetch: (url, init) => getHost().fetch(new Request(url, init)),
        },
      },
      {
        // The server's back-channel logout POSTs and the demo client's requests for the
        // server's keys happen inside the worker: publish them like any other exchange.
        onInternalExchange: (request, response, startedAt) => {
          void publishInternal(request, response, startedAt)
        },
        // Each party of the attack lab keeps its state apart, in IndexedDB, so a stopped worker
        // loses none of it (docs/decisions/127).
        lab: {
          evilStore: createIndexedDbStore('grantlab-evil-as'),
          attackerStore: createIndexedDbStore('grantlab-attacker'),
        },
      },
    )
  }
  return host
}

let channel: BroadcastChannel | undefined

/**
 * Every exchange is recorded once the worker is idle (docs/decisions/132, 140), all waiting ones
 * together: the log, which outlives the run, stores them redacted (storedExchange, decision 081)
 * in one transaction; then the open walkthrough hears each as it was.
 */
const traffic = createTrafficRecorder({
  prepare: storedExchange,
  store: appendStoredToTrafficLog,
  announce(exchange) {
    channel ??= new BroadcastChannel(trafficChannelName)
    channel.postMessage(exchange)
  },
})

function publishInternal(request: Request, response: Response, startedAt: number) {
  void traffic.record(async () => ({
    id: crypto.randomUUID(),
    startedAt,
    durationMs: Math.max(0, Date.now() - startedAt),
    request: await recordRequest(request),
    response: await recordResponse(response),
  }))
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
  const finished = traffic.begin()
  const { request } = event
  // The core reads the body and the traffic record gets the same bytes: no clone, no tee.
  const requestBody = shareRequestBody(request)
  let answered: SettledResponse
  try {
    const server = getHost()
    const unit = store?.begin()
    // Read once here rather than teed for the record: the core's answers are small and whole.
    answered = await settleResponse(await server.fetch(request))
    // Nothing answered may be lost: the request's writes are stored before the answer leaves.
    await store?.flush(unit)
  } catch (error) {
    console.error('mock authorization server: request failed', error)
    answered = await settleResponse(serverError('The mock server failed to answer this request.'))
  }
  const durationMs = Math.round((performance.now() - started) * 100) / 100
  const { response, body } = answered
  event.waitUntil(
    finished(async () => ({
      id: crypto.randomUUID(),
      startedAt,
      durationMs,
      request: {
        method: request.method,
        url: request.url,
        headers: headersToRecord(request.headers),
        body: request.method === 'GET' || request.method === 'HEAD' ? null : await requestBody(),
        mode: request.mode,
      },
      response: {
        status: response.status,
        headers: headersToRecord(response.headers),
        body: body === '' ? null : body,
      },
    })),
  )
  return response
}

/*
 * Offline use (DESIGN: "works offline once loaded"). The app's own files are cached when the
 * worker installs, and every later same-origin GET goes to the network first and falls back to
 * that cache, so a reload or a route never opened before still works without a server. Caching is
 * best effort: a failure here must never keep the mock server from starting.
 */
const appCacheName = 'grantlab-app'
const precacheUrls = self.__WB_MANIFEST.map((entry) => new URL(entry.url, self.location.href).href)

async function precacheApp(): Promise<void> {
  try {
    const cache = await caches.open(appCacheName)
    await cache.addAll(precacheUrls)
  } catch (error) {
    console.warn('mock authorization server: the app could not be cached for offline use', error)
  }
}

async function networkFirst(event: FetchEvent): Promise<Response> {
  const { request } = event
  try {
    const response = await fetch(request)
    if (response.ok && response.type === 'basic') {
      // Copied into the cache once the worker is idle: the write took up to several ms of the
      // storage that the next requests wait for (docs/decisions/140).
      const copy = response.clone()
      event.waitUntil(
        traffic.later(() => caches.open(appCacheName).then((cache) => cache.put(request, copy))),
      )
    }
    return response
  } catch (error) {
    // The preview server answers with `Vary: Origin`; a module script's request carries an Origin
    // header that the precaching request did not, so Vary must not hide the cached copy.
    const match = (key: Request | string) => caches.match(key, { ignoreVary: true })
    const cached =
      (await match(request)) ??
      // Every route of the single-page app is served by its index.html.
      (request.mode === 'navigate'
        ? await match(new URL('/', self.location.href).href)
        : undefined) ??
      (request.mode === 'navigate'
        ? await match(new URL('/index.html', self.location.href).href)
        : undefined)
    if (cached) return cached
    throw error
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(precacheApp().then(() => self.skipWaiting()))
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
  if (url.origin !== self.location.origin) return
  if (isHostedPath(url.pathname)) {
    event.respondWith(answer(event))
    return
  }
  // The app itself: only plain GETs, and never Vite's dev-server internals (hot reload).
  if (
    event.request.method !== 'GET' ||
    url.pathname.startsWith('/@') ||
    url.search.includes('dev-sw')
  ) {
    return
  }
  // Vite's dev server serves the worker at /dev-sw.js; there the app's files are the dev server's.
  if (self.location.pathname.startsWith('/dev-sw')) return
  // The worker is busy while it serves the app too: recording waits (traffic-recorder.ts).
  const finished = traffic.begin()
  event.respondWith(networkFirst(event).finally(() => void finished()))
})
