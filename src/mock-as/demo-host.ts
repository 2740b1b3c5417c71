/**
 * What the service worker hosts on the app's origin, wired together: the mock authorization
 * server's core (`/as/*`, `/api/*`, the RFC 8414 and RFC 9728 well-known paths, `/mcp`, the demo
 * agent's metadata document) and the demo client's
 * back-channel logout endpoint (`/demo-client/*`). The tests build the same host on a memory
 * store, so what they exercise is the worker's wiring.
 *
 * A worker's own `fetch` never reaches its own fetch handler: it goes to the network. So the
 * server's outgoing requests (`deps.deliver`, the back-channel logout POSTs) and the demo client's
 * requests to the server (metadata, keys) are answered here, in the worker, by the same routes a
 * browser request would reach. Nothing is ever sent off the app's origin: DESIGN.md's "no request
 * leaves the origin" holds, and a client registered with a back-channel URI elsewhere is reported
 * as not reachable (docs/decisions/108).
 */
import { createLabServers } from './attacker/lab-servers.ts'
import { type AuthorizationServer, createAuthorizationServer } from './core/authorization-server.ts'
import { demoBackchannelLogoutPath } from './core/demo-data.ts'
import type { AuthorizationServerDeps, Store } from './core/deps.ts'
import { createDemoClient, type DemoClient } from './demo-client/backchannel-logout.ts'

/** The demo client whose back-channel endpoint this host serves. */
export const demoLogoutClientId = 'grantlab-logout'

const demoClientPrefix = '/demo-client/'

/** Paths of the app's origin that the host answers (everything else is the app itself). */
export function isHostedPath(pathname: string): boolean {
  return (
    hostedPaths.includes(pathname) || hostedPrefixes.some((prefix) => pathname.startsWith(prefix))
  )
}

const hostedPaths = ['/as', '/mcp', '/evil-as']
const hostedPrefixes = [
  '/as/',
  '/api/',
  '/.well-known/oauth-authorization-server/',
  // RFC 9728 metadata of /api and /mcp, the demo MCP server and the demo agent's metadata
  // document (docs/decisions/120, 124).
  '/.well-known/oauth-protected-resource/',
  '/demo-agent/',
  // The attack lab's malicious server and the attacker's server (docs/decisions/127).
  '/evil-as/',
  '/attacker/',
  demoClientPrefix,
]

export interface DemoHost {
  server: AuthorizationServer
  demoClient: DemoClient
  /** Answers a request for a hosted path of the origin; refuses every other URL. */
  fetch(request: Request): Promise<Response>
}

export interface DemoHostOptions {
  /** Told of each request the host makes to itself (not of those it is sent from outside). */
  onInternalExchange?: (request: Request, response: Response, startedAt: number) => void
  /**
   * The attack lab's stores: with them, the malicious server (`/evil-as`) and the attacker's
   * server (`/attacker/`) answer beside the honest one, each keeping its state apart.
   */
  lab?: { evilStore: Store; attackerStore: Store }
}

export function createDemoHost(
  deps: Omit<AuthorizationServerDeps, 'deliver'>,
  options: DemoHostOptions = {},
): DemoHost {
  const origin = new URL(deps.appOrigin).origin

  async function answer(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.origin !== origin || !isHostedPath(url.pathname)) {
      throw new TypeError(
        `This demo sends no request off the app's origin or outside the mock server: ${url.origin}${url.pathname} was not contacted.`,
      )
    }
    if (url.pathname.startsWith(demoClientPrefix)) {
      if (url.pathname !== demoBackchannelLogoutPath) {
        return new Response(JSON.stringify({ error: 'not_found' }), {
          status: 404,
          headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
        })
      }
      return demoClient.handle(request)
    }
    return server.handle(request)
  }

  /** A request the host makes to itself: answered in place, and reported. */
  async function internalFetch(request: Request): Promise<Response> {
    const startedAt = deps.clock.now()
    const copy = request.clone()
    const response = await answer(request)
    options.onInternalExchange?.(copy, response.clone(), startedAt)
    return response
  }

  const honest = createAuthorizationServer({ ...deps, deliver: internalFetch })
  const server = options.lab
    ? createLabServers({
        honest,
        honestDeps: deps,
        clock: deps.clock,
        random: deps.random,
        evilStore: options.lab.evilStore,
        attackerStore: options.lab.attackerStore,
      })
    : honest
  const demoClient = createDemoClient({
    issuer: deps.issuer,
    clientId: demoLogoutClientId,
    store: deps.store,
    clock: deps.clock,
    fetch: internalFetch,
  })
  return { server, demoClient, fetch: answer }
}
