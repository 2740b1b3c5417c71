import { decodeJwt } from 'jose'
import { expect, test } from 'vitest'
import { createDirectory, type UserRecord } from './directory'
import { clientFromMetadata } from './endpoints/register'
import { computeS256Challenge } from './pkce'
import { driveAuthenticationDevice } from './test-authentication-device'
import { createTestAuthorizationServer, driveAuthorization, testAppOrigin } from './test-server'
import { asAdmin, basic, get, postForm, register, testVerifier } from './test-support'

/**
 * A team's own users and clients (a configuration file or the Node API, docs/decisions/117): they
 * sign in and get tokens like the demo ones; with `demo: false` the demo users, clients and
 * administrator token are gone; configured lifetimes are the ones in the tokens.
 */
const carol: UserRecord = {
  username: 'carol',
  password: 'carol-secret-1',
  sub: 'user-carol',
  claims: { name: 'Carol Danvers', email: 'carol@example.test', groups: ['pilots'], locale: 'en' },
}
const redirect = 'http://localhost:3000/callback'
const idGen = (bytes: number) => 'x'.repeat(bytes)
const teamSpa = clientFromMetadata(
  { nowSeconds: () => 0, randomId: idGen },
  {
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [redirect],
    scope: 'openid profile email offline_access',
  },
  { byAdmin: true, configured: { clientId: 'team-spa' } },
)
const teamService = clientFromMetadata(
  { nowSeconds: () => 0, randomId: idGen },
  {
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['client_credentials'],
    scope: 'orders:read',
  },
  { byAdmin: true, configured: { clientId: 'team-service', clientSecret: 'team-service-secret' } },
)

function teamServer(lifetimes = {}) {
  return createTestAuthorizationServer({
    directory: createDirectory({
      demo: false,
      appOrigin: testAppOrigin,
      apiAudience: `${testAppOrigin}/api`,
      users: [carol],
      clients: [teamSpa, teamService],
    }),
    lifetimes,
  })
}

async function signIn(t: ReturnType<typeof teamServer>, username: string, password: string) {
  const url = new URL(`${t.deps.issuer}/authorize`)
  for (const [name, value] of Object.entries({
    client_id: 'team-spa',
    redirect_uri: redirect,
    response_type: 'code',
    scope: 'openid profile email offline_access',
    state: 's',
    code_challenge: await computeS256Challenge(testVerifier),
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(name, value)
  }
  return driveAuthorization(t.server, url.href, { username, password })
}

test('a configured user signs in to a configured client, and userinfo releases the claims by scope plus the custom ones', async () => {
  const t = teamServer()
  const driven = await signIn(t, 'carol', 'carol-secret-1')
  expect(driven.pages.at(-1)).toContain('Carol Danvers')
  const code = new URL(driven.location ?? 'http://x').searchParams.get('code') ?? ''
  const tokens = await (
    await postForm(t, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect,
      code_verifier: testVerifier,
      client_id: 'team-spa',
    })
  ).json()
  expect(decodeJwt(tokens.id_token).sub).toBe('user-carol')
  const userinfo = await get(t, `${t.deps.issuer}/userinfo`, {
    authorization: `Bearer ${tokens.access_token}`,
  })
  expect(await userinfo.json()).toEqual({
    sub: 'user-carol',
    name: 'Carol Danvers',
    preferred_username: 'carol',
    locale: 'en',
    email: 'carol@example.test',
    groups: ['pilots'],
  })
})

test('a user token without the email scope gets no email, and one without profile no name', async () => {
  const t = teamServer()
  const url = new URL(`${t.deps.issuer}/authorize`)
  url.search = new URLSearchParams({
    client_id: 'team-spa',
    redirect_uri: redirect,
    response_type: 'code',
    scope: 'openid',
    code_challenge: await computeS256Challenge(testVerifier),
    code_challenge_method: 'S256',
  }).toString()
  const driven = await driveAuthorization(t.server, url.href, {
    username: 'carol',
    password: 'carol-secret-1',
  })
  const code = new URL(driven.location ?? 'http://x').searchParams.get('code') ?? ''
  const { access_token } = await (
    await postForm(t, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect,
      code_verifier: testVerifier,
      client_id: 'team-spa',
    })
  ).json()
  const userinfo = await get(t, `${t.deps.issuer}/userinfo`, {
    authorization: `Bearer ${access_token}`,
  })
  expect(await userinfo.json()).toEqual({ sub: 'user-carol', groups: ['pilots'] })
})

