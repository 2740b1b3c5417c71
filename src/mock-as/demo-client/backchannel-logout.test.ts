import { generateKeyPair, type JWTPayload, SignJWT } from 'jose'
import { expect, test, vi } from 'vitest'
import { backchannelLogoutEvent } from '../core/backchannel-logout.ts'
import { demoBackchannelLogoutPath } from '../core/demo-data.ts'
import { signingKeyFor } from '../core/keys.ts'
import { createTestDemoHost, type TestDemoHost } from '../test-demo-host.ts'
import type { ReceivedLogout } from './backchannel-logout.ts'

/**
 * The demo client's back-channel logout endpoint checks logout tokens as a relying party must
 * (Back-Channel Logout 1.0 §2.6) and answers 200 or 400 (§2.8).
 */

const endpoint = (t: TestDemoHost) => `${t.deps.appOrigin}${demoBackchannelLogoutPath}`

function goodClaims(t: TestDemoHost): JWTPayload {
  const now = Math.floor(t.clock.now() / 1000)
  return {
    iss: t.deps.issuer,
    aud: 'grantlab-logout',
    iat: now,
    exp: now + 120,
    jti: crypto.randomUUID(),
    events: { [backchannelLogoutEvent]: {} },
    sub: 'user-alice',
    sid: 'session-1',
  }
}

/** A token signed with the server's own key: what only the server can make. */
async function serverSigned(
  t: TestDemoHost,
  claims: JWTPayload,
  header: { typ?: string; alg?: 'RS256' | 'ES256' } = {},
) {
  const key = await signingKeyFor(t.deps.keys, header.alg ?? 'RS256')
  const protectedHeader: { alg: string; kid: string; typ?: string } = {
    alg: key.alg,
    kid: key.kid,
  }
  if (header.typ !== '') protectedHeader.typ = header.typ ?? 'logout+jwt'
  return new SignJWT(claims).setProtectedHeader(protectedHeader).sign(key.privateKey)
}

function post(t: TestDemoHost, body: string, headers: Record<string, string> = {}) {
  return t.server.handle(
    new Request(endpoint(t), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    }),
  )
}

const send = (t: TestDemoHost, token: string) =>
  post(t, new URLSearchParams({ logout_token: token }).toString())

async function received(t: TestDemoHost): Promise<ReceivedLogout[]> {
  const response = await t.server.handle(new Request(endpoint(t)))
  expect(response.status).toBe(200)
  return ((await response.json()) as { received: ReceivedLogout[] }).received
}

test('a genuine logout token is accepted with 200 and no-store, and every check is recorded', async () => {
  const t = createTestDemoHost()
  const response = await send(t, await serverSigned(t, goodClaims(t)))
  expect(response.status).toBe(200)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const [entry] = await received(t)
  expect(entry?.status).toBe(200)
  expect(entry?.checks.map((check) => [check.name, check.ok])).toEqual([
    ['alg', true],
    ['signature', true],
    ['typ', true],
    ['iss', true],
    ['aud', true],
    ['iat', true],
    ['exp', true],
    ['sid', true],
    ['events', true],
    ['nonce', true],
    ['jti', true],
  ])
  expect(entry?.claims?.sid).toBe('session-1')
  // It fetched the server's metadata and keys, as a relying party does.
  expect(t.internal.map((exchange) => new URL(exchange.url).pathname)).toEqual([
    '/as/.well-known/openid-configuration',
    '/as/jwks',
  ])
})

