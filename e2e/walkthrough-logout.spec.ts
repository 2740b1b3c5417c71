import type { Page } from '@playwright/test'
import { type AttackerSite, startAttackerSite } from './attacker-site.ts'
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

const flowTitle = /Logout \(RP-initiated and back-channel\)/

// Each test runs a whole flow through real navigations (and axe on large pages): allow for it.
test.describe.configure({ timeout: 150_000 })

/** The attacker's page on another port of 127.0.0.1 (this spec's own port). */
const attackerPort = Number(process.env.E2E_LOGOUT_ATTACKER_PORT ?? 9481)

test('a new user runs the whole logout walkthrough: sign in, log out for real, read the logout token, and sign in again with the password', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await expectNoAxeViolations(page)

  const discover = await runStep(page, 'Discover the authorization server and its logout support')
  await expect(discover.getByText('end_session_endpoint', { exact: true })).toBeVisible()
  await expect(discover.getByText(/\/as\/logout$/).first()).toBeVisible()
  await runStep(page, 'Make the PKCE verifier')
  await runStep(page, 'Send the browser to the authorization endpoint')
  await signInAsAliceAndAllow(page, 'logout')
  await runStep(page, 'Check the authorization response')
  const token = await runStep(page, 'Exchange the code')
  await expect(
    token.getByRole('region', { name: 'ID token' }).getByRole('rowheader', { name: 'sid' }),
  ).toBeVisible()

  const logout = await runStep(page, 'Send the browser to the end-session endpoint')
  await expect(logout.getByText(/oauth4webapi has no end-session helper/)).toBeVisible()
  await page.getByRole('button', { name: 'Continue to the end-session endpoint' }).click()
  // The server ends its session at once and sends the browser straight back: no page on the way.
  await page.waitForURL(/\/walkthrough\/logout$/)
  await expect(page.getByText('The browser is back from the authorization server')).toBeVisible()

  const back = await runStep(page, 'Check the post-logout redirect and its state')
  await expect(back.getByText('Matches what the client sent.')).toBeVisible()
  // What happened at the server while the browser was there, reported by the worker.
  const away = stepItem(page, 'Send the browser to the end-session endpoint')
  await expect(
    away.getByRole('heading', { name: 'While the browser was at the server' }),
  ).toBeVisible()
  await expect(away.getByText(/GET \/as\/logout\?.* HTTP\/1\.1 → 302/).first()).toBeVisible()
  await expect(
    away.getByText(/POST \/demo-client\/backchannel-logout HTTP\/1\.1 → 200/).first(),
  ).toBeVisible()

  const backchannel = await runStep(page, 'Read the logout token the back end received')
  const logoutToken = backchannel.getByRole('region', { name: 'Logout token' })
  await expect(logoutToken.getByRole('rowheader', { name: 'events' })).toBeVisible()
  await expect(logoutToken.getByRole('rowheader', { name: 'sid' })).toBeVisible()
  await expect(logoutToken.getByText('logout+jwt').first()).toBeVisible()
  await expect(backchannel.getByText('Back end checked: nonce')).toBeVisible()
  await expect(backchannel.getByText(/^✓ absent, as it must be/)).toBeVisible()
  await expect(backchannel.getByText(/^✓ .*the sid of the ID token from sign-in/)).toBeVisible()

  const refresh = await runStep(page, 'Try the refresh token after the logout')
  await expect(refresh.getByText(/refused the refresh token with invalid_grant/)).toBeVisible()

  await runStep(page, 'Start a new authorization request')
  await page.getByRole('button', { name: 'Sign in again' }).click()
  await page.waitForURL(/\/as\/authorize\?/)
  // Observed, not told: the server has no session any more, so it asks for the password.
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await expect(page.getByLabel('Password')).toBeVisible()
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Password').fill('alice-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(/\/walkthrough\/logout$/)
  const proof = await runStep(page, 'Check that the server made a new session')
  await expect(proof.getByText(/^✓ new: /)).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectNoAxeViolations(page)
})

const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

