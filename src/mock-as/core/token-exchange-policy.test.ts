import { decodeJwt } from 'jose'
import { expect, test } from 'vitest'
import { accessTokenType, ordersAudience, tokenExchangeGrantType } from './grants/token-exchange'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import {
  basic,
  callApi,
  introspect,
  obtainTokens,
  postForm,
  register,
  spaRedirect,
  testVerifier,
} from './test-support'

// RFC 8693 §2.1 and §5 leave the policy to the server; ours is docs/decisions/057.

type Credentials = { id: string; secret: string }

const exchanger: Credentials = { id: 'grantlab-exchanger', secret: 'grantlab-exchanger-secret' }

function exchange(
  t: TestAuthorizationServer,
  caller: Credentials,
  subjectToken: string,
  extra: Record<string, string> = {},
) {
  return postForm(
    t,
    '/token',
    {
      grant_type: tokenExchangeGrantType,
      subject_token: subjectToken,
      subject_token_type: accessTokenType,
      ...extra,
    },
    { authorization: basic(caller.id, caller.secret) },
  )
}

/** A confidential client of its own, registered for token exchange (and client_credentials). */
async function registerExchanger(
  t: TestAuthorizationServer,
  scope = 'profile orders:read',
): Promise<Credentials> {
  const response = await register(t, {
    client_name: 'Another exchanging service',
    grant_types: [tokenExchangeGrantType, 'client_credentials'],
    scope,
  })
  expect(response.status).toBe(201)
  const body = await response.json()
  return { id: body.client_id, secret: body.client_secret }
}

async function clientCredentialsToken(
  t: TestAuthorizationServer,
  caller: Credentials,
  scope: string,
): Promise<string> {
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', scope },
    { authorization: basic(caller.id, caller.secret) },
  )
  expect(response.status).toBe(200)
  return (await response.json()).access_token
}

async function expectError(response: Response, error: string): Promise<string> {
  expect(response.status).toBe(400)
  const body = await response.json()
  expect(body.error).toBe(error)
  return body.error_description
}

test('a client that is neither the subject token’s audience nor its client cannot exchange it', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const other = await registerExchanger(t)
  const description = await expectError(
    await exchange(t, other, tokens.access_token, { scope: 'orders:read' }),
    'invalid_request',
  )
  expect(description).toMatch(/neither its audience nor its client/)
  // The demo exchanger serves the API the token was made for, so it may.
  expect((await exchange(t, exchanger, tokens.access_token, { scope: 'orders:read' })).status).toBe(
    200,
  )
})

test('the subject token’s own client may exchange it; a token for the orders service only its client may', async () => {
  const t = createTestAuthorizationServer()
  const other = await registerExchanger(t)
  const own = await clientCredentialsToken(t, other, 'orders:read')
  const forOrders = await exchange(t, other, own, { audience: ordersAudience })
  expect(forOrders.status).toBe(200)
  const ordersToken: string = (await forOrders.json()).access_token
  expect(decodeJwt(ordersToken).aud).toBe(ordersAudience)
  // The exchanger serves the API, not the orders service, and did not get this token.
  await expectError(await exchange(t, exchanger, ordersToken), 'invalid_request')
  // Its own client can exchange it again.
  expect((await exchange(t, other, ordersToken)).status).toBe(200)
})

test('the new token never outlives the subject token', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const subjectExp = decodeJwt(tokens.access_token).exp as number
  t.clock.advance(200_000)
  const response = await exchange(t, exchanger, tokens.access_token, { scope: 'orders:read' })
  expect(response.status).toBe(200)
  const body = await response.json()
  expect(decodeJwt(body.access_token).exp).toBe(subjectExp)
  expect(body.expires_in).toBe(subjectExp - Math.floor(t.clock.now() / 1000))
  expect(body.expires_in).toBe(100)

  // An exchange of the exchanged token is bound by the first subject too.
  t.clock.advance(50_000)
  const again = await (await exchange(t, exchanger, body.access_token)).json()
  expect(decodeJwt(again.access_token).exp).toBe(subjectExp)
  expect(again.expires_in).toBe(50)
  t.clock.advance(51_000)
  expect((await callApi(t, '/api/orders', again.access_token)).status).toBe(401)
})

