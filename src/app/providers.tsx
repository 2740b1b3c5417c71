import { BrowserRouter } from 'react-router'
import { RouteErrorBoundary } from './route-error.tsx'
import { AppRoutes } from './router.tsx'

/**
 * The app's shell. No query client here: no page uses one, and @tanstack/react-query would cost
 * every first load about 11 KB gzipped; a feature that needs it provides it inside its own lazy
 * chunk (docs/decisions/090).
 */
export function Providers() {
  return (
    <BrowserRouter>
      <RouteErrorBoundary>
        <AppRoutes />
      </RouteErrorBoundary>
    </BrowserRouter>
  )
}
