import { createBrowserRouter } from 'react-router'
import { HomePage } from './home-page.tsx'
import { Layout } from './layout.tsx'
import { RouteError } from './route-error.tsx'

// Each feature loads when its route is opened, so the first load stays small (DESIGN: budgets).
export const router = createBrowserRouter([
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
      { path: '*', element: <RouteError notFound /> },
    ],
  },
])
