import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { jwtBearerAssertionType } from './client-authentication'
import {
  createTestAuthorizationServer,
  driveAuthorization,
  type TestAuthorizationServer,
} from './test-server'
import {
  authorizeUrl,
  basic,
  get,
  postForm,
  register,
  spaRedirect,
  testVerifier,
} from './test-support'

const requestUriPattern = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/

/** The parameters of the usual grantlab-spa authorization request, as a PAR form body. */
async function spaParameters(
  t: TestAuthorizationServer,
  overrides: Record<string, string | undefined> = {},
): Promise<Record<string, string>> {
  return Object.fromEntries(new URL(await authorizeUrl(t, overrides)).searchParams)
}

async function push(
  t: TestAuthorizationServer,
  overrides: Record<string, string | undefined> = {},
): Promise<string> {
  const response = await postForm(t, '/par', await spaParameters(t, overrides))
  expect(response.status).toBe(201)
  return ((await response.json()) as { request_uri: string }).request_uri
}

function authorizeWithRequestUri(
  t: TestAuthorizationServer,
  requestUri: string,
  extra: Record<string, string> = {},
  clientId = 'grantlab-spa',
): string {
  const url = new URL(`${t.deps.issuer}/authorize`)
  url.search = new URLSearchParams({
    client_id: clientId,
    request_uri: requestUri,
    ...extra,
  }).toString()
  return url.href
}

async function expectJsonError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  expect(response.headers.get('location')).toBeNull()
  expect(((await response.json()) as { error: string }).error).toBe(error)
}

async function expectErrorPage(response: Response, text: string) {
  expect(response.status).toBe(400)
  expect(response.headers.get('content-type')).toMatch(/^text\/html/)
  expect(response.headers.get('location')).toBeNull()
  expect(await response.text()).toContain(text)
}

async function exchange(t: TestAuthorizationServer, location: string | undefined) {
  const callback = new URL(location ?? 'http://invalid/')
  expect(callback.origin + callback.pathname).toBe(spaRedirect)
  const code = callback.searchParams.get('code')
  expect(code).toBeTypeOf('string')
  return postForm(t, '/token', {
    grant_type: 'authorization_code',
    code: code ?? '',
    redirect_uri: spaRedirect,
    code_verifier: testVerifier,
    client_id: 'grantlab-spa',
  })
}

test('par answers 201 with a request_uri URN, expires_in 60 and Cache-Control no-store', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(t, '/par', await spaParameters(t))
  expect(response.status).toBe(201)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const body = (await response.json()) as Record<string, unknown>
  expect(Object.keys(body).sort()).toEqual(['expires_in', 'request_uri'])
  expect(body.request_uri).toMatch(requestUriPattern)
  expect(body.expires_in).toBe(60)
})

test('par accepts Basic authentication with client_id repeated in the body', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(
    t,
    '/par',
    await spaParameters(t, { client_id: 'grantlab-web' }),
    { authorization: basic('grantlab-web', 'grantlab-web-secret') },
  )
  expect(response.status).toBe(201)
})

test('par without any client identification answers 400 invalid_client (no scheme applies)', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(t, '/par', await spaParameters(t, { client_id: undefined }))
  expect(response.headers.get('www-authenticate')).toBeNull()
  await expectJsonError(response, 400, 'invalid_client')
})

test('par for a confidential client that sends no secret answers 400 invalid_client', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(t, '/par', await spaParameters(t, { client_id: 'grantlab-web' }))
  await expectJsonError(response, 400, 'invalid_client')
})

test('par with a wrong secret in Basic answers 401 invalid_client with WWW-Authenticate', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(
    t,
    '/par',
    await spaParameters(t, { client_id: 'grantlab-web' }),
    { authorization: basic('grantlab-web', 'not-the-secret') },
  )
  expect(response.headers.get('www-authenticate')).toMatch(/^Basic /)
  await expectJsonError(response, 401, 'invalid_client')
})

test('par refuses a request_uri parameter in the body with invalid_request', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(
    t,
    '/par',
    await spaParameters(t, { request_uri: 'urn:ietf:params:oauth:request_uri:abc' }),
  )
  await expectJsonError(response, 400, 'invalid_request')
})

