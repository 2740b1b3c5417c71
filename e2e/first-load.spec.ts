import { expect, openWithMockServer, test } from './fixtures.ts'

/*
 * A page opened by its address must not move once painted (docs/decisions/091): loading states
 * keep the room of what replaces them, and the walkthrough's "Starting the mock authorization
 * server…" notice floats instead of pushing the page down when it goes. /configure used to shift
 * by 0.26 and the walkthrough by 0.02. Measured with the browser's own layout-shift entries, on a
 * phone-sized viewport as Lighthouse's mobile run uses, through the worker's first start.
 */
test.use({ viewport: { width: 412, height: 823 } })

const routes = ['/', '/advisor', '/configure', '/walkthrough', '/walkthrough/authorization-code']

for (const route of routes) {
  test(`${route} moves nothing after its first paint, while the mock server starts`, async ({
    page,
  }) => {
    await page.addInitScript(() => {
      const shifts: { value: number; what: string }[] = []
      Object.assign(window, { layoutShifts: shifts })
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & {
          value: number
          hadRecentInput: boolean
          sources: { node?: Node | null }[]
        })[]) {
          if (entry.hadRecentInput) continue
          const what = entry.sources.map((source) => source.node?.nodeName ?? '?').join(' ')
          shifts.push({ value: entry.value, what })
        }
      }).observe({ type: 'layout-shift', buffered: true })
    })
    await openWithMockServer(page, route)
    await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible()
    await expect(page.getByText('Mock server running')).toBeVisible()
    // Two frames, so that what the worker's start re-rendered has been laid out and reported.
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    )
    const shifts = await page.evaluate(
      () => (window as unknown as { layoutShifts: { value: number; what: string }[] }).layoutShifts,
    )
    const total = shifts.reduce((sum, shift) => sum + shift.value, 0)
    // The header's status text changes width ("starting…" → "running"): about 0.0001.
    expect(total, JSON.stringify(shifts)).toBeLessThan(0.001)
  })
}
