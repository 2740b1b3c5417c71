import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { allAnswerCombinations } from '../../advisor/answer-space.ts'
import { recommend } from '../../advisor/recommend.ts'
import { grantTypes } from '../checks.ts'
import type { ClientMetadata } from '../client-metadata.ts'
import { findPreset } from '../presets.ts'
import { exportEnvFile } from './env-file.ts'
import { exportOidcProviderModule } from './oidc-provider.ts'
import { exportStarterSnippet } from './starter-snippet.ts'
import { type Page, readForms, signInAndConsent, TestBrowser } from './test-browser.ts'

// The starter program, exported as oauth-client.ts, is run as users run it: written to a folder
// with the .env export beside it and started with `tsx --env-file=client.env oauth-client.ts`,
// against the Node mock server (npm run as) on port 9442, and for DPoP and PAR against a real
// oidc-provider on 9446. The folder has a package.json without "type", as `npm init` makes it,
// so the program also runs as CommonJS. Review 2026-12, Factual 1 and 2.
const repo = process.cwd()
const tsx = join(repo, 'node_modules', '.bin', 'tsx')
const runsDir = join(repo, 'node_modules', '.tmp', 'grantlab-starter-runs')
const mockPort = 9442
const mockIssuer = `http://127.0.0.1:${mockPort}/as`
const timeout = 60_000

function preset(id: string): ClientMetadata {
  const found = findPreset(id)
  if (!found) throw new Error(`no preset ${id}`)
  return found.metadata
}

/** The first advisor draft for a grant that matches, so the test follows the advisor's drafts. */
function draft(grant: string, match: (client: ClientMetadata) => boolean = () => true) {
  for (const answers of allAnswerCombinations()) {
    const { client } = recommend(answers)
    if (client.grant_types.includes(grant) && match(client)) return client as ClientMetadata
  }
  throw new Error(`no advisor draft for ${grant}`)
}

// ——— Child processes ———

type Child = {
  process: ChildProcess
  output: () => string
  errors: () => string
  /** Resolves with the first match of `pattern` in stdout; rejects if the program ends first. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>
  exited: Promise<number | null>
  stop: () => void
}

/** Every process this file started, so none outlives it, even when a test fails. */
const children = new Set<Child>()

function start(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  const waiters: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = []
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    for (const waiter of [...waiters]) {
      const match = stdout.match(waiter.pattern)
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(match)
      }
    }
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const handle: Child = {
    process: child,
    output: () => stdout,
    errors: () => stderr,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const match = stdout.match(pattern)
        if (match) return resolve(match)
        const fail = (why: string) =>
          reject(new Error(`${why} before printing ${pattern}:\n${stdout}\n${stderr}`))
        const timer = setTimeout(() => fail('40 s passed'), 40_000)
        waiters.push({
          pattern,
          resolve: (found) => {
            clearTimeout(timer)
            resolve(found)
          },
        })
        void exited.then((code) => {
          clearTimeout(timer)
          fail(`exited (${code})`)
        })
      }),
    exited,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM')
    },
  }
  children.add(handle)
  void exited.then(() => children.delete(handle))
  return handle
}

let mock: Child

beforeAll(async () => {
  await rm(runsDir, { recursive: true, force: true })
  await mkdir(runsDir, { recursive: true })
  mock = start(tsx, ['src/mock-as/node.ts'], { cwd: repo, env: { PORT: String(mockPort) } })
  await mock.waitFor(/issuer\s+http/)
}, timeout)

afterAll(() => {
  for (const child of children) child.stop()
})

// ——— The mock server's registration, as any client would use it ———

async function register(metadata: Record<string, unknown>, issuer = mockIssuer) {
  const response = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  })
  const body = (await response.json()) as Record<string, unknown>
  if (response.status !== 201) throw new Error(`registration refused: ${JSON.stringify(body)}`)
  // What the server issued (RFC 7591 §3.2.1); the rest of the client stays as configured.
  const issued = body as { client_id: string; client_secret?: string }
  return {
    client_id: issued.client_id,
    ...(issued.client_secret ? { client_secret: issued.client_secret } : {}),
  }
}

