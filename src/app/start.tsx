import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { registerMockAuthorizationServer } from '../mock-as/register.ts'
import { Providers } from './providers.tsx'

/** Renders the app into #root, then starts what can wait until the page has loaded. */
export function startApp(root: HTMLElement): void {
  createRoot(root).render(
    <StrictMode>
      <Providers />
    </StrictMode>,
  )
  // The mock server's worker and the sweeper of saved runs' secrets start once the page has
  // loaded and the browser is idle: installing the worker precaches the whole app, which must not
  // compete with the first render for the network and the main thread (docs/decisions/091).
  // Saved walkthrough runs drop their secrets an hour after their last step, whatever page is
  // open (docs/decisions/081).
  afterLoadWhenIdle(() => {
    void registerMockAuthorizationServer()
    void import('../walkthrough/saved-runs.ts').then((savedRuns) =>
      savedRuns.keepDroppingExpiredSecrets(),
    )
  })
}

function afterLoadWhenIdle(start: () => void) {
  const whenIdle = () =>
    typeof requestIdleCallback === 'function'
      ? requestIdleCallback(start, { timeout: 1_000 })
      : setTimeout(start, 0)
  if (document.readyState === 'complete') whenIdle()
  else window.addEventListener('load', whenIdle, { once: true })
}
