import { type ComponentType, type LazyExoticComponent, lazy, Suspense, useState } from 'react'
import { Route, Routes } from 'react-router'
import { HomePage } from './home-page.tsx'
import { Layout } from './layout.tsx'
import { RouteError, RouteErrorBoundary } from './route-error.tsx'
import { type PageModule, pageModules } from './route-pages.ts'

// Each feature loads when its route is opened, so the first load stays small (DESIGN: budgets).
// Declarative routes, not the data router: its loaders and actions would weigh on every first
// load while no page uses them (docs/decisions/090).
const advisor = lazyRoute(pageModules.advisor, (module) => module.AdvisorPage)
const configure = lazyRoute(pageModules.configure, (module) => module.RegistrationPage)
const walkthroughs = lazyRoute(pageModules.walkthroughs, (module) => module.WalkthroughIndexPage)
const walkthrough = lazyRoute(pageModules.walkthrough, (module) => module.WalkthroughPage)
const attacks = lazyRoute(pageModules.attacks, (module) => module.AttacksIndexPage)
const attack = lazyRoute(pageModules.attack, (module) => module.AttackPage)
const attackCallback = lazyRoute(pageModules.attackCallback, (module) => module.AttackCallbackPage)

type LazyRoute = {
  /** The page's component if its code is already there. */
  loaded: () => ComponentType | undefined
  Lazy: LazyExoticComponent<ComponentType>
}

function lazyRoute<T>(page: PageModule<T>, pick: (module: T) => ComponentType): LazyRoute {
  return {
    loaded: () => {
      const module = page.loaded()
      return module === undefined ? undefined : pick(module)
    },
    Lazy: lazy(() => page.load().then((module) => ({ default: pick(module) }))),
  }
}

/**
 * A page whose code loads when its route is first opened. If the code is already there (the
 * entry fetched it with the shell, or the page was open before), it renders at once, without a
 * loading state in between.
 */
function LazyPage({ route }: { route: LazyRoute }) {
  // Decided once per mount (each route's element has its own key), so that the page is never
  // remounted when its code arrives.
  const [Page] = useState(route.loaded)
  if (Page) return <Page />
  return (
    <Suspense fallback={<PageLoading />}>
      <route.Lazy />
    </Suspense>
  )
}

/**
 * While a route's code loads, the space below the header stays reserved, so the footer does not
 * jump when the page arrives (no layout shift). Navigations are transitions: the old page stays
 * until the new one is ready, so this shows only when a page is opened by its address and its
 * code was not fetched with the shell.
 */
function PageLoading() {
  return <div aria-busy="true" className="min-h-screen" />
}

export function AppRoutes() {
  return (
    <Routes>
      {/* The attack lab's client callback page: a page of the lab's apps, shown in the victim's
          browser frame, so it has none of this app's navigation (docs/decisions/125). */}
      <Route
        path="attacks/:attackId/callback"
        element={
          <RouteErrorBoundary resetKey="attack-callback">
            <LazyPage key="attack-callback" route={attackCallback} />
          </RouteErrorBoundary>
        }
      />
      <Route element={<Layout />}>
        <Route index element={<HomePage />} />
        <Route path="advisor" element={<LazyPage key="advisor" route={advisor} />} />
        <Route path="configure" element={<LazyPage key="configure" route={configure} />} />
        <Route path="walkthrough" element={<LazyPage key="walkthroughs" route={walkthroughs} />} />
        <Route
          path="walkthrough/:flowId/*"
          element={<LazyPage key="walkthrough" route={walkthrough} />}
        />
        <Route path="attacks" element={<LazyPage key="attacks" route={attacks} />} />
        <Route path="attacks/:attackId" element={<LazyPage key="attack" route={attack} />} />
        <Route path="*" element={<RouteError notFound />} />
      </Route>
    </Routes>
  )
}
