/**
 * Page side of the mock authorization server: registers the service worker that answers
 * /as/* and /api/* (docs/decisions/001). Production serves a classic worker; Vite's dev server
 * serves it as a module worker.
 */
export type MockServerState = 'unsupported' | 'starting' | 'ready' | 'uncontrolled' | 'failed'

const listeners = new Set<(state: MockServerState) => void>()
// A page the worker already controls (every load after the first) starts out ready.
let state: MockServerState =
  typeof navigator !== 'undefined' && navigator.serviceWorker?.controller ? 'ready' : 'starting'

function setState(next: MockServerState) {
  state = next
  for (const listener of listeners) listener(next)
}

export function getMockServerState(): MockServerState {
  return state
}

export function onMockServerStateChange(listener: (state: MockServerState) => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

const claimTimeoutMs = 3_000
/** Installing and activating takes well under a second; ten seconds means it is not coming. */
const startTimeoutMs = 10_000

export async function registerMockAuthorizationServer(): Promise<void> {
  if (!('serviceWorker' in navigator)) {
    setState('unsupported')
    return
  }
  const container = navigator.serviceWorker
  // The worker calls clients.claim() on activation; this page is controlled from then on.
  container.addEventListener('controllerchange', () => {
    setState(container.controller ? 'ready' : 'uncontrolled')
  })
  // Registration can hang rather than fail (blocked by policy or by a test harness); say so.
  setTimeout(() => {
    if (state === 'starting') setState('failed')
  }, startTimeoutMs)
  try {
    const url = import.meta.env.PROD ? '/service-worker.js' : '/dev-sw.js?dev-sw'
    await container.register(url, {
      type: import.meta.env.PROD ? 'classic' : 'module',
      scope: '/',
    })
    if (container.controller) {
      setState('ready')
      return
    }
    const registration = await container.ready
    if (container.controller) {
      setState('ready')
      return
    }
    // A hard reload (Shift+Reload) loads the page without its worker: ask the worker to claim it.
    registration.active?.postMessage({ type: 'claim' })
    setTimeout(() => {
      if (!container.controller) setState('uncontrolled')
    }, claimTimeoutMs)
  } catch {
    setState('failed')
  }
}
