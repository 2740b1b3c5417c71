import { decodeJwt, decodeProtectedHeader } from 'jose'
import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { computeS256Challenge } from './pkce'
import { createTestAuthorizationServer, driveAuthorization, testAppOrigin } from './test-server'
import { authorizeUrl, basic, get, postForm, spaRedirect, testVerifier } from './test-support'
import { leftHalfHash } from './tokens'

// OIDC Core §3.3: response_type=code id_token for the confidential demo client grantlab-hybrid.

const hybridRedirect = `${testAppOrigin}/walkthrough/hybrid/callback`

function hybridOverrides(extra: Record<string, string | undefined> = {}) {
  return {
    client_id: 'grantlab-hybrid',
    redirect_uri: hybridRedirect,
    response_type: 'code id_token',
    ...extra,
  }
}

function fragmentOf(location: string | undefined): URLSearchParams {
  const url = new URL(location ?? 'http://invalid/')
  expect(url.origin + url.pathname).toBe(hybridRedirect)
  expect(url.search).toBe('')
  return new URLSearchParams(url.hash.slice(1))
}

test('OIDC Core App. A: c_hash of the example code is the left half of its SHA-256, base64url', async () => {
  expect(await leftHalfHash('Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk')).toBe(
    'LDktKdoQak3Pk0cnXxCltA',
  )
})

test('hybrid success: code, id_token, state and iss arrive in the fragment, none in the query', async () => {
  const t = createTestAuthorizationServer()
  const driven = await driveAuthorization(t.server, await authorizeUrl(t, hybridOverrides()))
  expect(driven.response.status).toBe(302)
  const params = fragmentOf(driven.location)
  expect([...params.keys()].sort()).toEqual(['code', 'id_token', 'iss', 'state'])
  expect(params.get('state')).toBe('state-123')
  expect(params.get('iss')).toBe(t.deps.issuer)

  const code = params.get('code') ?? ''
  const idToken = params.get('id_token') ?? ''
  const header = decodeProtectedHeader(idToken)
  expect(header.kid).toBeTypeOf('string')
  expect(header.alg).toBe('RS256')
  const claims = decodeJwt(idToken)
  expect(claims).toMatchObject({
    iss: t.deps.issuer,
    aud: 'grantlab-hybrid',
    sub: 'user-alice',
    nonce: 'nonce-456',
    c_hash: await leftHalfHash(code),
  })
  expect(claims.iat).toBe(Math.floor(t.clock.now() / 1000))
  expect(claims.auth_time).toBeTypeOf('number')
})

test('hybrid without a nonce is refused with invalid_request, in the fragment', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(t, await authorizeUrl(t, hybridOverrides({ nonce: undefined })))
  expect(response.status).toBe(302)
  const params = fragmentOf(response.headers.get('location') ?? undefined)
  expect(params.get('error')).toBe('invalid_request')
  expect(params.get('error_description')).toMatch(/nonce/)
  expect(params.get('state')).toBe('state-123')
  expect(params.get('iss')).toBe(t.deps.issuer)
  expect(params.has('code')).toBe(false)
})

test('hybrid for a client not registered for code id_token: unauthorized_client in the fragment', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(t, await authorizeUrl(t, { response_type: 'code id_token' }))
  const location = new URL(response.headers.get('location') ?? '')
  expect(location.origin + location.pathname).toBe(spaRedirect)
  const params = new URLSearchParams(location.hash.slice(1))
  expect(params.get('error')).toBe('unauthorized_client')
  expect(params.get('iss')).toBe(t.deps.issuer)
})

test('hybrid asks for a response_mode other than the fragment: invalid_request', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(t, await authorizeUrl(t, hybridOverrides({ response_mode: 'query' })))
  expect(fragmentOf(response.headers.get('location') ?? undefined).get('error')).toBe(
    'invalid_request',
  )
})

test('the hybrid code is redeemed with PKCE and Basic auth; the token ID token carries the same nonce', async () => {
  const t = createTestAuthorizationServer()
  const driven = await driveAuthorization(t.server, await authorizeUrl(t, hybridOverrides()))
  const code = fragmentOf(driven.location).get('code') ?? ''
  const redeem = (verifier: string) =>
    postForm(
      t,
      '/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: hybridRedirect,
        code_verifier: verifier,
      },
      { authorization: basic('grantlab-hybrid', 'grantlab-hybrid-secret') },
    )
  const response = await redeem(testVerifier)
  expect(response.status).toBe(200)
  const body = await response.json()
  expect(body.refresh_token).toBeUndefined()
  expect(decodeJwt(body.id_token)).toMatchObject({ nonce: 'nonce-456', aud: 'grantlab-hybrid' })
})

test('oauth4webapi: validateCodeIdTokenResponse accepts the fragment, then the code exchange', async () => {
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
  expect(as.response_types_supported).toContain('code id_token')
  expect(as.response_modes_supported).toContain('fragment')
  const client: oauth.Client = { client_id: 'grantlab-hybrid' }
  const nonce = oauth.generateRandomNonce()
  const state = oauth.generateRandomState()
  const verifier = oauth.generateRandomCodeVerifier()
  const url = new URL(as.authorization_endpoint ?? '')
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: hybridRedirect,
    response_type: 'code id_token',
    scope: 'openid profile',
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString()
  const driven = await driveAuthorization(t.server, url.href)
  const callback = new URL(driven.location ?? '')

  const params = await oauth.validateCodeIdTokenResponse(
    as,
    client,
    callback,
    nonce,
    state,
    undefined,
    http,
  )
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic('grantlab-hybrid-secret'),
    params,
    hybridRedirect,
    verifier,
    http,
  )
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: nonce,
    requireIdToken: true,
  })
  expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe('user-alice')

  // A tampered fragment: a different code no longer matches c_hash, so the front channel fails.
  const forged = new URL(callback)
  const forgedParams = new URLSearchParams(forged.hash.slice(1))
  forgedParams.set('code', 'attacker-code')
  forged.hash = forgedParams.toString()
  await expect(
    oauth.validateCodeIdTokenResponse(as, client, forged, nonce, state, undefined, http),
  ).rejects.toThrow(/c_hash/)
  // And the wrong nonce is refused too.
  await expect(
    oauth.validateCodeIdTokenResponse(
      as,
      client,
      callback,
      'another-nonce',
      state,
      undefined,
      http,
    ),
  ).rejects.toThrow(/nonce/)
})

test('hybrid with an S256 challenge the server can check, and the plain method refused', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(
    t,
    await authorizeUrl(
      t,
      hybridOverrides({
        code_challenge: await computeS256Challenge(testVerifier),
        code_challenge_method: 'plain',
      }),
    ),
  )
  expect(fragmentOf(response.headers.get('location') ?? undefined).get('error')).toBe(
    'invalid_request',
  )
})
