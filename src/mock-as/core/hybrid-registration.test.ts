import { expect, test } from 'vitest'
import type { ClientRecord } from './clients'
import { buildDemoClients } from './demo-data'
import { createTestAuthorizationServer, driveAuthorization, testAppOrigin } from './test-server'
import { authorizeUrl, basic, get, postForm, register, testVerifier } from './test-support'

// OpenID Connect Registration §2: code id_token stands for authorization_code + implicit. The
// implicit flow itself (response_type token) stays refused for every client but the legacy one.

const redirect = 'http://localhost:5000/cb'
const hybridRedirect = `${testAppOrigin}/walkthrough/hybrid/callback`

const accepted: [string, Record<string, unknown>][] = [
  [
    'code id_token with authorization_code and implicit (the conformance client)',
    { response_types: ['code id_token'], grant_types: ['authorization_code', 'implicit'] },
  ],
  [
    'code and code id_token, with refresh_token too',
    {
      response_types: ['code', 'code id_token'],
      grant_types: ['authorization_code', 'implicit', 'refresh_token'],
    },
  ],
  [
    'the words in the other order',
    { response_types: ['id_token code'], grant_types: ['implicit', 'authorization_code'] },
  ],
]

test.each(accepted)('registration accepts a hybrid client: %s', async (_, metadata) => {
  const t = createTestAuthorizationServer()
  const response = await register(t, { redirect_uris: [redirect], ...metadata })
  expect(response.status).toBe(201)
  const body = await response.json()
  expect(body.grant_types).toEqual(metadata.grant_types)
  expect(body.response_types).toContain('code id_token')
})

const refused: [string, Record<string, unknown>, RegExp][] = [
  [
    'code id_token with authorization_code alone',
    { response_types: ['code id_token'], grant_types: ['authorization_code'] },
    /code id_token needs grant_types authorization_code and implicit .*Registration section 2.*add implicit/,
  ],
  [
    'code id_token with implicit alone',
    { response_types: ['code id_token'], grant_types: ['implicit'] },
    /add authorization_code/,
  ],
  [
    'implicit beside a plain code client',
    { response_types: ['code'], grant_types: ['authorization_code', 'implicit'] },
    /implicit can be registered only with the hybrid response type code id_token/,
  ],
  [
    'implicit with no response type at all',
    { response_types: [], grant_types: ['implicit'] },
    /implicit can be registered only with the hybrid/,
  ],
  [
    'the implicit flow: token with implicit',
    { response_types: ['token'], grant_types: ['implicit'] },
    /response_type token cannot be registered.*RFC 9700 section 2\.1\.2/,
  ],
  [
    'token next to code id_token',
    {
      response_types: ['code id_token', 'token'],
      grant_types: ['authorization_code', 'implicit'],
    },
    /response_type token cannot be registered/,
  ],
]

test.each(refused)(
  'registration refuses %s with invalid_client_metadata',
  async (_, metadata, description) => {
    const t = createTestAuthorizationServer()
    const response = await register(t, { redirect_uris: [redirect], ...metadata })
    expect(response.status).toBe(400)
    const body = await response.json()
    expect(body.error).toBe('invalid_client_metadata')
    expect(body.error_description).toMatch(description)
  },
)

test('a registered hybrid client runs code id_token end to end, and is still refused the implicit flow', async () => {
  const t = createTestAuthorizationServer()
  const registered = await (
    await register(t, {
      redirect_uris: [redirect],
      response_types: ['code id_token'],
      grant_types: ['authorization_code', 'implicit'],
    })
  ).json()
  const driven = await driveAuthorization(
    t.server,
    await authorizeUrl(t, {
      client_id: registered.client_id,
      redirect_uri: redirect,
      response_type: 'code id_token',
    }),
  )
  const fragment = new URLSearchParams(new URL(driven.location ?? '').hash.slice(1))
  expect(fragment.get('id_token')).toBeTruthy()
  const token = await postForm(
    t,
    '/token',
    {
      grant_type: 'authorization_code',
      code: fragment.get('code') ?? '',
      redirect_uri: redirect,
      code_verifier: testVerifier,
    },
    { authorization: basic(registered.client_id, registered.client_secret) },
  )
  expect(token.status).toBe(200)

  const implicit = await get(
    t,
    await authorizeUrl(t, {
      client_id: registered.client_id,
      redirect_uri: redirect,
      response_type: 'token',
    }),
  )
  const error = new URLSearchParams(new URL(implicit.headers.get('location') ?? '').hash.slice(1))
  expect(error.get('error')).toBe('unsupported_response_type')
  expect(error.has('access_token')).toBe(false)
})

