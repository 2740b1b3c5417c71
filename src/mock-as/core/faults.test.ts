import { expect, test } from 'vitest'
import { createFaults } from './faults'
import { createTestAuthorizationServer } from './test-server'
import { authorizeUrl, basic, get, postForm, spaRedirect } from './test-support'

/**
 * Injected errors (the Node API's injectError, docs/decisions/118): the next N answers of one
 * endpoint are the RFC error with its status and headers, then the endpoint works again; the
 * authorization endpoint redirects the error to a genuine client's redirect URI only.
 */
function serverWithFaults() {
  const faults = createFaults()
  return { faults, t: createTestAuthorizationServer({ faults }) }
}

const clientCredentials = { grant_type: 'client_credentials', scope: 'orders:read' }
const m2m = { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') }

test('temporarily_unavailable twice at the token endpoint: 503 with Retry-After, then tokens again', async () => {
  const { faults, t } = serverWithFaults()
  faults.inject('token', { error: 'temporarily_unavailable' }, 2)
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const failed = await postForm(t, '/token', clientCredentials, m2m)
    expect(failed.status).toBe(503)
    expect(failed.headers.get('retry-after')).toBe('1')
    expect(failed.headers.get('cache-control')).toBe('no-store')
    expect(await failed.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'An error injected by the test (injectError): temporarily_unavailable.',
    })
  }
  const ok = await postForm(t, '/token', clientCredentials, m2m)
  expect(ok.status).toBe(200)
  expect((await ok.json()).access_token).toEqual(expect.any(String))
})

test('errors keep their RFC status and challenge: slow_down 400, invalid_client 401 with Basic, invalid_token 401 with Bearer', async () => {
  const { faults, t } = serverWithFaults()
  faults.inject('token', { error: 'slow_down', description: 'Poll less often.' }, 1)
  const slow = await postForm(t, '/token', clientCredentials, m2m)
  expect(slow.status).toBe(400)
  expect(await slow.json()).toEqual({ error: 'slow_down', error_description: 'Poll less often.' })

  faults.inject('token', { error: 'invalid_client' }, 1)
  const client = await postForm(t, '/token', clientCredentials, m2m)
  expect(client.status).toBe(401)
  expect(client.headers.get('www-authenticate')).toMatch(/^Basic realm=/)

  faults.inject('userinfo', { error: 'invalid_token' }, 1)
  const userinfo = await get(t, `${t.deps.issuer}/userinfo`, { authorization: 'Bearer x' })
  expect(userinfo.status).toBe(401)
  expect(userinfo.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/)
})

test('at a protected resource the injected challenge is its own: its realm and RFC 9728 resource_metadata', async () => {
  const { faults, t } = serverWithFaults()
  faults.inject('api/profile', { error: 'invalid_token', description: 'Expired.' }, 1)
  const profile = await get(t, 'http://127.0.0.1:4173/api/profile', { authorization: 'Bearer x' })
  expect(profile.status).toBe(401)
  expect(profile.headers.get('www-authenticate')).toBe(
    'Bearer realm="grantlab-api", error="invalid_token", error_description="Expired.", resource_metadata="http://127.0.0.1:4173/.well-known/oauth-protected-resource/api"',
  )
  faults.inject('mcp', { error: 'insufficient_scope' }, 1)
  const mcp = await t.server.handle(
    new Request('http://127.0.0.1:4173/mcp', {
      method: 'POST',
      headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    }),
  )
  expect(mcp.status).toBe(403)
  expect(mcp.headers.get('www-authenticate')).toMatch(
    /^Bearer realm="grantlab-mcp", error="insufficient_scope", .*resource_metadata="http:\/\/127\.0\.0\.1:4173\/\.well-known\/oauth-protected-resource\/mcp"$/,
  )
})

test('an injection for one endpoint leaves the others alone', async () => {
  const { faults, t } = serverWithFaults()
  faults.inject('introspect', { error: 'server_error' }, 1)
  expect((await postForm(t, '/token', clientCredentials, m2m)).status).toBe(200)
  expect((await get(t, `${t.deps.issuer}/jwks`)).status).toBe(200)
  const introspect = await postForm(t, '/introspect', { token: 'x' }, m2m)
  expect(introspect.status).toBe(500)
  expect((await introspect.json()).error).toBe('server_error')
})

test('at the authorization endpoint the error is redirected with state and iss, as RFC 6749 §4.1.2.1 and RFC 9207 say', async () => {
  const { faults, t } = serverWithFaults()
  faults.inject('authorize', { error: 'temporarily_unavailable' }, 1)
  const response = await get(t, await authorizeUrl(t))
  expect(response.status).toBe(302)
  const location = new URL(response.headers.get('location') ?? '')
  expect(`${location.origin}${location.pathname}`).toBe(spaRedirect)
  expect(location.searchParams.get('error')).toBe('temporarily_unavailable')
  expect(location.searchParams.get('state')).toBe('state-123')
  expect(location.searchParams.get('iss')).toBe(t.deps.issuer)
  // Used up: the next request shows the sign-in page.
  const page = await get(t, await authorizeUrl(t))
  expect(page.status).toBe(200)
  expect(page.headers.get('content-type')).toMatch(/^text\/html/)
})

test('an authorization request with a foreign redirect_uri gets the error page, never the injected redirect, and does not use it up', async () => {
  const { faults, t } = serverWithFaults()
  faults.inject('authorize', { error: 'access_denied' }, 1)
  const attacker = await get(t, await authorizeUrl(t, { redirect_uri: 'https://evil.example/cb' }))
  expect(attacker.status).toBe(400)
  expect(attacker.headers.get('location')).toBeNull()
  const genuine = await get(t, await authorizeUrl(t))
  expect(new URL(genuine.headers.get('location') ?? '').searchParams.get('error')).toBe(
    'access_denied',
  )
})

test('a wrong method is still 405, and does not use the injection up', async () => {
  const { faults, t } = serverWithFaults()
  faults.inject('token', { error: 'invalid_grant' }, 1)
  expect((await get(t, `${t.deps.issuer}/token`)).status).toBe(405)
  const injected = await postForm(t, '/token', clientCredentials, m2m)
  expect((await injected.json()).error).toBe('invalid_grant')
})
