/**
 * Runs `start` once the page has shown its first content (the browser's first-contentful-paint
 * entry), or at once if it already has: for code that the first screen does not need, so that it
 * does not share the network and the main thread with what the first screen does need
 * (docs/decisions/091). Returns a function that cancels it.
 */
export function afterFirstContentfulPaint(start: () => void): () => void {
  const painted = () => performance.getEntriesByName('first-contentful-paint').length > 0
  if (typeof PerformanceObserver === 'undefined' || painted()) {
    const timer = setTimeout(start)
    return () => clearTimeout(timer)
  }
  let done = false
  const observer = new PerformanceObserver(() => {
    if (done || !painted()) return
    done = true
    observer.disconnect()
    start()
  })
  try {
    observer.observe({ type: 'paint', buffered: true })
  } catch {
    // A browser without paint timing: the next task is as good as it gets.
    done = true
    const timer = setTimeout(start)
    return () => clearTimeout(timer)
  }
  return () => {
    done = true
    observer.disconnect()
  }
}
