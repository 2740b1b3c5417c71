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
