import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose'
import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { jwtBearerGrantType } from './grants/jwt-bearer'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import { asAdmin, callApi, introspect, postForm, register } from './test-support'

async function expectInvalidGrant(response: Response, check: string) {
  expect(response.status).toBe(400)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const body = await response.json()
  expect(body.error).toBe('invalid_grant')
  expect(body.error_description).toMatch(new RegExp(`^${check}: `))
  return body.error_description as string
}

/**
 * Registers an assertion issuer (a public client with a jwks and the jwt-bearer grant), trusted
 * because the registration carries the demo administrator's initial access token.
 */
async function registerIssuer(t: TestAuthorizationServer, extra: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'assertion-key', alg: 'ES256', use: 'sig' }
  const response = await register(
    t,
    {
      client_name: 'Assertion issuer',
      token_endpoint_auth_method: 'none',
      grant_types: [jwtBearerGrantType],
      scope: 'openid profile orders:read',
      jwks: { keys: [jwk] },
      ...extra,
    },
    asAdmin,
  )
  expect(response.status).toBe(201)
  const clientId: string = (await response.json()).client_id
  return { clientId, privateKey }
}

async function setUp() {
  const t = createTestAuthorizationServer()
  const issuer = await registerIssuer(t)
  const now = () => Math.floor(t.clock.now() / 1000)
  const sign = (
    claims: Record<string, unknown> = {},
    options: { key?: CryptoKey; kid?: string; alg?: string } = {},
  ) =>
    new SignJWT({
      iss: issuer.clientId,
      sub: 'alice',
      aud: t.deps.issuer,
      iat: now(),
      exp: now() + 300,
      jti: crypto.randomUUID(),
      ...claims,
    } as JWTPayload)
      .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? 'assertion-key' })
      .sign(options.key ?? issuer.privateKey)
  const send = (assertion: string, extra: Record<string, string> = {}) =>
    postForm(t, '/token', {
      grant_type: jwtBearerGrantType,
      client_id: issuer.clientId,
      assertion,
      ...extra,
    })
  return { t, issuer, now, sign, send }
}

test('jwt-bearer: a valid assertion gets an access token for the user, no refresh or ID token', async () => {
  const { t, sign, send, issuer } = await setUp()
  const response = await send(await sign(), { scope: 'profile orders:read' })
  expect(response.status).toBe(200)
  const body = await response.json()
  expect(body).toMatchObject({
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'profile orders:read',
  })
  expect(body.refresh_token).toBeUndefined()
  expect(body.id_token).toBeUndefined()
  const profile = await callApi(t, '/api/profile', body.access_token)
  expect(profile.status).toBe(200)
  expect(await profile.json()).toMatchObject({ sub: 'user-alice', client_id: issuer.clientId })
  expect(await introspect(t, body.access_token)).toMatchObject({ active: true, sub: 'user-alice' })
})

test('jwt-bearer: sub may be the username or the sub; scope defaults to the allowed ones', async () => {
  const { t, sign, send } = await setUp()
  const response = await send(await sign({ sub: 'user-bob' }))
  expect(response.status).toBe(200)
  const body = await response.json()
  // openid is registered but this grant issues no ID token, so it is left out by default.
  expect(body.scope).toBe('profile orders:read')
  expect(await introspect(t, body.access_token)).toMatchObject({ sub: 'user-bob' })
})

