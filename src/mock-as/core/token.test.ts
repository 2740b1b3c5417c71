import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { expect, test } from 'vitest'
import { parseBasicCredentials } from './client-authentication'
import { computeS256Challenge, verifyS256 } from './pkce'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import {
  basic,
  callApi,
  introspect,
  obtainCode,
  obtainTokens,
  postForm,
  register,
  spaRedirect,
  testVerifier,
} from './test-support'
import { leftHalfHash } from './tokens'

async function expectTokenError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = await response.json()
  expect(body.error).toBe(error)
  expect(typeof body.error_description).toBe('string')
  return body
}

function redeem(t: TestAuthorizationServer, code: string, extra: Record<string, string> = {}) {
  return postForm(t, '/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: spaRedirect,
    code_verifier: testVerifier,
    client_id: 'grantlab-spa',
    ...extra,
  })
}

test('RFC 7636 Appendix B: the S256 challenge of the example verifier', async () => {
  expect(await computeS256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  )
  expect(await verifyS256(testVerifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true)
  expect(await verifyS256(testVerifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN')).toBe(false)
})

test('OIDC Core Appendix A at_hash vector', async () => {
  expect(await leftHalfHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y')).toBe(
    '77QmUPtjPfzWtF2AnpK9RQ',
  )
})

test('RFC 6749 Basic examples decode, and form-encoding (+ and %XX) is undone on both halves', () => {
  expect(parseBasicCredentials('Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW')).toEqual({
    id: 's6BhdRkqt3',
    secret: 'gX1fBat3bV',
  })
  expect(parseBasicCredentials(`Basic ${btoa('my%2Dclient%2Ev1:s+e%2Bcret')}`)).toEqual({
    id: 'my-client.v1',
    secret: 's e+cret',
  })
  expect(parseBasicCredentials(`Basic ${btoa('a:b:c')}`)).toEqual({ id: 'a', secret: 'b:c' })
  expect(parseBasicCredentials('Basic !!!')).toBeUndefined()
  expect(parseBasicCredentials(`Basic ${btoa('no-colon')}`)).toBeUndefined()
  expect(parseBasicCredentials(`Basic ${btoa('%zz:x')}`)).toBeUndefined()
})

test('token success: RFC 9068 access token, opaque refresh token and an OIDC ID token with nonce, at_hash and auth_time', async () => {
  const t = createTestAuthorizationServer()
  const code = await obtainCode(t)
  const response = await redeem(t, code)
  expect(response.status).toBe(200)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const body = await response.json()
  expect(body).toMatchObject({
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'openid profile orders:read',
  })
  expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/)

  const atHeader = decodeProtectedHeader(body.access_token)
  expect(atHeader.typ).toBe('at+jwt')
  expect(atHeader.kid).toBeTruthy()
  const at = decodeJwt(body.access_token)
  expect(at).toMatchObject({
    iss: t.deps.issuer,
    aud: 'http://127.0.0.1:4173/api',
    sub: 'user-alice',
    client_id: 'grantlab-spa',
    scope: 'openid profile orders:read',
  })
  expect(at.exp).toBe((at.iat ?? 0) + 300)
  expect(at.jti).toBeTruthy()

  expect(decodeProtectedHeader(body.id_token).kid).toBeTruthy()
  const id = decodeJwt(body.id_token)
  expect(id).toMatchObject({
    iss: t.deps.issuer,
    aud: 'grantlab-spa',
    sub: 'user-alice',
    nonce: 'nonce-456',
  })
  expect(id.at_hash).toBe(await leftHalfHash(body.access_token))
  expect(typeof id.auth_time).toBe('number')
})

test('token: no nonce in the ID token when the authorization request had none', async () => {
  const t = createTestAuthorizationServer()
  const body = await (await redeem(t, await obtainCode(t, { nonce: undefined }))).json()
  expect(decodeJwt(body.id_token).nonce).toBeUndefined()
})

test('case 16: a code redeemed twice fails and revokes the tokens of the first redemption, also after time travel', async () => {
  const t = createTestAuthorizationServer()
  const code = await obtainCode(t)
  const first = await (await redeem(t, code)).json()
  expect((await callApi(t, '/api/profile', first.access_token)).status).toBe(200)

  await expectTokenError(await redeem(t, code), 400, 'invalid_grant')
  const profile = await callApi(t, '/api/profile', first.access_token)
  expect(profile.status).toBe(401)
  expect(profile.headers.get('www-authenticate')).toContain('error="invalid_token"')
  expect(await introspect(t, first.access_token)).toEqual({ active: false })
  // The refresh token is dead too (only its public client could introspect it, and cannot).
  await expectTokenError(
    await postForm(t, '/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: 'grantlab-spa',
    }),
    400,
    'invalid_grant',
  )
  t.clock.advance(10 * 60_000)
  await expectTokenError(await redeem(t, code), 400, 'invalid_grant')
})

test('two concurrent redemptions of one code: exactly one succeeds', async () => {
  const t = createTestAuthorizationServer()
  const code = await obtainCode(t)
  const statuses = (await Promise.all([redeem(t, code), redeem(t, code)]))
    .map((r) => r.status)
    .sort()
  expect(statuses).toEqual([200, 400])
})

const codeCases: [string, (t: TestAuthorizationServer, code: string) => Promise<Response>][] = [
  [
    '17: expired code',
    (t, code) => {
      t.clock.advance(61_000)
      return redeem(t, code)
    },
  ],
  [
    '18: code redeemed by another client',
    (t, code) =>
      postForm(
        t,
        '/token',
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: spaRedirect,
          code_verifier: testVerifier,
        },
        { authorization: basic('grantlab-web', 'grantlab-web-secret') },
      ),
  ],
  [
    '19: another redirect_uri',
    (t, code) =>
      redeem(t, code, { redirect_uri: spaRedirect.replace('authorization-code', 'refresh-token') }),
  ],
  [
    '19: redirect_uri missing',
    (t, code) =>
      postForm(t, '/token', {
        grant_type: 'authorization_code',
        code,
        code_verifier: testVerifier,
        client_id: 'grantlab-spa',
      }),
  ],
  [
    '20: code_verifier missing',
    (t, code) =>
      postForm(t, '/token', {
        grant_type: 'authorization_code',
        code,
        redirect_uri: spaRedirect,
        client_id: 'grantlab-spa',
      }),
  ],
  ['21: wrong code_verifier', (t, code) => redeem(t, code, { code_verifier: 'x'.repeat(43) })],
  [
    '23: code_verifier shorter than 43',
    (t, code) => redeem(t, code, { code_verifier: testVerifier.slice(0, 42) }),
  ],
  [
    '23: code_verifier longer than 128',
    (t, code) => redeem(t, code, { code_verifier: 'a'.repeat(129) }),
  ],
  [
    '23: code_verifier with a bad character',
    (t, code) => redeem(t, code, { code_verifier: `${testVerifier.slice(0, 42)}!` }),
  ],
  ['unknown code', (t) => redeem(t, 'not-a-code')],
]

