import { useSyncExternalStore } from 'react'
import { getMockServerState, onMockServerStateChange } from './register.ts'

const labels = {
  starting: 'Mock server starting…',
  ready: 'Mock server running',
  failed: 'Mock server failed to start',
  unsupported: 'Service workers unavailable',
} as const

/** A small badge that tells whether the service worker answers /as/* for this page. */
export function MockServerStatus() {
  const state = useSyncExternalStore(onMockServerStateChange, getMockServerState)
  const dot =
    state === 'ready' ? 'bg-emerald-400' : state === 'starting' ? 'bg-amber-300' : 'bg-red-400'
  return (
    <output className="flex items-center gap-2 text-xs text-slate-200" aria-live="polite">
      <span aria-hidden="true" className={`inline-block h-2 w-2 rounded-full ${dot}`} />
      {labels[state]}
    </output>
  )
}
