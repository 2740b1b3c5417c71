/**
 * One server process for `npm run bench`'s CPU comparison (scripts/bench.ts): Grantlab's Node
 * server, or oidc-provider 9 with a client_credentials client, on 127.0.0.1:PORT. The parent asks
 * for `process.cpuUsage()` over IPC before and after its load, so each figure is this process's
 * own CPU, nothing of the load generator's.
 *   vite-node scripts/bench-cpu-server.ts -- grantlab|oidc-provider|oidc-provider-jwt PORT
 */
import { createServer, type RequestListener } from 'node:http'
import { exportJWK, generateKeyPair } from 'jose'

const [kind, portText] = process.argv.slice(2).filter((arg) => arg !== '--')
const port = Number(portText)
const origin = `http://127.0.0.1:${port}`

/** Grantlab as `npm run as` starts it (src/mock-as/node.ts): demo data, lab servers, CORS, faults. */
async function grantlab(): Promise<void> {
  const { startMockAuthorizationServer } = await import('../src/mock-as/node.ts')
  await startMockAuthorizationServer({ port, host: '127.0.0.1' })
}

/**
 * oidc-provider as its documentation sets it up for client_credentials: the memory adapter, the
 * client with a secret. `oidc-provider` issues its default opaque access tokens; `-jwt` issues
 * RFC 9068 JWTs signed with ES256 for one resource server, like Grantlab's tokens.
 */
async function oidcProvider(jwt: boolean) {
  // It ships no types; only its constructor and callback are used here.
  const moduleName = 'oidc-provider'
  const { default: Provider } = (await import(moduleName)) as {
    default: new (issuer: string, configuration: object) => { callback(): RequestListener }
  }
  const keys = await Promise.all(
    (['ES256', 'RS256'] as const).map(async (alg) => {
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
  const server = await oidcProvider(kind === 'oidc-provider-jwt')
  server.keepAliveTimeout = 60_000
  server.listen(port, '127.0.0.1', () => process.send?.({ ready: true }))
}
process.on('message', (message: { cpu?: boolean }) => {
  if (message.cpu) process.send?.({ cpu: process.cpuUsage() })
})
process.on('disconnect', () => process.exit(0))
