/**
 * openid-client (v6, panva's certified relying-party library for Node) against the mock server,
 * every grant, as a team's back end would use it: discovery, authorization code + PKCE (the
 * sign-in pages driven by fetch), userinfo, refresh, client credentials with both secret methods,
 * device code, token exchange, JWT bearer, introspection, revocation and dynamic registration.
 * The server is started with the programmatic API, on this file's port (9509).
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import * as client from 'openid-client'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import {
  type RunningMockAuthorizationServer,
  startMockAuthorizationServer,
} from '../src/mock-as/node.ts'
import { callbackAfterSignIn, signInWithFetch } from './support.ts'

// The device grant alone waits its 5-second polling interval.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const port = 9509
let server: RunningMockAuthorizationServer
let issuer: URL
const insecure = { execute: [client.allowInsecureRequests] }
const redirectUri = 'http://127.0.0.1:5173/walkthrough/authorization-code/callback'
const alice = { username: 'alice', password: 'alice-password' }

beforeAll(async () => {
  server = await startMockAuthorizationServer({ port, appOrigin: 'http://127.0.0.1:5173' })
  issuer = new URL(server.issuer)
})
afterAll(() => server.stop())

function discover(clientId: string, secret?: string, auth?: client.ClientAuth) {
  return client.discovery(issuer, clientId, secret, auth, insecure)
}

/** Authorization code + PKCE for grantlab-spa, the sign-in pages filled in by fetch. */
async function signIn(config: client.Configuration, scope: string, jar?: Map<string, string>) {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  })
  const callback = await callbackAfterSignIn(url.href, alice, jar)
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  })
}

test('discovery: openid-client accepts the metadata and its issuer', async () => {
  const config = await discover('grantlab-spa', undefined, client.None())
  expect(config.serverMetadata().issuer).toBe(server.issuer)
  expect(config.serverMetadata().token_endpoint).toBe(`${server.issuer}/token`)
})

test('authorization code + PKCE through the sign-in pages, ID token checked, userinfo, then refresh', async () => {
  const config = await discover('grantlab-spa', undefined, client.None())
  const tokens = await signIn(config, 'openid profile email offline_access')
  const claims = tokens.claims()
  expect(claims?.sub).toBe('user-alice')
  expect(claims?.iss).toBe(server.issuer)
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'user-alice')
  expect(userinfo).toMatchObject({
    sub: 'user-alice',
    name: 'Alice Liddell',
    email: 'alice@example.com',
  })

  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '')
  expect(refreshed.access_token).not.toBe(tokens.access_token)
  // Rotation: the old refresh token is spent.
  await expect(client.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toMatchObject({
    error: 'invalid_grant',
  })
})

/** The first page an authorization request from this cookie jar gets: the sign-in form or not. */
async function asksForPassword(config: client.Configuration, jar: Map<string, string>) {
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  })
  const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  const response = await fetch(url, { redirect: 'manual', headers: { cookie } })
  return (await response.text()).includes('name="password"')
}

test('RP-initiated logout: buildEndSessionUrl finds the end_session_endpoint, the server ends the session and returns state', async () => {
  const config = await discover('grantlab-spa', undefined, client.None())
  const jar = new Map<string, string>()
  const tokens = await signIn(config, 'openid profile', jar)
  expect(await asksForPassword(config, jar)).toBe(false)

  const state = client.randomState()
  const logoutUrl = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token ?? '',
    post_logout_redirect_uri: 'http://127.0.0.1:5173/',
    state,
  })
  expect(logoutUrl.href.startsWith(`${server.issuer}/logout?`)).toBe(true)
  const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  const response = await fetch(logoutUrl, { redirect: 'manual', headers: { cookie } })
  const back = new URL(response.headers.get('location') ?? 'about:blank')
  expect(`${back.origin}${back.pathname}`).toBe('http://127.0.0.1:5173/')
  expect(back.searchParams.get('state')).toBe(state)
  // The session this browser had is over: the next authorization request asks for the password.
  expect(await asksForPassword(config, jar)).toBe(true)
})

