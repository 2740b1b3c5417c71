import { beforeAll, describe, expect, test } from 'vitest'
import { mcpResource, serviceToken, tokensForResources } from './resource-test-support'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import { postForm } from './test-support'

const metadataUrl = 'http://127.0.0.1:4173/.well-known/oauth-protected-resource/mcp'

function post(
  t: TestAuthorizationServer,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return t.server.handle(
    new Request(mcpResource, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body,
    }),
  )
}

function rpc(
  t: TestAuthorizationServer,
  token: string,
  message: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return post(t, JSON.stringify({ jsonrpc: '2.0', ...message }), {
    authorization: `Bearer ${token}`,
    ...headers,
  })
}

let t: TestAuthorizationServer
/** alice's token for /mcp with orders:read and orders:write, and one with orders:read only. */
let full: string
let readOnly: string

beforeAll(async () => {
  t = createTestAuthorizationServer()
  full = (await tokensForResources(t, [mcpResource])).access_token
  readOnly = (await tokensForResources(t, [mcpResource], { scope: 'orders:read' })).access_token
})

describe('authorization (MCP authorization specification, RFC 9728 §5.1, RFC 6750 §3.1)', () => {
  test('no token: 401 whose challenge points to the metadata and names the scope to ask for', async () => {
    const response = await post(
      t,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    )
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="grantlab-mcp", scope="orders:read", resource_metadata="${metadataUrl}", DPoP algs="ES256 Ed25519 RS256 PS256"`,
    )
    expect(await response.json()).toMatchObject({ error: 'invalid_token' })
  })

  test('a token lacking the tool’s scope: 403 insufficient_scope naming it, and nothing is placed', async () => {
    const response = await rpc(t, readOnly, {
      id: 7,
      method: 'tools/call',
      params: { name: 'place_order', arguments: { item: 'Spoon' } },
    })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="grantlab-mcp", error="insufficient_scope", error_description="The access token lacks the orders:write scope.", scope="orders:write", resource_metadata="${metadataUrl}"`,
    )
    const listed = await (
      await rpc(t, readOnly, { id: 8, method: 'tools/call', params: { name: 'list_orders' } })
    ).json()
    expect(JSON.stringify(listed.result.structuredContent)).not.toContain('Spoon')
  })

  test('a revoked token is refused on its next request (no session outlives it)', async () => {
    const tokens = await tokensForResources(t, [mcpResource])
    const ok = await rpc(t, tokens.access_token, { id: 1, method: 'ping' })
    expect(ok.status).toBe(200)
    await postForm(t, '/revoke', { token: tokens.refresh_token, client_id: 'grantlab-spa' })
    await postForm(t, '/revoke', { token: tokens.access_token, client_id: 'grantlab-spa' })
    const replayed = await rpc(t, tokens.access_token, { id: 2, method: 'ping' })
    expect(replayed.status).toBe(401)
    expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  test('a request from another site is refused with 403 even with a valid token (DNS rebinding)', async () => {
    for (const origin of ['http://evil.example', 'null']) {
      const response = await rpc(
        t,
        full,
        {
          id: 3,
          method: 'tools/call',
          params: { name: 'place_order', arguments: { item: 'Bribe' } },
        },
        { origin },
      )
      expect(response.status).toBe(403)
      expect(await response.json()).toMatchObject({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32000, message: expect.stringContaining(origin) },
      })
    }
    const same = await rpc(t, full, { id: 4, method: 'ping' }, { origin: 'http://127.0.0.1:4173' })
    expect(same.status).toBe(200)
    const orders = await (
      await rpc(t, full, { id: 5, method: 'tools/call', params: { name: 'list_orders' } })
    ).json()
    expect(JSON.stringify(orders)).not.toContain('Bribe')
  })
})

