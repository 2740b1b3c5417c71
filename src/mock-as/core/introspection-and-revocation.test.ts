import { expect, test } from 'vitest'
import { accessTokenType, ordersAudience, tokenExchangeGrantType } from './grants/token-exchange'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import {
  basic,
  introspect,
  obtainCode,
  obtainTokens,
  postForm,
  spaRedirect,
  testVerifier,
} from './test-support'

type Caller = { id: string; secret: string }

const callers = {
  web: { id: 'grantlab-web', secret: 'grantlab-web-secret' },
  m2m: { id: 'grantlab-m2m', secret: 'grantlab-m2m-secret' },
  api: { id: 'grantlab-api', secret: 'grantlab-api-secret' },
  exchanger: { id: 'grantlab-exchanger', secret: 'grantlab-exchanger-secret' },
} satisfies Record<string, Caller>

type TokenName =
  | 'spa access'
  | 'spa refresh'
  | 'web access'
  | 'web refresh'
  | 'm2m access'
  | 'exchanged access'

/** One token of each kind, from the demo clients, on one server. */
async function issueTokens(t: TestAuthorizationServer): Promise<Record<TokenName, string>> {
  const { tokens: spa } = await obtainTokens(t)
  const code = await obtainCode(t, { client_id: 'grantlab-web' })
  const web = await (
    await postForm(
      t,
      '/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: spaRedirect,
        code_verifier: testVerifier,
      },
      { authorization: basic(callers.web.id, callers.web.secret) },
    )
  ).json()
  const m2m = await (
    await postForm(
      t,
      '/token',
      { grant_type: 'client_credentials', scope: 'orders:read' },
      { authorization: basic(callers.m2m.id, callers.m2m.secret) },
    )
  ).json()
  const exchanged = await (
    await postForm(
      t,
      '/token',
      {
        grant_type: tokenExchangeGrantType,
        subject_token: spa.access_token,
        subject_token_type: accessTokenType,
        audience: ordersAudience,
        scope: 'orders:read',
      },
      { authorization: basic(callers.exchanger.id, callers.exchanger.secret) },
    )
  ).json()
  for (const value of [web.access_token, web.refresh_token, m2m.access_token]) {
    expect(typeof value).toBe('string')
  }
  expect(typeof exchanged.access_token).toBe('string')
  return {
    'spa access': spa.access_token,
    'spa refresh': spa.refresh_token,
    'web access': web.access_token,
    'web refresh': web.refresh_token,
    'm2m access': m2m.access_token,
    'exchanged access': exchanged.access_token,
  }
}

// RFC 7662 §4: a caller learns about a token only if it is the token's own client, or, for an
// access token, a resource server the token is meant for (its aud). Everything else: inactive.
const introspection: [TokenName, keyof typeof callers, boolean][] = [
  ['spa access', 'web', false],
  ['spa access', 'm2m', false],
  ['spa access', 'api', true],
  ['spa access', 'exchanger', true],
  ['spa refresh', 'web', false],
  ['spa refresh', 'api', false],
  ['web access', 'web', true],
  ['web access', 'api', true],
  ['web access', 'm2m', false],
  ['web refresh', 'web', true],
  ['web refresh', 'api', false],
  ['web refresh', 'exchanger', false],
  ['m2m access', 'm2m', true],
  ['m2m access', 'web', false],
  ['exchanged access', 'exchanger', true],
  ['exchanged access', 'api', false],
  ['exchanged access', 'web', false],
]

test.each(introspection)(
  'introspecting the %s token as %s: active is %s',
  async (tokenName, callerName, active) => {
    const t = createTestAuthorizationServer()
    const tokens = await issueTokens(t)
    const answer = (await introspect(t, tokens[tokenName], callers[callerName])) as Record<
      string,
      unknown
    >
    if (active) expect(answer.active).toBe(true)
    // Not for this caller: exactly what an unknown token gets, nothing that tells it apart.
    else expect(answer).toEqual({ active: false })
  },
)

