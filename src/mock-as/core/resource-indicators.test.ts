import { expect, test } from 'vitest'
import { maxResourceValues } from './resource-indicators'
import {
  apiResource,
  audienceOf,
  authorizeUrlWithResources,
  codeForResources,
  formWithResources,
  mcpResource,
  postFormBody,
  redeem,
  serviceToken,
  tokensForResources,
} from './resource-test-support'
import { createTestAuthorizationServer, driveAuthorization } from './test-server'
import { callApi, introspect, obtainTokens, postForm } from './test-support'

const listOrdersCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'list_orders' },
})

function callMcp(t: ReturnType<typeof createTestAuthorizationServer>, token: string) {
  return callApi(t, '/mcp', token, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: listOrdersCall,
  })
}

function refresh(
  t: ReturnType<typeof createTestAuthorizationServer>,
  refreshToken: string,
  resources: readonly string[] = [],
) {
  return postFormBody(
    t,
    '/token',
    formWithResources(
      { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'grantlab-spa' },
      resources,
    ),
  )
}

test('resource=/mcp at the authorization request: the token is for /mcp alone, works there and is refused at /api', async () => {
  const t = createTestAuthorizationServer()
  const tokens = await tokensForResources(t, [mcpResource])
  expect(audienceOf(tokens.access_token)).toBe(mcpResource)
  expect((await callMcp(t, tokens.access_token)).status).toBe(200)
  const api = await callApi(t, '/api/orders', tokens.access_token)
  expect(api.status).toBe(401)
  expect(api.headers.get('www-authenticate')).toContain('error="invalid_token"')
  expect(await api.json()).toMatchObject({
    error: 'invalid_token',
    error_description: `The access token is for ${mcpResource}, not for ${apiResource}.`,
  })
})

test('a token for /api (no resource anywhere, the default audience) is refused at /mcp', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  expect(audienceOf(tokens.access_token)).toBe(apiResource)
  expect((await callApi(t, '/api/orders', tokens.access_token)).status).toBe(200)
  const mcp = await callMcp(t, tokens.access_token)
  expect(mcp.status).toBe(401)
  expect(mcp.headers.get('www-authenticate')).toBe(
    `Bearer realm="grantlab-mcp", error="invalid_token", error_description="The access token is for ${apiResource}, not for ${mcpResource}.", resource_metadata="http://127.0.0.1:4173/.well-known/oauth-protected-resource/mcp", DPoP algs="ES256 Ed25519 RS256 PS256"`,
  )
  // Introspection still reports the default audience it always did.
  expect(await introspect(t, tokens.access_token)).toMatchObject({ active: true, aud: apiResource })
})

test('two resources at authorization: the token request may pick one, or take both (RFC 8707 §2.2)', async () => {
  const t = createTestAuthorizationServer()
  const both = await tokensForResources(t, [apiResource, mcpResource])
  expect(audienceOf(both.access_token)).toEqual([apiResource, mcpResource])
  expect((await callMcp(t, both.access_token)).status).toBe(200)
  expect((await callApi(t, '/api/orders', both.access_token)).status).toBe(200)

  const one = await tokensForResources(t, [apiResource, mcpResource], { atToken: [mcpResource] })
  expect(audienceOf(one.access_token)).toBe(mcpResource)
  expect((await callApi(t, '/api/orders', one.access_token)).status).toBe(401)
})

test('a token request cannot ask for a resource the authorization request did not name; the code survives the refusal', async () => {
  const t = createTestAuthorizationServer()
  const code = await codeForResources(t, [mcpResource])
  const widened = await redeem(t, code, [apiResource])
  expect(widened.status).toBe(400)
  expect(await widened.json()).toMatchObject({
    error: 'invalid_target',
    error_description: `The grant does not cover ${apiResource}; it was authorized for ${mcpResource}.`,
  })
  // Nothing was issued, so the code is still unused and the right request gets its tokens.
  const right = await redeem(t, code, [mcpResource])
  expect(right.status).toBe(200)
  expect(audienceOf((await right.json()).access_token)).toBe(mcpResource)
})

