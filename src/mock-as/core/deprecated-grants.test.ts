import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { passwordAttemptLimit, passwordLockSeconds } from './grants/password'
import { createTestAuthorizationServer, driveAuthorization, testAppOrigin } from './test-server'
import { authorizeUrl, basic, callApi, get, postForm, register, spaRedirect } from './test-support'

// The implicit grant (RFC 6749 §4.2) and the password grant (§4.3): deprecated by RFC 9700
// (§2.1.2 SHOULD NOT, §2.4 MUST NOT), so only the demo client marked legacy may use them.

const implicitRedirect = `${testAppOrigin}/walkthrough/implicit/callback`

function implicitOverrides(extra: Record<string, string | undefined> = {}) {
  return {
    client_id: 'grantlab-legacy',
    redirect_uri: implicitRedirect,
    response_type: 'token',
    scope: 'profile orders:read',
    nonce: undefined,
    code_challenge: undefined,
    code_challenge_method: undefined,
    ...extra,
  }
}

function fragmentOf(location: string | null | undefined, redirect = implicitRedirect) {
  const url = new URL(location ?? 'http://invalid/')
  expect(url.origin + url.pathname).toBe(redirect)
  expect(url.search).toBe('')
  return new URLSearchParams(url.hash.slice(1))
}

function password(
  t: ReturnType<typeof createTestAuthorizationServer>,
  params: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return postForm(
    t,
    '/token',
    { grant_type: 'password', client_id: 'grantlab-legacy', ...params },
    headers,
  )
}

async function errorOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  expect(response.headers.get('cache-control')).toBe('no-store')
  return (await response.json()) as { error: string; error_description: string }
}

test('implicit success: access token, token_type, expires_in, scope, state and iss in the fragment, no refresh token', async () => {
  const t = createTestAuthorizationServer()
  const driven = await driveAuthorization(t.server, await authorizeUrl(t, implicitOverrides()))
  expect(driven.response.status).toBe(302)
  const params = fragmentOf(driven.location)
  expect([...params.keys()].sort()).toEqual([
    'access_token',
    'expires_in',
    'iss',
    'scope',
    'state',
    'token_type',
  ])
  expect(params.get('token_type')).toBe('Bearer')
  expect(Number(params.get('expires_in'))).toBeGreaterThan(0)
  expect(params.get('scope')).toBe('profile orders:read')
  expect(params.get('state')).toBe('state-123')
  expect(params.get('iss')).toBe(t.deps.issuer)
  expect(params.has('refresh_token')).toBe(false)
  const token = params.get('access_token') ?? ''
  expect(decodeJwt(token)).toMatchObject({ client_id: 'grantlab-legacy', sub: 'user-alice' })
  const api = await callApi(t, '/api/profile', token)
  expect(api.status).toBe(200)
})

test('implicit for any client not marked legacy: unsupported_response_type, in the fragment', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(t, await authorizeUrl(t, { response_type: 'token' }))
  const params = fragmentOf(response.headers.get('location'), spaRedirect)
  expect(params.get('error')).toBe('unsupported_response_type')
  expect(params.get('error_description')).toMatch(/RFC 9700 section 2\.1\.2/)
  expect(params.get('state')).toBe('state-123')
  expect(params.get('iss')).toBe(t.deps.issuer)
  expect(params.has('access_token')).toBe(false)
})

test('the legacy client still cannot ask for a response type it is not registered for', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(t, await authorizeUrl(t, implicitOverrides({ response_type: 'code' })))
  const location = new URL(response.headers.get('location') ?? '')
  expect(location.searchParams.get('error')).toBe('unauthorized_client')
})

test('implicit denied by the user: access_denied with state and iss in the fragment', async () => {
  const t = createTestAuthorizationServer()
  const driven = await driveAuthorization(t.server, await authorizeUrl(t, implicitOverrides()), {
    decision: 'deny',
  })
  const params = fragmentOf(driven.location)
  expect(params.get('error')).toBe('access_denied')
  expect(params.get('state')).toBe('state-123')
  expect(params.get('iss')).toBe(t.deps.issuer)
})

test('password success for the legacy client: tokens without a refresh token or ID token', async () => {
  const t = createTestAuthorizationServer()
  const response = await password(t, {
    username: 'alice',
    password: 'alice-password',
    scope: 'profile',
  })
  expect(response.status).toBe(200)
  const body = await response.json()
  expect(body).toMatchObject({ token_type: 'Bearer', scope: 'profile' })
  expect(body.refresh_token).toBeUndefined()
  expect(body.id_token).toBeUndefined()
  expect(decodeJwt(body.access_token)).toMatchObject({ sub: 'user-alice' })
})

test.each([
  ['a wrong password', { username: 'alice', password: 'guess' }, 400, 'invalid_grant'],
  ['an unknown user', { username: 'mallory', password: 'x' }, 400, 'invalid_grant'],
  ['no password', { username: 'alice' }, 400, 'invalid_request'],
  ['no username', { password: 'alice-password' }, 400, 'invalid_request'],
  [
    'a scope the client may not have',
    { username: 'alice', password: 'alice-password', scope: 'orders:write' },
    400,
    'invalid_scope',
  ],
] as const)('password with %s is refused', async (_, params, status, error) => {
  const t = createTestAuthorizationServer()
  const response = await password(t, params)
  expect(response.status).toBe(status)
  expect((await errorOf(response)).error).toBe(error)
})

test('password for a client not marked legacy: unauthorized_client citing RFC 9700 §2.4', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'password', username: 'alice', password: 'alice-password' },
    { authorization: basic('grantlab-web', 'grantlab-web-secret') },
  )
  expect(response.status).toBe(400)
  const body = await errorOf(response)
  expect(body.error).toBe('unauthorized_client')
  expect(body.error_description).toMatch(/RFC 9700 section 2\.4/)
})