describe('the MCP lifecycle and tools', () => {
  test('initialize negotiates the version and declares the tools capability', async () => {
    const response = await rpc(t, full, {
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'test', version: '1' },
      },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: {
        protocolVersion: '2025-11-25',
        capabilities: { tools: { listChanged: false } },
        serverInfo: { name: 'grantlab-mcp' },
      },
    })
    const older = await (
      await rpc(t, full, {
        id: 'a',
        method: 'initialize',
        params: { protocolVersion: '2025-06-18' },
      })
    ).json()
    expect(older.result.protocolVersion).toBe('2025-06-18')
    const unknown = await (
      await rpc(t, full, {
        id: 'b',
        method: 'initialize',
        params: { protocolVersion: '1999-01-01' },
      })
    ).json()
    expect(unknown.result.protocolVersion).toBe('2025-11-25')
  })

  test('notifications (notifications/initialized) are accepted with 202 and no body', async () => {
    const response = await rpc(t, full, { method: 'notifications/initialized' })
    expect(response.status).toBe(202)
    expect(await response.text()).toBe('')
  })

  test('tools/list describes list_orders and place_order with their input schemas', async () => {
    const body = await (await rpc(t, full, { id: 2, method: 'tools/list' })).json()
    expect(body.result.tools.map((tool: { name: string }) => tool.name)).toEqual([
      'list_orders',
      'place_order',
    ])
    for (const tool of body.result.tools) {
      expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false })
    }
  })

  test('tools/call runs the tools for the token’s user: alice’s orders, and a new one', async () => {
    const placed = await (
      await rpc(t, full, {
        id: 3,
        method: 'tools/call',
        params: { name: 'place_order', arguments: { item: 'Teapot', quantity: 2 } },
      })
    ).json()
    expect(placed.result).toMatchObject({
      isError: false,
      structuredContent: { order: { item: 'Teapot', quantity: 2, owner: 'user-alice' } },
    })
    const listed = await (
      await rpc(t, full, {
        id: 4,
        method: 'tools/call',
        params: { name: 'list_orders', arguments: { status: 'placed' } },
      })
    ).json()
    const orders = listed.result.structuredContent.orders as { item: string; owner: string }[]
    expect(orders.some((order) => order.item === 'Teapot')).toBe(true)
    expect(orders.every((order) => order.owner === 'user-alice')).toBe(true)
    expect(listed.result.content[0]).toMatchObject({
      type: 'text',
      text: expect.stringContaining('Teapot'),
    })
  })

  test('a service token for /mcp (client credentials) sees only its own orders, never alice’s', async () => {
    const token = (await (await serviceToken(t, 'orders:read', [mcpResource])).json()).access_token
    const listed = await (
      await rpc(t, token, { id: 1, method: 'tools/call', params: { name: 'list_orders' } })
    ).json()
    expect(listed.result.structuredContent.orders).toEqual([])
  })

  test('concurrent tool calls each place their order; none is lost', async () => {
    const tokens = await tokensForResources(t, [mcpResource])
    const calls = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        rpc(t, tokens.access_token, {
          id: index,
          method: 'tools/call',
          params: { name: 'place_order', arguments: { item: `Cup ${index}` } },
        }).then((response) => response.json()),
      ),
    )
    expect(new Set(calls.map((call) => call.result.structuredContent.order.id)).size).toBe(10)
    const listed = await (
      await rpc(t, tokens.access_token, {
        id: 99,
        method: 'tools/call',
        params: { name: 'list_orders' },
      })
    ).json()
    const items = listed.result.structuredContent.orders.map(
      (order: { item: string }) => order.item,
    )
    for (let index = 0; index < 10; index++) expect(items).toContain(`Cup ${index}`)
  })
})