test('without resource at the authorization request, a token request may not ask for /mcp (no widening)', async () => {
  const t = createTestAuthorizationServer()
  const code = await codeForResources(t, [])
  const response = await redeem(t, code, [mcpResource])
  expect(response.status).toBe(400)
  expect((await response.json()).error).toBe('invalid_target')
  const api = await redeem(t, code, [apiResource])
  expect(api.status).toBe(200)
  expect(audienceOf((await api.json()).access_token)).toBe(apiResource)
})

test('refresh narrows to one granted resource and cannot widen; without resource it gets the whole grant', async () => {
  const t = createTestAuthorizationServer()
  const tokens = await tokensForResources(t, [apiResource, mcpResource], { atToken: [mcpResource] })
  const narrowed = await refresh(t, tokens.refresh_token, [apiResource])
  expect(narrowed.status).toBe(200)
  const narrowedBody = await narrowed.json()
  expect(audienceOf(narrowedBody.access_token)).toBe(apiResource)

  const whole = await refresh(t, narrowedBody.refresh_token)
  expect(whole.status).toBe(200)
  const wholeBody = await whole.json()
  expect(audienceOf(wholeBody.access_token)).toEqual([apiResource, mcpResource])

  const mcpOnly = await tokensForResources(t, [mcpResource])
  const widened = await refresh(t, mcpOnly.refresh_token, [apiResource])
  expect(widened.status).toBe(400)
  expect((await widened.json()).error).toBe('invalid_target')
  // The refused refresh did not spend the refresh token: it still works for what it covers.
  const again = await refresh(t, mcpOnly.refresh_token, [mcpResource])
  expect(again.status).toBe(200)
})

test.each([
  ['a relative reference', 'mcp'],
  ['a path only', '/mcp'],
  ['a fragment', `${mcpResource}#tools`],
  ['an unknown resource', 'https://mcp.example.com/mcp'],
  ['a different path case', 'http://127.0.0.1:4173/MCP'],
  ['a dot segment', 'http://127.0.0.1:4173/./mcp'],
  ['a URN', 'urn:example:mcp'],
  ['leading white space', ` ${mcpResource}`],
])(
  'an authorization request with %s as resource is sent back with invalid_target, state and iss',
  async (_name, resource) => {
    const t = createTestAuthorizationServer()
    const driven = await driveAuthorization(
      t.server,
      await authorizeUrlWithResources(t, [resource]),
    )
    expect(driven.pages).toEqual([])
    const location = new URL(driven.location ?? 'http://invalid/')
    expect(location.searchParams.get('error')).toBe('invalid_target')
    expect(location.searchParams.get('state')).toBe('state-123')
    expect(location.searchParams.get('iss')).toBe(t.deps.issuer)
    expect(location.searchParams.get('code')).toBeNull()
  },
)

test('scheme and host may differ in case; the token names the canonical identifier', async () => {
  const t = createTestAuthorizationServer()
  const tokens = await tokensForResources(t, ['HTTP://127.0.0.1:4173/mcp'])
  expect(audienceOf(tokens.access_token)).toBe(mcpResource)
})

test(`more than ${maxResourceValues} resource values, even repeated, are refused; duplicates count once`, async () => {
  const t = createTestAuthorizationServer()
  const many = Array.from({ length: maxResourceValues + 1 }, () => mcpResource)
  const driven = await driveAuthorization(t.server, await authorizeUrlWithResources(t, many))
  expect(new URL(driven.location ?? 'http://invalid/').searchParams.get('error')).toBe(
    'invalid_target',
  )
  const twice = await tokensForResources(t, [mcpResource, mcpResource])
  expect(audienceOf(twice.access_token)).toBe(mcpResource)
})

