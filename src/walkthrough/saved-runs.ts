/**
 * Where walkthrough runs are saved (sessionStorage: one tab, gone with it), and the sweep that
 * drops the secrets of runs idle for an hour (docs/decisions/081) even while their walkthrough is
 * not open: the app starts it on every page.
 */
import { readStoredRun, secretsExpireAt, withoutSecrets } from '../flows/run-secrets.ts'

const runStoragePrefix = 'grantlab.walkthrough.'

export const runStorageKey = (flowId: string) => `${runStoragePrefix}${flowId}`

/** Rewrites every saved run whose secrets are due to go; returns how many it rewrote. */
export function dropExpiredSecrets(storage: Storage, now = Date.now()): number {
  let dropped = 0
  const keys: string[] = []
  for (let index = 0; index < storage.length; index++) {
    const key = storage.key(index)
    if (key?.startsWith(runStoragePrefix)) keys.push(key)
  }
  for (const key of keys) {
    const run = readStoredRun(storage.getItem(key))
    if (!run || run.secretsDropped || now < secretsExpireAt(run)) continue
    try {
      storage.setItem(key, JSON.stringify(withoutSecrets(run, 'expired', now)))
      dropped++
    } catch {
      // Storage refused the write: remove the run rather than keep its secrets.
      storage.removeItem(key)
    }
  }
  return dropped
}

let sweeper: ReturnType<typeof setInterval> | undefined

/** Sweeps now and then every minute, once per page however often it is called. */
export function keepDroppingExpiredSecrets(intervalMs = 60_000): void {
  if (sweeper !== undefined || typeof sessionStorage === 'undefined') return
  const sweep = () => {
    try {
      dropExpiredSecrets(sessionStorage)
    } catch {
      // Storage disabled: nothing is saved, so nothing to drop.
    }
  }
  sweep()
  sweeper = setInterval(sweep, intervalMs)
}
