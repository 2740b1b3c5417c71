import { Component, type ReactNode } from 'react'
import { Link } from 'react-router'
import { paths } from './paths.ts'

/** Shown instead of a blank page when a route fails to load or throws while rendering. */
export function RouteError({ error, notFound = false }: { error?: unknown; notFound?: boolean }) {
  const message = notFound
    ? 'There is no page at this address.'
    : error instanceof Error
      ? error.message
      : 'Something went wrong while showing this page.'
  return (
    <div className="mx-auto max-w-3xl p-8">
      <h1 className="text-2xl font-semibold">{notFound ? 'Page not found' : 'This page failed'}</h1>
      <p role="alert" className="mt-3 text-slate-700">
        {message}
      </p>
      <p className="mt-6">
        <Link className="text-sky-800 underline" to={paths.home}>
          Back to the start
        </Link>
      </p>
    </div>
  )
}

/**
 * Catches what a page throws while it renders, and a lazy route whose chunk cannot be fetched
 * (offline before it was cached, or a deploy replaced it): the page shows `RouteError`. Give it a
 * `resetKey` (the path) so that leaving the failed page shows the next one again.
 */
export class RouteErrorBoundary extends Component<
  { children: ReactNode; resetKey?: string },
  { error: unknown; resetKey?: string }
> {
  override state: { error: unknown; resetKey?: string } = { error: null }

  static getDerivedStateFromError(error: unknown) {
    return { error }
  }

  static getDerivedStateFromProps(
    props: { resetKey?: string },
    state: { error: unknown; resetKey?: string },
  ) {
    return props.resetKey === state.resetKey ? null : { error: null, resetKey: props.resetKey }
  }

  override render() {
    return this.state.error ? <RouteError error={this.state.error} /> : this.props.children
  }
}
