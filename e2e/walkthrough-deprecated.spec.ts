import type { Page } from '@playwright/test'
import {
  expect,
  expectNoAxeViolations,
  openFlowFromIndex,
  openWithMockServer,
  runStep,
  signInAsAliceAndAllow,
  test,
} from './fixtures.ts'

test.describe.configure({ timeout: 150_000 })

async function expectReplacementLink(page: Page) {
  const link = page.getByRole('link', { name: /Authorization code \+ PKCE/ }).first()
  await expect(link).toBeVisible()
  await expect(link).toHaveAttribute('href', '/walkthrough/authorization-code')
}

test('the index lists every walkthrough with when to use it, the deprecated ones marked and redirected', async ({
  page,
}) => {
  await openWithMockServer(page, '/walkthrough')
  const cards = page.getByRole('main').getByRole('listitem')
  const card = (title: RegExp) =>
    cards.filter({ has: page.getByRole('heading', { level: 2, name: title }) })
  await expect(cards).not.toHaveCount(0)
  for (const item of await cards.all()) {
    await expect(item.getByText('When to use it:')).toBeVisible()
  }
  for (const title of [
    /Authorization code \+ PKCE/,
    /hybrid flow/,
    /Implicit grant/,
    /password credentials/,
  ]) {
    await expect(card(title)).toHaveCount(1)
  }
  await expect(card(/hybrid flow/).getByText('Deprecated', { exact: true })).toHaveCount(0)
  for (const title of [/Implicit grant/, /password credentials/]) {
    await expect(card(title).getByText('Deprecated', { exact: true })).toBeVisible()
    await expect(
      card(title).getByRole('link', { name: /Authorization code \+ PKCE/ }),
    ).toHaveAttribute('href', '/walkthrough/authorization-code')
  }
  await expectNoAxeViolations(page)
})

test('a new user runs the implicit walkthrough, sees the warning and the token in the address, and the way out', async ({
  page,
}) => {
  await openWithMockServer(page, '/walkthrough')
  await openFlowFromIndex(page, /Implicit grant/)
  await expect(page.getByText(/SHOULD NOT use the implicit grant/)).toBeVisible()
  await expect(page.getByRole('link', { name: 'RFC 9700 §2.1.2' }).first()).toBeVisible()

  const discover = await runStep(page, 'Discover the authorization server')
  await expect(discover.getByText(/\bimplicit\b/).first()).toBeVisible()
  await runStep(page, 'Make the state')
  const authorize = await runStep(page, 'Send the browser to the authorization endpoint')
  await expect(
    authorize.getByText('Built by hand: oauth4webapi has no API for the implicit grant.'),
  ).toBeVisible()
  await signInAsAliceAndAllow(page, 'implicit')

  const callback = await runStep(page, 'Read the access token from the address')
  await expect(callback.getByText('location.href as it arrived')).toBeVisible()
  await expect(
    callback.getByText(/\/walkthrough\/implicit\/callback#access_token=/).first(),
  ).toBeVisible()
  await expect(callback.getByText('Browser history')).toBeVisible()
  await expect(callback.getByText(/^#access_token=/)).toBeVisible()
  await expect(callback.getByText(/forbids one here/)).toBeVisible()
  await expect(
    callback.getByText('Hand-built: oauth4webapi has no API for the implicit grant.'),
  ).toBeVisible()
  await expectNoAxeViolations(page)

  await runStep(page, 'Call the API with the access token')
  const replay = await runStep(page, 'Use the token from somewhere else')
  await expect(replay.getByText(/whoever holds it is the app/)).toBeVisible()
  await runStep(page, 'What to use instead')
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectReplacementLink(page)
  await expectNoAxeViolations(page)
})

test('a new user runs the password walkthrough and sees the password in the request body', async ({
  page,
}) => {
  await openWithMockServer(page, '/walkthrough')
  await openFlowFromIndex(page, /password credentials/)
  await expect(page.getByText(/the password grant MUST NOT be used/)).toBeVisible()

  await runStep(page, 'Discover the authorization server')
  await runStep(page, 'The app asks for the password itself')
  const token = await runStep(page, 'Send the password to the token endpoint')
  await expect(token.getByText('body: password')).toBeVisible()
  await expect(token.getByText(/password=alice-password/).first()).toBeVisible()
  await runStep(page, 'Call the API with the access token')
  const guess = await runStep(page, 'Someone guesses a password at the token endpoint')
  await expect(guess.getByText(/^invalid_grant: Too many failed attempts/)).toBeVisible()
  await runStep(page, 'What to use instead')
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectReplacementLink(page)
  await expectNoAxeViolations(page)
})