test('a registered confidential client cannot introspect the demo tokens (no token scanning)', async () => {
  const t = createTestAuthorizationServer()
  const tokens = await issueTokens(t)
  const registered = await (
    await t.server.handle(
      new Request(`${t.deps.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], scope: 'orders:read' }),
      }),
    )
  ).json()
  const caller = { id: registered.client_id, secret: registered.client_secret }
  for (const token of Object.values(tokens)) {
    expect(await introspect(t, token, caller)).toEqual({ active: false })
  }
})

// RFC 7009 §2.1: the server verifies that the token was issued to the client asking; if not, the
// request is refused with an error (§2.2.1: unauthorized_client) and the token stays active.
const foreignRevocations: [TokenName, string, Record<string, string>, Record<string, string>][] = [
  [
    'spa access',
    'grantlab-web',
    {},
    { authorization: basic('grantlab-web', 'grantlab-web-secret') },
  ],
  [
    'spa refresh',
    'grantlab-web',
    {},
    { authorization: basic('grantlab-web', 'grantlab-web-secret') },
  ],
  [
    'spa access',
    'grantlab-m2m',
    {},
    { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
  ],
  ['web refresh', 'grantlab-spa', { client_id: 'grantlab-spa' }, {}],
  ['web access', 'grantlab-spa', { client_id: 'grantlab-spa' }, {}],
  [
    'exchanged access',
    'grantlab-api (a resource server, but not its client)',
    {},
    { authorization: basic('grantlab-api', 'grantlab-api-secret') },
  ],
]

test.each(foreignRevocations)(
  'revoking the %s token as %s is refused with unauthorized_client, and the token stays active',
  async (tokenName, _, params, headers) => {
    const t = createTestAuthorizationServer()
    const tokens = await issueTokens(t)
    const token = tokens[tokenName]
    for (const hint of [undefined, 'access_token', 'refresh_token']) {
      const response = await postForm(
        t,
        '/revoke',
        { ...params, token, ...(hint ? { token_type_hint: hint } : {}) },
        headers,
      )
      expect(response.status).toBe(400)
      expect(response.headers.get('cache-control')).toBe('no-store')
      const body = await response.json()
      expect(body.error).toBe('unauthorized_client')
      expect(body.error_description).toMatch(/issued to another client/)
    }
    const owner = tokenName.startsWith('spa')
      ? undefined
      : tokenName.startsWith('web')
        ? callers.web
        : callers.exchanger
    if (tokenName === 'spa refresh') {
      const refreshed = await postForm(t, '/token', {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: 'grantlab-spa',
      })
      expect(refreshed.status).toBe(200)
    } else {
      const answer = (await introspect(t, token, owner)) as { active: boolean }
      expect(answer.active).toBe(true)
    }
  },
)

test('the owner revokes its exchanged token (another audience than the API), twice in a row', async () => {
  const t = createTestAuthorizationServer()
  const tokens = await issueTokens(t)
  const revoke = () =>
    postForm(
      t,
      '/revoke',
      { token: tokens['exchanged access'] },
      { authorization: basic(callers.exchanger.id, callers.exchanger.secret) },
    )
  expect((await revoke()).status).toBe(200)
  expect(await introspect(t, tokens['exchanged access'], callers.exchanger)).toEqual({
    active: false,
  })
  // A replayed revocation of a token that is already revoked is still a success (RFC 7009 §2.2).
  expect((await revoke()).status).toBe(200)
})

test('twenty concurrent foreign revocations revoke nothing; the owner’s one revokes', async () => {
  const t = createTestAuthorizationServer()
  const tokens = await issueTokens(t)
  const attempts = await Promise.all(
    Array.from({ length: 20 }, () =>
      postForm(
        t,
        '/revoke',
        { token: tokens['spa access'] },
        { authorization: basic(callers.web.id, callers.web.secret) },
      ),
    ),
  )
  expect(attempts.every((response) => response.status === 400)).toBe(true)
  expect(await introspect(t, tokens['spa access'])).toMatchObject({ active: true })
  const own = await postForm(t, '/revoke', {
    client_id: 'grantlab-spa',
    token: tokens['spa access'],
  })
  expect(own.status).toBe(200)
  expect(await introspect(t, tokens['spa access'])).toEqual({ active: false })
})

test('an unknown, expired or garbage token still gets 200 from any client', async () => {
  const t = createTestAuthorizationServer()
  const tokens = await issueTokens(t)
  t.clock.advance(301_000)
  for (const token of ['no-such-token', 'e30.e30.e30', tokens['spa access']]) {
    const response = await postForm(
      t,
      '/revoke',
      { token },
      { authorization: basic(callers.web.id, callers.web.secret) },
    )
    expect(response.status).toBe(200)
  }
})
