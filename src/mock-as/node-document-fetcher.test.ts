import { createServer, type RequestListener, type Server } from 'node:http'
import { afterAll, expect, test } from 'vitest'
import { createAuthorizationServer } from './core/authorization-server'
import { createCryptoRandom, createSystemClock } from './core/host'
import { createStoredKeys } from './core/keys'
import { createMemoryStore } from './core/memory-store'
import { computeS256Challenge } from './core/pkce'
import { testVerifier } from './core/test-support'
import { createNodeListener } from './node-adapter'
import { createNodeDocumentFetcher } from './node-document-fetcher'

// Ports 9521-9524 belong to this suite (the MCP brief).
const servers: Server[] = []

function listen(port: number, listener: RequestListener): Promise<string> {
  const server = createServer(listener)
  servers.push(server)
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${port}`)),
  )
}

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

const init = () => ({
  signal: new AbortController().signal,
  redirect: 'manual' as const,
  headers: { accept: 'application/json' },
})

test('npm run as set-up: the server reads the demo agent’s document from its own loopback origin over real HTTP', async () => {
  const origin = 'http://127.0.0.1:9521'
  const appOrigin = 'http://localhost:5173'
  const store = createMemoryStore()
  const core = createAuthorizationServer({
    issuer: `${origin}/as`,
    appOrigin,
    store,
    clock: createSystemClock(),
    random: createCryptoRandom(),
    keys: createStoredKeys(store),
    clientMetadataDocuments: {
      trustedOrigins: [origin],
      fetch: createNodeDocumentFetcher({ trustedOrigins: [origin] }),
    },
  })
  await listen(9521, createNodeListener(core, origin))
  const url = new URL(`${origin}/as/authorize`)
  url.searchParams.set('client_id', `${origin}/demo-agent/client-metadata.json`)
  url.searchParams.set('redirect_uri', `${appOrigin}/walkthrough/mcp-agent/callback`)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('scope', 'orders:read')
  url.searchParams.set('code_challenge', await computeS256Challenge(testVerifier))
  url.searchParams.set('code_challenge_method', 'S256')
  url.searchParams.set('resource', `${origin}/mcp`)
  const page = await fetch(url)
  expect(page.status).toBe(200)
  expect(await page.text()).toContain('Grantlab demo agent')
})

test('a name that resolves to a private or loopback address is refused before any connection', async () => {
  for (const address of ['10.0.0.7', '127.0.0.1', '::1', '169.254.169.254', 'fd00::1']) {
    const fetcher = createNodeDocumentFetcher({
      resolve: async () => [{ address, family: address.includes(':') ? 6 : 4 }],
    })
    await expect(fetcher('https://agent.example.com/c.json', init())).rejects.toThrow(
      `agent.example.com resolves to ${address}, a loopback, private or reserved address`,
    )
  }
  // Any one bad address among several is enough (a rebinding attacker offers both).
  const mixed = createNodeDocumentFetcher({
    resolve: async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '192.168.1.1', family: 4 },
    ],
  })
  await expect(mixed('https://agent.example.com/c.json', init())).rejects.toThrow(/192\.168\.1\.1/)
  const unresolvable = createNodeDocumentFetcher({
    resolve: async () => {
      throw new Error('ENOTFOUND')
    },
  })
  await expect(unresolvable('https://nowhere.example/c.json', init())).rejects.toThrow(
    /does not resolve/,
  )
})

test('a redirect comes back as a 3xx, not followed, and a slow server stops when the signal aborts', async () => {
  const redirecting = await listen(9522, (_request, response) => {
    response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' })
    response.end()
  })
  const fetcher = createNodeDocumentFetcher({
    trustedOrigins: [redirecting, 'http://127.0.0.1:9523'],
  })
  const answer = await fetcher(`${redirecting}/c.json`, init())
  expect(answer.status).toBe(302)
  expect(answer.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data')

  const slow = await listen(9523, () => {
    // Never answers.
  })
  const controller = new AbortController()
  const pending = fetcher(`${slow}/c.json`, { ...init(), signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  await expect(pending).rejects.toThrow()
})