/** Each broken token, and the check that must fail. */
const broken: [string, (t: TestDemoHost) => Promise<string>, string][] = [
  [
    'signed by a key the server never published',
    async (t) => {
      const { privateKey } = await generateKeyPair('RS256')
      const kid = (await signingKeyFor(t.deps.keys, 'RS256')).kid
      return new SignJWT(goodClaims(t))
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt' })
        .sign(privateKey)
    },
    'signature',
  ],
  [
    'with alg none',
    async (t) => {
      const encode = (value: unknown) =>
        btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
      return `${encode({ alg: 'none', typ: 'logout+jwt' })}.${encode(goodClaims(t))}.`
    },
    'alg',
  ],
  [
    'signed with another algorithm than the client’s ID tokens',
    async (t) => serverSigned(t, goodClaims(t), { alg: 'ES256' }),
    'alg',
  ],
  ['untyped', async (t) => serverSigned(t, goodClaims(t), { typ: '' }), 'typ'],
  ['typed as an ID token', async (t) => serverSigned(t, goodClaims(t), { typ: 'JWT' }), 'typ'],
  [
    'from another issuer',
    async (t) => serverSigned(t, { ...goodClaims(t), iss: 'http://127.0.0.1:6666/as' }),
    'iss',
  ],
  [
    'for another client',
    async (t) => serverSigned(t, { ...goodClaims(t), aud: 'grantlab-web' }),
    'aud',
  ],
  [
    'issued in the future',
    async (t) => serverSigned(t, { ...goodClaims(t), iat: Math.floor(t.clock.now() / 1000) + 600 }),
    'iat',
  ],
  [
    'expired',
    async (t) => serverSigned(t, { ...goodClaims(t), exp: Math.floor(t.clock.now() / 1000) - 120 }),
    'exp',
  ],
  [
    'without sid (this client requires one)',
    async (t) => {
      const { sid: _sid, ...claims } = goodClaims(t)
      return serverSigned(t, claims)
    },
    'sid',
  ],
  [
    'without the back-channel logout event',
    async (t) => serverSigned(t, { ...goodClaims(t), events: { 'urn:other': {} } }),
    'events',
  ],
  [
    'whose event member is not an object',
    async (t) => serverSigned(t, { ...goodClaims(t), events: { [backchannelLogoutEvent]: true } }),
    'events',
  ],
  [
    'carrying a nonce (an ID token in disguise)',
    async (t) => serverSigned(t, { ...goodClaims(t), nonce: 'n' }),
    'nonce',
  ],
  [
    'without jti',
    async (t) => {
      const { jti: _jti, ...claims } = goodClaims(t)
      return serverSigned(t, claims)
    },
    'jti',
  ],
]

test.each(broken)(
  'a logout token %s is refused with 400 at its check',
  async (_name, make, failing) => {
    const t = createTestDemoHost()
    const response = await send(t, await make(t))
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await response.json()) as { error: string; error_description: string }
    expect(body.error).toBe('invalid_request')
    const [entry] = await received(t)
    expect(entry?.status).toBe(400)
    expect(entry?.checks.find((check) => !check.ok)?.name).toBe(failing)
  },
)

test('a replayed logout token is refused by its jti; of ten concurrent deliveries exactly one is accepted', async () => {
  const t = createTestDemoHost()
  const token = await serverSigned(t, goodClaims(t))
  expect((await send(t, token)).status).toBe(200)
  const replay = await send(t, token)
  expect(replay.status).toBe(400)
  expect((await received(t))[0]?.checks.at(-1)).toMatchObject({ name: 'jti', ok: false })

  const fresh = await serverSigned(t, goodClaims(t))
  const answers = await Promise.all(Array.from({ length: 10 }, () => send(t, fresh)))
  expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1)
  expect(answers.filter((answer) => answer.status === 400)).toHaveLength(9)
})

test('requests that are not a back-channel logout are refused with 400 or 405 JSON, never 5xx', async () => {
  const t = createTestDemoHost()
  const token = await serverSigned(t, goodClaims(t))
  const form = new URLSearchParams({ logout_token: token }).toString()
  // From a page in a browser (a cross-site form post carries Origin): not the server.
  expect((await post(t, form, { origin: 'http://127.0.0.1:6666' })).status).toBe(400)
  expect((await post(t, `${form}&${form}`)).status).toBe(400)
  expect((await post(t, '')).status).toBe(400)
  expect((await post(t, 'logout_token=%zz')).status).toBe(400)
  expect(
    (await post(t, JSON.stringify({ logout_token: token }), { 'content-type': 'application/json' }))
      .status,
  ).toBe(400)
  expect((await post(t, 'x'.repeat(200_000))).status).toBe(400)
  const put = await t.server.handle(new Request(endpoint(t), { method: 'PUT', body: 'x' }))
  expect(put.status).toBe(405)
  expect(put.headers.get('allow')).toBe('GET, POST')
  const unknown = await t.server.handle(new Request(`${t.deps.appOrigin}/demo-client/other`))
  expect(unknown.status).toBe(404)
  // None of these spent the genuine token.
  expect((await send(t, token)).status).toBe(200)
})

test('the record keeps the newest 20 requests', async () => {
  const t = createTestDemoHost()
  for (let i = 0; i < 25; i += 1) await post(t, `logout_token=${i}`)
  const entries = await received(t)
  expect(entries).toHaveLength(20)
  expect(entries[0]?.logoutToken).toBe('24')
})

test('a failing server key fetch is a refused token, not a 500', async () => {
  const t = createTestDemoHost()
  const token = await serverSigned(t, goodClaims(t))
  const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  try {
    // The keys are fetched from the issuer; a host whose server answers garbage for them.
    const spy = vi.spyOn(t.host.server, 'handle').mockResolvedValue(new Response('nope'))
    const response = await send(t, token)
    spy.mockRestore()
    expect(response.status).toBe(400)
    expect((await received(t))[0]?.checks.find((check) => check.name === 'signature')?.ok).toBe(
      false,
    )
  } finally {
    errors.mockRestore()
  }
})
