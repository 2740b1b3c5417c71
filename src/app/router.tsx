import { lazy, Suspense } from 'react'
import { Route, Routes } from 'react-router'
import { HomePage } from './home-page.tsx'
import { Layout } from './layout.tsx'
import { RouteError } from './route-error.tsx'

// Each feature loads when its route is opened, so the first load stays small (DESIGN: budgets).
// Declarative routes, not the data router: its loaders and actions would weigh on every first
// load while no page uses them (docs/decisions/090).
const AdvisorPage = lazy(() =>
  import('../advisor/advisor-page.tsx').then((module) => ({ default: module.AdvisorPage })),
)
const RegistrationPage = lazy(() =>
  import('../registration/registration-page.tsx').then((module) => ({
    default: module.RegistrationPage,
  })),
)
const WalkthroughIndexPage = lazy(() =>
  import('../walkthrough/walkthrough-index-page.tsx').then((module) => ({
    default: module.WalkthroughIndexPage,
  })),
)
const WalkthroughPage = lazy(() =>
  import('../walkthrough/walkthrough-page.tsx').then((module) => ({
    default: module.WalkthroughPage,
  })),
)

/**
 * While a route's chunk loads on a first visit, its space stays reserved below the header, so
 * the footer does not jump when the page arrives (no layout shift). Later navigations are
 * transitions: the old page stays until the new one is ready.
 */
function PageLoading() {
  return <div aria-busy="true" className="min-h-screen" />
}

function lazyPage(Page: React.ComponentType) {
  return (
    <Suspense fallback={<PageLoading />}>
      <Page />
    </Suspense>
  )
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<HomePage />} />
        <Route path="advisor" element={lazyPage(AdvisorPage)} />
        <Route path="configure" element={lazyPage(RegistrationPage)} />
        <Route path="walkthrough" element={lazyPage(WalkthroughIndexPage)} />
        <Route path="walkthrough/:flowId/*" element={lazyPage(WalkthroughPage)} />
        <Route path="*" element={<RouteError notFound />} />
      </Route>
    </Routes>
  )
}