test('jwt-bearer: each failed check is invalid_grant naming the check', async () => {
  const { t, now, sign, send, issuer } = await setUp()
  const other = await generateKeyPair('ES256')
  const hmac = new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256')

  await expectInvalidGrant(await send('not-a-jwt'), 'format')
  await expectInvalidGrant(await send('a.b.c.d.e'), 'format')
  await expectInvalidGrant(
    await send(
      await new SignJWT({ iss: issuer.clientId }).setProtectedHeader({ alg: 'HS256' }).sign(hmac),
    ),
    'alg',
  )
  const unsigned = `${btoa(JSON.stringify({ alg: 'none' })).replace(/=+$/, '')}.${btoa(
    JSON.stringify({ iss: issuer.clientId }),
  ).replace(/=+$/, '')}.`
  await expectInvalidGrant(await send(unsigned), 'alg')
  await expectInvalidGrant(await send(await sign({ iss: undefined })), 'iss')
  await expectInvalidGrant(await send(await sign({ iss: 'client-unknown' })), 'iss')
  await expectInvalidGrant(await send(await sign({ iss: 'grantlab-spa' })), 'iss')
  await expectInvalidGrant(await send(await sign({}, { key: other.privateKey })), 'signature')
  await expectInvalidGrant(await send(await sign({}, { kid: 'other-kid' })), 'signature')
  await expectInvalidGrant(await send(await sign({ aud: 'https://elsewhere.example' })), 'aud')
  // draft-ietf-oauth-rfc7523bis: the issuer identifier as a single string, nothing else.
  for (const aud of [`${t.deps.issuer}/token`, [t.deps.issuer], [t.deps.issuer, 'https://x']]) {
    expect(await expectInvalidGrant(await send(await sign({ aud })), 'aud')).toMatch(
      /as a single string .*token endpoint URL is no longer accepted/,
    )
  }
  await expectInvalidGrant(await send(await sign({ aud: undefined })), 'aud')
  expect(await expectInvalidGrant(await send(await sign({ exp: now() - 120 })), 'exp')).toMatch(
    /expired 120 seconds ago/,
  )
  await expectInvalidGrant(await send(await sign({ exp: undefined })), 'exp')
  await expectInvalidGrant(await send(await sign({ exp: now() + 2 * 60 * 60 })), 'exp')
  await expectInvalidGrant(await send(await sign({ nbf: now() + 600 })), 'nbf')
  await expectInvalidGrant(await send(await sign({ iat: now() + 600 })), 'iat')
  await expectInvalidGrant(await send(await sign({ iat: now() - 2 * 60 * 60 })), 'iat')
  await expectInvalidGrant(await send(await sign({ sub: undefined })), 'sub')
  await expectInvalidGrant(await send(await sign({ sub: 'mallory' })), 'sub')
  await expectInvalidGrant(await send(await sign({ jti: undefined })), 'jti')

  // Within the clock skew, a just-expired or not-quite-valid assertion still passes.
  expect((await send(await sign({ exp: now() - 10, nbf: now() + 10 }))).status).toBe(200)
  // A sent-twice assertion is a replay, and so is a new assertion reusing its jti.
  const once = await sign({ jti: 'jti-1' })
  expect((await send(once)).status).toBe(200)
  await expectInvalidGrant(await send(once), 'jti')
  await expectInvalidGrant(await send(await sign({ jti: 'jti-1' })), 'jti')
  // Once the first assertion is past its exp (and the skew), its jti is forgotten.
  t.clock.advance(400_000)
  expect((await send(await sign({ jti: 'jti-1' }))).status).toBe(200)
})

test('jwt-bearer: request errors are not invalid_grant, and the client must be registered for the grant', async () => {
  const { t, sign, send } = await setUp()
  const missing = await postForm(t, '/token', {
    grant_type: jwtBearerGrantType,
    client_id: 'grantlab-spa',
  })
  expect(missing.status).toBe(400)
  expect((await missing.json()).error).toBe('unauthorized_client')

  const noAssertion = await send('')
  expect((await noAssertion.json()).error).toBe('invalid_request')

  const twice = await t.server.handle(
    new Request(`${t.deps.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=${encodeURIComponent(jwtBearerGrantType)}&assertion=a&assertion=b`,
    }),
  )
  expect(twice.status).toBe(400)
  expect((await twice.json()).error).toBe('invalid_request')

  for (const scope of ['openid profile', 'offline_access', 'email', 'unknown']) {
    const response = await send(await sign(), { scope })
    expect(response.status).toBe(400)
    expect((await response.json()).error).toBe('invalid_scope')
  }
})