test('PAR takes repeated resource values; the pushed request gives a code whose token has them as aud', async () => {
  const t = createTestAuthorizationServer()
  const url = new URL(await authorizeUrlWithResources(t, [apiResource, mcpResource]))
  const pushed = await postFormBody(t, '/par', url.searchParams)
  expect(pushed.status).toBe(201)
  const { request_uri: requestUri } = await pushed.json()
  const authorize = new URL(`${t.deps.issuer}/authorize`)
  authorize.searchParams.set('client_id', 'grantlab-spa')
  authorize.searchParams.set('request_uri', requestUri)
  const driven = await driveAuthorization(t.server, authorize.href)
  const code = new URL(driven.location ?? 'http://invalid/').searchParams.get('code') ?? ''
  const response = await redeem(t, code)
  expect(audienceOf((await response.json()).access_token)).toEqual([apiResource, mcpResource])

  const bad = new URL(await authorizeUrlWithResources(t, ['https://elsewhere.example/api']))
  const refused = await postFormBody(t, '/par', bad.searchParams)
  expect(refused.status).toBe(400)
  expect((await refused.json()).error).toBe('invalid_target')
})

test('client credentials: resource=/mcp gives a token for /mcp; an unknown resource is invalid_target', async () => {
  const t = createTestAuthorizationServer()
  const ok = await serviceToken(t, 'orders:read', [mcpResource])
  expect(ok.status).toBe(200)
  const token = (await ok.json()).access_token
  expect(audienceOf(token)).toBe(mcpResource)
  expect((await callMcp(t, token)).status).toBe(200)
  expect((await callApi(t, '/api/orders', token)).status).toBe(401)
  const unknown = await serviceToken(t, 'orders:read', ['https://payments.example.com/'])
  expect(unknown.status).toBe(400)
  expect((await unknown.json()).error).toBe('invalid_target')
})

test('a grant that does not take resource refuses it rather than ignore it', async () => {
  const t = createTestAuthorizationServer()
  const response = await postFormBody(
    t,
    '/token',
    formWithResources(
      {
        grant_type: 'password',
        username: 'alice',
        password: 'alice-password',
        client_id: 'grantlab-legacy',
        scope: 'orders:read',
      },
      [mcpResource],
    ),
  )
  expect(response.status).toBe(400)
  expect(await response.json()).toMatchObject({
    error: 'invalid_target',
    error_description: expect.stringMatching(/password grant/),
  })
})

test('only resource may repeat at the token endpoint: any other repeated parameter is still invalid_request', async () => {
  const t = createTestAuthorizationServer()
  const body = formWithResources({ grant_type: 'client_credentials' }, [mcpResource, apiResource])
  body.append('scope', 'orders:read')
  body.append('scope', 'orders:write')
  const response = await postFormBody(t, '/token', body, {
    authorization: `Basic ${btoa('grantlab-m2m:grantlab-m2m-secret')}`,
  })
  expect(response.status).toBe(400)
  expect(await response.json()).toMatchObject({
    error: 'invalid_request',
    error_description: 'Parameters must not be repeated: scope.',
  })
})

test('concurrent redemptions of one code with different resources: exactly one gets tokens', async () => {
  const t = createTestAuthorizationServer()
  const code = await codeForResources(t, [apiResource, mcpResource])
  const answers = await Promise.all(
    [apiResource, mcpResource, apiResource, mcpResource].map((resource) =>
      redeem(t, code, [resource]),
    ),
  )
  expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400, 400])
  const errors = await Promise.all(
    answers.filter((answer) => answer.status === 400).map((answer) => answer.json()),
  )
  expect(errors.map((error) => error.error)).toEqual([
    'invalid_grant',
    'invalid_grant',
    'invalid_grant',
  ])
})

test('token exchange keeps its own resource rule: one value at most', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const response = await postFormBody(
    t,
    '/token',
    formWithResources(
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: tokens.access_token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      },
      [apiResource, 'https://orders.grantlab.example'],
    ),
    { authorization: `Basic ${btoa('grantlab-exchanger:grantlab-exchanger-secret')}` },
  )
  expect(response.status).toBe(400)
  expect((await response.json()).error).toBe('invalid_target')
  // A single resource still works as before.
  const single = await postForm(
    t,
    '/token',
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: tokens.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      resource: 'https://orders.grantlab.example',
      scope: 'orders:read',
    },
    { authorization: `Basic ${btoa('grantlab-exchanger:grantlab-exchanger-secret')}` },
  )
  expect(single.status).toBe(200)
})
