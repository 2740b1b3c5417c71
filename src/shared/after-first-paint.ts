/**
 * Runs `start` once the page has shown its first content (the browser's first-contentful-paint
 * entry, also when it came before this call), and at the latest after `latestMs` (a tab opened in
 * the background paints nothing): for code that the first screen does not need, so that it does
 * not share the network and the main thread with what it does need (docs/decisions/091).
 * Returns a function that cancels it.
 */
export function afterFirstContentfulPaint(start: () => void, latestMs = 3_000): () => void {
  let done = false
  const run = () => {
    if (done) return
    done = true
    clearTimeout(latest)
    observer?.disconnect()
    start()
  }
  const latest = setTimeout(run, latestMs)
  let observer: PerformanceObserver | undefined
  try {
    observer = new PerformanceObserver((list) => {
      if (list.getEntriesByName('first-contentful-paint').length > 0) run()
    })
    // `buffered` delivers the entry too if the paint happened before this call.
    observer.observe({ type: 'paint', buffered: true })
  } catch {
    // No paint timing in this browser: the next task is as good as it gets.
    setTimeout(run)
  }
  return () => {
    done = true
    clearTimeout(latest)
    observer?.disconnect()
  }
}