const jsonErrorCases: [string, Record<string, string | undefined>, string][] = [
  ['a redirect_uri that is not registered', { redirect_uri: `${spaRedirect}/` }, 'invalid_request'],
  ['another site as redirect_uri', { redirect_uri: 'https://evil.example/cb' }, 'invalid_request'],
  ['a public client without PKCE', { code_challenge: undefined }, 'invalid_request'],
  ['PKCE with the plain method', { code_challenge_method: 'plain' }, 'invalid_request'],
  ['PKCE without a method', { code_challenge_method: undefined }, 'invalid_request'],
  ['no response_type', { response_type: undefined }, 'invalid_request'],
  ['an unknown response_type', { response_type: 'id_token' }, 'unsupported_response_type'],
  ['a response_type the client lacks', { response_type: 'code id_token' }, 'unauthorized_client'],
  ['an unknown scope', { scope: 'openid admin' }, 'invalid_scope'],
  ['no scope', { scope: undefined }, 'invalid_scope'],
  ['an unknown prompt', { prompt: 'select_account' }, 'invalid_request'],
]

test.each(jsonErrorCases)(
  'par answers %s with a JSON error, never a redirect',
  async (_, overrides, error) => {
    const t = createTestAuthorizationServer()
    await expectJsonError(await postForm(t, '/par', await spaParameters(t, overrides)), 400, error)
  },
)

test('par requires a nonce for code id_token, as /as/authorize does', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(
    t,
    '/par',
    await spaParameters(t, {
      client_id: 'grantlab-hybrid',
      redirect_uri: `${t.deps.appOrigin}/walkthrough/hybrid/callback`,
      response_type: 'code id_token',
      nonce: undefined,
    }),
    { authorization: basic('grantlab-hybrid', 'grantlab-hybrid-secret') },
  )
  await expectJsonError(response, 400, 'invalid_request')
})

test('par refuses repeated parameters with invalid_request', async () => {
  const t = createTestAuthorizationServer()
  const body = new URLSearchParams(await spaParameters(t))
  body.append('scope', 'openid')
  const response = await t.server.handle(
    new Request(`${t.deps.issuer}/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    }),
  )
  await expectJsonError(response, 400, 'invalid_request')
})

test('par refuses a JSON body with invalid_request', async () => {
  const t = createTestAuthorizationServer()
  const response = await t.server.handle(
    new Request(`${t.deps.issuer}/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(await spaParameters(t)),
    }),
  )
  await expectJsonError(response, 400, 'invalid_request')
})

test('GET /as/par answers 405 JSON with Allow: POST', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(t, `${t.deps.issuer}/par`)
  expect(response.headers.get('allow')).toBe('POST')
  await expectJsonError(response, 405, 'method_not_allowed')
})

test('authorize with a pushed request_uri logs in, consents and returns a code that exchanges', async () => {
  const t = createTestAuthorizationServer()
  const requestUri = await push(t)
  const driven = await driveAuthorization(t.server, authorizeWithRequestUri(t, requestUri))
  expect(driven.pages).toHaveLength(2)
  const callback = new URL(driven.location ?? 'http://invalid/')
  expect(callback.searchParams.get('state')).toBe('state-123')
  expect(callback.searchParams.get('iss')).toBe(t.deps.issuer)
  const tokens = await exchange(t, driven.location)
  expect(tokens.status).toBe(200)
  expect(await tokens.json()).toMatchObject({ token_type: 'Bearer', id_token: expect.any(String) })
})

test('authorize with a request_uri ignores other query parameters: the pushed ones win', async () => {
  const t = createTestAuthorizationServer()
  const requestUri = await push(t)
  const url = authorizeWithRequestUri(t, requestUri, {
    redirect_uri: 'https://evil.example/cb',
    state: 'changed',
    scope: 'openid admin',
    response_type: 'token',
  })
  const driven = await driveAuthorization(t.server, url)
  const callback = new URL(driven.location ?? 'http://invalid/')
  expect(callback.origin + callback.pathname).toBe(spaRedirect)
  expect(callback.searchParams.get('state')).toBe('state-123')
  expect((await exchange(t, driven.location)).status).toBe(200)
})

