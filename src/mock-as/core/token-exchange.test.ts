import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { accessTokenType, ordersAudience, tokenExchangeGrantType } from './grants/token-exchange'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import { basic, callApi, introspect, obtainTokens, postForm } from './test-support'

const exchangerAuth = basic('grantlab-exchanger', 'grantlab-exchanger-secret')

function exchange(t: TestAuthorizationServer, params: Record<string, string>) {
  return postForm(
    t,
    '/token',
    { grant_type: tokenExchangeGrantType, ...params },
    { authorization: exchangerAuth },
  )
}

/** Alice's access token (scope openid profile orders:read) and the exchanger's own token. */
async function setUp() {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const actorResponse = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', scope: 'orders:read' },
    { authorization: exchangerAuth },
  )
  expect(actorResponse.status).toBe(200)
  const actorToken: string = (await actorResponse.json()).access_token
  return { t, subjectToken: tokens.access_token, actorToken }
}

async function expectError(response: Response, error: string) {
  expect(response.status).toBe(400)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const body = await response.json()
  expect(body.error).toBe(error)
  expect(typeof body.error_description).toBe('string')
  return body.error_description as string
}

test('token exchange, impersonation: another audience, narrower scope, no act, no refresh token', async () => {
  const { t, subjectToken } = await setUp()
  const response = await exchange(t, {
    subject_token: subjectToken,
    subject_token_type: accessTokenType,
    audience: ordersAudience,
    scope: 'orders:read',
  })
  expect(response.status).toBe(200)
  const body = await response.json()
  expect(body).toEqual({
    access_token: expect.any(String),
    issued_token_type: accessTokenType,
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'orders:read',
  })
  const claims = decodeJwt(body.access_token)
  expect(claims).toMatchObject({
    sub: 'user-alice',
    aud: ordersAudience,
    scope: 'orders:read',
    client_id: 'grantlab-exchanger',
  })
  expect(claims.act).toBeUndefined()
  // The demo API is not its audience, so it refuses it; the server itself still knows it.
  expect((await callApi(t, '/api/orders', body.access_token)).status).toBe(401)
  // The orders service has no client here; the exchanger, whose token it is, may introspect it.
  expect(
    await introspect(t, body.access_token, {
      id: 'grantlab-exchanger',
      secret: 'grantlab-exchanger-secret',
    }),
  ).toMatchObject({
    active: true,
    aud: ordersAudience,
    sub: 'user-alice',
  })
})

test('token exchange, delegation: the actor token puts an act claim in the new token', async () => {
  const { t, subjectToken, actorToken } = await setUp()
  const response = await exchange(t, {
    subject_token: subjectToken,
    subject_token_type: accessTokenType,
    actor_token: actorToken,
    actor_token_type: accessTokenType,
    resource: `${t.deps.appOrigin}/api`,
    requested_token_type: accessTokenType,
  })
  expect(response.status).toBe(200)
  const body = await response.json()
  const claims = decodeJwt(body.access_token)
  expect(claims).toMatchObject({
    sub: 'user-alice',
    aud: `${t.deps.appOrigin}/api`,
    act: { sub: 'grantlab-exchanger' },
  })
  // Without scope, the new token keeps the subject token's scope as far as the exchanger is
  // registered for it: openid is alice's app's, not the exchanger's. It works at the API.
  expect(body.scope).toBe('profile orders:read')
  expect((await callApi(t, '/api/profile', body.access_token)).status).toBe(200)
  expect(await introspect(t, body.access_token)).toMatchObject({
    act: { sub: 'grantlab-exchanger' },
  })

  // Exchanging the delegated token again with an actor nests the earlier act (a chain).
  const again = await exchange(t, {
    subject_token: body.access_token,
    subject_token_type: accessTokenType,
    actor_token: actorToken,
    actor_token_type: accessTokenType,
  })
  expect(decodeJwt((await again.json()).access_token).act).toEqual({
    sub: 'grantlab-exchanger',
    act: { sub: 'grantlab-exchanger' },
  })
})

