/**
 * `npm run bench`: how fast the mock authorization server answers, measured, not asserted.
 *   1. the pure core in Node: a client_credentials token request;
 *   2. the pure core in Node: a whole authorization code + PKCE run driven by oauth4webapi
 *      (discovery, authorize, login, consent, redirect, code exchange), no UI;
 *   3. server CPU per client_credentials token in Node, Grantlab's adapter against oidc-provider 9
 *      (opaque, and ES256 JWT access tokens), side by side in one run (issue 14; target <= 0.5x),
 *      with the bare node:http floor every server on it pays;
 *   4. the service worker in Chromium: a token request from the page against the bare-worker floor
 *      (another origin whose worker answers `new Response()`), in alternating blocks of one run,
 *      and the ratio (target <= 1.5x), and 200 back to back (traffic recorded meanwhile); the same
 *      whole run made with fetch from the page; the token request with 10, 1,000 and 10,000 more
 *      records stored; the worker's cold start.
 * Prints median, p95 and max in milliseconds. BENCH_PARTS=core,cpu,worker picks the parts.
 * Ports: BENCH_PORT (4323), BENCH_FLOOR_PORT (4324), BENCH_CPU_PORT (9541 to 9544).
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { chromium, type Page } from '@playwright/test'
import * as oauth from 'oauth4webapi'
import {
  createTestAuthorizationServer,
  driveAuthorization,
} from '../src/mock-as/core/test-server.ts'

function summary(name: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  console.log(
    `${name.padEnd(58)} n=${String(samples.length).padStart(4)}  median ${at(0.5).toFixed(2).padStart(7)} ms  p95 ${at(0.95).toFixed(2).padStart(7)} ms  max ${(sorted.at(-1) ?? NaN).toFixed(2).padStart(7)} ms`,
  )
}

async function time(n: number, warmup: number, task: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await task()
  const samples: number[] = []
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    await task()
    samples.push(performance.now() - start)
  }
  return samples
}

async function benchCore(): Promise<void> {
  const t = createTestAuthorizationServer()
  const basic = `Basic ${btoa('grantlab-m2m:grantlab-m2m-secret')}`
  summary(
    'core (Node): client_credentials token request',
    await time(1000, 50, async () => {
      const response = await t.server.handle(
        new Request(`${t.deps.issuer}/token`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&scope=orders%3Aread',
        }),
      )
      if (response.status !== 200) throw new Error(`token request failed: ${response.status}`)
    }),
  )

  const http = {
    [oauth.customFetch]: (url: string, init?: RequestInit) =>
      t.server.handle(new Request(url, init)),
    [oauth.allowInsecureRequests]: true,
  }
  const client: oauth.Client = { client_id: 'grantlab-spa' }
  const redirectUri = `${t.deps.appOrigin}/walkthrough/authorization-code/callback`
  summary(
    'core (Node): whole authorization code + PKCE run (oauth4webapi)',
    await time(100, 5, async () => {
      const issuer = new URL(t.deps.issuer)
      const as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, http),
      )
      const verifier = oauth.generateRandomCodeVerifier()
      const state = oauth.generateRandomState()
      const url = new URL(as.authorization_endpoint as string)
      url.search = new URLSearchParams({
        client_id: client.client_id,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid profile',
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).toString()
      const driven = await driveAuthorization(t.server, url.href, { username: 'alice' })
      const params = oauth.validateAuthResponse(
        as,
        client,
        new URL(driven.location as string),
        state,
      )
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        redirectUri,
        verifier,
        http,
      )
      await oauth.processAuthorizationCodeResponse(as, client, response)
    }),
  )
}

/** A server process of scripts/bench-cpu-server.mjs, and its CPU time (user + system) so far. */
async function startCpuServer(kind: string, port: number) {
  const child: ChildProcess = fork('scripts/bench-cpu-server.mjs', [kind, String(port)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const next = <T>(key: string) =>
    new Promise<T>((resolve) => {
      const listener = (message: Record<string, unknown>) => {
        if (key in message) {
          child.off('message', listener)
          resolve(message[key] as T)
        }
      }
      child.on('message', listener)
    })
  await next('ready')
  return {
    kind,
    url: `http://127.0.0.1:${port}${kind === 'grantlab' ? '/as/token' : '/token'}`,
    async cpuMs() {
      const pending = next<NodeJS.CpuUsage>('cpu')
      child.send({ cpu: true })
      const usage = await pending
      return (usage.user + usage.system) / 1000
    },
    stop: () => child.kill(),
  }
}

/** `count` client_credentials token requests, `concurrency` at a time; fails on any non-200. */
async function tokenLoad(url: string, count: number, concurrency: number): Promise<void> {
  let sent = 0
  const worker = async () => {
    while (sent < count) {
      sent += 1
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa('grantlab-m2m:grantlab-m2m-secret')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=orders%3Aread',
      })
      const body = (await response.json()) as { access_token?: string }
      if (response.status !== 200 || !body.access_token) {
        throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

/**
 * Server CPU per client_credentials token, Grantlab's Node adapter against oidc-provider 9, in
 * one run: the servers run side by side and take their load in alternating rounds, so both see
 * the same machine and the same load. CPU is each server process's own `process.cpuUsage()`.
 * Every server gets the same long warm-up (its code optimised, its heap grown) and the same
 * rounds; the order of the servers rotates from round to round, so none is always measured
 * first or last. Mean and median of the rounds are printed, and both ratios: against opaque
 * oidc-provider, and against oidc-provider issuing ES256 JWTs (like for like with Grantlab). The
 * node:http floor (a fixed answer of the same size) runs in the same rounds, and what each server
 * spends above it is printed too: the part of its CPU that is its own work.
 * BENCH_CPU_WARMUP (3000 per server), BENCH_CPU_ROUNDS (8), BENCH_CPU_REQUESTS (4000 per server).
 */
async function benchCpu(): Promise<void> {
  const basePort = Number(process.env.BENCH_CPU_PORT ?? 9541)
  const servers = await Promise.all(
    ['grantlab', 'oidc-provider', 'oidc-provider-jwt', 'node-floor'].map((kind, index) =>
      startCpuServer(kind, basePort + index),
    ),
  )
  const warmup = Number(process.env.BENCH_CPU_WARMUP ?? 3000)
  const rounds = Number(process.env.BENCH_CPU_ROUNDS ?? 8)
  const total = Number(process.env.BENCH_CPU_REQUESTS ?? 4000)
  const perRound = Math.round(total / rounds)
  const concurrency = 8
  try {
    // Warm-up: every server's code is compiled and optimised before anything is counted.
    for (const server of servers) await tokenLoad(server.url, warmup, concurrency)
    const cpu = new Map<string, number[]>(servers.map((server) => [server.kind, []]))
    for (let round = 0; round < rounds; round++) {
      const order = servers.map((_, index) => servers[(index + round) % servers.length])
      for (const server of order) {
        if (!server) continue
        const before = await server.cpuMs()
        await tokenLoad(server.url, perRound, concurrency)
        cpu.get(server.kind)?.push(((await server.cpuMs()) - before) / perRound)
      }
    }
    const samplesOf = (kind: string) => cpu.get(kind) ?? []
    const mean = (kind: string) =>
      samplesOf(kind).reduce((sum, value) => sum + value, 0) / samplesOf(kind).length
    // The median of an even number of rounds is the mean of the two middle ones.
    const middle = (kind: string) => {
      const sorted = [...samplesOf(kind)].sort((a, b) => a - b)
      const half = sorted.length / 2
      return Number.isInteger(half)
        ? ((sorted[half - 1] ?? Number.NaN) + (sorted[half] ?? Number.NaN)) / 2
        : (sorted[Math.floor(half)] ?? Number.NaN)
    }
    console.log(
      `Node CPU per client_credentials token (${warmup} warm-up, then ${rounds} rounds of ${perRound} requests per server, ${concurrency} concurrent):`,
    )
    for (const { kind } of servers) {
      const listed = samplesOf(kind)
        .map((value) => value.toFixed(3))
        .join(', ')
      console.log(
        `  ${kind.padEnd(18)} mean ${mean(kind).toFixed(3)} ms  median ${middle(kind).toFixed(3)} ms  (rounds: ${listed})`,
      )
    }
    for (const other of ['oidc-provider', 'oidc-provider-jwt']) {
      console.log(
        `  ratio Grantlab / ${other.padEnd(18)} mean ${(mean('grantlab') / mean(other)).toFixed(2)}  median ${(middle('grantlab') / middle(other)).toFixed(2)}  (target <= 0.5)`,
      )
    }
    const floor = middle('node-floor')
    const above = ['grantlab', 'oidc-provider', 'oidc-provider-jwt']
      .map((kind) => `${kind} ${(middle(kind) - floor).toFixed(3)} ms`)
      .join(', ')
    console.log(`  above the node:http floor (medians): ${above}`)
  } finally {
    for (const server of servers) server.stop()
  }
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/**
 * `n` client_credentials token requests from the page, one after another, timed from `fetch` to
 * the parsed body. On the floor's origin the same request reaches a bare worker. Grantlab's worker
 * records its traffic once idle (docs/decisions/140): with `awaitTraffic` the block ends only when
 * the page has heard every exchange on the traffic channel, so that recording never runs during
 * the next (floor) block and every exchange is shown to be published.
 */
async function tokenBlock(page: Page, n: number, awaitTraffic = false): Promise<number[]> {
  const { samples, heard } = await page.evaluate(
    async ({ count, awaitTraffic }) => {
      let heard = 0
      const channel = awaitTraffic ? new BroadcastChannel('grantlab-traffic') : undefined
      if (channel) channel.onmessage = () => (heard += 1)
      const samples: number[] = []
      for (let i = 0; i < count; i++) {
        const start = performance.now()
        const response = await fetch('/as/token', {
          method: 'POST',
          headers: {
            authorization: `Basic ${btoa('grantlab-m2m:grantlab-m2m-secret')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials&scope=orders%3Aread',
        })
        await response.text()
        samples.push(performance.now() - start)
        if (response.status !== 200) throw new Error(`token request failed: ${response.status}`)
      }
      const deadline = performance.now() + 5000
      while (channel && heard < count && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      channel?.close()
      return { samples, heard }
    },
    { count: n, awaitTraffic },
  )
  if (awaitTraffic && heard < n) throw new Error(`only ${heard} of ${n} exchanges were published`)
  return samples
}

/**
 * The physical floor: a page on another local origin whose service worker answers every request
 * under /as/ with `new Response()` at once (no parsing, no storage).
 */
function startFloorServer(port: number) {
  const worker = `self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))
self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname.startsWith('/as/')) event.respondWith(new Response())
})`
  const page = `<!doctype html><title>floor</title><script>navigator.serviceWorker.register('/floor-sw.js')</script>`
  const server = createServer((request, response) => {
    const isWorker = request.url === '/floor-sw.js'
    response.writeHead(200, {
      'content-type': isWorker ? 'text/javascript' : 'text/html',
      'cache-control': 'no-store',
    })
    response.end(isWorker ? worker : page)
  })
  server.listen(port, '127.0.0.1')
  return server
}

async function benchServiceWorker(): Promise<void> {
  const port = Number(process.env.BENCH_PORT ?? 4323)
  const floorPort = Number(process.env.BENCH_FLOOR_PORT ?? 4324)
  const outDir = 'dist-bench'
  // vite-node runs this script in development mode; the build must not inherit it.
  const env = { ...process.env, NODE_ENV: 'production', GRANTLAB_OUT_DIR: outDir }
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit', env })
  if (build.status !== 0) throw new Error('build failed')
  const server = spawn(
    'npx',
    ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    {
      env,
      stdio: 'ignore',
      detached: true,
    },
  )
  const base = `http://127.0.0.1:${port}`
  const floorServer = startFloorServer(floorPort)
  const browser = await chromium.launch({
    executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
  try {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(base)).ok) break
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(base)
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null)

    const floorPage = await context.newPage()
    await floorPage.goto(`http://127.0.0.1:${floorPort}/`)
    await floorPage.waitForFunction(() => navigator.serviceWorker.controller !== null)

    // The floor and Grantlab's worker take turns, block by block, so both see the same load.
    const floor: number[] = []
    const token: number[] = []
    const ratios: number[] = []
    await tokenBlock(page, 20, true)
    await tokenBlock(floorPage, 20)
    for (let round = 0; round < 10; round++) {
      const floorBlock = await tokenBlock(floorPage, 20)
      const tokenSamples = await tokenBlock(page, 20, true)
      floor.push(...floorBlock)
      token.push(...tokenSamples)
      ratios.push(median(tokenSamples) / median(floorBlock))
    }
    summary('bare service worker floor (new Response(), other origin)', floor)
    summary('service worker (Chromium): client_credentials token request', token)
    console.log(
      `  ratio token / floor (medians of the same run): ${(median(token) / median(floor)).toFixed(2)}  (per round: ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; target <= 1.5)`,
    )
    // Steady load: 200 requests back to back, so the worker records its traffic (at the latest
    // 100 ms after an answer) while requests are still coming; the recording's cost shows here.
    const steadyFloor = await tokenBlock(floorPage, 200)
    const steady = await tokenBlock(page, 200, true)
    summary('  steady: 200 token requests back to back, traffic recorded', steady)
    console.log(
      `  floor in the same run median ${median(steadyFloor).toFixed(2)} ms; ratio ${(median(steady) / median(steadyFloor)).toFixed(2)}`,
    )

    const runSamples = await page.evaluate(async () => {
      const b64url = (bytes: Uint8Array) =>
        btoa(String.fromCharCode(...bytes))
          .replaceAll('+', '-')
          .replaceAll('/', '_')
          .replace(/=+$/, '')
      const form = (html: string) => {
        const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? ''
        const fields = new URLSearchParams()
        for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
          fields.set(match[1] as string, match[2] as string)
        }
        return { action: action.replaceAll('&amp;', '&'), fields }
      }
      const post = (url: string, body: URLSearchParams) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        })
      const run = async () => {
        await (await fetch('/as/.well-known/openid-configuration')).json()
        const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)))
        const digest = new Uint8Array(
          await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)),
        )
        const redirectUri = `${location.origin}/walkthrough/authorization-code/callback`
        const query = new URLSearchParams({
          client_id: 'grantlab-spa',
          redirect_uri: redirectUri,
          response_type: 'code',
          scope: 'openid profile',
          state: 'bench',
          prompt: 'login',
          code_challenge: b64url(digest),
          code_challenge_method: 'S256',
        })
        const login = form(await (await fetch(`/as/authorize?${query}`)).text())
        login.fields.set('username', 'alice')
        login.fields.set('password', 'alice-password')
        // The first run shows the consent page; later runs remember the consent and redirect at once.
        const afterLogin = await post(login.action, login.fields)
        let callback = afterLogin.url
        const page = await afterLogin.text()
        if (page.includes('name="decision"')) {
          const consent = form(page)
          consent.fields.set('decision', 'approve')
          callback = (await post(consent.action, consent.fields)).url
        }
        const code = new URL(callback).searchParams.get('code')
        if (!code) throw new Error(`no code in ${callback}`)
        const token = await post(
          '/as/token',
          new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            redirect_uri: redirectUri,
            client_id: 'grantlab-spa',
            code_verifier: verifier,
          }),
        )
        if (token.status !== 200) throw new Error(`code exchange failed: ${token.status}`)
        await token.json()
      }
      for (let i = 0; i < 3; i++) await run()
      const samples: number[] = []
      for (let i = 0; i < 30; i++) {
        const start = performance.now()
        await run()
        samples.push(performance.now() - start)
      }
      return samples
    })
    summary('service worker (Chromium): whole authorization code + PKCE run', runSamples)

    // Answer time against the number of stored records: filler tokens written straight into the
    // worker's database (with expiries and secondary keys, as the core writes them).
    let seeded = 0
    for (const records of [10, 1000, 10000]) {
      const stored = await page.evaluate(
        async ({ from, to }) => {
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const open = indexedDB.open('grantlab-mock-as')
            open.onsuccess = () => resolve(open.result)
            open.onerror = () => reject(open.error)
          })
          const transaction = db.transaction('entries', 'readwrite')
          const expiresAt = Math.floor(Date.now() / 1000) + 86_400
          for (let i = from; i < to; i++) {
            transaction.objectStore('entries').put(
              {
                value: {
                  jti: `filler-${i}`,
                  client_id: 'filler',
                  sub: `user-${i % 50}`,
                  exp: expiresAt,
                },
                expiresAt,
                indexes: { grant: `filler-grant-${i}` },
                indexKeys: [JSON.stringify(['access-tokens', 'grant', `filler-grant-${i}`])],
              },
              ['access-tokens', `filler-${i}`],
            )
          }
          await new Promise((resolve, reject) => {
            transaction.oncomplete = resolve
            transaction.onerror = () => reject(transaction.error)
          })
          const count = await new Promise<number>((resolve) => {
            const counting = db.transaction('entries').objectStore('entries').count()
            counting.onsuccess = () => resolve(counting.result)
          })
          db.close()
          return count
        },
        { from: seeded, to: records },
      )
      seeded = records
      const floorSamples: number[] = []
      const tokenSamples: number[] = []
      for (let round = 0; round < 5; round++) {
        floorSamples.push(...(await tokenBlock(floorPage, 20)))
        tokenSamples.push(...(await tokenBlock(page, 20, true)))
      }
      summary(
        `service worker: token request, ${records} filler (${stored} records in all)`,
        tokenSamples,
      )
      console.log(
        `  floor in the same rounds median ${median(floorSamples).toFixed(2)} ms; ratio ${(median(tokenSamples) / median(floorSamples)).toFixed(2)}`,
      )
    }

    const cdp = await context.newCDPSession(page)
    await cdp.send('ServiceWorker.enable')
    const coldSamples: number[] = []
    for (let i = 0; i < 10; i++) {
      await cdp.send('ServiceWorker.stopAllWorkers')
      coldSamples.push(
        await page.evaluate(async () => {
          const start = performance.now()
          await (await fetch('/as/jwks')).json()
          return performance.now() - start
        }),
      )
    }
    summary('service worker (Chromium): first request after the worker was stopped', coldSamples)
  } finally {
    await browser.close()
    floorServer.close()
    if (server.pid) process.kill(-server.pid)
  }
}

const parts = (process.env.BENCH_PARTS ?? 'core,cpu,worker').split(',')
if (parts.includes('core')) await benchCore()
if (parts.includes('cpu')) await benchCpu()
if (parts.includes('worker')) await benchServiceWorker()