test('a request_uri works once: the second use shows an error page', async () => {
  const t = createTestAuthorizationServer()
  const requestUri = await push(t)
  const first = await driveAuthorization(t.server, authorizeWithRequestUri(t, requestUri))
  expect(first.response.status).toBe(302)
  await expectErrorPage(
    await get(t, authorizeWithRequestUri(t, requestUri), { cookie: first.cookie ?? '' }),
    'already used',
  )
})

test('an expired request_uri shows an error page and is not redirected', async () => {
  const t = createTestAuthorizationServer()
  const requestUri = await push(t)
  t.clock.advance(61_000)
  await expectErrorPage(await get(t, authorizeWithRequestUri(t, requestUri)), 'expired')
})

test('a request_uri used with another client_id shows an error page and stays usable by its client', async () => {
  const t = createTestAuthorizationServer()
  const requestUri = await push(t)
  await expectErrorPage(
    await get(t, authorizeWithRequestUri(t, requestUri, {}, 'grantlab-web')),
    'not issued to this client_id',
  )
  const driven = await driveAuthorization(t.server, authorizeWithRequestUri(t, requestUri))
  expect((await exchange(t, driven.location)).status).toBe(200)
})

test('an unknown request_uri or a missing client_id shows an error page', async () => {
  const t = createTestAuthorizationServer()
  await expectErrorPage(
    await get(t, authorizeWithRequestUri(t, 'urn:ietf:params:oauth:request_uri:nope')),
    'unknown',
  )
  const requestUri = await push(t)
  const url = new URL(authorizeWithRequestUri(t, requestUri))
  url.searchParams.delete('client_id')
  await expectErrorPage(await get(t, url.href), 'client_id is missing')
})

test('a client registered with require_pushed_authorization_requests is refused without PAR and served with it', async () => {
  const t = createTestAuthorizationServer()
  const registered = await register(t, {
    client_name: 'PAR only',
    token_endpoint_auth_method: 'none',
    redirect_uris: [spaRedirect],
    require_pushed_authorization_requests: true,
  })
  expect(registered.status).toBe(201)
  const client = (await registered.json()) as Record<string, unknown>
  expect(client.require_pushed_authorization_requests).toBe(true)
  const clientId = client.client_id as string

  const plain = await get(t, await authorizeUrl(t, { client_id: clientId }))
  expect(plain.status).toBe(302)
  const refused = new URL(plain.headers.get('location') ?? '')
  expect(refused.origin + refused.pathname).toBe(spaRedirect)
  expect(refused.searchParams.get('error')).toBe('invalid_request')
  expect(refused.searchParams.get('error_description')).toContain('pushed authorization requests')
  expect(refused.searchParams.get('state')).toBe('state-123')
  expect(refused.searchParams.get('iss')).toBe(t.deps.issuer)

  const requestUri = await push(t, { client_id: clientId })
  const driven = await driveAuthorization(
    t.server,
    authorizeWithRequestUri(t, requestUri, {}, clientId),
  )
  expect(new URL(driven.location ?? 'http://invalid/').searchParams.get('code')).toBeTypeOf(
    'string',
  )
})

test('registration refuses a require_pushed_authorization_requests that is not a boolean', async () => {
  const t = createTestAuthorizationServer()
  const response = await register(t, {
    token_endpoint_auth_method: 'none',
    redirect_uris: [spaRedirect],
    require_pushed_authorization_requests: 'yes',
  })
  await expectJsonError(response, 400, 'invalid_client_metadata')
})

test('discovery lists the PAR endpoint and does not require PAR server-wide', async () => {
  const t = createTestAuthorizationServer()
  const metadata = await (await get(t, `${t.deps.issuer}/.well-known/openid-configuration`)).json()
  expect(metadata.pushed_authorization_request_endpoint).toBe(`${t.deps.issuer}/par`)
  expect(metadata.require_pushed_authorization_requests).toBe(false)
})