test('token exchange: each error the RFC names', async () => {
  const { t, subjectToken, actorToken } = await setUp()
  const subject = { subject_token: subjectToken, subject_token_type: accessTokenType }

  await expectError(await exchange(t, { subject_token_type: accessTokenType }), 'invalid_request')
  await expectError(await exchange(t, { subject_token: subjectToken }), 'invalid_request')
  await expectError(
    await exchange(t, {
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
    }),
    'invalid_request',
  )
  await expectError(
    await exchange(t, { subject_token: 'garbage', subject_token_type: accessTokenType }),
    'invalid_request',
  )
  await expectError(await exchange(t, { ...subject, actor_token: actorToken }), 'invalid_request')
  await expectError(
    await exchange(t, { ...subject, actor_token_type: accessTokenType }),
    'invalid_request',
  )
  await expectError(
    await exchange(t, {
      ...subject,
      actor_token: 'garbage',
      actor_token_type: accessTokenType,
    }),
    'invalid_request',
  )
  expect(
    await expectError(
      await exchange(t, {
        ...subject,
        requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      }),
      'invalid_request',
    ),
  ).toMatch(/requested_token_type/)
  expect(
    await expectError(
      await exchange(t, { ...subject, audience: 'https://unknown.example' }),
      'invalid_target',
    ),
  ).toMatch(/unknown\.example/)
  await expectError(await exchange(t, { ...subject, resource: 'not a uri' }), 'invalid_target')
  await expectError(
    await exchange(t, { ...subject, resource: 'https://orders.grantlab.example#x' }),
    'invalid_target',
  )
  await expectError(
    await exchange(t, { ...subject, scope: 'orders:read orders:write' }),
    'invalid_scope',
  )

  // A revoked subject token can no longer be exchanged.
  await postForm(t, '/revoke', { token: subjectToken, client_id: 'grantlab-spa' })
  await expectError(await exchange(t, subject), 'invalid_request')
})

test('token exchange: only a client registered for it, and never a public client', async () => {
  const { t, subjectToken } = await setUp()
  const params = {
    grant_type: tokenExchangeGrantType,
    subject_token: subjectToken,
    subject_token_type: accessTokenType,
  }
  const m2m = await postForm(t, '/token', params, {
    authorization: basic('grantlab-m2m', 'grantlab-m2m-secret'),
  })
  expect((await m2m.json()).error).toBe('unauthorized_client')
  const spa = await postForm(t, '/token', { ...params, client_id: 'grantlab-spa' })
  expect((await spa.json()).error).toBe('unauthorized_client')
  const wrongSecret = await postForm(t, '/token', params, {
    authorization: basic('grantlab-exchanger', 'wrong'),
  })
  expect(wrongSecret.status).toBe(401)
})

test('oauth4webapi runs token exchange: genericTokenEndpointRequest → processGenericTokenEndpointResponse', async () => {
  const { t, subjectToken, actorToken } = await setUp()
  const http = {
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
      t.server.handle(new Request(url, init as RequestInit)),
    [oauth.allowInsecureRequests]: true,
  } as const
  const issuer = new URL(t.deps.issuer)
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' }),
  )
  expect(as.grant_types_supported).toContain(tokenExchangeGrantType)
  const client: oauth.Client = { client_id: 'grantlab-exchanger' }
  const auth = oauth.ClientSecretBasic('grantlab-exchanger-secret')
  const tokens = await oauth.processGenericTokenEndpointResponse(
    as,
    client,
    await oauth.genericTokenEndpointRequest(
      as,
      client,
      auth,
      tokenExchangeGrantType,
      {
        subject_token: subjectToken,
        subject_token_type: accessTokenType,
        actor_token: actorToken,
        actor_token_type: accessTokenType,
        audience: ordersAudience,
        scope: 'orders:read',
      },
      http,
    ),
  )
  expect(tokens.issued_token_type).toBe(accessTokenType)
  expect(decodeJwt(tokens.access_token)).toMatchObject({
    aud: ordersAudience,
    act: { sub: 'grantlab-exchanger' },
  })

  const refused = await oauth
    .genericTokenEndpointRequest(
      as,
      client,
      auth,
      tokenExchangeGrantType,
      {
        subject_token: subjectToken,
        subject_token_type: accessTokenType,
        audience: 'https://unknown.example',
      },
      http,
    )
    .then((response) => oauth.processGenericTokenEndpointResponse(as, client, response))
    .catch((error: unknown) => error)
  expect(refused).toBeInstanceOf(oauth.ResponseBodyError)
  expect((refused as oauth.ResponseBodyError).error).toBe('invalid_target')
})
