import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Providers } from './app/providers.tsx'
import { registerMockAuthorizationServer } from './mock-as/register.ts'
import './index.css'

const root = document.getElementById('root')
if (!root) throw new Error('Grantlab needs a #root element in index.html')

createRoot(root).render(
  <StrictMode>
    <Providers />
  </StrictMode>,
)

// The mock server's worker and the sweeper of saved runs' secrets start once the page has loaded:
// installing the worker precaches the whole app, which must not compete with the first load for
// the network and the main thread (docs/decisions/091). Saved walkthrough runs drop their secrets
// an hour after their last step, whatever page is open (docs/decisions/081).
function afterLoad(start: () => void) {
  if (document.readyState === 'complete') start()
  else window.addEventListener('load', start, { once: true })
}

afterLoad(() => {
  void registerMockAuthorizationServer()
  void import('./walkthrough/saved-runs.ts').then((savedRuns) =>
    savedRuns.keepDroppingExpiredSecrets(),
  )
})
