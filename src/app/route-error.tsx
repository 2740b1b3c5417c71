import { isRouteErrorResponse, Link, useRouteError } from 'react-router'
import { paths } from './paths.ts'

/** Shown instead of a blank page when a route fails to load or throws while rendering. */
export function RouteError({ notFound = false }: { notFound?: boolean }) {
  const error = useRouteError()
  const message = notFound
    ? 'There is no page at this address.'
    : isRouteErrorResponse(error)
      ? `${error.status} ${error.statusText}`
      : error instanceof Error
        ? error.message
        : 'Something went wrong while showing this page.'
  return (
    <main className="mx-auto max-w-3xl p-8">
      <h1 className="text-2xl font-semibold">{notFound ? 'Page not found' : 'This page failed'}</h1>
      <p role="alert" className="mt-3 text-slate-700">
        {message}
      </p>
      <p className="mt-6">
        <Link className="text-sky-800 underline" to={paths.home}>
          Back to the start
        </Link>
      </p>
    </main>
  )
}
