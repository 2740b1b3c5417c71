import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { apiResource, mcpResource } from './resource-test-support'
import { createTestAuthorizationServer } from './test-server'
import { get } from './test-support'

const origin = 'http://127.0.0.1:4173'

test.each([
  [
    'api',
    apiResource,
    {
      scopes_supported: ['profile', 'orders:read', 'orders:write'],
      resource_name: 'Grantlab demo API',
    },
  ],
  [
    'mcp',
    mcpResource,
    {
      scopes_supported: ['orders:read', 'orders:write'],
      resource_name: 'Grantlab demo MCP server',
    },
  ],
])(
  'RFC 9728 metadata of /%s: its resource identifier, this issuer, header bearer tokens',
  async (id, resource, extra) => {
    const t = createTestAuthorizationServer()
    const response = await get(t, `${origin}/.well-known/oauth-protected-resource/${id}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({
      resource,
      authorization_servers: [t.deps.issuer],
      bearer_methods_supported: ['header'],
      resource_documentation: `${t.deps.appOrigin}/walkthrough/mcp-agent`,
      ...extra,
    })
  },
)

test('oauth4webapi discovers both resources and accepts their metadata (RFC 9728 §3.1, §3.3)', async () => {
  const t = createTestAuthorizationServer()
  const options = {
    [oauth.customFetch]: (url: string, init: RequestInit) =>
      t.server.handle(new Request(url, init)),
    [oauth.allowInsecureRequests]: true,
  }
  for (const resource of [apiResource, mcpResource]) {
    const expected = new URL(resource)
    const metadata = await oauth.processResourceDiscoveryResponse(
      expected,
      await oauth.resourceDiscoveryRequest(expected, options),
    )
    expect(metadata.resource).toBe(resource)
    expect(metadata.authorization_servers).toEqual([t.deps.issuer])
  }
  // A client that expected another resource refuses the document (§3.3: impersonation).
  await expect(
    oauth.processResourceDiscoveryResponse(
      new URL(`${origin}/elsewhere`),
      await get(t, `${origin}/.well-known/oauth-protected-resource/mcp`),
    ),
  ).rejects.toThrow(/does not match the expected value/)
})

test('the authorization server metadata lists its protected resources (RFC 9728 §4)', async () => {
  const t = createTestAuthorizationServer()
  for (const path of [
    '/.well-known/oauth-authorization-server/as',
    '/as/.well-known/openid-configuration',
  ]) {
    const metadata = await (await get(t, `${origin}${path}`)).json()
    expect(metadata.protected_resources).toEqual([apiResource, mcpResource])
  }
})

test('the metadata endpoints answer GET only, and unknown resources are 404', async () => {
  const t = createTestAuthorizationServer()
  const post = await t.server.handle(
    new Request(`${origin}/.well-known/oauth-protected-resource/mcp`, { method: 'POST' }),
  )
  expect(post.status).toBe(405)
  expect(post.headers.get('allow')).toBe('GET')
  const unknown = await get(t, `${origin}/.well-known/oauth-protected-resource/payments`)
  expect(unknown.status).toBe(404)
  expect((await unknown.json()).error).toBe('not_found')
  const root = await get(t, `${origin}/.well-known/oauth-protected-resource`)
  expect(root.status).toBe(404)
  // The demo agent's document is read-only too.
  const document = await t.server.handle(
    new Request(`${origin}/demo-agent/client-metadata.json`, { method: 'POST', body: '{}' }),
  )
  expect(document.status).toBe(405)
  expect(document.headers.get('allow')).toBe('GET')
})
