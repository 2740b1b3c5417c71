import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { createTestAuthorizationServer, driveAuthorization } from './test-server'

// A whole DPoP run with real oauth4webapi against the core: its DPoP handle makes the proofs, it
// caches the server's nonce, and the client retries once when isDPoPNonceError says so, as
// oauth4webapi's own examples do (there is no automatic retry).

function setup() {
  const t = createTestAuthorizationServer()
  const sent: Request[] = []
  const http = {
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) => {
      const request = new Request(url, init as RequestInit)
      sent.push(request.clone())
      return t.server.handle(request)
    },
    [oauth.allowInsecureRequests]: true,
  }
  return { ...t, http, sent }
}

async function withNonceRetry<T>(
  attempt: () => Promise<T>,
): Promise<{ result: T; retried: boolean }> {
  try {
    return { result: await attempt(), retried: false }
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error
    return { result: await attempt(), retried: true }
  }
}

test('oauth4webapi: code + PKCE + dpop_jkt with a nonce retry, then UserInfo, the API and a refresh, all DPoP', async () => {
  const { server, deps, http, sent } = setup()
  const issuer = new URL(deps.issuer)
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' }),
  )
  expect(as.dpop_signing_alg_values_supported).toContain('ES256')
  const client: oauth.Client = { client_id: 'grantlab-dpop' }
  const keyPair = await oauth.generateKeyPair('ES256')
  const DPoP = oauth.DPoP(client, keyPair)
  const jkt = await DPoP.calculateThumbprint()
  const redirectUri = `${deps.appOrigin}/walkthrough/dpop/callback`

  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const url = new URL(as.authorization_endpoint as string)
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile orders:read',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    dpop_jkt: jkt,
  }).toString()
  const driven = await driveAuthorization(server, url.href)
  const params = oauth.validateAuthResponse(as, client, new URL(driven.location as string), state)

  const { result: tokens, retried } = await withNonceRetry(async () =>
    oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        redirectUri,
        verifier,
        { ...http, DPoP },
      ),
    ),
  )
  // grantlab-dpop must send nonces: the first request was refused with use_dpop_nonce.
  expect(retried).toBe(true)
  const [first, second] = sent.filter((request) => request.url.endsWith('/token'))
  expect(first?.headers.get('dpop')).toBeTruthy()
  expect(second?.headers.get('dpop')).toBeTruthy()
  expect(tokens.token_type).toBe('dpop')
  expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe('user-alice')

  // UserInfo and the API with the same handle: its cached nonce works there too (one per origin).
  const before = sent.length
  const userinfo = await oauth.processUserInfoResponse(
    as,
    client,
    'user-alice',
    await oauth.userInfoRequest(as, client, tokens.access_token, { ...http, DPoP }),
  )
  expect(userinfo.sub).toBe('user-alice')
  const api = await oauth.protectedResourceRequest(
    tokens.access_token,
    'GET',
    new URL(`${deps.appOrigin}/api/orders`),
    undefined,
    undefined,
    { ...http, DPoP },
  )
  expect(api.status).toBe(200)
  expect(sent.length - before).toBe(2)
  expect(sent.at(-1)?.headers.get('authorization')).toMatch(/^DPoP /)

  // oauth4webapi's own resource-server check accepts our token and the proof it made.
  const claims = await oauth.validateJwtAccessToken(
    as,
    sent.at(-1) as Request,
    `${deps.appOrigin}/api`,
    { ...http, requireDPoP: true },
  )
  expect(claims.cnf).toEqual({ jkt })

  // The refresh token is bound to the key (public client, RFC 9449 §5).
  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token as string, {
      ...http,
      DPoP,
    }),
  )
  expect(refreshed.token_type).toBe('dpop')
  const otherKey = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
  const stolen = await withNonceRetry(async () =>
    oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.None(),
        refreshed.refresh_token as string,
        { ...http, DPoP: otherKey },
      ),
    ),
  ).catch((error: unknown) => error)
  expect(stolen).toBeInstanceOf(oauth.ResponseBodyError)
  expect((stolen as oauth.ResponseBodyError).error).toBe('invalid_grant')
})

test('oauth4webapi: PAR with private_key_jwt and a DPoP proof (nonce retry), the code bound to the key', async () => {
  const { server, deps, http } = setup()
  const issuer = new URL(deps.issuer)
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oauth2' }),
  )
  const signing = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(signing.publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  const redirectUri = `${deps.appOrigin}/walkthrough/fapi2/callback`
  const registered = await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(
      as,
      {
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        require_pushed_authorization_requests: true,
        dpop_bound_access_tokens: true,
        jwks: { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] },
      },
      http,
    ),
  )
  expect(registered).toMatchObject({
    require_pushed_authorization_requests: true,
    dpop_bound_access_tokens: true,
  })
  const client: oauth.Client = { client_id: registered.client_id }
  const auth = oauth.PrivateKeyJwt({ key: signing.privateKey, kid })
  const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const pushed = await withNonceRetry(async () =>
    oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(
        as,
        client,
        auth,
        {
          redirect_uri: redirectUri,
          response_type: 'code',
          scope: 'openid orders:read',
          state,
          code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        },
        { ...http, DPoP },
      ),
    ),
  )
  expect(pushed.retried).toBe(true)
  const url = new URL(as.authorization_endpoint as string)
  url.search = new URLSearchParams({
    client_id: client.client_id,
    request_uri: pushed.result.request_uri,
  }).toString()
  const driven = await driveAuthorization(server, url.href)
  const params = oauth.validateAuthResponse(as, client, new URL(driven.location as string), state)
  // The same handle: the nonce it cached at PAR is sent, so no retry is needed.
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, {
      ...http,
      DPoP,
    }),
  )
  expect(tokens.token_type).toBe('dpop')
  expect(tokens.refresh_token).toBeUndefined()
})