test.each(codeCases)('case %s → 400 invalid_grant', async (_, run) => {
  const t = createTestAuthorizationServer()
  const code = await obtainCode(t)
  await expectTokenError(await run(t, code), 400, 'invalid_grant')
})

test('case 22: a code_verifier for a code issued without code_challenge is a downgrade and fails', async () => {
  const t = createTestAuthorizationServer()
  const web = { authorization: basic('grantlab-web', 'grantlab-web-secret') }
  const code = await obtainCode(t, {
    client_id: 'grantlab-web',
    code_challenge: undefined,
    code_challenge_method: undefined,
  })
  await expectTokenError(
    await postForm(
      t,
      '/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: spaRedirect,
        code_verifier: testVerifier,
      },
      web,
    ),
    400,
    'invalid_grant',
  )
  const ok = await postForm(
    t,
    '/token',
    { grant_type: 'authorization_code', code, redirect_uri: spaRedirect },
    web,
  )
  expect(ok.status).toBe(200)
})

const clientAuthCases: [string, Record<string, string>, Record<string, string>, number, string][] =
  [
    ['24: grant_type missing', { client_id: 'grantlab-spa' }, {}, 400, 'invalid_request'],
    [
      '24: grant_type unknown',
      { grant_type: 'magic', client_id: 'grantlab-spa' },
      {},
      400,
      'unsupported_grant_type',
    ],
    [
      '24: grant not allowed for the client',
      { grant_type: 'client_credentials', client_id: 'grantlab-spa' },
      {},
      400,
      'unauthorized_client',
    ],
    [
      '24: m2m client asks for authorization_code',
      { grant_type: 'authorization_code', code: 'x' },
      { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
      400,
      'unauthorized_client',
    ],
    [
      '25: missing secret for a confidential client',
      { grant_type: 'client_credentials', client_id: 'grantlab-m2m' },
      {},
      400,
      'invalid_client',
    ],
    [
      '25: wrong secret in the body',
      { grant_type: 'client_credentials', client_id: 'grantlab-m2m', client_secret: 'nope' },
      {},
      400,
      'invalid_client',
    ],
    [
      '26: Basic header and client_secret in the body',
      { grant_type: 'client_credentials', client_secret: 'grantlab-m2m-secret' },
      { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
      400,
      'invalid_request',
    ],
    [
      '26: body client_id differs from the Basic id',
      { grant_type: 'client_credentials', client_id: 'grantlab-web' },
      { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
      400,
      'invalid_request',
    ],
    [
      '27: public client sends a client_secret',
      {
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: 'grantlab-spa',
        client_secret: 'anything',
      },
      {},
      400,
      'invalid_client',
    ],
    [
      'unknown client_id',
      { grant_type: 'client_credentials', client_id: 'ghost' },
      {},
      400,
      'invalid_client',
    ],
    [
      'no client identification at all',
      { grant_type: 'client_credentials' },
      {},
      400,
      'invalid_client',
    ],
    [
      '32: a repeated parameter',
      { grant_type: 'client_credentials', client_id: 'grantlab-m2m' },
      {},
      400,
      'invalid_request',
    ],
  ]

test.each(clientAuthCases)('token case %s', async (name, params, headers, status, error) => {
  const t = createTestAuthorizationServer()
  const response = name.includes('repeated')
    ? await t.server.handle(
        new Request(`${t.deps.issuer}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: basic('grantlab-m2m', 'grantlab-m2m-secret'),
          },
          body: 'grant_type=client_credentials&scope=orders:read&scope=orders:write',
        }),
      )
    : await postForm(t, '/token', params, headers)
  await expectTokenError(response, status, error)
  // Credentials in the body (or none): no HTTP authentication scheme applies, so 400 and no
  // challenge; a 401 would need WWW-Authenticate (RFC 9110 §15.5.2, docs/decisions/076).
  if (error === 'invalid_client') expect(response.headers.get('www-authenticate')).toBeNull()
})

test('case 25: a wrong secret with Basic answers 401 invalid_client with WWW-Authenticate Basic realm', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: basic('grantlab-m2m', 'wrong') },
  )
  await expectTokenError(response, 401, 'invalid_client')
  expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/)
  const garbage = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: 'Basic %%%' },
  )
  await expectTokenError(garbage, 401, 'invalid_client')
  expect(garbage.headers.get('www-authenticate')).toMatch(/^Basic realm=/)
})

test('case 32: GET at /token is 405 JSON and a JSON body is 400 invalid_request', async () => {
  const t = createTestAuthorizationServer()
  const get = await t.server.handle(new Request(`${t.deps.issuer}/token`))
  expect(get.status).toBe(405)
  expect(get.headers.get('allow')).toBe('POST')
  expect((await get.json()).error).toBe('method_not_allowed')
  const json = await t.server.handle(
    new Request(`${t.deps.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: basic('grantlab-m2m', 'grantlab-m2m-secret'),
      },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    }),
  )
  await expectTokenError(json, 400, 'invalid_request')
})

test('refresh rotation: a new refresh token each time, narrowed access-token scope on request', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const response = await postForm(t, '/token', {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token,
    client_id: 'grantlab-spa',
    scope: 'orders:read',
  })
  expect(response.status).toBe(200)
  const body = await response.json()
  expect(body.scope).toBe('orders:read')
  expect(body.id_token).toBeUndefined()
  expect(body.refresh_token).not.toBe(tokens.refresh_token)
  // The new refresh token still covers the grant's full scope: refreshing without scope gets it.
  const full = await postForm(t, '/token', {
    grant_type: 'refresh_token',
    refresh_token: body.refresh_token,
    client_id: 'grantlab-spa',
  })
  expect((await full.json()).scope).toBe('openid profile orders:read')
})

test('case 28: a refresh token presented by another client, or expired, fails with invalid_grant', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  await expectTokenError(
    await postForm(
      t,
      '/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { authorization: basic('grantlab-web', 'grantlab-web-secret') },
    ),
    400,
    'invalid_grant',
  )
  t.clock.advance(24 * 3600_000 + 1000)
  await expectTokenError(
    await postForm(t, '/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: 'grantlab-spa',
    }),
    400,
    'invalid_grant',
  )
})

