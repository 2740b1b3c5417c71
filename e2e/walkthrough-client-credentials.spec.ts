import type { Locator, Page } from '@playwright/test'
import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  runStep,
  stepItem,
  test,
} from './fixtures.ts'

const flowTitle = /Client credentials/

interface Checks {
  /** Runs right after the step, while its HTTP exchanges are unfolded. */
  afterCredentials(step: Locator): Promise<void>
  afterToken(step: Locator): Promise<void>
}

/** Picks the client authentication, then runs every step, checking the two that differ. */
async function runVariant(page: Page, variant: RegExp, checks: Checks) {
  const choose = stepItem(page, 'Choose how the service authenticates')
  await choose.getByRole('radio', { name: variant }).check()
  await runStep(page, 'Choose how the service authenticates')
  await runStep(page, 'Discover the authorization server')
  await checks.afterCredentials(await runStep(page, 'Get the client’s credentials ready'))
  const token = await runStep(page, 'Request a token for the service itself')
  await expect(token.getByRole('region', { name: 'Access token' })).toBeVisible()
  await expect(token.getByText('none', { exact: true })).toBeVisible()
  await checks.afterToken(token)
  const api = await runStep(page, 'Call the API with the access token')
  await expect(api.getByText('API answer from /api/orders')).toBeVisible()
  const refused = await runStep(page, 'Ask for a user scope, and be refused')
  await expect(
    refused.getByText(/Refused as expected: the server answered 400 invalid_scope/),
  ).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
}

test('a new user runs client credentials with client_secret_basic, then with private_key_jwt', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await expectNoAxeViolations(page)

  await runVariant(page, /client_secret_basic/, {
    afterCredentials: async (step) => {
      await expect(step.getByText('grantlab%2Dm2m:grantlab%2Dm2m%2Dsecret')).toBeVisible()
    },
    afterToken: async (step) => {
      await expect(step.getByText('Exactly the header built in the previous step.')).toBeVisible()
      await expect(step.getByText(/authorization: Basic Z3JhbnRsYWIlMkRtMm0/).first()).toBeVisible()
    },
  })
  await expectNoAxeViolations(page)
  await page.screenshot({ path: '/tmp/shots-a/cc-basic.png', fullPage: true })

  await page.getByRole('button', { name: 'Start over' }).click()
  await runVariant(page, /private_key_jwt/, {
    afterCredentials: async (step) => {
      await expect(step.getByText(/POST \/as\/register HTTP\/1\.1/).first()).toBeVisible()
      await expect(step.getByText('client_id assigned')).toBeVisible()
    },
    afterToken: async (step) => {
      const assertion = step.getByRole('region', { name: 'Client assertion (private_key_jwt)' })
      await expect(assertion.getByRole('rowheader', { name: 'jti' })).toBeVisible()
      await expect(assertion.getByRole('rowheader', { name: 'aud' })).toBeVisible()
      await expect(step.getByText(/client_assertion=/).first()).toBeVisible()
      await page.screenshot({ path: '/tmp/shots-a/cc-private-key-jwt-token.png', fullPage: true })
    },
  })
  await expectNoAxeViolations(page)
  await page.screenshot({ path: '/tmp/shots-a/cc-private-key-jwt.png', fullPage: true })
})