test('the demo hybrid client is registered as OIDC Registration §2 says, and cannot use the implicit flow', async () => {
  const hybrid = buildDemoClients(testAppOrigin).find(
    (client) => client.client_id === 'grantlab-hybrid',
  )
  expect(hybrid?.grant_types).toEqual(expect.arrayContaining(['authorization_code', 'implicit']))
  const t = createTestAuthorizationServer()
  const response = await get(
    t,
    await authorizeUrl(t, {
      client_id: 'grantlab-hybrid',
      redirect_uri: hybridRedirect,
      response_type: 'token',
    }),
  )
  const params = new URLSearchParams(new URL(response.headers.get('location') ?? '').hash.slice(1))
  expect(params.get('error')).toBe('unsupported_response_type')
})

test('a stored client registered for code id_token without implicit gets unauthorized_client at authorize', async () => {
  const t = createTestAuthorizationServer()
  const stale: ClientRecord = {
    client_id: 'client-before-the-rule',
    client_secret: 'secret',
    client_name: 'Registered before OIDC Registration §2 was applied',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code'],
    response_types: ['code id_token'],
    redirect_uris: [redirect],
    scope: 'openid profile',
    source: 'registered',
  }
  await t.deps.store.put('clients', stale.client_id, stale)
  const response = await get(
    t,
    await authorizeUrl(t, {
      client_id: stale.client_id,
      redirect_uri: redirect,
      response_type: 'code id_token',
      scope: 'openid',
    }),
  )
  const params = new URLSearchParams(new URL(response.headers.get('location') ?? '').hash.slice(1))
  expect(params.get('error')).toBe('unauthorized_client')
  expect(params.get('error_description')).toMatch(/lacks implicit/)
})

// OIDC Core §3.3.2.1: a response type with id_token is an OpenID Connect request; without the
// openid scope no ID token may be issued.
const withoutOpenid = ['profile', 'profile orders:read', 'email offline_access']

test.each(withoutOpenid)(
  '/as/authorize refuses code id_token with scope "%s" (no openid), by fragment redirect',
  async (scope) => {
    const t = createTestAuthorizationServer()
    const response = await get(
      t,
      await authorizeUrl(t, {
        client_id: 'grantlab-hybrid',
        redirect_uri: hybridRedirect,
        response_type: 'code id_token',
        scope,
      }),
    )
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('location') ?? '')
    expect(location.origin + location.pathname).toBe(hybridRedirect)
    const params = new URLSearchParams(location.hash.slice(1))
    expect(params.get('error')).toBe('invalid_request')
    expect(params.get('error_description')).toMatch(/must include openid/)
    expect(params.get('state')).toBe('state-123')
    expect(params.get('iss')).toBe(t.deps.issuer)
    expect(params.has('id_token')).toBe(false)
    expect(params.has('code')).toBe(false)
  },
)

test.each(withoutOpenid)(
  '/as/par refuses code id_token with scope "%s" (no openid), as JSON',
  async (scope) => {
    const t = createTestAuthorizationServer()
    const params = Object.fromEntries(
      new URL(
        await authorizeUrl(t, {
          client_id: 'grantlab-hybrid',
          redirect_uri: hybridRedirect,
          response_type: 'code id_token',
          scope,
        }),
      ).searchParams,
    )
    const response = await postForm(t, '/par', params, {
      authorization: basic('grantlab-hybrid', 'grantlab-hybrid-secret'),
    })
    expect(response.status).toBe(400)
    const body = await response.json()
    expect(body.error).toBe('invalid_request')
    expect(body.error_description).toMatch(/must include openid/)
  },
)

test('the same hybrid request with openid is pushed and issues the front-channel ID token', async () => {
  const t = createTestAuthorizationServer()
  const params = Object.fromEntries(
    new URL(
      await authorizeUrl(t, {
        client_id: 'grantlab-hybrid',
        redirect_uri: hybridRedirect,
        response_type: 'code id_token',
        scope: 'openid profile',
      }),
    ).searchParams,
  )
  const response = await postForm(t, '/par', params, {
    authorization: basic('grantlab-hybrid', 'grantlab-hybrid-secret'),
  })
  expect(response.status).toBe(201)
})
