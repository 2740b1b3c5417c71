import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createAuthorizationServer } from '../mock-as/core/authorization-server.ts'
import { createCryptoRandom, createSystemClock } from '../mock-as/core/host.ts'
import { createStoredKeys } from '../mock-as/core/keys.ts'
import { createMemoryStore } from '../mock-as/core/memory-store.ts'
import { driveAuthorization } from '../mock-as/core/test-server.ts'
import { createNodeListener } from '../mock-as/node-adapter.ts'
import { createNodeDocumentFetcher } from '../mock-as/node-document-fetcher.ts'
import { createRun, parseRun, recordReturn, runNextStep } from './flow-runner.ts'
import { resultOf } from './flow-test-support.ts'
import { mcpAgentFlow } from './mcp-agent.ts'

// The walkthrough against the Node mock server as `npm run as` sets it up, over real HTTP: the
// agent's requests, the browser's pages and the server's own fetch of the agent's metadata
// document all go through sockets. Port 9524 belongs to this suite (the MCP brief).
const origin = 'http://127.0.0.1:9524'
let server: Server

beforeAll(async () => {
  const store = createMemoryStore()
  const core = createAuthorizationServer({
    issuer: `${origin}/as`,
    // The walkthrough plays the app on the server's own origin, so its callback is a demo one.
    appOrigin: origin,
    store,
    clock: createSystemClock(),
    random: createCryptoRandom(),
    keys: createStoredKeys(store),
    clientMetadataDocuments: {
      trustedOrigins: [origin],
      fetch: createNodeDocumentFetcher({ trustedOrigins: [origin] }),
    },
  })
  server = createServer(createNodeListener(core, origin))
  await new Promise<void>((resolve) => server.listen(9524, '127.0.0.1', resolve))
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

/** The browser: a real fetch that does not follow redirects, so each page is seen. */
const browser = {
  handle: (request: Request) => fetch(new Request(request, { redirect: 'manual' })),
  purgeExpired: async () => 0,
}

test.each(['metadata-document', 'dcr'] as const)(
  'npm run as: the whole MCP walkthrough over HTTP with %s registration and real oauth4webapi',
  async (choice) => {
    const env = { transport: (request: Request) => fetch(request), appOrigin: origin }
    let run = createRun(mcpAgentFlow)
    while (run.next < mcpAgentFlow.steps.length) {
      if (run.awaitingReturn) {
        const driven = await driveAuthorization(browser, run.awaitingReturn.url)
        run = recordReturn(run, driven.location ?? '')
        continue
      }
      const id = mcpAgentFlow.steps[run.next]?.id ?? ''
      const next = await runNextStep(mcpAgentFlow, run, env, id === 'register' ? { choice } : {})
      run = parseRun(JSON.stringify(next), mcpAgentFlow) ?? next
      const result = resultOf(run, id)
      if (result.status === 'error') throw new Error(`${id}: ${result.message} ${result.detail}`)
    }
    expect(
      resultOf(run, 'token').status === 'ok' && resultOf(run, 'token').values?.[0]?.value,
    ).toBe(`${origin}/mcp`)
    const pinned = resultOf(run, 'audience')
    expect(pinned.status === 'ok' && pinned.values?.[0]?.value).toBe('invalid_token')
  },
)
