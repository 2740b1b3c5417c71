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
import type { Answers } from '../../advisor/questions.ts'
import { recommend } from '../../advisor/recommend.ts'
import { jwtBearerWalkthroughClient } from '../../flows/jwt-bearer.ts'
import { demoAdminInitialAccessToken } from '../../mock-as/core/demo-data.ts'
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

/** The advisor's draft for these answers, the other questions left to their defaults. */
function draftFor(answers: Answers): ClientMetadata {
  return recommend(answers).client
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
  // The command line, as `npm run as` starts it (node.ts is the programmatic API).
  mock = start(process.execPath, ['bin/grantlab-as.mjs'], {
    cwd: repo,
    env: { PORT: String(mockPort) },
  })
  await mock.waitFor(/issuer\s+http/)
}, timeout)

afterAll(() => {
  for (const child of children) child.stop()
})

// ——— The mock server's registration, as any client would use it ———

async function register(
  metadata: Record<string, unknown>,
  { initialAccessToken }: { initialAccessToken?: string } = {},
) {
  // RFC 7591 §3: an initial access token, when the server gave one, is a Bearer token.
  const response = await fetch(`${mockIssuer}/register`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(initialAccessToken ? { authorization: `Bearer ${initialAccessToken}` } : {}),
    },
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

/**
 * A line of the .env export filled in, as its comment asks the user to: the export must have
 * the setting, empty, for the user to fill.
 */
function fillIn(env: string, setting: string, value: string): string {
  const line = new RegExp(`^${setting}=$`, 'm')
  expect(env, `the .env export has an empty ${setting}`).toMatch(line)
  return env.replace(line, `${setting}=${value}`)
}

type RunOptions = {
  /** Settings the user fills in the exported .env. */
  fill?: Record<string, string>
  /** Variables the environment sets, as a platform does (they win over the .env file). */
  environment?: Record<string, string>
}

/** Writes the two exports (and any files they name) into a fresh folder and runs the program. */
async function runStarter(
  name: string,
  metadata: ClientMetadata,
  issuer: string,
  files: Record<string, string> = {},
  { fill = {}, environment = {} }: RunOptions = {},
): Promise<Child & { env: string; source: string }> {
  const dir = join(runsDir, name)
  await mkdir(dir, { recursive: true })
  let env = exportEnvFile(metadata, { issuer })
  for (const [setting, value] of Object.entries(fill)) env = fillIn(env, setting, value)
  const source = exportStarterSnippet(metadata)
  await writeFile(join(dir, 'client.env'), env)
  await writeFile(join(dir, 'oauth-client.ts'), source)
  await writeFile(join(dir, 'package.json'), '{ "private": true }\n')
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text)
  const child = start(tsx, ['--env-file=client.env', 'oauth-client.ts'], {
    cwd: dir,
    env: environment,
  })
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
    'CIBA (advisor draft: call-centre app), approved on the authentication device with the same binding message',
    async () => {
      const metadata = draft(
        grantTypes.ciba,
        (client) => client.token_endpoint_auth_method === 'client_secret_basic',
      )
      const client = { ...metadata, ...(await register(metadata)) }
      // What the user of the export fills in: the user to ask.
      const env = exportEnvFile(client, { issuer: mockIssuer })
      expect(env).toContain('OAUTH_LOGIN_HINT=\n')
      const child = await runStarter('ciba', client, mockIssuer, {
        'client.env': env.replace('OAUTH_LOGIN_HINT=\n', 'OAUTH_LOGIN_HINT=alice\n'),
      })
      const [, bindingMessage = ''] = await child.waitFor(/Binding message: (GL-\d{4})/)
      // The user with the phone: signs in on the authentication device, checks the message, allows.
      const phone = new TestBrowser()
      const signIn = await phone.open(`${mockIssuer}/ciba`)
      const login = readForms(signIn.html, signIn.url).find((form) =>
        form.inputs.includes('password'),
      )
      if (!login) throw new Error('no sign-in form on the authentication device page')
      const requests = await phone.submit(signIn, login, {
        username: 'alice',
        password: 'alice-password',
      })
      expect(requests.html).toContain(`class="binding">${bindingMessage}<`)
      const answer = readForms(requests.html, requests.url)[0]
      const allow = answer?.buttons.find((button) => button.label === 'Allow')
      if (!answer || !allow) throw new Error('no Allow button on the authentication device page')
      const done = await phone.submit(requests, answer, {}, { button: allow })
      expect(done.html).toContain('Request allowed')
      expect(await child.exited).toBe(0)
      expectSafeTokenOutput(child.output(), {
        tokenType: 'bearer',
        scope: metadata.scope as string,
      })
      expect(printed(child.output()).id_token).toBe('received and checked, sub user-alice')
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
    'JWT bearer (the JWT bearer walkthrough’s client, registered with the initial access token)',
    async () => {
      // The advisor drafts no JWT bearer client any more (decision 088): the walkthrough's is the
      // one the product registers. This mock trusts an assertion signed by a key registered with
      // the client only when an administrator vouched for the registration (its decision 056): the
      // demo administrator's initial access token, as the README says. The test plays the issuer.
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
      const jwk = {
        ...(await exportJWK(publicKey)),
        kid: 'assertion-key',
        alg: 'ES256',
        use: 'sig',
      }
      const metadata: ClientMetadata = {
        ...jwtBearerWalkthroughClient(jwk),
        jwks: { keys: [{ ...jwk, kty: 'EC' }] },
      }
      const assertionFor = async (clientId: string) => {
        const now = Math.floor(Date.now() / 1000)
        return new SignJWT({ jti: crypto.randomUUID() })
          .setProtectedHeader({ alg: 'ES256', kid: 'assertion-key', typ: 'JWT' })
          .setIssuer(clientId)
          .setSubject('alice')
          .setAudience(mockIssuer)
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(privateKey)
      }
      const trusted = await register(metadata, { initialAccessToken: demoAdminInitialAccessToken })
      const child = await runStarter('jwt-bearer', { ...metadata, ...trusted }, mockIssuer, {
        'assertion.jwt': `${await assertionFor(trusted.client_id)}\n`,
      })
      expect(await child.exited).toBe(0)
      expectSafeTokenOutput(child.output(), { tokenType: 'bearer', scope: 'profile orders:read' })
      // The same client registered by itself: the program runs, and the server refuses to trust it.
      const selfRegistered = await register(metadata)
      const refused = await runStarter(
        'jwt-bearer-self-registered',
        { ...metadata, ...selfRegistered },
        mockIssuer,
        { 'assertion.jwt': `${await assertionFor(selfRegistered.client_id)}\n` },
      )
      expect(await refused.exited).toBe(1)
      expect(refused.errors()).toMatch(/invalid_grant: iss: .*no administrator trusts it/)
    },
    timeout,
  )

  test(
    'client credentials with the platform’s JWT read from a file (advisor draft: service holding its platform’s JWT)',
    async () => {
      const metadata = draftFor({ app: 'service', assertion: 'yes', assurance: 'standard' })
      expect(metadata).toMatchObject({
        grant_types: [grantTypes.clientCredentials],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'RS256',
      })
      // The mock server never fetches a jwks_uri, so the platform's public key goes in jwks; and
      // it takes client assertions only self-issued (OpenID Connect Core §9: iss = sub =
      // client_id), so the JWT the test issues as the platform has the client_id as iss too.
      const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
      const jwk = { ...(await exportJWK(publicKey)), kid: 'platform-key', alg: 'RS256', use: 'sig' }
      const { jwks_uri: _platformKeys, ...rest } = metadata
      const registered = await register({ ...rest, jwks: { keys: [jwk] } })
      const now = Math.floor(Date.now() / 1000)
      const platformToken = await new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid: 'platform-key', typ: 'JWT' })
        .setIssuer(registered.client_id)
        .setSubject(registered.client_id)
        .setAudience(mockIssuer)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey)
      // The starter and .env of the draft as the advisor made it, with the client_id the server
      // issued and the token file filled in; no private key file exists.
      const child = await runStarter(
        'platform-jwt-file',
        { ...metadata, ...registered },
        mockIssuer,
        { 'platform-token.jwt': `${platformToken}\n` },
        { fill: { OAUTH_CLIENT_ASSERTION_FILE: './platform-token.jwt' } },
      )
      expect(await child.exited, child.errors()).toBe(0)
      expectSafeTokenOutput(child.output(), { tokenType: 'bearer', scope: 'orders:read' })
      // The mock refuses a client assertion the second time (its policy): the JWT was sent.
      const again = await runStarter(
        'platform-jwt-file-again',
        { ...metadata, ...registered },
        mockIssuer,
        { 'platform-token.jwt': `${platformToken}\n` },
        { fill: { OAUTH_CLIENT_ASSERTION_FILE: './platform-token.jwt' } },
      )
      expect(await again.exited).toBe(1)
      expect(again.errors()).toMatch(/invalid_client: client_assertion was already used/)
    },
    timeout,
  )

  test(
    'a platform JWT the server would refuse stops the starter with the reason, before any token request',
    async () => {
      const metadata = draftFor({ app: 'service', assertion: 'yes', assurance: 'standard' })
      const { privateKey } = await generateKeyPair('RS256')
      const now = Math.floor(Date.now() / 1000)
      const jwt = (claims: { sub: string; aud: string | string[]; exp: number }) =>
        new SignJWT({ ...claims, iss: 'https://platform.example.com' })
          .setProtectedHeader({ alg: 'RS256' })
          .sign(privateKey)
      const cases = [
        [jwt({ sub: 'someone-else', aud: mockIssuer, exp: now + 600 }), /is for sub someone-else/],
        [jwt({ sub: 'workload-1', aud: `${mockIssuer}/token`, exp: now + 600 }), /aud .* alone/],
        [jwt({ sub: 'workload-1', aud: [mockIssuer, 'x'], exp: now + 600 }), /aud .* alone/],
        [jwt({ sub: 'workload-1', aud: mockIssuer, exp: now - 60 }), /has expired/],
        [Promise.resolve('not-a-jwt'), /does not hold a JWT/],
      ] as const
      await Promise.all(
        cases.map(async ([token, reason], index) => {
          const child = await runStarter(
            `platform-jwt-refused-${index}`,
            { ...metadata, client_id: 'workload-1' },
            mockIssuer,
            {},
            { environment: { OAUTH_CLIENT_ASSERTION: await token } },
          )
          expect(await child.exited).toBe(1)
          expect(child.errors()).toMatch(reason)
        }),
      )
      const both = await runStarter(
        'platform-jwt-both',
        { ...metadata, client_id: 'workload-1' },
        mockIssuer,
        { 'platform-token.jwt': 'x' },
        {
          fill: { OAUTH_CLIENT_ASSERTION_FILE: './platform-token.jwt' },
          environment: { OAUTH_CLIENT_ASSERTION: 'y' },
        },
      )
      expect(await both.exited).toBe(1)
      expect(both.errors()).toMatch(
        /Set OAUTH_CLIENT_ASSERTION_FILE or OAUTH_CLIENT_ASSERTION, not both/,
      )
      // Neither set and no key file: the program says both ways out.
      const neither = await runStarter(
        'platform-jwt-neither',
        { ...metadata, client_id: 'w' },
        mockIssuer,
      )
      expect(await neither.exited).toBe(1)
      expect(neither.errors()).toMatch(
        /No private key in \.\/client-private-key\.pem\. Put yours there, or set OAUTH_CLIENT_ASSERTION_FILE/,
      )
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
    // No draft uses the JWT bearer grant any more: its walkthrough's client stands for it.
    const key = { kty: 'EC', kid: 'k' }
    sources.add(exportStarterSnippet({ ...jwtBearerWalkthroughClient(key), jwks: { keys: [key] } }))
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
    if (url === '/platform/jwks') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(platformJwks))
      return
    }
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

