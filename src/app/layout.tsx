import { NavLink, Outlet, useLocation } from 'react-router'
import { MockServerStatus } from '../mock-as/mock-server-status.tsx'
import { paths } from './paths.ts'
import { RouteErrorBoundary } from './route-error.tsx'

const navItems = [
  { to: paths.advisor, label: 'Advise' },
  { to: paths.configure, label: 'Configure' },
  { to: paths.walkthroughs, label: 'Walk through' },
  { to: paths.attacks, label: 'Attack lab' },
]

export function Layout() {
  const { pathname } = useLocation()
  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-slate-900 text-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-8 gap-y-2 px-4 py-3">
          <NavLink to={paths.home} className="text-lg font-semibold tracking-tight">
            Grantlab
          </NavLink>
          <nav aria-label="Main">
            <ul className="flex flex-wrap gap-1">
              {navItems.map((item) => (
                <li key={item.to}>
                  <NavLink
                    to={item.to}
                    className={({ isActive }) =>
                      `block whitespace-nowrap rounded px-3 py-1.5 text-sm ${isActive ? 'bg-slate-700 text-white' : 'text-slate-200 hover:bg-slate-800'}`
                    }
                  >
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="ml-auto">
            <MockServerStatus />
          </div>
        </div>
      </header>
      <main id="main" className="flex-1">
        <RouteErrorBoundary resetKey={pathname}>
          <Outlet />
        </RouteErrorBoundary>
      </main>
      <footer className="border-t border-slate-200 py-4 text-center text-xs text-slate-600">
        Grantlab runs entirely in your browser: the authorization server is a service worker, and
        nothing leaves this page.
      </footer>
    </div>
  )
}
