import { expect, openWithMockServer, test } from './fixtures.ts'

test('a new user lands on the start page and the mock server takes control of it', async ({
  page,
}) => {
  await openWithMockServer(page, '/')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/OAuth 2\.0 grants/)
  await expect(page.getByText('Mock server running')).toBeVisible()
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Advise' }).click()
  await expect(page).toHaveURL(/\/advisor$/)
})

test('the built app runs under its strict Content-Security-Policy without a violation', async ({
  page,
}) => {
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  await openWithMockServer(page, '/')
  const policy = await page
    .locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content')
  expect(policy).toContain("script-src 'self'")
  for (const link of ['Advise', 'Configure', 'Walk through']) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click()
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  }
  expect(problems).toEqual([])
})

test('an unknown address shows a clear not-found page, not a blank one', async ({ page }) => {
  await page.goto('/no-such-page')
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
})

test.describe('a route whose code cannot be fetched', () => {
  // Without the worker every chunk comes from the network, where the test can cut it off.
  test.use({ serviceWorkers: 'block' })

  test('shows a clear error page inside the app, and the other pages still open', async ({
    page,
  }) => {
    await page.route(/\/assets\/advisor-page-[\w-]+\.js$/, (route) => route.abort())
    await page.goto('/')
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Advise' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'This page failed' })).toBeVisible()
    await expect(page.getByRole('alert')).toContainText('advisor-page')
    await nav.getByRole('link', { name: 'Configure' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Configure a client' })).toBeVisible()
    await page.getByRole('link', { name: 'Advise' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'This page failed' })).toBeVisible()
    await page.getByRole('link', { name: 'Back to the start' }).click()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(/OAuth 2\.0 grants/)
  })

  test('a walkthrough says so when its flow cannot be fetched', async ({ page }) => {
    // Each walkthrough's flow is a chunk of its own, fetched beside the page (docs/decisions/092).
    await page.route(/\/assets\/authorization-code-[\w-]+\.js$/, (route) => route.abort())
    await page.goto('/walkthrough/authorization-code')
    await expect(page.getByRole('heading', { level: 1, name: 'This page failed' })).toBeVisible()
    await expect(page.getByRole('alert')).toContainText('authorization-code')
    // The other walkthroughs still open.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Walk through' })
      .click()
    await page.getByRole('link', { name: 'Client credentials (service to service)' }).click()
    await expect(
      page.getByRole('heading', { level: 1, name: 'Client credentials (service to service)' }),
    ).toBeVisible()
  })
})
