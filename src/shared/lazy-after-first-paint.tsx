import { type ComponentType, lazy, type ReactNode, Suspense } from 'react'
import { afterFirstContentfulPaint } from './after-first-paint.ts'

/**
 * A component whose code loads once the page has shown its first content and what rendered
 * with the component has been painted: for parts of a page below its first screen, so that they do not share the network with what the first screen
 * needs (docs/decisions/091). It renders `fallback` (nothing by default) until its code is there.
 * Call it once, at the top level of a module, like `React.lazy`.
 */
export function lazyAfterFirstPaint<P extends object>(
  load: () => Promise<ComponentType<P>>,
  fallback: ReactNode = null,
): ComponentType<P> {
  const Lazy = lazy(
    () =>
      new Promise<{ default: ComponentType<P> }>((resolve, reject) => {
        // Asked for when the part first renders, which may be after the first paint (a page that
        // shows a loading state first): two frames later, what rendered with it has been painted.
        afterFirstContentfulPaint(() =>
          requestAnimationFrame(() =>
            requestAnimationFrame(() => {
              load().then((component) => resolve({ default: component }), reject)
            }),
          ),
        )
      }),
  )
  // biome-ignore lint/correctness/noComponentHookFactories: made once per module, like React.lazy.
  return function AfterFirstPaint(props: P) {
    return (
      <Suspense fallback={fallback}>
        <Lazy {...props} />
      </Suspense>
    )
  }
}