describe('malformed messages get the JSON-RPC error shapes', () => {
  test.each([
    ['not JSON', '{"jsonrpc": "2.0", "id": 1,', 400, null, -32700],
    ['a batch', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', 400, null, -32600],
    ['not an object', '"ping"', 400, null, -32600],
    ['no jsonrpc member', '{"id":1,"method":"ping"}', 400, null, -32600],
    ['jsonrpc 1.0', '{"jsonrpc":"1.0","id":1,"method":"ping"}', 400, null, -32600],
    ['no method', '{"jsonrpc":"2.0","id":1}', 400, null, -32600],
    ['a response', '{"jsonrpc":"2.0","id":1,"result":{}}', 400, null, -32600],
    ['a null id', '{"jsonrpc":"2.0","id":null,"method":"ping"}', 400, null, -32600],
    ['a fractional id', '{"jsonrpc":"2.0","id":1.5,"method":"ping"}', 400, null, -32600],
    ['params as an array', '{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}', 200, 1, -32602],
    ['an unknown method', '{"jsonrpc":"2.0","id":"x","method":"resources/list"}', 200, 'x', -32601],
    [
      'initialize without protocolVersion',
      '{"jsonrpc":"2.0","id":2,"method":"initialize","params":{}}',
      200,
      2,
      -32602,
    ],
    [
      'tools/call without a name',
      '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{}}',
      200,
      3,
      -32602,
    ],
    [
      'an unknown tool',
      '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"rm_rf"}}',
      200,
      4,
      -32602,
    ],
    [
      'arguments as a string',
      '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_orders","arguments":"x"}}',
      200,
      5,
      -32602,
    ],
    [
      'a cursor never issued',
      '{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"cursor":"abc"}}',
      200,
      6,
      -32602,
    ],
    ['a __proto__ method', '{"jsonrpc":"2.0","id":7,"method":"__proto__"}', 200, 7, -32601],
  ])('%s', async (_name, body, status, id, code) => {
    const response = await post(t, body, { authorization: `Bearer ${full}` })
    expect(response.status).toBe(status)
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id, error: { code } })
  })

  test('bad tool arguments are a tool result with isError, which a model can act on', async () => {
    for (const args of [
      { item: '' },
      { item: 'Cup', quantity: 0 },
      { item: 'Cup', colour: 'red' },
    ]) {
      const body = await (
        await rpc(t, full, {
          id: 1,
          method: 'tools/call',
          params: { name: 'place_order', arguments: args },
        })
      ).json()
      expect(body.result.isError).toBe(true)
      expect(body.result.content[0].text.length).toBeGreaterThan(10)
    }
    const status = await (
      await rpc(t, full, {
        id: 2,
        method: 'tools/call',
        params: { name: 'list_orders', arguments: { status: 'lost' } },
      })
    ).json()
    expect(status.result).toMatchObject({ isError: true })
  })

  test('an unsupported MCP-Protocol-Version header is 400; a supported one is fine', async () => {
    const bad = await rpc(
      t,
      full,
      { id: 1, method: 'ping' },
      { 'mcp-protocol-version': '2030-01-01' },
    )
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.message).toMatch(/2025-11-25/)
    const good = await rpc(
      t,
      full,
      { id: 1, method: 'ping' },
      { 'mcp-protocol-version': '2025-11-25' },
    )
    expect(good.status).toBe(200)
  })

  test('a body that is not application/json, or too large, is refused in JSON-RPC shape', async () => {
    const text = await post(t, '{"jsonrpc":"2.0","id":1,"method":"ping"}', {
      authorization: `Bearer ${full}`,
      'content-type': 'text/plain',
    })
    expect(text.status).toBe(415)
    expect((await text.json()).error.code).toBe(-32600)
    const huge = await post(
      t,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { pad: 'x'.repeat(70_000) },
      }),
      { authorization: `Bearer ${full}` },
    )
    expect(huge.status).toBe(400)
    expect((await huge.json()).error).toMatchObject({
      code: -32600,
      message: expect.stringMatching(/larger than/),
    })
  })

  test('GET /mcp is 405 with Allow: POST: this server offers no SSE stream', async () => {
    const response = await t.server.handle(
      new Request(mcpResource, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${full}` },
      }),
    )
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })
})
