import type { FrameLocator, Page } from '@playwright/test'
import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  runStep,
  stepItem,
  test,
} from './fixtures.ts'

const flowTitle = /Device authorization grant/
const phoneTitle = 'Phone: verification page'

/** Runs the device's first steps and the first poll; returns the user code the device shows. */
async function startDevice(page: Page): Promise<string> {
  await runStep(page, 'Discover the authorization server')
  const authorization = await runStep(page, 'Ask for a device code and a user code')
  const userCode =
    (await authorization
      .getByText(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
      .first()
      .textContent()) ?? ''
  const show = await runStep(page, 'Show the code and the address to the user')
  await expect(
    show.getByRole('img', { name: /^QR code of http:.*\/as\/device\?user_code=/ }),
  ).toBeVisible()
  await show.getByRole('button', { name: 'Open the verification page on the phone' }).click()
  await expect(page.getByRole('heading', { name: phoneTitle })).toBeFocused()
  const poll = await runStep(page, 'Poll the token endpoint')
  await expect(poll.getByText(/authorization_pending/).first()).toBeVisible()
  return userCode
}

/** The learner on the phone: the verification page in the pane beside the device. */
async function actOnPhone(phone: FrameLocator, userCode: string, decision: 'Allow' | 'Deny') {
  await expect(phone.getByRole('heading', { name: 'Connect a device' })).toBeVisible()
  await expect(phone.getByLabel('Code from your device')).toHaveValue(userCode)
  await phone.getByRole('button', { name: 'Continue' }).click()
  await phone.getByLabel('Username').fill('alice')
  await phone.getByLabel('Password').fill('alice-password')
  await phone.getByRole('button', { name: 'Sign in' }).click()
  await expect(phone.getByText(`shows the code ${userCode}`)).toBeVisible()
  await phone.getByRole('button', { name: decision }).click()
}

test('a new user completes the device flow: pending while the phone signs in, then tokens and the API answer', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  const userCode = await startDevice(page)
  const phone = page.frameLocator(`iframe[title="${phoneTitle}"]`)
  await actOnPhone(phone, userCode, 'Allow')
  await expect(phone.getByRole('heading', { name: 'Device connected' })).toBeVisible()
  await expect(phone.getByText('You may return to your device')).toBeVisible()

  // Nothing is pushed: the device's next automatic poll brings the tokens.
  const poll = stepItem(page, 'Poll the token endpoint')
  await expect(poll.getByText(/returned the tokens/)).toBeVisible({ timeout: 20_000 })
  await expect(poll.getByRole('region', { name: 'Access token' })).toBeVisible()
  await expect(poll.getByRole('region', { name: 'Refresh token' })).toBeVisible()

  const api = await runStep(page, 'Call the API with the access token')
  await expect(api.getByText('API answer from /api/orders')).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await page.screenshot({ path: '/tmp/shots-a/device-done.png', fullPage: true })
})

test('denying on the phone makes the next poll show access_denied', async ({ page }) => {
  await openFlowFromHome(page, flowTitle)
  const userCode = await startDevice(page)
  const phone = page.frameLocator(`iframe[title="${phoneTitle}"]`)
  await actOnPhone(phone, userCode, 'Deny')
  await expect(phone.getByRole('heading', { name: 'Request denied' })).toBeVisible()
  const poll = stepItem(page, 'Poll the token endpoint')
  await expect(poll.getByRole('heading', { name: 'What went wrong' })).toBeVisible({
    timeout: 20_000,
  })
  await expect(poll.getByText('access_denied', { exact: true })).toBeVisible()
  await expect(poll.getByText(/chose Deny on the phone/)).toBeVisible()
})

test('"Poll too fast" gets slow_down and the interval grows from 5 to 10 seconds', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await startDevice(page)
  const poll = stepItem(page, 'Poll the token endpoint')
  await expect(poll.getByText('5 seconds', { exact: true })).toBeVisible()
  await poll.getByRole('button', { name: 'Poll too fast' }).click()
  await expect(
    poll.getByText(/slow_down — the device asked before 5 seconds had passed/),
  ).toBeVisible()
  await expect(poll.getByText('10 seconds', { exact: true })).toBeVisible()
  await expect(poll.getByText('Was 5 seconds: slow_down adds 5.')).toBeVisible()
  await expect(poll.getByText(/"answer": "slow_down",\s+"interval_afterwards": 10/)).toBeVisible()
  await page.screenshot({ path: '/tmp/shots-a/device-slow-down.png', fullPage: true })
})

test('the device walkthrough and the verification pages have no axe violations', async ({
  page,
  context,
}) => {
  await openFlowFromHome(page, flowTitle)
  const userCode = await startDevice(page)
  await expectNoAxeViolations(page)
  await page.screenshot({ path: '/tmp/shots-a/device-mid.png', fullPage: true })

  // The phone as a second page of the same browser: the code page, a wrong code, sign-in, consent.
  const phone = await context.newPage()
  await phone.goto(`/as/device?user_code=${userCode}`)
  await expect(phone.getByLabel('Code from your device')).toHaveValue(userCode)
  await expectNoAxeViolations(phone)
  await phone.screenshot({ path: '/tmp/shots-a/phone-code.png', fullPage: true })
  await phone.getByLabel('Code from your device').fill('BBBB-BBBB')
  await phone.getByRole('button', { name: 'Continue' }).click()
  await expect(phone.getByRole('alert')).toContainText('No device is waiting for this code')
  await expectNoAxeViolations(phone)
  await phone.screenshot({ path: '/tmp/shots-a/phone-wrong-code.png', fullPage: true })
  await phone.getByLabel('Code from your device').fill(userCode.toLowerCase().replace('-', ''))
  await phone.getByRole('button', { name: 'Continue' }).click()
  await phone.getByLabel('Username').fill('alice')
  await phone.getByLabel('Password').fill('alice-password')
  await phone.getByRole('button', { name: 'Sign in' }).click()
  await expect(phone.getByRole('heading', { name: 'Allow access?' })).toBeVisible()
  await expectNoAxeViolations(phone)
  await phone.getByRole('button', { name: 'Allow' }).click()
  await expect(phone.getByRole('heading', { name: 'Device connected' })).toBeVisible()
  await expectNoAxeViolations(phone)
  await phone.screenshot({ path: '/tmp/shots-a/phone-done.png', fullPage: true })
  await phone.close()

  await expect(
    stepItem(page, 'Poll the token endpoint').getByText(/returned the tokens/),
  ).toBeVisible({
    timeout: 20_000,
  })
  await expectNoAxeViolations(page)
})