test('client credentials with client_secret_post (the default) and with client_secret_basic', async () => {
  for (const auth of [
    client.ClientSecretPost('grantlab-m2m-secret'),
    client.ClientSecretBasic('grantlab-m2m-secret'),
  ]) {
    const config = await discover('grantlab-m2m', undefined, auth)
    const tokens = await client.clientCredentialsGrant(config, { scope: 'orders:read' })
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.scope).toBe('orders:read')
  }
  // The default of openid-client for a client with a secret string is client_secret_post.
  const byDefault = await discover('grantlab-m2m', 'grantlab-m2m-secret')
  expect((await client.clientCredentialsGrant(byDefault)).access_token).toEqual(expect.any(String))
})

test('a wrong secret: openid-client surfaces invalid_client and the methods the client is registered for', async () => {
  const config = await discover('grantlab-m2m', 'not-the-secret')
  const failure = await client.clientCredentialsGrant(config).catch((error: unknown) => error)
  expect(failure).toBeInstanceOf(client.ResponseBodyError)
  expect((failure as client.ResponseBodyError).error).toBe('invalid_client')
  expect((failure as client.ResponseBodyError).error_description).toMatch(
    /registered for client_secret_basic or client_secret_post/,
  )
})

test('device authorization grant: the user approves on the verification page, the device polls and gets tokens', async () => {
  const config = await discover('grantlab-device', undefined, client.None())
  const device = await client.initiateDeviceAuthorization(config, { scope: 'openid profile' })
  expect(device.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/)
  const done = await signInWithFetch(device.verification_uri_complete ?? '', alice)
  expect(done.page).toMatch(/approved|allowed|done|return to your device/i)
  const tokens = await client.pollDeviceAuthorizationGrant(config, device)
  expect(tokens.claims()?.sub).toBe('user-alice')
}, 30_000)

test('token exchange (RFC 8693) of alice’s access token by the exchanging service', async () => {
  const spa = await discover('grantlab-spa', undefined, client.None())
  const { access_token } = await signIn(spa, 'openid profile orders:read')
  const exchanger = await discover('grantlab-exchanger', 'grantlab-exchanger-secret')
  const exchanged = await client.genericGrantRequest(
    exchanger,
    'urn:ietf:params:oauth:grant-type:token-exchange',
    {
      subject_token: access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'https://orders.grantlab.example',
      scope: 'orders:read',
    },
  )
  expect(exchanged.issued_token_type).toBe('urn:ietf:params:oauth:token-type:access_token')
  expect(exchanged.scope).toBe('orders:read')
})

test('dynamic registration, then the JWT bearer grant with the registered key, introspection and revocation', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'team-key', alg: 'ES256', use: 'sig' }
  const registered = await client.dynamicClientRegistration(
    issuer,
    {
      client_name: 'Team service',
      grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
      // What openid-client uses after a registration that returned a secret.
      token_endpoint_auth_method: 'client_secret_post',
      jwks: { keys: [jwk] },
      scope: 'orders:read',
    },
    undefined,
    { ...insecure, initialAccessToken: 'grantlab-demo-admin-initial-access-token' },
  )
  const metadata = registered.clientMetadata()
  expect(metadata.client_id).toMatch(/^client-/)
  expect(metadata.client_secret).toEqual(expect.any(String))

  const assertion = await new SignJWT({ scope: 'orders:read' })
    .setProtectedHeader({ alg: 'ES256', kid: 'team-key' })
    .setIssuer(metadata.client_id)
    .setSubject('user-bob')
    .setAudience(server.issuer)
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti(crypto.randomUUID())
    .sign(privateKey)
  const tokens = await client.genericGrantRequest(
    registered,
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
    { assertion, scope: 'orders:read' },
  )
  expect(tokens.access_token).toEqual(expect.any(String))

  // The demo API's own client introspects the token, then the client revokes it.
  const api = await discover('grantlab-api', 'grantlab-api-secret')
  const active = await client.tokenIntrospection(api, tokens.access_token)
  expect(active).toMatchObject({ active: true, sub: 'user-bob', client_id: metadata.client_id })
  await client.tokenRevocation(registered, tokens.access_token)
  expect((await client.tokenIntrospection(api, tokens.access_token)).active).toBe(false)
})

test('open registration of a public client, which then signs in with PKCE', async () => {
  const registered = await client.dynamicClientRegistration(
    issuer,
    {
      client_name: 'Team SPA',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      scope: 'openid profile',
    },
    client.None(),
    insecure,
  )
  const tokens = await signIn(registered, 'openid profile')
  expect(tokens.claims()?.aud).toBe(registered.clientMetadata().client_id)
})