test('case 29: replaying a rotated refresh token fails and revokes the family, newest tokens included', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const refresh = (token: string) =>
    postForm(t, '/token', {
      grant_type: 'refresh_token',
      refresh_token: token,
      client_id: 'grantlab-spa',
    })
  const second = await (await refresh(tokens.refresh_token)).json()
  const third = await (await refresh(second.refresh_token)).json()
  expect((await callApi(t, '/api/profile', third.access_token)).status).toBe(200)

  await expectTokenError(await refresh(tokens.refresh_token), 400, 'invalid_grant')
  await expectTokenError(await refresh(third.refresh_token), 400, 'invalid_grant')
  expect((await callApi(t, '/api/profile', third.access_token)).status).toBe(401)
  expect((await callApi(t, '/api/profile', tokens.access_token)).status).toBe(401)
  expect(await introspect(t, third.access_token)).toEqual({ active: false })
})

test('case 30: refresh asking for a scope beyond the grant fails with invalid_scope', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  await expectTokenError(
    await postForm(t, '/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: 'grantlab-spa',
      scope: 'openid orders:write',
    }),
    400,
    'invalid_scope',
  )
  // The failed attempt did not consume the refresh token.
  expect(
    (
      await postForm(t, '/token', {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: 'grantlab-spa',
      })
    ).status,
  ).toBe(200)
})

