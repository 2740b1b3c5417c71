/**
 * `npm run bench`: how fast the mock authorization server answers, measured, not asserted.
 *   1. the pure core in Node: a client_credentials token request;
 *   2. the pure core in Node: a whole authorization code + PKCE run driven by oauth4webapi
 *      (discovery, authorize, login, consent, redirect, code exchange), no UI;
 *   3. the service worker in Chromium: a token request from the page, and the same whole run
 *      made with fetch from the page; plus the worker's cold start after CDP stops it.
 * Prints median, p95 and max in milliseconds. DESIGN's target: a token request through the worker
 * in a few milliseconds, a whole run well under a second.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chromium } from '@playwright/test'
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

async function benchServiceWorker(): Promise<void> {
  const port = Number(process.env.BENCH_PORT ?? 4320)
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

    const tokenSamples = await page.evaluate(async () => {
      const request = () =>
        fetch('/as/token', {
          method: 'POST',
          headers: {
            authorization: `Basic ${btoa('grantlab-m2m:grantlab-m2m-secret')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials&scope=orders%3Aread',
        })
      for (let i = 0; i < 20; i++) await (await request()).json()
      const samples: number[] = []
      for (let i = 0; i < 200; i++) {
        const start = performance.now()
        const response = await request()
        await response.json()
        samples.push(performance.now() - start)
        if (response.status !== 200) throw new Error(`token request failed: ${response.status}`)
      }
      return samples
    })
    summary('service worker (Chromium): client_credentials token request', tokenSamples)

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
    if (server.pid) process.kill(-server.pid)
  }
}

await benchCore()
await benchServiceWorker()
