/**
 * One server process for `npm run bench`'s CPU comparison (scripts/bench.ts): Grantlab's Node
 * server, oidc-provider 9 with a client_credentials client, or the bare node:http floor, on
 * 127.0.0.1:PORT. The parent asks for `process.cpuUsage()` over IPC before and after its load, so
 * each figure is this process's own CPU, nothing of the load generator's.
 *   node scripts/bench-cpu-server.mjs grantlab|oidc-provider|oidc-provider-jwt|node-floor PORT
 * Plain Node, no vite-node: each server runs as its users run it. Grantlab's TypeScript is loaded
 * through tsx, as `npm run as` loads it (bin/grantlab-as.mjs); under vite-node's module runner
 * every imported binding is read through a getter, which cost Grantlab 8% (docs/decisions/145).
 */
import { createServer } from 'node:http'
import { exportJWK, generateKeyPair } from 'jose'

const [kind, portText] = process.argv.slice(2).filter((arg) => arg !== '--')
const port = Number(portText)
const origin = `http://127.0.0.1:${port}`

/** Grantlab as `npm run as` starts it (src/mock-as/node.ts): demo data, lab servers, CORS, faults. */
async function grantlab() {
  const { register } = await import('tsx/esm/api')
  register()
  const { startMockAuthorizationServer } = await import('../src/mock-as/node.ts')
  await startMockAuthorizationServer({ port, host: '127.0.0.1' })
}

/**
 * The floor: node:http reading the request body and answering a fixed client_credentials answer
 * of Grantlab's size and headers, with no parsing, authentication or signing. What any server on
 * node:http spends per request before doing anything of its own.
 */
function nodeFloor() {
  const body = JSON.stringify({
    access_token: `${'x'.repeat(200)}.${'y'.repeat(300)}.${'z'.repeat(86)}`,
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'orders:read',
  })
  const headers = {
    'cache-control': 'no-store',
    'content-type': 'application/json;charset=UTF-8',
    pragma: 'no-cache',
    vary: 'Origin',
  }
  return createServer((request, response) => {
    request.on('data', () => {})
    request.on('end', () => {
      response.writeHead(200, headers)
      response.end(body)
    })
  })
}

/**
 * oidc-provider as its documentation sets it up for client_credentials: the memory adapter, the
 * client with a secret. `oidc-provider` issues its default opaque access tokens; `-jwt` issues
 * RFC 9068 JWTs signed with ES256 for one resource server, like Grantlab's tokens.
 */
/** @param {boolean} jwt */
async function oidcProvider(jwt) {
  const { default: Provider } = await import('oidc-provider')
  const keys = await Promise.all(
    ['ES256', 'RS256'].map(async (alg) => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true })
      return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: alg }
    }),
  )
  const resource = 'https://api.grantlab.test'
  const provider = new Provider(origin, {
    jwks: { keys },
    clients: [
      {
        client_id: 'grantlab-m2m',
        client_secret: 'grantlab-m2m-secret',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'orders:read',
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: ['orders:read'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      ...(jwt
        ? {
            resourceIndicators: {
              enabled: true,
              defaultResource: () => resource,
              useGrantedResource: () => true,
              getResourceServerInfo: () => ({
                scope: 'orders:read',
                accessTokenFormat: 'jwt',
                jwt: { sign: { alg: 'ES256' } },
              }),
            },
          }
        : {}),
    },
  })
  return createServer(provider.callback())
}

if (kind === 'grantlab') {
  await grantlab()
  process.send?.({ ready: true })
} else {
  const server =
    kind === 'node-floor' ? nodeFloor() : await oidcProvider(kind === 'oidc-provider-jwt')
  // As Grantlab's own server keeps them (keepAliveTimeoutMs in src/mock-as/node.ts): the load's
  // connections outlive the other servers' rounds, so no server pays for reconnecting.
  server.keepAliveTimeout = 60_000
  server.listen(port, '127.0.0.1', () => process.send?.({ ready: true }))
}
process.on('message', (/** @type {{ cpu?: boolean }} */ message) => {
  if (message.cpu) process.send?.({ cpu: process.cpuUsage() })
})
process.on('disconnect', () => process.exit(0))
