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

test('an unknown address shows a clear not-found page, not a blank one', async ({ page }) => {
  await page.goto('/no-such-page')
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
})