test('without the demo, alice cannot sign in, grantlab-m2m does not exist and the demo admin token is refused', async () => {
  const t = teamServer()
  const driven = await signIn(t, 'alice', 'alice-password')
  expect(driven.response.status).toBe(401)
  expect(driven.location).toBeUndefined()
  const m2m = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
  )
  expect(m2m.status).toBe(401)
  expect((await m2m.json()).error_description).toMatch(/no client grantlab-m2m/)
  const registered = await register(t, { redirect_uris: [redirect] }, asAdmin)
  expect(registered.status).toBe(401)
  expect((await registered.json()).error).toBe('invalid_token')
})

test('configured lifetimes are the ones in the tokens: access token exp and expires_in, refresh token', async () => {
  const t = teamServer({ accessToken: 42, refreshToken: 120 })
  const response = await postForm(t, '/token', {
    grant_type: 'client_credentials',
    client_id: 'team-service',
    client_secret: 'team-service-secret',
  })
  const body = await response.json()
  expect(body.expires_in).toBe(42)
  const claims = decodeJwt(body.access_token)
  expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(42)
})

test('a client registered for client_secret_post only is refused with Basic, and the error says what it is registered for', async () => {
  const t = teamServer()
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: basic('team-service', 'team-service-secret') },
  )
  expect(response.status).toBe(401)
  expect((await response.json()).error_description).toBe(
    'Client authentication failed: team-service is registered for client_secret_post, and the request used client_secret_basic.',
  )
})

test('a registration cannot take a configured client id, and a configured client cannot be overwritten', async () => {
  const t = teamServer()
  const registered = await register(t, {
    client_id: 'team-service',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
  })
  expect(registered.status).toBe(201)
  expect((await registered.json()).client_id).not.toBe('team-service')
  const still = await postForm(t, '/token', {
    grant_type: 'client_credentials',
    client_id: 'team-service',
    client_secret: 'team-service-secret',
  })
  expect(still.status).toBe(200)
})

test('CIBA finds configured users: login_hint names one, the phone page greets them by name, the tokens are theirs', async () => {
  const dave: UserRecord = {
    username: 'dave',
    password: 'dave-password',
    sub: 'user-dave',
    claims: { name: 'Dave Lister' },
  }
  const callCentre = clientFromMetadata(
    { nowSeconds: () => 0, randomId: idGen },
    {
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['urn:openid:params:grant-type:ciba'],
      backchannel_token_delivery_mode: 'poll',
      scope: 'openid profile',
    },
    { byAdmin: true, configured: { clientId: 'team-calls', clientSecret: 'team-calls-secret' } },
  )
  const t = createTestAuthorizationServer({
    directory: createDirectory({
      demo: false,
      appOrigin: testAppOrigin,
      apiAudience: `${testAppOrigin}/api`,
      users: [dave],
      clients: [callCentre],
    }),
  })
  const auth = { authorization: basic('team-calls', 'team-calls-secret') }
  const started = await postForm(t, '/bc-authorize', { scope: 'openid', login_hint: 'dave' }, auth)
  expect(started.status, await started.clone().text()).toBe(200)
  const { auth_req_id } = (await started.json()) as { auth_req_id: string }
  expect(
    (await postForm(t, '/bc-authorize', { scope: 'openid', login_hint: 'alice' }, auth)).status,
  ).toBe(400)

  const phone = await driveAuthenticationDevice(t.server, t.deps.issuer, { username: 'dave' })
  expect(phone.requestsHtml).toContain('Signed in as <strong>Dave Lister</strong>')
  const tokens = await postForm(
    t,
    '/token',
    { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id },
    auth,
  )
  expect(tokens.status, await tokens.clone().text()).toBe(200)
  expect(decodeJwt(((await tokens.json()) as { id_token: string }).id_token).sub).toBe('user-dave')
})
