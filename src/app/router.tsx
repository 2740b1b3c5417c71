import { createBrowserRouter } from 'react-router'
import { HomePage } from './home-page.tsx'
import { Layout } from './layout.tsx'
import { RouteError } from './route-error.tsx'

// Each feature loads when its route is opened, so the first load stays small (DESIGN: budgets).
export const router = createBrowserRouter([
  {
    // The attack lab's client callback page: a page of the lab's apps, shown in the victim's
    // browser frame, so it has none of this app's navigation (docs/decisions/125).
    path: 'attacks/:attackId/callback',
    errorElement: <RouteError />,
    lazy: async () => ({
      Component: (await import('../attacks/attack-callback-page.tsx')).AttackCallbackPage,
    }),
  },
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <HomePage /> },
      {
        path: 'advisor',
        lazy: async () => ({
          Component: (await import('../advisor/advisor-page.tsx')).AdvisorPage,
        }),
      },
      {
        path: 'configure',
        lazy: async () => ({
          Component: (await import('../registration/registration-page.tsx')).RegistrationPage,
        }),
      },
      {
        path: 'walkthrough',
        lazy: async () => ({
          Component: (await import('../walkthrough/walkthrough-index-page.tsx'))
            .WalkthroughIndexPage,
        }),
      },
      {
        path: 'walkthrough/:flowId/*',
        lazy: async () => ({
          Component: (await import('../walkthrough/walkthrough-page.tsx')).WalkthroughPage,
        }),
      },
      {
        path: 'attacks',
        lazy: async () => ({
          Component: (await import('../attacks/attacks-index-page.tsx')).AttacksIndexPage,
        }),
      },
      {
        path: 'attacks/:attackId',
        lazy: async () => ({
          Component: (await import('../attacks/attack-page.tsx')).AttackPage,
        }),
      },
      { path: '*', element: <RouteError notFound /> },
    ],
  },
])