/** Writes the two exports (and any files they name) into a fresh folder and runs the program. */
async function runStarter(
  name: string,
  metadata: ClientMetadata,
  issuer: string,
  files: Record<string, string> = {},
): Promise<Child & { env: string; source: string }> {
  const dir = join(runsDir, name)
  await mkdir(dir, { recursive: true })
  const env = exportEnvFile(metadata, { issuer })
  const source = exportStarterSnippet(metadata)
  await writeFile(join(dir, 'client.env'), env)
  await writeFile(join(dir, 'oauth-client.ts'), source)
  await writeFile(join(dir, 'package.json'), '{ "private": true }\n')
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text)
  const child = start(tsx, ['--env-file=client.env', 'oauth-client.ts'], { cwd: dir })
  return Object.assign(child, { env, source })
}

/** What the program printed about the token response, field by field. */
function printed(output: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const line of output.split('\n')) {
    const match =
      /^(token_type|expires_in|scope|access_token|refresh_token|id_token|issued_token_type): (.*)$/.exec(
        line,
      )
    if (match?.[1]) fields[match[1]] = match[2] ?? ''
  }
  return fields
}

/**
 * The token type the mock server answers: it binds the token to the starter's DPoP key whenever
 * the client registered dpop_bound_access_tokens, the starter then sending a proof with every
 * token request (and retrying once when the server asks for a nonce, as it does for such clients).
 */
function tokenTypeFor(metadata: ClientMetadata): 'dpop' | 'bearer' {
  return metadata.dpop_bound_access_tokens === true ? 'dpop' : 'bearer'
}

/** The non-secret fields, and never a whole token. */
function expectSafeTokenOutput(output: string, expected: { tokenType: string; scope?: string }) {
  const fields = printed(output)
  expect(fields.token_type).toBe(expected.tokenType)
  expect(fields.expires_in).toMatch(/^\d+$/)
  if (expected.scope !== undefined) expect(fields.scope).toBe(expected.scope)
  expect(fields.access_token).toMatch(/^\S{12}… \(\d+ characters, the rest not shown\)$/)
  // No JWT (three base64url parts) and no long opaque string appears in full.
  expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)
  expect(output).not.toMatch(/[\w-]{40,}/)
}

// ——— Playing the user in a browser ———

async function signInThroughStarter(
  browser: TestBrowser,
  loginUrl: string,
  auth: { username: string; password: string } = { username: 'alice', password: 'alice-password' },
): Promise<{ callback: string; page: Page }> {
  // The browser follows every redirect, back to the program's own callback, as a browser does.
  const atStarter = (url: string) =>
    new URL(url).origin === new URL(loginUrl).origin && new URL(url).pathname !== '/login'
  const first = await browser.open(loginUrl)
  const back = await signInAndConsent(browser, first, {
    ...auth,
    done: (page) => atStarter(page.url),
  })
  if (back.status !== 200) {
    throw new Error(`the starter answered ${back.status}: ${back.html}\n${browser.log.join('\n')}`)
  }
  return { callback: back.url, page: back }
}

/** The authorization request the browser was sent to, as the starter built it. */
function authorizationRequestOf(browser: TestBrowser, authorizationEndpoint: string) {
  const url = browser.visited.find((visited) => visited.startsWith(authorizationEndpoint))
  if (!url) throw new Error('the browser never reached the authorization endpoint')
  return new URL(url).searchParams
}

