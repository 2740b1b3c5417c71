/**
 * `--data DIR` through the real command line: what the server answered survives `kill -9` and a
 * restart — registered clients, signing keys, login sessions, live access and refresh tokens —
 * and concurrent requests stay correct on disk. Port 9505.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, expect, test, vi } from 'vitest'
import {
  basic,
  callbackAfterSignIn,
  postForm,
  type RunningCli,
  runCli,
  stopCli,
  waitForHealth,
} from './support.ts'

// These tests start real processes; on a loaded machine one start can take several seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const port = 9505
const origin = `http://127.0.0.1:${port}`
const issuer = `${origin}/as`
const root = mkdtempSync(join(tmpdir(), 'grantlab-data-'))
const running: RunningCli[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => stopCli(cli, 'SIGKILL')))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

async function startWithData(data: string): Promise<RunningCli> {
  const cli = runCli(['--port', String(port), '--data', data], {
    env: { APP_ORIGIN: 'http://127.0.0.1:5173' },
  })
  running.push(cli)
  await waitForHealth(`${issuer}/health`, cli)
  return cli
}

async function crash(cli: RunningCli): Promise<void> {
  const exit = await stopCli(cli, 'SIGKILL')
  expect(exit.signal).toBe('SIGKILL')
}

function registerService(name: string) {
  return fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: name,
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'orders:read',
    }),
  })
}

const spaRedirect = 'http://127.0.0.1:5173/walkthrough/authorization-code/callback'
const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

function authorizeUrl(extra: Record<string, string> = {}): string {
  const url = new URL(`${issuer}/authorize`)
  url.search = new URLSearchParams({
    client_id: 'grantlab-spa',
    redirect_uri: spaRedirect,
    response_type: 'code',
    scope: 'openid profile offline_access orders:read',
    state: 'st',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  }).toString()
  return url.href
}

async function redeem(callback: URL) {
  const response = await postForm(`${issuer}/token`, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code') ?? '',
    redirect_uri: spaRedirect,
    code_verifier: verifier,
    client_id: 'grantlab-spa',
  })
  expect(response.status).toBe(200)
  return (await response.json()) as { access_token: string; refresh_token: string }
}

const introspect = async (token: string) =>
  (
    await postForm(
      `${issuer}/introspect`,
      { token },
      { authorization: basic('grantlab-api', 'grantlab-api-secret') },
    )
  ).json()

test('kill -9 right after the answers: clients, keys, the session and live tokens are all there after a restart', async () => {
  const data = join(root, 'crash')
  const first = await startWithData(data)
  const kids = (await (await fetch(`${issuer}/jwks`)).json()).keys.map(
    (key: { kid: string }) => key.kid,
  )
  const registered = await (await registerService('before the crash')).json()
  const jar = new Map<string, string>()
  const tokens = await redeem(
    await callbackAfterSignIn(
      authorizeUrl(),
      { username: 'alice', password: 'alice-password' },
      jar,
    ),
  )
  await crash(first)

  await startWithData(data)
  expect(
    (await (await fetch(`${issuer}/jwks`)).json()).keys.map((key: { kid: string }) => key.kid),
  ).toEqual(kids)
  const service = await postForm(
    `${issuer}/token`,
    { grant_type: 'client_credentials' },
    { authorization: basic(registered.client_id, registered.client_secret) },
  )
  expect(service.status).toBe(200)
  expect(await introspect(tokens.access_token)).toMatchObject({ active: true, sub: 'user-alice' })
  // The login session: prompt=none with the browser's cookies gets a code without a sign-in page.
  const silent = await fetch(authorizeUrl({ prompt: 'none' }), {
    redirect: 'manual',
    headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
  })
  expect(new URL(silent.headers.get('location') ?? '').searchParams.get('code')).toEqual(
    expect.any(String),
  )
  const refreshed = await postForm(`${issuer}/token`, {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token,
    client_id: 'grantlab-spa',
  })
  expect(refreshed.status).toBe(200)
}, 60_000)

test('a crash in the middle of 40 concurrent registrations loses none that was answered', async () => {
  const data = join(root, 'mid-write')
  const first = await startWithData(data)
  const answered: { client_id: string; client_secret: string }[] = []
  let killed: Promise<void> | undefined
  const attempts = Array.from({ length: 40 }, async (_, index) => {
    try {
      const response = await registerService(`client ${index}`)
      if (response.status !== 201) throw new Error(`status ${response.status}`)
      answered.push(await response.json())
      // Kill as soon as half have their answer, with the rest in flight.
      if (answered.length === 20) killed = crash(first)
    } catch {
      // The connection died with the server: no answer, so nothing was promised.
    }
  })
  await Promise.all(attempts)
  await killed
  expect(answered.length).toBeGreaterThanOrEqual(20)

  await startWithData(data)
  const tokens = await Promise.all(
    answered.map((client) =>
      postForm(
        `${issuer}/token`,
        { grant_type: 'client_credentials' },
        { authorization: basic(client.client_id, client.client_secret) },
      ),
    ),
  )
  expect(tokens.map((response) => response.status)).toEqual(answered.map(() => 200))
}, 60_000)

test('concurrent requests on disk: 30 uses of one refresh token at once, exactly one wins, and the replays revoke the family', async () => {
  const data = join(root, 'concurrent')
  const first = await startWithData(data)
  const tokens = await redeem(
    await callbackAfterSignIn(authorizeUrl(), { username: 'alice', password: 'alice-password' }),
  )
  const answers = await Promise.all(
    Array.from({ length: 30 }, () =>
      postForm(`${issuer}/token`, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: 'grantlab-spa',
      }),
    ),
  )
  const statuses = answers.map((response) => response.status)
  expect(statuses.filter((status) => status === 200)).toHaveLength(1)
  expect(statuses.filter((status) => status === 400)).toHaveLength(29)
  const winner = (await answers[statuses.indexOf(200)]?.json()) as { refresh_token: string }
  await crash(first)

  // RFC 9700 §4.14.2: a replayed refresh token revokes the grant; that holds after a restart too.
  await startWithData(data)
  const after = await postForm(`${issuer}/token`, {
    grant_type: 'refresh_token',
    refresh_token: winner.refresh_token,
    client_id: 'grantlab-spa',
  })
  expect(after.status).toBe(400)
  expect((await after.json()).error).toBe('invalid_grant')
  expect((await introspect(tokens.access_token)).active).toBe(false)
}, 60_000)
