import { expect, test } from 'vitest'
import {
  createTestAuthorizationServer,
  createWorkerLikeTestServer,
  driveAuthorization,
  type TestAuthorizationServer,
  testAppOrigin,
} from '../mock-as/core/test-server.ts'
import { createRun, type FlowRun, recordReturn } from './flow-runner.ts'
import {
  type FlowTestOptions,
  resultOf,
  runRemainingSteps,
  setUpFlow,
} from './flow-test-support.ts'
import { mcpAgentFlow } from './mcp-agent.ts'

/**
 * The walkthrough in Node against the server core, with oauth4webapi unmocked. The server is set
 * up as the service worker sets it up: metadata documents from the app's own origin only, the
 * demo agent's document answered by the core itself.
 */
function serverLikeTheWorker(options: { documents?: boolean } = {}): TestAuthorizationServer {
  return options.documents === false
    ? createTestAuthorizationServer()
    : createWorkerLikeTestServer()
}

function setUp(options: FlowTestOptions & { documents?: boolean } = {}) {
  return setUpFlow(mcpAgentFlow, { t: serverLikeTheWorker(options), ...options })
}

const stepIndex = (id: string) => mcpAgentFlow.steps.findIndex((step) => step.id === id)

/** Runs up to and including the authorize step, with the given registration choice. */
async function untilAuthorize(
  step: ReturnType<typeof setUp>['step'],
  choice: 'metadata-document' | 'dcr',
): Promise<FlowRun> {
  let run = createRun(mcpAgentFlow)
  while (run.next <= stepIndex('authorize')) {
    const id = mcpAgentFlow.steps[run.next]?.id
    run = await step(run, id === 'register' ? { choice } : {})
    const result = resultOf(run, id ?? '')
    if (result.status === 'error') throw new Error(`${id}: ${result.message} ${result.detail}`)
  }
  return run
}

test.each(['metadata-document', 'dcr'] as const)(
  'the whole walkthrough with %s registration: 401 → RFC 9728 → RFC 8414 → code + PKCE + resource → tool → refused at /api',
  async (choice) => {
    const { t, step } = setUp()
    let run = await untilAuthorize(step, choice)
    const authorizeUrl = new URL(run.awaitingReturn?.url ?? '')
    expect(authorizeUrl.searchParams.get('resource')).toBe(`${testAppOrigin}/mcp`)
    expect(authorizeUrl.searchParams.get('scope')).toBe('orders:read')
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256')
    const clientId = authorizeUrl.searchParams.get('client_id')
    if (choice === 'metadata-document') {
      expect(clientId).toBe(`${testAppOrigin}/demo-agent/client-metadata.json`)
    } else {
      expect(clientId).toMatch(/^client-/)
    }

    const driven = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '')
    const consent = driven.pages.at(-1) ?? ''
    if (choice === 'metadata-document') {
      expect(consent).toContain(
        'describes itself in a metadata document published by 127.0.0.1:4173',
      )
    } else {
      expect(consent).not.toContain('metadata document')
    }
    run = recordReturn(run, driven.location ?? '')
    run = await runRemainingSteps(mcpAgentFlow, step, run)

    const first = resultOf(run, 'no-token')
    expect(first.exchanges.map((exchange) => exchange.response.status)).toEqual([401])
    expect(first.status === 'ok' && first.values?.[1]?.value).toBe(
      `${testAppOrigin}/.well-known/oauth-protected-resource/mcp`,
    )
    const metadata = resultOf(run, 'resource-metadata')
    expect(metadata.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
      '/.well-known/oauth-protected-resource/mcp',
    ])
    const discovery = resultOf(run, 'as-metadata')
    expect(discovery.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
      '/.well-known/oauth-authorization-server/as',
    ])
    const register = resultOf(run, 'register')
    expect(register.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual(
      choice === 'dcr' ? ['/as/register'] : ['/demo-agent/client-metadata.json'],
    )
    const token = resultOf(run, 'token')
    expect(token.status === 'ok' && token.values?.[0]?.value).toBe(`${testAppOrigin}/mcp`)
    const tokenRequest = new URLSearchParams(token.exchanges[0]?.request.body ?? '')
    expect(tokenRequest.get('resource')).toBe(`${testAppOrigin}/mcp`)
    const initialize = resultOf(run, 'initialize')
    expect(initialize.exchanges.map((exchange) => exchange.response.status)).toEqual([
      200, 202, 200,
    ])
    expect(initialize.exchanges[2]?.request.headers['mcp-protocol-version']).toBe('2025-11-25')
    const tool = resultOf(run, 'tools-call')
    expect(tool.status === 'ok' && tool.values?.[0]?.value).toContain('Tea set')
    const pinned = resultOf(run, 'audience')
    expect(pinned).toMatchObject({ status: 'ok' })
    expect(pinned.exchanges.map((exchange) => exchange.response.status)).toEqual([401])
    expect(pinned.status === 'ok' && pinned.values?.map((value) => value.value)).toEqual([
      'invalid_token',
      `The access token is for ${testAppOrigin}/mcp, not for ${testAppOrigin}/api.`,
      `${testAppOrigin}/.well-known/oauth-protected-resource/api`,
    ])
  },
)

