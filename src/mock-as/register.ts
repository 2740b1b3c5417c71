/**
 * Page side of the mock authorization server: registers the service worker that answers
 * /as/* and /api/* (docs/decisions/001). Production serves a classic worker; Vite's dev server
 * serves it as a module worker.
 */
export type MockServerState = 'unsupported' | 'starting' | 'ready' | 'failed'

const listeners = new Set<(state: MockServerState) => void>()
let state: MockServerState = 'starting'

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

export async function registerMockAuthorizationServer(): Promise<void> {
  if (!('serviceWorker' in navigator)) {
    setState('unsupported')
    return
  }
  try {
    const url = import.meta.env.PROD ? '/service-worker.js' : '/dev-sw.js?dev-sw'
    await navigator.serviceWorker.register(url, {
      type: import.meta.env.PROD ? 'classic' : 'module',
      scope: '/',
    })
    if (navigator.serviceWorker.controller) {
      setState('ready')
      return
    }
    // The worker calls clients.claim() on activation; this page is controlled from then on.
    navigator.serviceWorker.addEventListener('controllerchange', () => setState('ready'), {
      once: true,
    })
  } catch {
    setState('failed')
  }
}
