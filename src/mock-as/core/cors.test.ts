import { describe, expect, test } from 'vitest'
import { createCorsPolicy, isLoopbackOrigin } from './cors'
import { mcpResource, tokensForResources } from './resource-test-support'
import { routeTable } from './routes'
import { createTestAuthorizationServer, testIssuer } from './test-server'
import { basic } from './test-support'

/**
 * CORS (docs/decisions/116): the endpoints a browser client fetches answer preflights and carry
 * `Access-Control-Allow-Origin` for allowed origins only; pages never do; without a policy (the
 * service worker) there is no CORS at all.
 */
const app = 'http://localhost:3000'
const withPolicy = (entries: string[]) =>
  createTestAuthorizationServer({ cors: createCorsPolicy(entries) })

const preflight = (url: string, origin: string, method = 'POST') =>
  new Request(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, dpop, content-type',
    },
  })

const corsUrls = [
  `${testIssuer}/.well-known/openid-configuration`,
  'http://127.0.0.1:4173/.well-known/oauth-authorization-server/as',
  `${testIssuer}/jwks`,
  `${testIssuer}/token`,
  `${testIssuer}/userinfo`,
  `${testIssuer}/revoke`,
  `${testIssuer}/introspect`,
  `${testIssuer}/register`,
  `${testIssuer}/par`,
  `${testIssuer}/device_authorization`,
  'http://127.0.0.1:4173/api/profile',
  'http://127.0.0.1:4173/api/orders',
  // RFC 9728 §3.1: a browser MCP client reads them after the 401 (decision 120).
  'http://127.0.0.1:4173/.well-known/oauth-protected-resource/api',
  'http://127.0.0.1:4173/.well-known/oauth-protected-resource/mcp',
]

test('loopback means localhost, 127.0.0.1 and [::1] on any port, and nothing that only looks like them', () => {
  for (const origin of [
    'http://localhost:3000',
    'https://localhost',
    'http://127.0.0.1:1',
    'http://[::1]:8080',
  ]) {
    expect(isLoopbackOrigin(origin), origin).toBe(true)
  }
  for (const origin of [
    'http://localhost.evil.example',
    'http://127.0.0.1.nip.io:3000',
    'http://localhost:3000/',
    'http://localhost:3000/app',
    'null',
    'file://',
    'http://evil.example',
    'http://10.0.0.1:3000',
  ]) {
    expect(isLoopbackOrigin(origin), origin).toBe(false)
  }
  expect(() => createCorsPolicy(['http://localhost:3000/'])).toThrow(/is not an origin/)
  expect(() => createCorsPolicy(['*'])).toThrow(/is not an origin/)
})

test.each(corsUrls)(
  'preflight to %s from an allowed origin: 204 with methods, headers and max-age',
  async (url) => {
    const t = withPolicy([app])
    const route = routeTable.find((candidate) => url.endsWith(candidate.path || '/as'))
    const methods = Object.keys(route?.handlers ?? {})
    const response = await t.server.handle(preflight(url, app, methods[0]))
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(app)
    expect(response.headers.get('access-control-allow-methods')).toBe(methods.join(', '))
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'Authorization, DPoP, Content-Type',
    )
    expect(response.headers.get('access-control-max-age')).toBe('600')
    expect(response.headers.get('vary')).toMatch(/Origin/)
  },
)

test.each(corsUrls)(
  'preflight to %s from an unlisted origin: 403 and not one CORS header',
  async (url) => {
    const t = withPolicy([app])
    const response = await t.server.handle(preflight(url, 'https://evil.example'))
    expect(response.status).toBe(403)
    expect((await response.json()).error).toBe('invalid_request')
    for (const [name] of response.headers) expect(name).not.toMatch(/^access-control-/)
  },
)