test('jwt-bearer: a confidential client may authenticate too, and must then be the issuer', async () => {
  const t = createTestAuthorizationServer()
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 })
  const jwk = { ...(await exportJWK(publicKey)), kid: 'rsa-1' }
  const registered = await (
    await register(
      t,
      {
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [jwtBearerGrantType],
        scope: 'profile',
        jwks: { keys: [jwk] },
      },
      asAdmin,
    )
  ).json()
  const now = Math.floor(t.clock.now() / 1000)
  const assertion = await new SignJWT({
    iss: registered.client_id,
    sub: 'bob',
    aud: t.deps.issuer,
    exp: now + 60,
    jti: 'x',
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
    .sign(privateKey)
  const auth = `Basic ${btoa(`${registered.client_id}:${registered.client_secret}`)}`
  const ok = await postForm(
    t,
    '/token',
    { grant_type: jwtBearerGrantType, assertion },
    { authorization: auth },
  )
  expect(ok.status).toBe(200)
})

test('oauth4webapi runs the JWT bearer grant: genericTokenEndpointRequest → processGenericTokenEndpointResponse', async () => {
  const { t, sign, issuer } = await setUp()
  const http = {
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
      t.server.handle(new Request(url, init as RequestInit)),
    [oauth.allowInsecureRequests]: true,
  } as const
  const issuerUrl = new URL(t.deps.issuer)
  const as = await oauth.processDiscoveryResponse(
    issuerUrl,
    await oauth.discoveryRequest(issuerUrl, { ...http, algorithm: 'oidc' }),
  )
  expect(as.grant_types_supported).toContain(jwtBearerGrantType)
  const client: oauth.Client = { client_id: issuer.clientId }
  const tokens = await oauth.processGenericTokenEndpointResponse(
    as,
    client,
    await oauth.genericTokenEndpointRequest(
      as,
      client,
      oauth.None(),
      jwtBearerGrantType,
      { assertion: await sign(), scope: 'profile' },
      http,
    ),
  )
  expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'profile' })
  const profile = await oauth.protectedResourceRequest(
    tokens.access_token,
    'GET',
    new URL('/api/profile', t.deps.appOrigin),
    undefined,
    undefined,
    http,
  )
  expect(profile.status).toBe(200)

  const expired = await oauth
    .genericTokenEndpointRequest(
      as,
      client,
      oauth.None(),
      jwtBearerGrantType,
      { assertion: await sign({ exp: Math.floor(t.clock.now() / 1000) - 3600 }) },
      http,
    )
    .then((response) => oauth.processGenericTokenEndpointResponse(as, client, response))
    .catch((error: unknown) => error)
  expect(expired).toBeInstanceOf(oauth.ResponseBodyError)
  expect((expired as oauth.ResponseBodyError).error).toBe('invalid_grant')
  expect((expired as oauth.ResponseBodyError).error_description).toMatch(/^exp: /)
})

test('jwt-bearer: an Ed25519 assertion is accepted by its RFC 9864 name, the deprecated EdDSA name refused', async () => {
  const t = createTestAuthorizationServer()
  const { privateKey, publicKey } = await generateKeyPair('Ed25519')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'ed-key', use: 'sig' }
  const registered = await register(
    t,
    {
      token_endpoint_auth_method: 'none',
      grant_types: [jwtBearerGrantType],
      scope: 'profile',
      jwks: { keys: [jwk] },
    },
    asAdmin,
  )
  const clientId: string = (await registered.json()).client_id
  const now = Math.floor(t.clock.now() / 1000)
  const sign = (alg: string) =>
    new SignJWT({ iss: clientId, sub: 'alice', aud: t.deps.issuer, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg, kid: 'ed-key' })
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(privateKey)
  const send = async (assertion: string) =>
    postForm(t, '/token', { grant_type: jwtBearerGrantType, client_id: clientId, assertion })
  expect((await send(await sign('Ed25519'))).status).toBe(200)
  expect(await expectInvalidGrant(await send(await sign('EdDSA')), 'alg')).toMatch(
    /EdDSA is refused.*Ed25519/,
  )
})
