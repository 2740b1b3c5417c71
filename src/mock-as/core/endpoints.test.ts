import { expect, test } from 'vitest'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import { basic, callApi, introspect, obtainTokens, postForm } from './test-support'

function register(t: TestAuthorizationServer, body: unknown, contentType = 'application/json') {
  return t.server.handle(
    new Request(`${t.deps.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  )
}

async function m2mToken(t: TestAuthorizationServer, scope: string): Promise<string> {
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', scope },
    {
      authorization: basic('grantlab-m2m', 'grantlab-m2m-secret'),
    },
  )
  return (await response.json()).access_token
}

test('userinfo returns sub and the claims of the granted scopes, with no WWW-Authenticate on success', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  for (const method of ['GET', 'POST']) {
    const response = await t.server.handle(
      new Request(`${t.deps.issuer}/userinfo`, {
        method,
        headers: { authorization: `Bearer ${tokens.access_token}` },
      }),
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('www-authenticate')).toBeNull()
    const body = await response.json()
    expect(body).toMatchObject({
      sub: 'user-alice',
      name: 'Alice Liddell',
      preferred_username: 'alice',
    })
    expect(body.email).toBeUndefined()
  }
})

test('userinfo rejects a missing, malformed, expired or scope-less token with the RFC 6750 challenge (and names DPoP, RFC 9449 §7.2)', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const userinfo = (headers: Record<string, string>) =>
    t.server.handle(new Request(`${t.deps.issuer}/userinfo`, { headers }))

  const none = await userinfo({})
  expect(none.status).toBe(401)
  expect(none.headers.get('www-authenticate')).toBe(
    'Bearer realm="grantlab-userinfo", DPoP algs="ES256 Ed25519 RS256 PS256"',
  )

  const bad = await userinfo({ authorization: 'Bearer abc.def.ghi' })
  expect(bad.status).toBe(401)
  expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"')

  const malformed = await userinfo({ authorization: 'Bearer a b c' })
  expect(malformed.status).toBe(400)
  expect(malformed.headers.get('www-authenticate')).toContain('error="invalid_request"')

  const noOpenid = await userinfo({ authorization: `Bearer ${await m2mToken(t, 'orders:read')}` })
  expect(noOpenid.status).toBe(403)
  expect(noOpenid.headers.get('www-authenticate')).toContain('error="insufficient_scope"')

  t.clock.advance(301_000)
  const expired = await userinfo({ authorization: `Bearer ${tokens.access_token}` })
  expect(expired.status).toBe(401)
  expect(expired.headers.get('www-authenticate')).toContain(
    'error_description="The access token expired."',
  )
})

test('resource server: 401 without an error code when no token is sent (RFC 6750 §3.1), pointing to its RFC 9728 metadata (§5.1), both schemes named (RFC 9449 §7.2)', async () => {
  const t = createTestAuthorizationServer()
  const response = await t.server.handle(new Request(`${t.deps.appOrigin}/api/profile`))
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe(
    'Bearer realm="grantlab-api", resource_metadata="http://127.0.0.1:4173/.well-known/oauth-protected-resource/api", DPoP algs="ES256 Ed25519 RS256 PS256"',
  )
})

test('resource server: profile, orders list and order creation with the right scopes', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const profile = await callApi(t, '/api/profile', tokens.access_token)
  expect(profile.status).toBe(200)
  expect(await profile.json()).toMatchObject({ sub: 'user-alice', name: 'Alice Liddell' })
  const orders = await callApi(t, '/api/orders', tokens.access_token)
  expect(
    (await orders.json()).orders.every((order: { owner: string }) => order.owner === 'user-alice'),
  ).toBe(true)

  const writer = await m2mToken(t, 'orders:write orders:read')
  const created = await callApi(t, '/api/orders', writer, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ item: 'Kettle', quantity: 2 }),
  })
  expect(created.status).toBe(201)
  expect(await created.json()).toMatchObject({ item: 'Kettle', quantity: 2, status: 'placed' })
  const all = await (await callApi(t, '/api/orders', writer)).json()
  expect(all.orders.some((order: { item: string }) => order.item === 'Kettle')).toBe(true)

  const badBody = await callApi(t, '/api/orders', writer, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"quantity": -1}',
  })
  expect(badBody.status).toBe(400)
})

test('resource server: 403 insufficient_scope names the scope it needs, 401 invalid_token for a forged token', async () => {
  const t = createTestAuthorizationServer()
  const reader = await m2mToken(t, 'orders:read')
  const write = await callApi(t, '/api/orders', reader, { method: 'POST' })
  expect(write.status).toBe(403)
  expect(write.headers.get('www-authenticate')).toBe(
    'Bearer realm="grantlab-api", error="insufficient_scope", error_description="The access token lacks the orders:write scope.", scope="orders:write", resource_metadata="http://127.0.0.1:4173/.well-known/oauth-protected-resource/api"',
  )
  const [header, payload] = reader.split('.')
  const forged = `${header}.${payload}.${'A'.repeat(342)}`
  const response = await callApi(t, '/api/orders', forged)
  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toMatch(
    /^Bearer realm="grantlab-api", error="invalid_token", error_description="/,
  )
})

test('resource server rejects an ID token presented as an access token (typ and aud differ)', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  expect((await callApi(t, '/api/profile', tokens.id_token ?? '')).status).toBe(401)
})

test('revocation: 200 for unknown tokens, revoking an access token only affects it, and another client is refused', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const spa = { client_id: 'grantlab-spa' }
  const unknown = await postForm(t, '/revoke', { ...spa, token: 'nothing' })
  expect(unknown.status).toBe(200)
  expect(unknown.headers.get('cache-control')).toBe('no-store')

  // RFC 7009 §2.1: another client's token is refused, and stays active (see
  // introspection-and-revocation.test.ts for every kind of token).
  const foreign = await postForm(
    t,
    '/revoke',
    { token: tokens.access_token },
    { authorization: basic('grantlab-web', 'grantlab-web-secret') },
  )
  expect(foreign.status).toBe(400)
  expect((await foreign.json()).error).toBe('unauthorized_client')
  expect(await introspect(t, tokens.access_token)).toMatchObject({ active: true })

  expect(
    (
      await postForm(t, '/revoke', {
        ...spa,
        token: tokens.access_token,
        token_type_hint: 'access_token',
      })
    ).status,
  ).toBe(200)
  expect(await introspect(t, tokens.access_token)).toEqual({ active: false })
  // Revoking the access token left the refresh token (and its grant) alone.
  const refreshed = await postForm(t, '/token', {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token,
    client_id: 'grantlab-spa',
  })
  expect(refreshed.status).toBe(200)
})

test('revocation requires client authentication and a token', async () => {
  const t = createTestAuthorizationServer()
  expect((await postForm(t, '/revoke', { token: 'x' })).status).toBe(400)
  expect(
    (await postForm(t, '/revoke', { token: 'x' }, { authorization: basic('grantlab-web', 'bad') }))
      .status,
  ).toBe(401)
  const missing = await postForm(t, '/revoke', { client_id: 'grantlab-spa' })
  expect(missing.status).toBe(400)
  expect((await missing.json()).error).toBe('invalid_request')
})

test('introspection: active token details, active:false only for anything else, and authentication required', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  expect(await introspect(t, tokens.access_token)).toMatchObject({
    active: true,
    client_id: 'grantlab-spa',
    sub: 'user-alice',
    scope: 'openid profile orders:read',
    token_type: 'Bearer',
    iss: t.deps.issuer,
    aud: 'http://127.0.0.1:4173/api',
  })
  expect(await introspect(t, 'garbage')).toEqual({ active: false })
  const publicCaller = await postForm(t, '/introspect', {
    client_id: 'grantlab-spa',
    token: tokens.access_token,
  })
  expect(publicCaller.status).toBe(400)
  expect((await publicCaller.json()).error).toBe('invalid_client')
  const anonymous = await postForm(t, '/introspect', { token: tokens.access_token })
  expect(anonymous.status).toBe(400)
})

test('registration: 201 with client_id, secret, issued-at and a numeric client_secret_expires_at', async () => {
  const t = createTestAuthorizationServer()
  const response = await register(t, {
    client_name: 'My Example Client',
    redirect_uris: ['https://client.example.org/callback', 'http://localhost:3000/cb'],
    grant_types: ['authorization_code', 'refresh_token'],
    contacts: ['ops@example.org'],
    example_extension_parameter: 'ignored',
  })
  expect(response.status).toBe(201)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const body = await response.json()
  expect(body).toMatchObject({
    client_name: 'My Example Client',
    token_endpoint_auth_method: 'client_secret_basic',
    response_types: ['code'],
    client_secret_expires_at: 0,
    contacts: ['ops@example.org'],
  })
  expect(typeof body.client_id).toBe('string')
  expect(typeof body.client_secret).toBe('string')
  expect(typeof body.client_id_issued_at).toBe('number')
  expect(body.example_extension_parameter).toBeUndefined()
  expect(body.source).toBeUndefined()
})

test('registration keeps application_type and post_logout_redirect_uris, and checks them', async () => {
  const t = createTestAuthorizationServer()
  const kept = await register(t, {
    redirect_uris: ['http://127.0.0.1/callback'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    post_logout_redirect_uris: ['http://127.0.0.1/signed-out'],
  })
  expect(kept.status).toBe(201)
  expect(await kept.json()).toMatchObject({
    application_type: 'native',
    post_logout_redirect_uris: ['http://127.0.0.1/signed-out'],
  })
  const badType = await register(t, {
    redirect_uris: ['https://a.example/cb'],
    application_type: 'tv',
  })
  expect(badType.status).toBe(400)
  expect((await badType.json()).error).toBe('invalid_client_metadata')
  const badLogout = await register(t, {
    redirect_uris: ['https://a.example/cb'],
    post_logout_redirect_uris: ['https://a.example/bye#frag'],
  })
  expect(badLogout.status).toBe(400)
  expect((await badLogout.json()).error).toBe('invalid_client_metadata')
})

test('registration: a public client gets no secret and cannot overwrite a demo client', async () => {
  const t = createTestAuthorizationServer()
  const body = await (
    await register(t, {
      client_id: 'grantlab-spa',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['https://a.example/cb'],
    })
  ).json()
  expect(body.client_secret).toBeUndefined()
  expect(body.client_secret_expires_at).toBeUndefined()
  expect(body.client_id).not.toBe('grantlab-spa')
})

const invalidRegistrations: [string, unknown, string][] = [
  [
    'redirect_uris missing for authorization_code',
    { grant_types: ['authorization_code'] },
    'invalid_redirect_uri',
  ],
  [
    'a redirect URI with a fragment',
    { redirect_uris: ['https://a.example/cb#x'] },
    'invalid_redirect_uri',
  ],
  [
    'plain http to a public host',
    { redirect_uris: ['http://a.example/cb'] },
    'invalid_redirect_uri',
  ],
  [
    'a javascript: redirect URI',
    { redirect_uris: ['javascript:alert(1)'] },
    'invalid_redirect_uri',
  ],
  ['a relative redirect URI', { redirect_uris: ['/cb'] }, 'invalid_redirect_uri'],
  [
    'redirect_uris not an array',
    { redirect_uris: 'https://a.example/cb' },
    'invalid_client_metadata',
  ],
  [
    'unknown auth method',
    { token_endpoint_auth_method: 'tls_client_auth', redirect_uris: ['https://a.example/cb'] },
    'invalid_client_metadata',
  ],
  [
    'unknown grant type',
    { grant_types: ['password'], redirect_uris: ['https://a.example/cb'] },
    'invalid_client_metadata',
  ],
  [
    'code response type without the authorization_code grant',
    { grant_types: ['client_credentials'], response_types: ['code'] },
    'invalid_client_metadata',
  ],
  [
    'authorization_code grant without the code response type',
    {
      grant_types: ['authorization_code'],
      response_types: [],
      redirect_uris: ['https://a.example/cb'],
    },
    'invalid_client_metadata',
  ],
  [
    'client_credentials for a public client',
    { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
    'invalid_client_metadata',
  ],
  [
    'both jwks and jwks_uri',
    {
      grant_types: ['client_credentials'],
      jwks: { keys: [{ kty: 'EC' }] },
      jwks_uri: 'https://a.example/jwks',
    },
    'invalid_client_metadata',
  ],
  [
    'private_key_jwt without jwks',
    { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt' },
    'invalid_client_metadata',
  ],
  [
    'a private key in jwks',
    {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ kty: 'EC', d: 'secret' }] },
    },
    'invalid_client_metadata',
  ],
  [
    'an unknown scope',
    { grant_types: ['client_credentials'], scope: 'admin' },
    'invalid_client_metadata',
  ],
  [
    'client_name of the wrong type',
    { grant_types: ['client_credentials'], client_name: 42 },
    'invalid_client_metadata',
  ],
  ['a JSON array', [], 'invalid_client_metadata'],
  ['JSON null', null, 'invalid_client_metadata'],
  ['invalid JSON', '{"redirect_uris": [', 'invalid_client_metadata'],
]

test.each(invalidRegistrations)('registration refuses %s', async (_, body, error) => {
  const t = createTestAuthorizationServer()
  const response = await register(t, body)
  expect(response.status).toBe(400)
  expect((await response.json()).error).toBe(error)
})

test('registration refuses a non-JSON content type and a body over 64 KB', async () => {
  const t = createTestAuthorizationServer()
  expect((await (await register(t, 'a=b', 'application/x-www-form-urlencoded')).json()).error).toBe(
    'invalid_client_metadata',
  )
  const huge = await register(t, { client_name: 'x'.repeat(70_000) })
  expect(huge.status).toBe(400)
  expect((await huge.json()).error).toBe('invalid_client_metadata')
})

test('registration ignores __proto__ and constructor keys without polluting anything', async () => {
  const t = createTestAuthorizationServer()
  const response = await register(
    t,
    '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "grant_types": ["client_credentials"], "scope": "orders:read"}',
  )
  expect(response.status).toBe(201)
  const body = await response.json()
  expect(Object.hasOwn(body, '__proto__')).toBe(false)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  const token = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: basic(body.client_id, body.client_secret) },
  )
  expect(token.status).toBe(200)
})