test('client_credentials: confidential only, no refresh or ID token, user scopes refused', async () => {
  const t = createTestAuthorizationServer()
  const m2m = { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') }
  const ok = await postForm(t, '/token', { grant_type: 'client_credentials' }, m2m)
  expect(ok.status).toBe(200)
  const body = await ok.json()
  expect(body).toMatchObject({ token_type: 'Bearer', scope: 'orders:read orders:write' })
  expect(body.refresh_token).toBeUndefined()
  expect(decodeJwt(body.access_token).sub).toBe('grantlab-m2m')
  await expectTokenError(
    await postForm(t, '/token', { grant_type: 'client_credentials', scope: 'openid' }, m2m),
    400,
    'invalid_scope',
  )
})

test('client_secret_post authenticates a client registered for it', async () => {
  const t = createTestAuthorizationServer()
  const registered = await (
    await register(t, {
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      scope: 'orders:read',
    })
  ).json()
  const ok = await postForm(t, '/token', {
    grant_type: 'client_credentials',
    client_id: registered.client_id,
    client_secret: registered.client_secret,
  })
  expect(ok.status).toBe(200)
  // The same secret through Basic is a different method than the one registered.
  await expectTokenError(
    await postForm(
      t,
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basic(registered.client_id, registered.client_secret) },
    ),
    401,
    'invalid_client',
  )
})

test('private_key_jwt: RFC 7523 §3 checks on aud (the issuer alone), exp, iss/sub, jti replay, signature and assertion type', async () => {
  const t = createTestAuthorizationServer()
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const other = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' }
  const registered = await (
    await register(t, {
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: ['client_credentials'],
      scope: 'orders:read',
      jwks: { keys: [jwk] },
    })
  ).json()
  const id: string = registered.client_id
  const now = Math.floor(t.clock.now() / 1000)
  const sign = (claims: Record<string, unknown>, key: CryptoKey = privateKey) =>
    new SignJWT({
      iss: id,
      sub: id,
      aud: t.deps.issuer,
      exp: now + 60,
      iat: now,
      jti: crypto.randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(key)
  const send = async (
    assertion: string,
    type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  ) =>
    postForm(t, '/token', {
      grant_type: 'client_credentials',
      client_assertion_type: type,
      client_assertion: assertion,
    })

  const reused = await sign({})
  expect((await send(reused)).status).toBe(200)
  await expectTokenError(await send(reused), 400, 'invalid_client')
  // The issuer identifier, as a single string, is the only audience (draft-ietf-oauth-rfc7523bis):
  // the token and PAR endpoint URLs and an array are refused, and the description says so.
  for (const aud of [`${t.deps.issuer}/token`, `${t.deps.issuer}/par`, [t.deps.issuer]]) {
    const refused = await expectTokenError(await send(await sign({ aud })), 400, 'invalid_client')
    expect(refused.error_description).toMatch(
      new RegExp(
        `aud must be this server's issuer identifier, ${t.deps.issuer}, as a single string`,
      ),
    )
  }
  await expectTokenError(
    await send(await sign({ aud: 'https://elsewhere.example' })),
    400,
    'invalid_client',
  )
  await expectTokenError(await send(await sign({ exp: now - 120 })), 400, 'invalid_client')
  await expectTokenError(await send(await sign({ exp: undefined })), 400, 'invalid_client')
  await expectTokenError(await send(await sign({ jti: undefined })), 400, 'invalid_client')
  await expectTokenError(await send(await sign({ sub: 'someone-else' })), 400, 'invalid_client')
  await expectTokenError(await send(await sign({}, other.privateKey)), 400, 'invalid_client')
  await expectTokenError(await send('not.a.jwt'), 400, 'invalid_client')
  await expectTokenError(await send(await sign({}), 'urn:example:other'), 400, 'invalid_request')
})