test('revoking the subject token’s grant revokes the exchanged tokens, down the chain', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const first = (await (await exchange(t, exchanger, tokens.access_token)).json()).access_token
  const second = (await (await exchange(t, exchanger, first)).json()).access_token
  const forOrders = (
    await (await exchange(t, exchanger, first, { audience: ordersAudience })).json()
  ).access_token
  expect((await callApi(t, '/api/orders', second)).status).toBe(200)

  // Alice's app revokes its refresh token: the whole grant goes, and what was exchanged from it.
  const revoked = await postForm(t, '/revoke', {
    client_id: 'grantlab-spa',
    token: tokens.refresh_token,
  })
  expect(revoked.status).toBe(200)
  for (const token of [first, second]) {
    expect((await callApi(t, '/api/orders', token)).status).toBe(401)
    expect(await introspect(t, token)).toEqual({ active: false })
  }
  expect(await introspect(t, forOrders, { id: exchanger.id, secret: exchanger.secret })).toEqual({
    active: false,
  })
  await expectError(await exchange(t, exchanger, first), 'invalid_request')
})

test('a replayed authorization code, which revokes its grant, also kills the exchanged token', async () => {
  const t = createTestAuthorizationServer()
  const { tokens, code } = await obtainTokens(t)
  const exchanged = (await (await exchange(t, exchanger, tokens.access_token)).json()).access_token
  const replay = await postForm(t, '/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: spaRedirect,
    code_verifier: testVerifier,
    client_id: 'grantlab-spa',
  })
  expect(replay.status).toBe(400)
  expect((await callApi(t, '/api/profile', exchanged)).status).toBe(401)
})

test('scope is cut to what the exchanger registered: openid no longer leaks to userinfo', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  expect(tokens.scope).toBe('openid profile orders:read')
  const response = await exchange(t, exchanger, tokens.access_token)
  const body = await response.json()
  expect(body.scope).toBe('profile orders:read')
  const userinfo = await t.server.handle(
    new Request(`${t.deps.issuer}/userinfo`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    }),
  )
  expect(userinfo.status).toBe(403)
  expect(userinfo.headers.get('www-authenticate')).toContain('error="insufficient_scope"')

  const asked = await expectError(
    await exchange(t, exchanger, tokens.access_token, { scope: 'openid profile' }),
    'invalid_scope',
  )
  expect(asked).toMatch(/not registered for: openid/)
})

test('a registered exchanger gets only the scopes it registered, even when the subject holds more', async () => {
  const t = createTestAuthorizationServer()
  const other = await registerExchanger(t, 'orders:read')
  const own = await clientCredentialsToken(t, other, 'orders:read')
  expect((await (await exchange(t, other, own)).json()).scope).toBe('orders:read')
  const m2m = await clientCredentialsToken(
    t,
    { id: 'grantlab-m2m', secret: 'grantlab-m2m-secret' },
    'orders:read orders:write',
  )
  // Subject holds orders:write, the exchanger is the API's service and registered for it.
  const narrowed = await (await exchange(t, exchanger, m2m, { scope: 'orders:write' })).json()
  expect(narrowed.scope).toBe('orders:write')
  // A client registered for orders:read only cannot widen its own token.
  await expectError(await exchange(t, other, own, { scope: 'orders:write' }), 'invalid_scope')
})

test('ten concurrent exchanges of one subject token are each bound to it', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const answers = await Promise.all(
    Array.from({ length: 10 }, () => exchange(t, exchanger, tokens.access_token)),
  )
  const issued = await Promise.all(answers.map((answer) => answer.json()))
  expect(new Set(issued.map((body) => body.access_token)).size).toBe(10)
  await postForm(t, '/revoke', { client_id: 'grantlab-spa', token: tokens.refresh_token })
  for (const body of issued) {
    expect((await callApi(t, '/api/profile', body.access_token)).status).toBe(401)
  }
})
