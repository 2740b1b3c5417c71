import { expect, openWithMockServer, test } from './fixtures.ts'

test('once loaded, the app and its mock server keep working offline', async ({ page, context }) => {
  await openWithMockServer(page, '/')
  await context.setOffline(true)

  // The network really is gone for the worker too: a file it never cached cannot be fetched.
  const probe = await page.evaluate(() =>
    fetch('/offline-probe.txt').then(
      () => 'reached the network',
      () => 'offline',
    ),
  )
  expect(probe).toBe('offline')

  // A route never opened before loads from the worker's cache, and so does a reload.
  await page.goto('/configure')
  await expect(page.getByRole('heading', { level: 1, name: 'Configure a client' })).toBeVisible()
  await page.reload()
  await expect(page.getByRole('heading', { level: 1, name: 'Configure a client' })).toBeVisible()

  // The mock server lives in the worker: discovery still answers.
  const discovery = await page.evaluate(async () => {
    const response = await fetch('/as/.well-known/openid-configuration')
    return { status: response.status, issuer: (await response.json()).issuer as string }
  })
  expect(discovery).toEqual({ status: 200, issuer: `${new URL(page.url()).origin}/as` })
})