/** The workload platform of the oidc-provider runs: the test issues its JWTs and serves its keys. */
const platformIssuer = `${oidcOrigin}/platform`
let platformJwks: { keys: JWK[] } = { keys: [] }

async function oidcProviderFor(
  name: string,
  metadata: ClientMetadata,
  clientJwks: { keys: JWK[] },
  { platformAlgorithm }: { platformAlgorithm?: string } = {},
) {
  const dir = join(runsDir, `oidc-provider-${name}`)
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'oidc-provider-client.mjs')
  let text = exportOidcProviderModule(metadata)
  if (platformAlgorithm) {
    // What the module's comment asks of a user whose workload holds its platform's JWT.
    const unnamed = 'export const assertionPlatform = null'
    expect(text).toContain(unnamed)
    text = text.replace(
      unnamed,
      `export const assertionPlatform = ${JSON.stringify({
        issuer: platformIssuer,
        jwksUri: `${platformIssuer}/jwks`,
        algorithms: [platformAlgorithm],
      })}`,
    )
  }
  await writeFile(file, text)
  const exported = (await import(/* @vite-ignore */ file)) as {
    client: Record<string, unknown>
    features: Record<string, Record<string, unknown>>
    configuration: Record<string, unknown>
    setup?: (provider: Provider) => Promise<void>
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
  await exported.setup?.(provider)
  oidcProviders.set(name, provider)
  return issuer
}