test('metadata whose resource is another server is refused (RFC 9728 §3.3: impersonation)', async () => {
  const { step } = setUp({
    intercept: async (request, response) => {
      if (!new URL(request.url).pathname.startsWith('/.well-known/oauth-protected-resource')) {
        return response
      }
      const body = await response.clone().json()
      return Response.json({ ...body, resource: 'https://evil.example/mcp' })
    },
  })
  let run = createRun(mcpAgentFlow)
  run = await step(run)
  run = await step(run)
  const result = resultOf(run, 'resource-metadata')
  expect(result).toMatchObject({ status: 'error' })
  expect(result.status === 'error' && result.message).toMatch(/does not match the expected value/)
  expect(run.data.issuer).toBeUndefined()
})

test('an authorization server without S256 is refused before any registration (MCP requires PKCE)', async () => {
  const { step } = setUp({
    intercept: async (request, response) => {
      if (!new URL(request.url).pathname.startsWith('/.well-known/oauth-authorization-server')) {
        return response
      }
      const { code_challenge_methods_supported: _, ...body } = await response.clone().json()
      return Response.json(body)
    },
  })
  let run = createRun(mcpAgentFlow)
  for (let index = 0; index < 3; index++) run = await step(run)
  const result = resultOf(run, 'as-metadata')
  expect(result.status === 'error' && result.message).toMatch(/does not list S256/)
  expect(run.next).toBe(stepIndex('as-metadata'))
})

test('a server that does not fetch metadata documents: the document choice says to use DCR', async () => {
  const { step } = setUp({ documents: false })
  let run = createRun(mcpAgentFlow)
  for (let index = 0; index < 4; index++) run = await step(run)
  const result = resultOf(run, 'register')
  expect(result.status === 'error' && result.message).toMatch(/register with RFC 7591 instead/)
})

test('a no-token answer without a resource_metadata challenge stops the walkthrough at once', async () => {
  const { step } = setUp({
    intercept: async (request, response) =>
      new URL(request.url).pathname === '/mcp'
        ? new Response(await response.clone().text(), { status: 401 })
        : response,
  })
  const run = await step(createRun(mcpAgentFlow))
  const result = resultOf(run, 'no-token')
  expect(result.status === 'error' && result.message).toMatch(/naming resource_metadata/)
})

test('if the demo API accepted the MCP server’s token, the last step says the audience is not checked', async () => {
  const { t, step } = setUp({
    intercept: async (request, response) =>
      new URL(request.url).pathname === '/api/orders' ? Response.json({ orders: [] }) : response,
  })
  let run = await untilAuthorize(step, 'metadata-document')
  run = recordReturn(
    run,
    (await driveAuthorization(t.server, run.awaitingReturn?.url ?? '')).location ?? '',
  )
  while (run.next < stepIndex('audience')) run = await step(run)
  run = await step(run)
  const result = resultOf(run, 'audience')
  expect(result.status === 'error' && result.message).toMatch(/does not check the audience/)
})