test('an answer to an allowed origin carries Allow-Origin and exposes WWW-Authenticate and DPoP-Nonce, errors included', async () => {
  const t = withPolicy(['loopback'])
  const failed = await t.server.handle(
    new Request(`${testIssuer}/token`, {
      method: 'POST',
      headers: {
        origin: 'http://127.0.0.1:5555',
        authorization: basic('grantlab-m2m', 'wrong'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    }),
  )
  expect(failed.status).toBe(401)
  expect(failed.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5555')
  expect(failed.headers.get('access-control-expose-headers')).toBe('DPoP-Nonce, WWW-Authenticate')
  expect(failed.headers.get('www-authenticate')).toMatch(/^Basic /)

  const metadata = await t.server.handle(
    new Request(`${testIssuer}/.well-known/openid-configuration`, {
      headers: { origin: 'http://localhost:9999' },
    }),
  )
  expect(metadata.headers.get('access-control-allow-origin')).toBe('http://localhost:9999')
  expect((await metadata.json()).issuer).toBe(testIssuer)
})

test('an actual request from an unlisted origin gets its answer but no CORS header, so the browser hides it', async () => {
  const t = withPolicy([app])
  const response = await t.server.handle(
    new Request(`${testIssuer}/jwks`, { headers: { origin: 'http://localhost:3001' } }),
  )
  expect(response.status).toBe(200)
  expect(response.headers.get('access-control-allow-origin')).toBeNull()
  expect(response.headers.get('access-control-expose-headers')).toBeNull()
  expect(response.headers.get('vary')).toBe('Origin')
})

test('pages get no CORS: the authorization page, the device page, the sign-in form posts', async () => {
  const t = withPolicy(['loopback'])
  for (const path of ['/authorize', '/device', '/authorize/login', '/authorize/consent']) {
    const options = await t.server.handle(preflight(`${testIssuer}${path}`, app, 'GET'))
    expect(options.status, path).toBe(405)
    expect(options.headers.get('access-control-allow-origin'), path).toBeNull()
  }
  const page = await t.server.handle(
    new Request(`${testIssuer}/authorize?client_id=grantlab-spa`, { headers: { origin: app } }),
  )
  expect(page.headers.get('access-control-allow-origin')).toBeNull()
})

test('without a policy (the service worker) nothing changes: OPTIONS is 405 and no answer has CORS headers', async () => {
  const t = createTestAuthorizationServer()
  const options = await t.server.handle(preflight(`${testIssuer}/token`, app))
  expect(options.status).toBe(405)
  const metadata = await t.server.handle(
    new Request(`${testIssuer}/.well-known/openid-configuration`, { headers: { origin: app } }),
  )
  expect(metadata.headers.get('access-control-allow-origin')).toBeNull()
  expect(metadata.headers.get('vary')).toBeNull()
})

test('an OPTIONS request that is no preflight gets 204 with Allow', async () => {
  const t = withPolicy([app])
  const response = await t.server.handle(
    new Request(`${testIssuer}/userinfo`, { method: 'OPTIONS' }),
  )
  expect(response.status).toBe(204)
  expect(response.headers.get('allow')).toBe('GET, POST, OPTIONS')
})

describe('the demo MCP server at /mcp (decision 120): an API route for browser MCP clients', () => {
  const mcpPost = (t: ReturnType<typeof withPolicy>, origin: string, token: string) =>
    t.server.handle(
      new Request(mcpResource, {
        method: 'POST',
        headers: {
          origin,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      }),
    )

  test('a preflight from an allowed origin allows POST and the MCP-Protocol-Version header', async () => {
    const t = withPolicy([app])
    const response = await t.server.handle(
      new Request(mcpResource, {
        method: 'OPTIONS',
        headers: {
          origin: app,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
        },
      }),
    )
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(app)
    expect(response.headers.get('access-control-allow-methods')).toBe('POST')
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'Authorization, DPoP, Content-Type, MCP-Protocol-Version',
    )
  })

  test('a preflight from an unlisted origin: 403 and no CORS header', async () => {
    const t = withPolicy([app])
    const response = await t.server.handle(preflight(mcpResource, 'https://evil.example'))
    expect(response.status).toBe(403)
    for (const [name] of response.headers) expect(name).not.toMatch(/^access-control-/)
  })

  test('a call from an allowed origin is answered and readable; from any other origin it stays 403 (DNS rebinding)', async () => {
    const t = withPolicy([app])
    const token = (await tokensForResources(t, [mcpResource])).access_token
    const allowed = await mcpPost(t, app, token)
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(app)
    expect((await allowed.json()).result.tools.length).toBeGreaterThan(0)

    const other = await mcpPost(t, 'http://localhost:3001', token)
    expect(other.status).toBe(403)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('its 401 exposes WWW-Authenticate, so the client can read resource_metadata', async () => {
    const t = withPolicy([app])
    const response = await mcpPost(t, app, 'not-a-token')
    expect(response.status).toBe(401)
    expect(response.headers.get('access-control-expose-headers')).toMatch(/WWW-Authenticate/)
    expect(response.headers.get('www-authenticate')).toMatch(
      /resource_metadata="http:\/\/127\.0\.0\.1:4173\/\.well-known\/oauth-protected-resource\/mcp"/,
    )
  })
})
