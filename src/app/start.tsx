import { StrictMode, startTransition } from 'react'
import { createRoot } from 'react-dom/client'
import { registerMockAuthorizationServer } from '../mock-as/register.ts'
import { afterFirstContentfulPaint } from '../shared/after-first-paint.ts'
import { Providers } from './providers.tsx'

/** Renders the app into #root, then starts what can wait until the page has loaded. */
export function startApp(root: HTMLElement): void {
  // A transition: React renders the first screen in slices of a few milliseconds instead of one
  // long task, so a large page (the walkthrough, the configuration form) does not block the main
  // thread while it builds (docs/decisions/091).
  startTransition(() =>
    createRoot(root).render(
      <StrictMode>
        <Providers />
      </StrictMode>,
    ),
  )
  // The mock server's worker and the sweeper of saved runs' secrets start once the page has shown
  // its first content and the browser is idle: installing the worker precaches the whole app,
  // which must not compete with the first screen for the network and the main thread
  // (docs/decisions/091). Saved walkthrough runs drop their secrets an hour after their last
  // step, whatever page is open (docs/decisions/081).
  afterFirstContentfulPaint(() =>
    whenIdle(() => {
      void registerMockAuthorizationServer()
      void import('../walkthrough/saved-runs.ts').then((savedRuns) =>
        savedRuns.keepDroppingExpiredSecrets(),
      )
    }),
  )
}

function whenIdle(start: () => void) {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: 1_000 })
  else setTimeout(start, 0)
}