test('par refuses a private_key_jwt assertion whose aud is the PAR endpoint URL, and takes the issuer (draft-ietf-oauth-rfc7523bis)', async () => {
  const t = createTestAuthorizationServer()
  const { publicKey, privateKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'par-key', alg: 'ES256' }
  const registered = await register(t, {
    token_endpoint_auth_method: 'private_key_jwt',
    redirect_uris: [spaRedirect],
    jwks: { keys: [jwk] },
  })
  const clientId = ((await registered.json()) as { client_id: string }).client_id
  const push = async (audience: string) =>
    postForm(t, '/par', {
      ...(await spaParameters(t, { client_id: clientId })),
      client_assertion_type: jwtBearerAssertionType,
      client_assertion: await new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: 'par-key' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(privateKey),
    })
  const refused = await push(`${t.deps.issuer}/par`)
  expect(refused.status).toBe(400)
  expect(await refused.json()).toMatchObject({
    error: 'invalid_client',
    error_description: expect.stringContaining('the token and PAR endpoint URLs are not accepted'),
  })
  expect((await push(t.deps.issuer)).status).toBe(201)
})

test('oauth4webapi pushes the request, follows request_uri through /as/authorize and exchanges the code', async () => {
  const t = createTestAuthorizationServer()
  const http = {
    [oauth.customFetch]: (url: string, init?: RequestInit) =>
      t.server.handle(new Request(url, init)),
    [oauth.allowInsecureRequests]: true,
  }
  const issuer = new URL(t.deps.issuer)
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' }),
  )
  const client: oauth.Client = { client_id: 'grantlab-web' }
  const auth = oauth.ClientSecretBasic('grantlab-web-secret')
  const redirectUri = `${t.deps.appOrigin}/walkthrough/authorization-code/callback`
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()

  const pushed = await oauth.processPushedAuthorizationResponse(
    as,
    client,
    await oauth.pushedAuthorizationRequest(
      as,
      client,
      auth,
      {
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid profile orders:read',
        state,
        nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      },
      http,
    ),
  )
  expect(pushed.request_uri).toMatch(requestUriPattern)
  expect(pushed.expires_in).toBe(60)

  const authorizationUrl = new URL(as.authorization_endpoint as string)
  authorizationUrl.searchParams.set('client_id', client.client_id)
  authorizationUrl.searchParams.set('request_uri', pushed.request_uri)
  const driven = await driveAuthorization(t.server, authorizationUrl.href)
  expect(driven.response.status).toBe(302)

  const params = oauth.validateAuthResponse(as, client, new URL(driven.location as string), state)
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      redirectUri,
      verifier,
      http,
    ),
    { expectedNonce: nonce },
  )
  expect(tokens.access_token).toBeTypeOf('string')
  expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe('user-alice')
})

test('the demo client grantlab-par is refused without PAR (redirected invalid_request with state and iss) and served with it', async () => {
  const t = createTestAuthorizationServer()
  const parRedirect = `${t.deps.appOrigin}/walkthrough/par/callback`
  const metadata = await (
    await t.server.handle(new Request(`${t.deps.issuer}/.well-known/openid-configuration`))
  ).json()
  expect(metadata.require_pushed_authorization_requests).toBe(false)
  const overrides = { client_id: 'grantlab-par', redirect_uri: parRedirect, state: 'plain-1' }
  const plain = await get(t, await authorizeUrl(t, overrides))
  expect(plain.status).toBe(302)
  const refused = new URL(plain.headers.get('location') ?? '')
  expect(`${refused.origin}${refused.pathname}`).toBe(parRedirect)
  expect(refused.searchParams.get('error')).toBe('invalid_request')
  expect(refused.searchParams.get('error_description')).toMatch(/pushed authorization requests/)
  expect(refused.searchParams.get('state')).toBe('plain-1')
  expect(refused.searchParams.get('iss')).toBe(t.deps.issuer)

  // A push without the client's secret is not a push from grantlab-par.
  const unauthenticated = await postForm(t, '/par', await spaParameters(t, overrides))
  expect(unauthenticated.status).toBe(400)
  expect(((await unauthenticated.json()) as { error: string }).error).toBe('invalid_client')

  const pushed = await postForm(t, '/par', await spaParameters(t, overrides), {
    authorization: basic('grantlab-par', 'grantlab-par-secret'),
  })
  expect(pushed.status).toBe(201)
  const { request_uri } = (await pushed.json()) as { request_uri: string }
  const driven = await driveAuthorization(
    t.server,
    authorizeWithRequestUri(t, request_uri, {}, 'grantlab-par'),
  )
  const callback = new URL(driven.location ?? '')
  expect(callback.searchParams.get('code')).toBeTypeOf('string')
  expect(callback.searchParams.get('state')).toBe('plain-1')
})
