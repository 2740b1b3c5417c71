import type { FrameLocator, Page } from '@playwright/test'
import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  runStep,
  stepItem,
  test,
} from './fixtures.ts'

const flowTitle = /CIBA: approval on the user’s own phone/
const phoneTitle = 'Phone: authentication device'
const bindingPattern = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-\d{4}$/
const shots = '/tmp/shots-ciba'

/** Runs the client's first steps and the first poll; returns the binding message it made. */
async function startCiba(page: Page): Promise<string> {
  await runStep(page, 'Discover the authorization server')
  const request = await runStep(page, 'Ask the server to get the user’s approval')
  const bindingMessage = (await request.getByText(bindingPattern).first().textContent()) ?? ''
  expect(bindingMessage).toMatch(bindingPattern)
  const show = await runStep(page, 'Show the binding message')
  // The agent's screen shows the same message.
  await expect(show.getByText(bindingMessage, { exact: true })).toBeVisible()
  await show.getByRole('button', { name: 'Open the authentication device on the phone' }).click()
  await expect(page.getByRole('heading', { name: phoneTitle })).toBeFocused()
  const poll = await runStep(page, 'Poll the token endpoint')
  await expect(poll.getByText(/authorization_pending/).first()).toBeVisible()
  return bindingMessage
}

/** The learner on the phone: the authentication device page in the pane beside the client. */
async function answerOnPhone(
  phone: FrameLocator,
  bindingMessage: string,
  decision: 'Allow' | 'Deny',
) {
  await expect(phone.getByRole('heading', { name: 'Sign in to approve requests' })).toBeVisible()
  await phone.getByLabel('Username').fill('alice')
  await phone.getByLabel('Password').fill('alice-password')
  await phone.getByRole('button', { name: 'Sign in' }).click()
  const request = phone.getByRole('region', { name: 'Grantlab call-centre app' })
  await expect(request.getByText(bindingMessage, { exact: true })).toBeVisible()
  await expect(request.getByText('See your orders')).toBeVisible()
  await request.getByRole('button', { name: decision }).click()
}

test('a learner approves on the phone: the binding message matches, the next poll brings the tokens, the API answers', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  const bindingMessage = await startCiba(page)
  const phone = page.frameLocator(`iframe[title="${phoneTitle}"]`)
  await answerOnPhone(phone, bindingMessage, 'Allow')
  await expect(phone.getByRole('heading', { name: 'Request allowed' })).toBeVisible()

  // Nothing is pushed to the client: its next automatic poll brings the tokens.
  const poll = stepItem(page, 'Poll the token endpoint')
  await expect(poll.getByText(/returned the tokens/)).toBeVisible({ timeout: 20_000 })
  await expect(poll.getByRole('region', { name: 'ID token' })).toBeVisible()
  await expect(poll.getByRole('region', { name: 'Access token' })).toBeVisible()

  const api = await runStep(page, 'Look up the caller’s orders')
  await expect(api.getByText('API answer from /api/orders')).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await page.screenshot({ path: `${shots}/ciba-done.png`, fullPage: true })
})

test('denying on the phone makes the next poll show access_denied', async ({ page }) => {
  await openFlowFromHome(page, flowTitle)
  const bindingMessage = await startCiba(page)
  const phone = page.frameLocator(`iframe[title="${phoneTitle}"]`)
  await answerOnPhone(phone, bindingMessage, 'Deny')
  await expect(phone.getByRole('heading', { name: 'Request denied' })).toBeVisible()
  const poll = stepItem(page, 'Poll the token endpoint')
  await expect(poll.getByRole('heading', { name: 'What went wrong' })).toBeVisible({
    timeout: 20_000,
  })
  await expect(poll.getByText('access_denied', { exact: true })).toBeVisible()
  await expect(poll.getByText(/chose Deny on the phone/)).toBeVisible()
  await page.screenshot({ path: `${shots}/ciba-denied.png`, fullPage: true })
})

test('"Poll too fast" gets slow_down and the interval grows from 5 to 10 seconds', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await startCiba(page)
  const poll = stepItem(page, 'Poll the token endpoint')
  await expect(poll.getByText('5 seconds', { exact: true })).toBeVisible()
  await poll.getByRole('button', { name: 'Poll too fast' }).click()
  await expect(
    poll.getByText(/slow_down — the client asked before 5 seconds had passed/),
  ).toBeVisible()
  await expect(poll.getByText('10 seconds', { exact: true })).toBeVisible()
  await expect(poll.getByText('Was 5 seconds: slow_down adds 5.')).toBeVisible()
  await page.screenshot({ path: `${shots}/ciba-slow-down.png`, fullPage: true })
})

test('the CIBA walkthrough and the authentication device pages have no axe violations', async ({
  page,
  context,
}) => {
  await openFlowFromHome(page, flowTitle)
  const bindingMessage = await startCiba(page)
  await expectNoAxeViolations(page)
  await page.screenshot({ path: `${shots}/ciba-mid.png`, fullPage: true })

  // The phone as a second page of the same browser: sign-in, a wrong password, the requests,
  // the answer.
  const phone = await context.newPage()
  await phone.goto('/as/ciba')
  await expect(phone.getByRole('heading', { name: 'Sign in to approve requests' })).toBeVisible()
  await expectNoAxeViolations(phone)
  await phone.screenshot({ path: `${shots}/phone-sign-in.png`, fullPage: true })
  await phone.getByLabel('Username').fill('alice')
  await phone.getByLabel('Password').fill('wrong')
  await phone.getByRole('button', { name: 'Sign in' }).click()
  await expect(phone.getByRole('alert')).toContainText('do not match a demo user')
  await expectNoAxeViolations(phone)
  await phone.getByLabel('Password').fill('alice-password')
  await phone.getByRole('button', { name: 'Sign in' }).click()
  await expect(phone.getByRole('heading', { name: 'Requests for your approval' })).toBeVisible()
  await expect(phone.getByText(bindingMessage, { exact: true })).toBeVisible()
  await expectNoAxeViolations(phone)
  await phone.screenshot({ path: `${shots}/phone-requests.png`, fullPage: true })
  await phone
    .getByRole('region', { name: 'Grantlab call-centre app' })
    .getByRole('button', { name: 'Allow' })
    .click()
  await expect(phone.getByRole('heading', { name: 'Request allowed' })).toBeVisible()
  await expectNoAxeViolations(phone)
  await phone.screenshot({ path: `${shots}/phone-allowed.png`, fullPage: true })
  await phone.getByRole('link', { name: 'Back to your requests' }).click()
  await expect(phone.getByText('No requests are waiting for you.')).toBeVisible()
  await expectNoAxeViolations(phone)
  await phone.close()

  await expect(
    stepItem(page, 'Poll the token endpoint').getByText(/returned the tokens/),
  ).toBeVisible({ timeout: 20_000 })
  await expectNoAxeViolations(page)
})
