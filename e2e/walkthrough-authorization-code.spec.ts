import type { Page } from '@playwright/test'
import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  openWithMockServer,
  runStep,
  signInAsAliceAndAllow,
  stepItem,
  test,
} from './fixtures.ts'

const flowTitle = /Authorization code \+ PKCE/

// Each test runs a whole flow through real navigations (and axe on large pages): allow for it.
test.describe.configure({ timeout: 120_000 })

async function stopServiceWorker(page: Page) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('ServiceWorker.enable')
  await cdp.send('ServiceWorker.stopAllWorkers')
  await cdp.detach()
}

interface Hooks {
  onSignIn?: () => Promise<void>
  onConsent?: () => Promise<void>
  beforeTokenExchange?: () => Promise<void>
}

/** Runs the first steps, signs in as alice and allows, and comes back to the walkthrough. */
async function authorize(page: Page, hooks: Hooks = {}) {
  await runStep(page, 'Discover the authorization server')
  await runStep(page, 'Make the PKCE verifier')
  await runStep(page, 'Send the browser to the authorization endpoint')
  await page.getByRole('button', { name: 'Continue to the authorization server' }).click()
  await page.waitForURL(/\/as\/authorize\?/)
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await hooks.onSignIn?.()
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Password').fill('alice-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('heading', { name: 'Allow access?' })).toBeVisible()
  await hooks.onConsent?.()
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.waitForURL(/\/walkthrough\/authorization-code$/)
  await expect(page.getByText('The browser is back from the authorization server')).toBeVisible()
}

async function finish(page: Page, hooks: Hooks = {}) {
  await runStep(page, 'Check the authorization response')
  await hooks.beforeTokenExchange?.()
  await runStep(page, 'Exchange the code')
  await runStep(page, 'Call the API with the access token')
  await runStep(page, 'Refresh the tokens')
  await runStep(page, 'Replay the old refresh token')
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
}

test('a new user runs the whole authorization code walkthrough by clicking, signing in as alice', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await expect(
    page.getByRole('img', { name: /Sequence diagram of Authorization code/ }),
  ).toBeVisible()

  const prepare = await (async () => {
    await runStep(page, 'Discover the authorization server')
    return runStep(page, 'Make the PKCE verifier')
  })()
  await expect(prepare.getByText('code_verifier', { exact: true })).toBeVisible()
  await expect(prepare.getByText('code_challenge (S256)')).toBeVisible()

  await runStep(page, 'Send the browser to the authorization endpoint')
  await signInAsAliceAndAllow(page, 'authorization-code')

  const callback = await runStep(page, 'Check the authorization response')
  await expect(callback.getByText('Matches the issuer.')).toBeVisible()

  const token = await runStep(page, 'Exchange the code')
  const idToken = token.getByRole('region', { name: 'ID token' })
  await expect(idToken.getByRole('rowheader', { name: 'nonce' })).toBeVisible()
  await expect(idToken.getByRole('rowheader', { name: 'sub' })).toBeVisible()
  await expect(idToken.getByText(/expires in \d+ (minutes?|hours?|seconds?)/).first()).toBeVisible()
  // No TLS here, so the client verified the signature itself, against the server's key set.
  await expect(idToken.getByText('Signature verified')).toBeVisible()
  await expect(token.getByText(/GET \/as\/jwks HTTP\/1\.1/).first()).toBeVisible()
  await expect(token.getByText('Check: signature')).toBeVisible()
  await expect(token.getByText(/^✓ valid \(RS256, key "/)).toBeVisible()
  await expect(token.getByText('Check: iat')).toBeVisible()
  await expect(token.getByText('Check: azp')).toBeVisible()
  await expect(token.getByRole('link', { name: 'OIDC Core §3.1.3.7' }).first()).toBeVisible()

  const api = await runStep(page, 'Call the API with the access token')
  await expect(api.getByText('API answer from /api/profile')).toBeVisible()
  await expect(api.getByText(/"sub":/).first()).toBeVisible()

  const refresh = await runStep(page, 'Refresh the tokens')
  await expect(refresh.getByText(/the old one is now retired/)).toBeVisible()

  const replay = await runStep(page, 'Replay the old refresh token')
  await expect(
    replay.getByText(/refused the replayed refresh token with invalid_grant/),
  ).toBeVisible()
  await expect(replay.getByText(/refused too \(invalid_grant\)/)).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()

  // What the browser did at the server, which the client code never saw, came from the worker.
  const authorizeStep = stepItem(page, 'Send the browser to the authorization endpoint')
  await expect(
    authorizeStep.getByRole('heading', { name: 'While the browser was at the server' }),
  ).toBeVisible()
  await expect(
    authorizeStep.getByText(/POST \/as\/authorize\/consent HTTP\/1\.1 → 302/),
  ).toBeVisible()
})

test('the flow completes when the service worker is stopped at the consent page and before the token exchange', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await authorize(page, { onConsent: () => stopServiceWorker(page) })
  await finish(page, { beforeTokenExchange: () => stopServiceWorker(page) })
})

test('a reload mid-flow keeps the run: values, results and the step to run next', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await runStep(page, 'Discover the authorization server')
  const prepare = await runStep(page, 'Make the PKCE verifier')
  const verifier = await prepare
    .getByText(/^[A-Za-z0-9_-]{43}$/)
    .first()
    .textContent()
  await page.reload()
  await openWithMockServer(page, '/walkthrough/authorization-code')
  await expect(
    stepItem(page, 'Make the PKCE verifier').getByText(verifier ?? 'missing'),
  ).toBeVisible()
  await expect(
    stepItem(page, 'Send the browser to the authorization endpoint').getByRole('button', {
      name: 'Run step',
    }),
  ).toBeVisible()

  await runStep(page, 'Send the browser to the authorization endpoint')
  await signInAsAliceAndAllow(page, 'authorization-code')
  await page.reload()
  await finish(page)

  await page.getByRole('button', { name: 'Start over' }).click()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toHaveCount(0)
  await expect(
    stepItem(page, 'Discover the authorization server').getByRole('button', { name: 'Run step' }),
  ).toBeVisible()
})

test('the walkthrough pages and the server sign-in and consent pages have no axe violations', async ({
  page,
}) => {
  test.setTimeout(180_000)
  await openWithMockServer(page, '/walkthrough')
  await expect(page.getByRole('heading', { level: 1, name: 'Walkthroughs' })).toBeVisible()
  await expectNoAxeViolations(page)

  await page.getByRole('heading', { name: flowTitle }).getByRole('link').click()
  await authorize(page, {
    onSignIn: async () => {
      await expectNoAxeViolations(page)
    },
    onConsent: async () => {
      await expectNoAxeViolations(page)
    },
  })
  await expectNoAxeViolations(page)
  await finish(page)
  await expectNoAxeViolations(page)
})

test.describe('without the mock server', () => {
  test.use({ serviceWorkers: 'block' })

  test('the walkthrough says the mock server is not running and keeps its steps disabled', async ({
    page,
  }) => {
    await page.goto('/walkthrough/authorization-code')
    await expect(page.getByRole('alert')).toContainText('The mock server is not running', {
      timeout: 20_000,
    })
    await expect(
      stepItem(page, 'Discover the authorization server').getByRole('button', { name: 'Run step' }),
    ).toBeDisabled()
  })
})