/** An ES256 key pair as the client keeps it: the public half registered, the private one in PEM. */
async function clientKeyPair() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  return {
    jwks: { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] },
    kid,
    pem: await exportPKCS8(privateKey),
  }
}

async function keyedDraft(match: (client: ClientMetadata) => boolean, grant: string) {
  return { metadata: draft(grant, match), ...(await clientKeyPair()) }
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
      // The high-assurance backend job: it signs its own assertions with the key it registered.
      const metadata: ClientMetadata = {
        ...draftFor({ app: 'service', assertion: 'no', assurance: 'high' }),
        client_id: 'backend-dpop',
      }
      expect(metadata).toMatchObject({
        grant_types: [grantTypes.clientCredentials],
        token_endpoint_auth_method: 'private_key_jwt',
        dpop_bound_access_tokens: true,
      })
      const keyed = await clientKeyPair()
      const issuer = await oidcProviderFor('machine', metadata, keyed.jwks)
      const child = await runStarter(
        'oidc-provider-machine',
        { ...metadata, jwks: { keys: [{ kty: 'EC', kid: keyed.kid }] } },
        issuer,
        { 'client-private-key.pem': keyed.pem },
      )
      expect(await child.exited, child.errors()).toBe(0)
      expectSafeTokenOutput(child.output(), { tokenType: 'dpop', scope: 'orders:read' })
    },
    timeout,
  )

  test(
    'client credentials with DPoP (with a server nonce) and the platform’s JWT from the environment, against oidc-provider',
    async () => {
      // The high-assurance workload: its platform signs (RS256), with iss the platform itself.
      const metadata: ClientMetadata = {
        ...draftFor({ app: 'service', assertion: 'yes', assurance: 'high' }),
        client_id: 'workload-dpop',
      }
      expect(metadata).toMatchObject({
        grant_types: [grantTypes.clientCredentials],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'RS256',
        dpop_bound_access_tokens: true,
      })
      const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
      platformJwks = {
        keys: [{ ...(await exportJWK(publicKey)), kid: 'platform-1', alg: 'RS256', use: 'sig' }],
      }
      const issuer = await oidcProviderFor('workload', metadata, platformJwks, {
        platformAlgorithm: 'RS256',
      })
      const now = Math.floor(Date.now() / 1000)
      const platformToken = await new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid: 'platform-1', typ: 'JWT' })
        .setIssuer(platformIssuer)
        .setSubject('workload-dpop')
        .setAudience(issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey)
      // The platform sets the variable; the exported .env leaves it empty, and the environment wins.
      const child = await runStarter(
        'oidc-provider-workload',
        metadata,
        issuer,
        {},
        {
          environment: { OAUTH_CLIENT_ASSERTION: platformToken },
        },
      )
      expect(await child.exited, child.errors()).toBe(0)
      // The nonce retry sent the same platform JWT twice, and the token is bound to the proof's key.
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