test('password attempts are limited: after 5 failures the username is locked, even for the right password, then unlocks', async () => {
  const t = createTestAuthorizationServer()
  for (let attempt = 0; attempt < passwordAttemptLimit; attempt += 1) {
    const response = await password(t, { username: 'bob', password: `guess-${attempt}` })
    expect((await errorOf(response)).error).toBe('invalid_grant')
  }
  const locked = await password(t, { username: 'bob', password: 'bob-password' })
  expect(locked.status).toBe(400)
  const body = await errorOf(locked)
  expect(body.error).toBe('invalid_grant')
  expect(body.error_description).toMatch(/Too many failed attempts/)
  // Another user is not affected.
  expect((await password(t, { username: 'alice', password: 'alice-password' })).status).toBe(200)
  t.clock.advance(passwordLockSeconds * 1000 + 1000)
  expect((await password(t, { username: 'bob', password: 'bob-password' })).status).toBe(200)
})

test('a success resets the failure count', async () => {
  const t = createTestAuthorizationServer()
  for (let attempt = 0; attempt < passwordAttemptLimit - 1; attempt += 1) {
    await password(t, { username: 'alice', password: 'wrong' })
  }
  expect((await password(t, { username: 'alice', password: 'alice-password' })).status).toBe(200)
  await password(t, { username: 'alice', password: 'wrong' })
  expect((await password(t, { username: 'alice', password: 'alice-password' })).status).toBe(200)
})

test('oauth4webapi runs the password grant through genericTokenEndpointRequest', async () => {
  const t = createTestAuthorizationServer()
  const http = {
    [oauth.customFetch]: (url: string, init?: RequestInit) =>
      t.server.handle(new Request(url, init)),
    [oauth.allowInsecureRequests]: true,
  } as const
  const issuer = new URL(t.deps.issuer)
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' }),
  )
  const client: oauth.Client = { client_id: 'grantlab-legacy' }
  const response = await oauth.genericTokenEndpointRequest(
    as,
    client,
    oauth.None(),
    'password',
    { username: 'alice', password: 'alice-password', scope: 'profile orders:read' },
    http,
  )
  const tokens = await oauth.processGenericTokenEndpointResponse(as, client, response)
  expect(tokens.token_type).toBe('bearer')
  expect(tokens.refresh_token).toBeUndefined()

  const refused = oauth
    .genericTokenEndpointRequest(
      as,
      client,
      oauth.None(),
      'password',
      { username: 'alice', password: 'nope' },
      http,
    )
    .then((wrong) => oauth.processGenericTokenEndpointResponse(as, client, wrong))
  await expect(refused).rejects.toMatchObject({ error: 'invalid_grant' })
})

test('implicit by hand, as the walkthrough does it: parse the fragment, check state and iss', async () => {
  const t = createTestAuthorizationServer()
  const state = oauth.generateRandomState()
  const driven = await driveAuthorization(
    t.server,
    await authorizeUrl(t, implicitOverrides({ state })),
  )
  const callback = new URL(driven.location ?? '')
  const params = new URLSearchParams(callback.hash.slice(1))
  expect(params.get('state')).toBe(state)
  expect(params.get('iss')).toBe(t.deps.issuer)
  expect(params.get('access_token')).toBeTruthy()
  expect(params.get('token_type')).toBe('Bearer')
  expect(params.has('refresh_token')).toBe(false)
})

test('discovery lists the hybrid and the deprecated grants and response types, read from the tables', async () => {
  const t = createTestAuthorizationServer()
  const metadata = await (await get(t, `${t.deps.issuer}/.well-known/openid-configuration`)).json()
  expect(metadata.response_types_supported).toEqual(
    expect.arrayContaining(['code', 'code id_token', 'token']),
  )
  expect(metadata.response_modes_supported).toEqual(expect.arrayContaining(['query', 'fragment']))
  expect(metadata.grant_types_supported).toEqual(
    expect.arrayContaining(['authorization_code', 'implicit', 'password']),
  )
  expect(new Set(metadata.grant_types_supported).size).toBe(metadata.grant_types_supported.length)
})

test.each([
  ['grant_type implicit', { grant_types: ['implicit'], response_types: ['token'] }, /2\.1\.2/],
  ['response_type token alone', { response_types: ['token'] }, /2\.1\.2/],
  ['grant_type password', { grant_types: ['password'], response_types: [] }, /2\.4/],
  [
    'password beside authorization_code',
    { grant_types: ['authorization_code', 'password'] },
    /2\.4/,
  ],
] as const)(
  'registration refuses %s with invalid_client_metadata citing RFC 9700',
  async (_, metadata, section) => {
    const t = createTestAuthorizationServer()
    const response = await register(t, {
      redirect_uris: ['http://localhost:5000/cb'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    })
    expect(response.status).toBe(400)
    const body = await errorOf(response)
    expect(body.error).toBe('invalid_client_metadata')
    expect(body.error_description).toMatch(/RFC 9700 section/)
    expect(body.error_description).toMatch(section)
  },
)

test('registration still accepts a hybrid client (with implicit, as OIDC Registration §2 pairs it)', async () => {
  const t = createTestAuthorizationServer()
  const response = await register(t, {
    redirect_uris: ['http://localhost:5000/cb'],
    grant_types: ['authorization_code', 'implicit'],
    response_types: ['code', 'code id_token'],
  })
  expect(response.status).toBe(201)
  expect((await response.json()).response_types).toEqual(['code', 'code id_token'])
})
