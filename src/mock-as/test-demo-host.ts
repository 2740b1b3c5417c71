/**
 * The service worker's host (demo-host.ts) on a memory store, for tests: the same wiring, with
 * the test server's settable clock and shared keys. It looks like a TestAuthorizationServer whose
 * `handle` is the host's, so the logout and flow tests can drive it like the bare core.
 */
import type { AuthorizationServerDeps } from './core/deps.ts'
import {
  createSettableClock,
  createTestAuthorizationServer,
  type TestAuthorizationServer,
} from './core/test-server.ts'
import { createDemoHost, type DemoHost } from './demo-host.ts'

export interface TestDemoHost extends TestAuthorizationServer {
  host: DemoHost
  /** The requests the host made to itself (back-channel POSTs, the demo client's key fetches). */
  internal: { method: string; url: string; status: number }[]
}

export function createTestDemoHost(
  options: { sessionMode?: AuthorizationServerDeps['sessionMode'] } = {},
): TestDemoHost {
  // A bare test server only for its deps (store, keys, random, issuer); the host builds its own
  // core on them, with `deliver` wired to itself.
  const clock = createSettableClock()
  const base = createTestAuthorizationServer({
    clock,
    ...(options.sessionMode ? { sessionMode: options.sessionMode } : {}),
  })
  const origin = new URL(base.deps.appOrigin).origin
  const internal: TestDemoHost['internal'] = []
  // As in the worker: Client ID Metadata Documents from the app's origin only, answered by the
  // host itself (the demo agent's document).
  const deps: AuthorizationServerDeps = {
    ...base.deps,
    clientMetadataDocuments: {
      allowedOrigins: [origin],
      trustedOrigins: [origin],
      fetch: (url, init) => host.fetch(new Request(url, init)),
    },
  }
  const host = createDemoHost(deps, {
    onInternalExchange: (request, response) => {
      internal.push({ method: request.method, url: request.url, status: response.status })
    },
  })
  return {
    host,
    internal,
    deps,
    clock,
    server: {
      handle: host.fetch,
      // The core alone: the demo client's routes are the host's, reached through `handle`.
      respond: (request) => host.server.respond(request),
      purgeExpired: () => host.server.purgeExpired(),
    },
  }
}
