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

registerMockAuthorizationServer()

// Saved walkthrough runs drop their secrets an hour after their last step, whatever page is
// open (docs/decisions/081); loaded after the first render, outside the first-load budget.
void import('./walkthrough/saved-runs.ts').then((savedRuns) =>
  savedRuns.keepDroppingExpiredSecrets(),
)
