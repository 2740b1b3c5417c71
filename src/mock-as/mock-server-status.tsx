import { startTransition, useEffect, useState } from 'react'
import { getMockServerState, type MockServerState, onMockServerStateChange } from './register.ts'

const labels = {
  starting: 'Mock server starting…',
  ready: 'Mock server running',
  uncontrolled: 'Mock server not in control of this page',
  failed: 'Mock server failed to start',
  unsupported: 'Service workers unavailable',
} as const satisfies Record<MockServerState, string>

/**
 * The mock server's state, kept current as the worker starts or loses the page. A change renders
 * as a transition, in short slices: it arrives just after the first load, when one long task
 * would block the page (docs/decisions/091). (An external store read with useSyncExternalStore
 * always re-renders in one go.)
 */
export function useMockServerState(): MockServerState {
  const [state, setState] = useState(getMockServerState)
  useEffect(() => {
    // The state may have changed between this component's render and its effect.
    setState(getMockServerState())
    return onMockServerStateChange((next) => startTransition(() => setState(next)))
  }, [])
  return state
}

/** A small badge that tells whether the service worker answers /as/* for this page. */
export function MockServerStatus() {
  const state = useMockServerState()
  const dot =
    state === 'ready' ? 'bg-emerald-400' : state === 'starting' ? 'bg-amber-300' : 'bg-red-400'
  return (
    <output className="flex items-center gap-2 text-xs text-slate-200" aria-live="polite">
      <span aria-hidden="true" className={`inline-block h-2 w-2 rounded-full ${dot}`} />
      {labels[state]}
    </output>
  )
}