/** Signs alice in at the worker for grantlab-logout, through the server's own pages. */
async function signInForLogoutClient(page: Page): Promise<string> {
  await openWithMockServer(page, '/')
  const origin = new URL(page.url()).origin
  const authorize = new URL(`${origin}/as/authorize`)
  authorize.search = new URLSearchParams({
    client_id: 'grantlab-logout',
    redirect_uri: `${origin}/walkthrough/logout/callback`,
    response_type: 'code',
    scope: 'openid',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString()
  await page.goto(authorize.href)
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Password').fill('alice-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.waitForURL(/\/walkthrough\/logout/)
  return authorize.href
}

test('without an ID token the server asks first; Sign out ends the session, sends the browser back with state, and the next sign-in asks for the password', async ({
  page,
}) => {
  const authorize = await signInForLogoutClient(page)
  const origin = new URL(page.url()).origin
  const back = `${origin}/walkthrough/logout/callback`
  await page.goto(
    `${origin}/as/logout?client_id=grantlab-logout&post_logout_redirect_uri=${encodeURIComponent(back)}&state=from-the-app`,
  )
  await expect(page.getByRole('heading', { name: 'Sign out?' })).toBeVisible()
  await expect(page.getByText('You are signed in as')).toContainText('Alice')
  await expectNoAxeViolations(page)
  const returned = page.waitForRequest((request) => request.url().startsWith(back))
  await page.getByRole('button', { name: 'Sign out' }).click()
  expect(new URL((await returned).url()).searchParams.get('state')).toBe('from-the-app')
  await page.goto(authorize)
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  await expect(page.getByLabel('Password')).toBeVisible()
})

test('Stay signed in keeps the session; a logout with no place to go back to ends on the server’s own page', async ({
  page,
}) => {
  const authorize = await signInForLogoutClient(page)
  const origin = new URL(page.url()).origin
  await page.goto(`${origin}/as/logout?client_id=grantlab-logout`)
  await page.getByRole('button', { name: 'Stay signed in' }).click()
  await expect(page.getByRole('heading', { name: 'You are still signed in' })).toBeVisible()
  await expectNoAxeViolations(page)
  // Still signed in: the authorization request needs no password.
  await page.goto(authorize)
  await page.waitForURL(/\/walkthrough\/logout/)

  await page.goto(`${origin}/as/logout?client_id=grantlab-logout`)
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('heading', { name: 'You are signed out' })).toBeVisible()
  await expectNoAxeViolations(page)
  // An unregistered post-logout URI is refused on an error page, never followed.
  await page.goto(
    `${origin}/as/logout?client_id=grantlab-logout&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
  )
  await expect(page.getByRole('heading', { name: 'This logout request was refused' })).toBeVisible()
  expect(new URL(page.url()).origin).toBe(origin)
  await expectNoAxeViolations(page)
})

test.describe('another site', () => {
  let attacker: AttackerSite
  test.beforeAll(async () => {
    attacker = await startAttackerSite(attackerPort)
  })
  test.afterAll(async () => {
    await attacker.close()
  })

  test('cannot post the sign-out confirmation: refused, and alice stays signed in', async ({
    page,
  }) => {
    const authorize = await signInForLogoutClient(page)
    const origin = new URL(page.url()).origin
    // The strongest attacker: one who learnt the pending id of alice's own confirmation page.
    await page.goto(`${origin}/as/logout?client_id=grantlab-logout`)
    const pending = await page.locator('input[name="pending"]').inputValue()
    await page.goto(
      attacker.postUrl(`${origin}/as/logout/confirm`, { pending, decision: 'logout' }),
    )
    await page.waitForURL((url) => url.pathname !== '/post')
    await expect(page.getByRole('alert')).toContainText('another site')
    await expect(page.getByText(/you are still signed in/)).toBeVisible()
    await page.goto(authorize)
    await page.waitForURL(/\/walkthrough\/logout/)
  })

  test('cannot slip a forged logout token to the demo client’s back channel', async ({ page }) => {
    await openWithMockServer(page, '/')
    const origin = new URL(page.url()).origin
    const forged = ['eyJhbGciOiJub25lIiwidHlwIjoibG9nb3V0K2p3dCJ9', 'e30', ''].join('.')
    await page.goto(
      attacker.postUrl(`${origin}/demo-client/backchannel-logout`, { logout_token: forged }),
    )
    await page.waitForURL((url) => url.pathname !== '/post')
    await expect(page.getByText('invalid_request')).toBeVisible()
    const received = await page.evaluate(async () => {
      const response = await fetch('/demo-client/backchannel-logout')
      return ((await response.json()) as { received: { status: number }[] }).received
    })
    expect(received.map((entry) => entry.status)).toEqual([400])
  })
})
