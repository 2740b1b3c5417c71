/**
 * The servers the attack lab needs next to the honest one (docs/decisions/127), behind one
 * `handle`: the malicious authorization server at `/evil-as` and the attacker's server at
 * `/attacker/`; everything else goes to the honest server. The service worker and `npm run as`
 * both serve this, each with its own stores.
 */
import { type AuthorizationServer, createAuthorizationServer } from '../core/authorization-server'
import type { AuthorizationServerDeps, Clock, Random, Store } from '../core/deps'
import { createStoredKeys } from '../core/keys'
import { type CoreRequest, type CoreResponse, toFetchResponse } from '../core/request-response'
import { attackerPath, createAttackerServer } from './attacker-server'
import { createEvilAuthorizationServer, evilIssuerPath, isEvilAsPath } from './evil-as'

export function isAttackerPath(pathname: string): boolean {
  return pathname.startsWith(`${attackerPath}/`)
}

export interface LabServersInit {
  honest: AuthorizationServer
  /** The honest server's deps: issuer, app origin, clock, randomness and session mode are shared. */
  honestDeps: Pick<AuthorizationServerDeps, 'issuer' | 'appOrigin' | 'sessionMode'>
  clock: Clock
  random: Random
  /** The malicious server's state and the attacker's log, each in a store of its own. */
  evilStore: Store
  attackerStore: Store
}

export function createLabServers(init: LabServersInit): AuthorizationServer {
  const origin = new URL(init.honestDeps.issuer).origin
  const evilCore = createAuthorizationServer({
    issuer: `${origin}${evilIssuerPath}`,
    appOrigin: init.honestDeps.appOrigin,
    store: init.evilStore,
    clock: init.clock,
    random: init.random,
    keys: createStoredKeys(init.evilStore),
    ...(init.honestDeps.sessionMode ? { sessionMode: init.honestDeps.sessionMode } : {}),
  })
  const attacker = createAttackerServer({
    origin,
    store: init.attackerStore,
    clock: init.clock,
    random: init.random,
  })
  const evil = createEvilAuthorizationServer({
    core: evilCore,
    honestIssuer: init.honestDeps.issuer,
    log: attacker.log,
  })
  async function respond(request: CoreRequest): Promise<CoreResponse> {
    // Cheap first: a URL that names neither server anywhere cannot have its path below them.
    const { url } = request
    if (url.includes(evilIssuerPath) || url.includes(attackerPath)) {
      const { pathname } = new URL(url)
      if (isEvilAsPath(pathname)) return evil.handle(request)
      if (isAttackerPath(pathname)) return attacker.handle(request)
    }
    return init.honest.respond(request)
  }
  return {
    respond,
    async handle(request) {
      return toFetchResponse(await respond(request))
    },
    async purgeExpired() {
      const now = Math.floor(init.clock.now() / 1000)
      const counts = await Promise.all([
        init.honest.purgeExpired(),
        evilCore.purgeExpired(),
        init.attackerStore.purgeExpired(now),
      ])
      return counts.reduce((sum, count) => sum + count, 0)
    },
  }
}
