import { type AuthorizationServer, createAuthorizationServer } from './authorization-server'
import type { AuthorizationServerDeps, Clock, Keys } from './deps'
import { createCryptoRandom } from './host'
import { createStoredKeys } from './keys'
import { createMemoryStore } from './memory-store'

/** A clock tests can set and move forward. */
export interface SettableClock extends Clock {
  set(ms: number): void
  advance(ms: number): void
}

export function createSettableClock(start = Date.now()): SettableClock {
  let current = start
  return {
    now: () => current,
    set: (ms) => {
      current = ms
    },
    advance: (ms) => {
      current += ms
    },
  }
}

export const testIssuer = 'http://127.0.0.1:4173/as'
export const testAppOrigin = 'http://127.0.0.1:4173'

// Generating an RSA key takes a while; test servers share one key set unless told otherwise.
let sharedKeys: Keys | undefined

export interface TestAuthorizationServer {
  server: AuthorizationServer
  deps: AuthorizationServerDeps
  clock: SettableClock
}

/**
 * A server with an in-memory store, a settable clock that starts at the real time, and real
 * randomness. Tests call `server.handle` directly or through oauth4webapi's `customFetch`.
 */
export function createTestAuthorizationServer(
  overrides: Partial<Omit<AuthorizationServerDeps, 'clock'>> & { clock?: SettableClock } = {},
): TestAuthorizationServer {
  const clock = overrides.clock ?? createSettableClock()
  const store = overrides.store ?? createMemoryStore()
  if (!overrides.keys && !sharedKeys) sharedKeys = createStoredKeys(createMemoryStore())
  const deps: AuthorizationServerDeps = {
    issuer: overrides.issuer ?? testIssuer,
    appOrigin: overrides.appOrigin ?? testAppOrigin,
    store,
    random: overrides.random ?? createCryptoRandom(),
    keys: overrides.keys ?? (sharedKeys as Keys),
    clock,
  }
  return { server: createAuthorizationServer(deps), deps, clock }
}
