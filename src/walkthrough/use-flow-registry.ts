/**
 * The walkthrough registry for the index page, loaded after the page's first paint instead of
 * inside its chunk: the heading and text show as soon as the shell is there, the list once the
 * flows have arrived, in the room kept for it (docs/decisions/091). Every flow with oauth4webapi
 * weighs about 40 KB gzipped; the first screen needs none of it.
 */
import { useEffect, useState } from 'react'
import { afterFirstContentfulPaint } from '../shared/after-first-paint.ts'

type Registry = typeof import('../flows/all-flows.ts')

let loaded: Registry | undefined

function loadRegistry(): Promise<Registry> {
  return import('../flows/all-flows.ts').then((registry) => {
    loaded = registry
    return registry
  })
}

export function useFlowRegistry(): Pick<Registry, 'allFlows' | 'findFlow'> & { loading: boolean } {
  // Already there when a walkthrough page was open before.
  const [registry, setRegistry] = useState(() => loaded)
  const [error, setError] = useState<unknown>()
  useEffect(() => {
    if (registry) return
    let live = true
    const cancel = afterFirstContentfulPaint(() =>
      loadRegistry().then(
        (next) => live && setRegistry(next),
        (failure: unknown) =>
          live && setError(failure ?? new Error('The walkthroughs did not load.')),
      ),
    )
    return () => {
      live = false
      cancel()
    }
  }, [registry])
  // The route's error page says that this part of the app could not be fetched.
  if (error) throw error
  return registry
    ? { allFlows: registry.allFlows, findFlow: registry.findFlow, loading: false }
    : { allFlows: [], findFlow: () => undefined, loading: true }
}
