import { exportJWK, generateKeyPair } from 'jose'
import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { createTestAuthorizationServer, driveAuthorization } from './test-server'

function setup() {
  const test = createTestAuthorizationServer()
  const http = {
    [oauth.customFetch]: (url: string, init?: RequestInit) =>
      test.server.handle(new Request(url, init)),
    [oauth.allowInsecureRequests]: true,
  }
  return { ...test, http }
}

async function discover(issuer: string, http: ReturnType<typeof setup>['http']) {
  const url = new URL(issuer)
  const oidc = await oauth.processDiscoveryResponse(
    url,
    await oauth.discoveryRequest(url, { ...http, algorithm: 'oidc' }),
  )
  const oauth2 = await oauth.processDiscoveryResponse(
    url,
    await oauth.discoveryRequest(url, { ...http, algorithm: 'oauth2' }),
  )
  expect(oauth2).toEqual(oidc)
  return oidc
}

test('oauth4webapi runs authorization code + PKCE + OIDC, userinfo, refresh rotation, revocation and introspection', async () => {
  const { server, deps, http } = setup()
  const as = await discover(deps.issuer, http)
  const client: oauth.Client = { client_id: 'grantlab-web' }
  const auth = oauth.ClientSecretBasic('grantlab-web-secret')
  const redirectUri = `${deps.appOrigin}/walkthrough/authorization-code/callback`

  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const authorizationUrl = new URL(as.authorization_endpoint as string)
  authorizationUrl.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile email orders:read offline_access',
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString()

  const driven = await driveAuthorization(server, authorizationUrl.href, { username: 'alice' })
  expect(driven.response.status).toBe(302)
  expect(driven.pages).toHaveLength(2)
  const callback = new URL(driven.location as string)
  expect(callback.origin + callback.pathname).toBe(redirectUri)

  const params = oauth.validateAuthResponse(as, client, callback, state)
  const tokenResponse = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    params,
    redirectUri,
    verifier,
    http,
  )
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, tokenResponse, {
    expectedNonce: nonce,
  })
  // oauth4webapi does not check the ID token signature by itself; this does, against /as/jwks.
  await oauth.validateApplicationLevelSignature(as, tokenResponse, http)
  const claims = oauth.getValidatedIdTokenClaims(tokens)
  expect(claims?.sub).toBe('user-alice')
  expect(claims?.nonce).toBe(nonce)
  expect(typeof claims?.at_hash).toBe('string')
  expect(tokens.refresh_token).toBeTypeOf('string')

  const userinfo = await oauth.processUserInfoResponse(
    as,
    client,
    claims?.sub as string,
    await oauth.userInfoRequest(as, client, tokens.access_token, http),
  )
  expect(userinfo).toMatchObject({
    sub: 'user-alice',
    name: 'Alice Liddell',
    email: 'alice@example.com',
  })

  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token as string, http),
  )
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token)
  const replay = await oauth
    .processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token as string, http),
    )
    .then(
      () => undefined,
      (error: unknown) => error,
    )
  expect(replay).toBeInstanceOf(oauth.ResponseBodyError)
  expect((replay as oauth.ResponseBodyError).error).toBe('invalid_grant')

  // The replay revoked the family: the newest refresh token is inactive too.
  const introspection = await oauth.processIntrospectionResponse(
    as,
    client,
    await oauth.introspectionRequest(as, client, auth, refreshed.refresh_token as string, http),
  )
  expect(introspection.active).toBe(false)
})

test('oauth4webapi revokes a refresh token and then sees its access token inactive', async () => {
  const { server, deps, http } = setup()
  const as = await discover(deps.issuer, http)
  const client: oauth.Client = { client_id: 'grantlab-spa' }
  const auth = oauth.None()
  const redirectUri = `${deps.appOrigin}/walkthrough/refresh-token/callback`
  const verifier = oauth.generateRandomCodeVerifier()
  const url = new URL(as.authorization_endpoint as string)
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid orders:read',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString()
  const driven = await driveAuthorization(server, url.href)
  const params = oauth.validateAuthResponse(as, client, new URL(driven.location as string))
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
  )

  // The demo API's own client: a resource server the token is meant for (RFC 7662 §4).
  const web: oauth.Client = { client_id: 'grantlab-api' }
  const webAuth = oauth.ClientSecretBasic('grantlab-api-secret')
  const before = await oauth.processIntrospectionResponse(
    as,
    web,
    await oauth.introspectionRequest(as, web, webAuth, tokens.access_token, http),
  )
  expect(before).toMatchObject({ active: true, client_id: 'grantlab-spa', sub: 'user-alice' })

  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, auth, tokens.refresh_token as string, {
      ...http,
      additionalParameters: { token_type_hint: 'refresh_token' },
    }),
  )
  const after = await oauth.processIntrospectionResponse(
    as,
    web,
    await oauth.introspectionRequest(as, web, webAuth, tokens.access_token, http),
  )
  expect(after).toEqual({ active: false })
  // Revoking an unknown token is still a success.
  await oauth.processRevocationResponse(
    await oauth.revocationRequest(as, client, auth, 'no-such-token', http),
  )
})

test('oauth4webapi gets a client_credentials token with ClientSecretBasic and calls the API', async () => {
  const { deps, http, server } = setup()
  const as = await discover(deps.issuer, http)
  const client: oauth.Client = { client_id: 'grantlab-m2m' }
  const result = await oauth.processClientCredentialsResponse(
    as,
    client,
    await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic('grantlab-m2m-secret'),
      { scope: 'orders:read' },
      http,
    ),
  )
  expect(result.refresh_token).toBeUndefined()
  expect(result.id_token).toBeUndefined()
  expect(result.scope).toBe('orders:read')
  const api = await server.handle(
    new Request(`${deps.appOrigin}/api/orders`, {
      headers: { authorization: `Bearer ${result.access_token}` },
    }),
  )
  expect(api.status).toBe(200)
})

test('oauth4webapi registers a private_key_jwt client dynamically and authenticates with it', async () => {
  const { deps, http } = setup()
  const as = await discover(deps.issuer, http)
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'client-key-1', alg: 'ES256', use: 'sig' }
  const registered = await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(
      as,
      {
        client_name: 'Key-holding service',
        token_endpoint_auth_method: 'private_key_jwt',
        grant_types: ['client_credentials'],
        response_types: [],
        jwks: { keys: [jwk] },
        scope: 'orders:read',
      },
      http,
    ),
  )
  expect(registered.client_secret).toBeUndefined()
  const client: oauth.Client = { client_id: registered.client_id }
  const auth = oauth.PrivateKeyJwt({ key: privateKey, kid: 'client-key-1' })
  const result = await oauth.processClientCredentialsResponse(
    as,
    client,
    await oauth.clientCredentialsGrantRequest(as, client, auth, {}, http),
  )
  expect(result.scope).toBe('orders:read')
  expect(result.token_type).toBe('bearer')
})