describe.concurrent('the starter runs against the mock server', () => {
  test(
    'client credentials (preset: machine-to-machine service)',
    async () => {
      const metadata = preset('service')
      const registered = await register(metadata)
      const child = await runStarter('service', { ...metadata, ...registered }, mockIssuer)
      expect(await child.exited).toBe(0)
      expectSafeTokenOutput(child.output(), { tokenType: 'bearer', scope: 'orders:read' })
    },
    timeout,
  )

  test(
    'device authorization (preset: TV app), approved on the verification page',
    async () => {
      const metadata = preset('device')
      const registered = await register(metadata)
      const child = await runStarter('device', { ...metadata, ...registered }, mockIssuer)
      const [, uri = '', code = ''] = await child.waitFor(/open (\S+) and enter (\S+)/)
      // The person with the phone: opens the address, types the code, signs in and allows.
      const phone = new TestBrowser()
      const codePage = await phone.open(uri)
      const codeForm = readForms(codePage.html, codePage.url).find((form) =>
        form.inputs.includes('user_code'),
      )
      if (!codeForm) throw new Error('no code form on the verification page')
      const next = await phone.submit(codePage, codeForm, { user_code: code })
      await signInAndConsent(phone, next, {
        username: 'alice',
        password: 'alice-password',
        done: (page) => /return to your device/i.test(page.html),
      })
      expect(await child.exited).toBe(0)
      expectSafeTokenOutput(child.output(), {
        tokenType: tokenTypeFor(metadata),
        scope: metadata.scope as string,
      })
      expect(printed(child.output()).refresh_token).toBe('received (not shown)')
    },
    timeout,
  )

  test(
    'authorization code (preset: CLI, native loopback redirect on any port, DPoP)',
    async () => {
      const metadata = preset('cli')
      const registered = await register(metadata)
      const child = await runStarter('cli', { ...metadata, ...registered }, mockIssuer)
      try {
        const [, loginUrl = ''] = await child.waitFor(/Sign in at (\S+) /)
        // The registered URI has no port; the program took one (RFC 8252 §7.3).
        expect(new URL(loginUrl).port).not.toBe('')
        const browser = new TestBrowser()
        const { page } = await signInThroughStarter(browser, loginUrl)
        expect(page.html).toMatch(/Signed in/)
        await child.waitFor(/access_token: /)
        // The preset registers dpop_bound_access_tokens: the server binds the token (RFC 9449 §5),
        // after a nonce retry (§8).
        expect(metadata.dpop_bound_access_tokens).toBe(true)
        expectSafeTokenOutput(child.output(), {
          tokenType: 'dpop',
          scope: metadata.scope as string,
        })
        const fields = printed(child.output())
        expect(fields.refresh_token).toBe('received (not shown)')
        expect(fields.id_token).toMatch(/^received and checked, sub user-alice$/)
      } finally {
        child.stop()
      }
    },
    timeout,
  )

  test(
    'two logins at once get their own verifier and state, each bound to its browser',
    async () => {
      const metadata = preset('cli')
      const registered = await register(metadata)
      const child = await runStarter('parallel-logins', { ...metadata, ...registered }, mockIssuer)
      try {
        const [, loginUrl = ''] = await child.waitFor(/Sign in at (\S+) /)
        const origin = new URL(loginUrl).origin
        const atCallback = (url: string) =>
          new URL(url).origin === origin && !url.endsWith('/login')
        const browsers = [new TestBrowser(), new TestBrowser()] as const
        const opened = await Promise.all(
          browsers.map((browser) => browser.open(loginUrl, { stopAt: atCallback })),
        )
        const requests = browsers.map((browser) =>
          authorizationRequestOf(browser, `${mockIssuer}/authorize`),
        )
        // RFC 7636 §4.1: a new verifier per authorization request; RFC 9700 §2.1.1: state too.
        expect(requests[0]?.get('code_challenge')).not.toBe(requests[1]?.get('code_challenge'))
        expect(requests[0]?.get('state')).not.toBe(requests[1]?.get('state'))
        expect(requests[0]?.get('nonce')).not.toBe(requests[1]?.get('nonce'))
        const callbacks = await Promise.all(
          browsers.map((browser, index) =>
            signInAndConsent(browser, opened[index] as Page, {
              username: 'alice',
              password: 'alice-password',
              stopAt: atCallback,
              done: (page) => atCallback(page.url),
            }),
          ),
        )
        // The attacker's move: browser 1's code and state, delivered into browser 0's session.
        const crossed = await browsers[0].open((callbacks[1] as Page).url)
        expect(crossed.status).toBe(400)
        // A browser with no sign-in in progress, and a replay of a used callback: refused too.
        const stranger = await new TestBrowser().open((callbacks[1] as Page).url)
        expect(stranger.status).toBe(400)
        // Browser 1 still finishes its own login: its verifier was never spent.
        const own = await browsers[1].open((callbacks[1] as Page).url)
        expect(own.status).toBe(200)
        const replay = await browsers[1].open((callbacks[1] as Page).url)
        expect(replay.status).toBe(400)
        await child.waitFor(/Signed in\.[\s\S]*access_token: /)
        expect(child.errors()).toMatch(/authorization response was refused/)
      } finally {
        child.stop()
      }
    },
    timeout,
  )

  for (const [id, port] of [
    ['spa', 9443],
    ['web', 9444],
    ['native', undefined],
  ] as const) {
    test(
      `authorization code (preset: ${id})`,
      async () => {
        const metadata = preset(id)
        // The program catches the redirect on this machine: a web client registers an exact
        // loopback URI with its port; a native one a loopback URI without port (RFC 8252 §7.3).
        const redirect = port ? `http://127.0.0.1:${port}/callback` : 'http://127.0.0.1/callback'
        const withLoopback = { ...metadata, redirect_uris: [redirect] }
        const registered = await register(withLoopback)
        const child = await runStarter(id, { ...withLoopback, ...registered }, mockIssuer)
        try {
          const [, loginUrl = ''] = await child.waitFor(/Sign in at (\S+) /)
          await signInThroughStarter(new TestBrowser(), loginUrl)
          await child.waitFor(/access_token: /)
          expectSafeTokenOutput(child.output(), {
            tokenType: tokenTypeFor(metadata),
            scope: metadata.scope as string,
          })
          expect(printed(child.output()).id_token).toMatch(/sub user-alice/)
        } finally {
          child.stop()
        }
      },
      timeout,
    )
  }

  test(
    'authorization code with private_key_jwt, PAR and DPoP (advisor draft: web app, high assurance)',
    async () => {
      const metadata = draft(
        'authorization_code',
        (client) =>
          client.token_endpoint_auth_method === 'private_key_jwt' &&
          client.require_pushed_authorization_requests === true &&
          client.application_type === 'web',
      )
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
      const jwk = await exportJWK(publicKey)
      const kid = await calculateJwkThumbprint(jwk)
      const { jwks_uri: _uri, ...rest } = metadata
      // The mock server never fetches a jwks_uri: the key pair made on the page goes in jwks.
      const withKey: ClientMetadata = {
        ...rest,
        redirect_uris: ['http://127.0.0.1:9445/callback'],
        jwks: { keys: [{ ...jwk, kty: 'EC', kid, alg: 'ES256', use: 'sig' }] },
      }
      const registered = await register(withKey)
      const child = await runStarter(
        'private-key-jwt-par',
        { ...withKey, ...registered },
        mockIssuer,
        {
          'client-private-key.pem': await exportPKCS8(privateKey),
        },
      )
      try {
        const [, loginUrl = ''] = await child.waitFor(/Sign in at (\S+) /)
        const browser = new TestBrowser()
        await signInThroughStarter(browser, loginUrl)
        // PAR: the browser carried only client_id and request_uri (RFC 9126 §4).
        const request = authorizationRequestOf(browser, `${mockIssuer}/authorize`)
        expect([...request.keys()].sort()).toEqual(['client_id', 'request_uri'])
        await child.waitFor(/access_token: /)
        // PAR and the token request each carried a proof; the token is bound (RFC 9449 §5, §10.1).
        expect(metadata.dpop_bound_access_tokens).toBe(true)
        expectSafeTokenOutput(child.output(), {
          tokenType: 'dpop',
          scope: metadata.scope as string,
        })
      } finally {
        child.stop()
      }
    },
    timeout,
  )

  test(
    'JWT bearer (advisor draft: federated workload)',
    async () => {
      const metadata = draft(
        grantTypes.jwtBearer,
        (client) => client.token_endpoint_auth_method === 'none',
      )
      // This mock trusts an assertion signed by a key registered with the client itself (its
      // decision 056); the test plays the issuer, as an identity provider would.
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
      const jwk = { ...(await exportJWK(publicKey)), kid: 'workload-key', alg: 'ES256', use: 'sig' }
      const registered = await register({ ...metadata, jwks: { keys: [jwk] } })
      const now = Math.floor(Date.now() / 1000)
      const assertion = await new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: 'workload-key', typ: 'JWT' })
        .setIssuer(registered.client_id)
        .setSubject('alice')
        .setAudience(mockIssuer)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey)
      const child = await runStarter('jwt-bearer', { ...metadata, ...registered }, mockIssuer, {
        'assertion.jwt': `${assertion}\n`,
      })
      expect(await child.exited).toBe(0)
      expectSafeTokenOutput(child.output(), { tokenType: 'bearer', scope: 'orders:read' })
    },
    timeout,
  )

  test(
    'token exchange (advisor draft: API calling other APIs)',
    async () => {
      const metadata = draft(
        grantTypes.tokenExchange,
        (client) => client.token_endpoint_auth_method === 'client_secret_basic',
      )
      // The test also lets this client use client credentials, to get a token it may exchange:
      // one issued to itself.
      const registered = await register({
        ...metadata,
        grant_types: [...(metadata.grant_types ?? []), grantTypes.clientCredentials],
      })
      const subject = await fetch(`${mockIssuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${btoa(`${registered.client_id}:${registered.client_secret}`)}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read' }),
      }).then((response) => response.json() as Promise<{ access_token: string }>)
      const child = await runStarter('token-exchange', { ...metadata, ...registered }, mockIssuer, {
        'subject-token.txt': subject.access_token,
      })
      expect(await child.exited).toBe(0)
      expectSafeTokenOutput(child.output(), { tokenType: 'bearer', scope: 'orders:read' })
      expect(printed(child.output()).issued_token_type).toBe(
        'urn:ietf:params:oauth:token-type:access_token',
      )
    },
    timeout,
  )

  test(
    'a starter without its settings says which one is missing',
    async () => {
      const child = await runStarter(
        'missing-secret',
        { ...preset('service'), client_id: 'x' },
        mockIssuer,
      )
      expect(await child.exited).toBe(1)
      expect(child.errors()).toMatch(
        /OAUTH_CLIENT_SECRET is not set: run with --env-file=client\.env/,
      )
    },
    timeout,
  )
})

test(
  'the starter refuses plain http for an issuer that is not on a loopback host',
  async () => {
    // 127.0.0.2 is on this machine, but not a loopback name the program lets through: oauth4webapi
    // refuses before any request is made.
    const child = await runStarter(
      'insecure-issuer',
      { ...preset('service'), client_id: 'x', client_secret: 'y' },
      'http://127.0.0.2:9449/as',
    )
    expect(await child.exited).toBe(1)
    expect(child.errors()).toMatch(/only requests to HTTPS are allowed/)
  },
  timeout,
)

test(
  'every starter the page can export type-checks under strict TypeScript',
  async () => {
    // The program is TypeScript source for users to keep: one tsc run over every distinct one.
    const dir = join(runsDir, 'type-check')
    await mkdir(dir, { recursive: true })
    const sources = new Set<string>()
    for (const id of ['spa', 'web', 'native', 'cli', 'device', 'service']) {
      sources.add(exportStarterSnippet(preset(id)))
    }
    for (const answers of allAnswerCombinations()) {
      sources.add(exportStarterSnippet(recommend(answers).client))
    }
    const files = [...sources].map((_source, index) => `starter-${index + 1}/oauth-client.ts`)
    await Promise.all(
      [...sources].map(async (source, index) => {
        await mkdir(join(dir, `starter-${index + 1}`), { recursive: true })
        await writeFile(join(dir, files[index] as string), source)
      }),
    )
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          strict: true,
          noUnusedLocals: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files,
      }),
    )
    const tsc = start(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
      cwd: dir,
    })
    const code = await tsc.exited
    expect(tsc.output(), 'tsc output').toBe('')
    expect(code).toBe(0)
  },
  timeout,
)

// ——— Against a server that implements DPoP and PAR: oidc-provider, from its own export ———

type Provider = { callback: () => (request: unknown, response: unknown) => void }
const oidcProviderModule = 'oidc-provider'
const oidcPort = 9446
const oidcOrigin = `http://127.0.0.1:${oidcPort}`
let oidcServer: Server
const oidcProviders = new Map<string, Provider>()

beforeAll(async () => {
  oidcServer = createServer((request, response) => {
    const url = request.url ?? '/'
    const match = /^\/([\w-]+)/.exec(url)
    const provider = match ? oidcProviders.get(match[1] as string) : undefined
    if (!match || !provider) {
      response.writeHead(404).end()
      return
    }
    Object.assign(request, { originalUrl: url, url: url.slice(match[0].length) || '/' })
    provider.callback()(request, response)
  })
  await new Promise<void>((resolve) => oidcServer.listen(oidcPort, '127.0.0.1', resolve))
})

afterAll(async () => {
  await new Promise((resolve) => oidcServer?.close(resolve))
})

async function oidcProviderFor(
  name: string,
  metadata: ClientMetadata,
  clientJwks: { keys: JWK[] },
) {
  const dir = join(runsDir, `oidc-provider-${name}`)
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'oidc-provider-client.mjs')
  await writeFile(file, exportOidcProviderModule(metadata))
  const exported = (await import(/* @vite-ignore */ file)) as {
    client: Record<string, unknown>
    features: Record<string, Record<string, unknown>>
    configuration: Record<string, unknown>
  }
  const { default: OidcProvider } = (await import(/* @vite-ignore */ oidcProviderModule)) as {
    default: new (issuer: string, configuration: Record<string, unknown>) => Provider
  }
  const keys = await Promise.all(
    (['RS256', 'ES256'] as const).map(async (alg) => ({
      ...(await exportJWK((await generateKeyPair(alg, { extractable: true })).privateKey)),
      alg,
      use: 'sig',
    })),
  )
  const issuer = `${oidcOrigin}/${name}`
  const provider = new OidcProvider(issuer, {
    ...exported.configuration,
    features: {
      ...exported.features,
      // A server that insists on nonces in DPoP proofs (RFC 9449 §8), so the retry is exercised.
      dPoP: {
        ...exported.features.dPoP,
        nonceSecret: Buffer.alloc(32, 7),
        requireNonce: () => true,
      },
    },
    clients: [exported.client],
    jwks: { keys },
    fetch: async (url: URL | string) =>
      String(url) === metadata.jwks_uri
        ? Response.json(clientJwks)
        : new Response(null, { status: 404 }),
  })
  oidcProviders.set(name, provider)
  return issuer
}

async function keyedDraft(match: (client: ClientMetadata) => boolean, grant: string) {
  const metadata = draft(grant, match)
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  return {
    metadata,
    jwks: { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] },
    kid,
    pem: await exportPKCS8(privateKey),
  }
}

describe.concurrent('the starter sends DPoP proofs and uses PAR where a server implements them', () => {
  test(
    'authorization code with PAR, DPoP (with a server nonce) and private_key_jwt, against oidc-provider',
    async () => {
      const keyed = await keyedDraft(
        (client) =>
          client.token_endpoint_auth_method === 'private_key_jwt' &&
          client.require_pushed_authorization_requests === true &&
          client.application_type === 'web' &&
          (client.scope ?? '').includes('openid'),
        'authorization_code',
      )
      const metadata: ClientMetadata = {
        ...keyed.metadata,
        client_id: 'pkjwt-par-dpop',
        redirect_uris: ['http://127.0.0.1:9447/callback'],
      }
      const issuer = await oidcProviderFor('code', metadata, keyed.jwks)
      const child = await runStarter(
        'oidc-provider-code',
        { ...metadata, jwks: { keys: [{ kty: 'EC', kid: keyed.kid }] } },
        issuer,
        { 'client-private-key.pem': keyed.pem },
      )
      try {
        const [, loginUrl = ''] = await child.waitFor(/Sign in at (\S+) /)
        const browser = new TestBrowser()
        await signInThroughStarter(browser, loginUrl, {
          username: 'alice',
          password: 'any password (oidc-provider development interactions)',
        })
        const request = authorizationRequestOf(browser, `${issuer}/auth`)
        expect([...request.keys()].sort()).toEqual(['client_id', 'request_uri'])
        await child.waitFor(/access_token: /)
        // oidc-provider binds the token to the proof's key: token_type DPoP (RFC 9449 §5).
        expectSafeTokenOutput(child.output(), { tokenType: 'dpop' })
        expect(printed(child.output()).id_token).toMatch(/sub alice/)
      } finally {
        child.stop()
      }
    },
    timeout,
  )

  test(
    'client credentials with DPoP (with a server nonce) and private_key_jwt, against oidc-provider',
    async () => {
      const keyed = await keyedDraft(
        (client) =>
          client.token_endpoint_auth_method === 'private_key_jwt' &&
          client.dpop_bound_access_tokens === true,
        grantTypes.clientCredentials,
      )
      const metadata: ClientMetadata = { ...keyed.metadata, client_id: 'backend-dpop' }
      const issuer = await oidcProviderFor('machine', metadata, keyed.jwks)
      const child = await runStarter(
        'oidc-provider-machine',
        { ...metadata, jwks: { keys: [{ kty: 'EC', kid: keyed.kid }] } },
        issuer,
        { 'client-private-key.pem': keyed.pem },
      )
      expect(await child.exited).toBe(0)
      expectSafeTokenOutput(child.output(), { tokenType: 'dpop', scope: 'orders:read' })
    },
    timeout,
  )
})

// ——— slow_down: a server stub that asks the device to poll more slowly ———

test(
  'the device starter waits the interval, and 5 seconds more after slow_down (RFC 8628 §3.5)',
  async () => {
    const port = 9448
    const issuer = `http://127.0.0.1:${port}`
    const polls: number[] = []
    const stub: Server = createServer((request, response) => {
      const json = (status: number, body: unknown) => {
        response.writeHead(status, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
        })
        response.end(JSON.stringify(body))
      }
      if (request.url === '/.well-known/openid-configuration') {
        json(200, {
          issuer,
          token_endpoint: `${issuer}/token`,
          device_authorization_endpoint: `${issuer}/device_authorization`,
        })
      } else if (request.url === '/device_authorization') {
        json(200, {
          device_code: 'device-code-1',
          user_code: 'ABCD-EFGH',
          verification_uri: `${issuer}/device`,
          expires_in: 600,
          interval: 1,
        })
      } else if (request.url === '/token') {
        polls.push(Date.now())
        if (polls.length === 1) json(400, { error: 'slow_down' })
        else
          json(200, {
            access_token: 'opaque-access-token-value',
            token_type: 'Bearer',
            expires_in: 60,
          })
      } else json(404, {})
    })
    await new Promise<void>((resolve) => stub.listen(port, '127.0.0.1', resolve))
    try {
      const child = await runStarter(
        'device-slow-down',
        {
          ...preset('device'),
          client_id: 'tv',
          scope: 'orders:read',
          dpop_bound_access_tokens: false,
        },
        issuer,
      )
      expect(await child.exited).toBe(0)
      expect(polls).toHaveLength(2)
      // The interval was 1 s; slow_down made it 6 s for the next poll.
      expect((polls[1] as number) - (polls[0] as number)).toBeGreaterThanOrEqual(6000 - 50)
      expect(printed(child.output()).token_type).toBe('bearer')
    } finally {
      await new Promise((resolve) => stub.close(resolve))
    }
  },
  timeout,
)
