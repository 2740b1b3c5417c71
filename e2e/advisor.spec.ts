import { AxeBuilder } from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import { expect, test } from './fixtures.ts'

const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

async function expectNoAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(wcagTags).analyze()
  expect(
    results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`),
  ).toEqual([])
}

/** Presses Tab until the target has focus, as a keyboard user would. */
async function tabTo(page: Page, target: Locator, limit = 40) {
  for (let presses = 0; presses < limit; presses += 1) {
    if (await target.evaluate((element) => element === document.activeElement)) return
    await page.keyboard.press('Tab')
  }
  throw new Error(`Tab never reached ${target}`)
}

async function expectQuestion(page: Page, question: string) {
  const heading = page.getByRole('heading', { level: 2, name: question })
  await expect(heading).toBeVisible()
  await expect(heading).toBeFocused()
}

test('a new user answers the wizard by keyboard, shares the result and the link shows the same advice', async ({
  page,
  context,
  baseURL,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL })
  await page.goto('/advisor')
  await expect(page.getByRole('heading', { level: 1, name: 'Find your grant' })).toBeVisible()
  await expect(page.getByRole('group', { name: 'What are you building?' })).toBeVisible()
  await expectNoAxeViolations(page)

  // What are you building? Tab into the group, arrow down to “Server-side web app”, back up.
  await tabTo(page, page.getByRole('radio', { name: /Single-page app/ }))
  await page.keyboard.press('Space')
  await page.keyboard.press('ArrowDown')
  await expect(page.getByRole('radio', { name: /Server-side web app/ })).toBeChecked()
  await page.keyboard.press('ArrowUp')
  await expect(page.getByRole('radio', { name: /Single-page app/ })).toBeChecked()
  await page.keyboard.press('Enter')

  // Does it have a backend? Choose “No” with the arrow key.
  await expectQuestion(page, 'Does it have its own backend that can keep a secret?')
  await expect(page.getByText('Question 2 of 6')).toBeVisible()
  await page.keyboard.press('Tab')
  await page.keyboard.press('ArrowDown')
  await expect(page.getByRole('radio', { name: /No, only static files/ })).toBeChecked()
  await page.keyboard.press('Enter')

  // Must it know who the user is? Enter with nothing chosen explains what is missing.
  await expectQuestion(page, 'Must it know who the user is?')
  await tabTo(page, page.getByRole('button', { name: 'Next' }))
  await page.keyboard.press('Enter')
  await expect(page.getByRole('alert')).toHaveText('Choose one answer to continue.')
  await expect(page.getByRole('radio', { name: /Yes, users sign in to it/ })).toBeFocused()
  await page.keyboard.press('Space')
  await page.keyboard.press('Enter')

  // Must it keep access? Yes. Then go Back by keyboard and forward again: the answer is kept.
  await expectQuestion(page, 'Must it keep access longer than an access token lives?')
  await page.keyboard.press('Tab')
  await page.keyboard.press('Space')
  await page.keyboard.press('Enter')
  await expectQuestion(page, 'How sensitive is the data?')
  await tabTo(page, page.getByRole('button', { name: 'Back' }))
  await page.keyboard.press('Enter')
  await expectQuestion(page, 'Must it keep access longer than an access token lives?')
  await expect(page.getByRole('radio', { name: /Yes, for hours or days/ })).toBeChecked()
  await page.keyboard.press('Tab')
  await page.keyboard.press('Enter')

  // How sensitive? Standard.
  await expectQuestion(page, 'How sensitive is the data?')
  await page.keyboard.press('Tab')
  await page.keyboard.press('Space')
  await page.keyboard.press('Enter')

  // Replacing a legacy flow? The implicit grant.
  await expectQuestion(page, 'Is it replacing a legacy flow?')
  await expect(page.getByRole('button', { name: 'See my recommendation' })).toBeVisible()
  await page.keyboard.press('Tab')
  await page.keyboard.press('ArrowDown')
  await expect(page.getByRole('radio', { name: /Yes, the implicit grant/ })).toBeChecked()
  await page.keyboard.press('Enter')

  // The recommendation.
  const result = page.getByRole('heading', { level: 2, name: 'Authorization code' })
  await expect(result).toBeFocused()
  await expect(page).toHaveURL(
    /\/advisor\?app=spa&backend=no&identity=yes&refresh=yes&assurance=standard&migrating=implicit$/,
  )
  const extras = page.getByRole('region', { name: 'Add these' })
  await expect(extras.getByRole('heading', { name: 'PKCE (S256)' })).toBeVisible()
  await expect(extras.getByRole('heading', { name: 'Refresh-token rotation' })).toBeVisible()
  await expect(extras.getByRole('heading', { name: 'OpenID Connect sign-in' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Moving off the implicit grant' })).toBeVisible()
  const losers = page.getByRole('region', { name: 'Why not the others' })
  await expect(losers.getByRole('heading', { name: /^Implicit/ })).toBeVisible()
  await expect(losers.getByRole('heading', { name: /^Resource owner password/ })).toBeVisible()
  await expect(page.getByRole('link', { name: 'RFC 9700 §2.1.1' }).first()).toHaveAttribute(
    'href',
    'https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1',
  )
  await expect(page.getByRole('link', { name: 'Open this client in Configure' })).toHaveAttribute(
    'href',
    /^\/configure\?draft=[\w-]+$/,
  )
  await expect(page.getByRole('link', { name: 'Walk through this grant' })).toHaveAttribute(
    'href',
    '/walkthrough/authorization-code',
  )
  const clientJson = await page
    .getByRole('region', { name: 'Draft client registration (RFC 7591)' })
    .locator('pre')
    .textContent()
  expect(JSON.parse(clientJson ?? '')).toMatchObject({
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'openid profile offline_access orders:read',
  })
  await expectNoAxeViolations(page)

  // Copy the share link by keyboard and read it back.
  await tabTo(page, page.getByRole('button', { name: 'Copy share link' }), 200)
  await page.keyboard.press('Enter')
  const share = page.getByRole('region', { name: 'Share this recommendation' })
  await expect(share.getByRole('status')).toContainText('Link copied')
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  await expect(share.getByRole('textbox', { name: 'Share link' })).toHaveValue(copied)
  expect(copied).toBe(
    `${baseURL}/advisor?app=spa&backend=no&identity=yes&refresh=yes&assurance=standard&migrating=implicit`,
  )

  // Someone else opens it: same grant, same extras, same draft client.
  const other = await context.newPage()
  await other.goto(copied)
  await expect(other.getByRole('heading', { level: 2, name: 'Authorization code' })).toBeVisible()
  await expect(other.getByRole('region', { name: 'Add these' })).toHaveText(
    (await extras.textContent()) ?? '',
  )
  await expect(
    other.getByRole('region', { name: 'Draft client registration (RFC 7591)' }).locator('pre'),
  ).toHaveText(clientJson ?? '')
})

test('a smart TV gets the device grant, and the result has no axe violations, wide or narrow', async ({
  page,
}) => {
  await page.goto('/advisor?app=device&identity=yes&refresh=yes&assurance=standard&migrating=none')
  await expect(page.getByRole('heading', { level: 2, name: 'Device authorization' })).toBeVisible()
  await expect(page.getByText('urn:ietf:params:oauth:grant-type:device_code').first()).toBeVisible()
  await expect(page.getByRole('link', { name: 'Walk through this grant' })).toHaveAttribute(
    'href',
    '/walkthrough/device-code',
  )
  await expectNoAxeViolations(page)
  await page.setViewportSize({ width: 375, height: 740 })
  await expectNoAxeViolations(page)
})

test('a hand-edited garbage query shows a usable page, not a blank one', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto('/advisor?app=toaster&backend=%E0%A4%A&q=%3Cscript%3E&assurance=ultra')
  await expect(page.getByRole('heading', { level: 1, name: 'Find your grant' })).toBeVisible()
  await expect(page.getByText('Parts of this link were not understood')).toBeVisible()
  await expect(page.getByRole('group', { name: 'What are you building?' })).toBeVisible()

  // Known app, broken rest: the advice comes with the values it had to assume.
  await page.goto('/advisor?app=cli&browser=perhaps&refresh=YES')
  await expect(page.getByRole('heading', { level: 2, name: 'Authorization code' })).toBeVisible()
  await expect(page.getByText('Some questions are still open')).toBeVisible()
  await page.getByRole('link', { name: 'Answer the open questions' }).click()
  await expectQuestion(page, 'Can it open a browser on the same device?')
  expect(errors).toEqual([])
})

test('a call-centre app gets CIBA with a binding message, sign-out by revocation, and Configure opens its draft without errors', async ({
  page,
}) => {
  await page.goto('/advisor')
  await page.getByRole('radio', { name: /Call-centre, kiosk or shop-till app/ }).check()
  await page.getByRole('button', { name: 'Next' }).click()
  await expectQuestion(page, 'Must it keep access longer than an access token lives?')
  await page.getByRole('radio', { name: /No, a fresh sign-in is fine/ }).check()
  await page.getByRole('button', { name: 'Next' }).click()
  await expectQuestion(page, 'How sensitive is the data?')
  await page.getByRole('radio', { name: /^Standard/ }).check()
  await page.getByRole('button', { name: 'Next' }).click()
  await expectQuestion(page, 'Is it replacing a legacy flow?')
  await page.getByRole('radio', { name: /No, it is new/ }).check()
  await page.getByRole('button', { name: 'See my recommendation' }).click()

  await expect(
    page.getByRole('heading', {
      level: 2,
      name: 'Client-initiated backchannel authentication (CIBA)',
    }),
  ).toBeFocused()
  await expect(page).toHaveURL(
    /\/advisor\?app=decoupled&refresh=no&assurance=standard&migrating=none$/,
  )
  const extras = page.getByRole('region', { name: 'Add these' })
  await expect(
    extras.getByRole('heading', { name: 'A binding message on both screens' }),
  ).toBeVisible()
  await expect(
    extras.getByRole('heading', { name: 'Name the user, then poll politely' }),
  ).toBeVisible()
  await expect(extras.getByRole('heading', { name: 'Sign-out: revoke the tokens' })).toBeVisible()
  const losers = page.getByRole('region', { name: 'Why not the others' })
  await expect(losers.getByText(/remote phishing uses/)).toBeVisible()
  await expect(losers.getByText(/sign in on someone else’s screen/)).toBeVisible()
  await expect(page.getByRole('link', { name: 'CIBA Core §7.1' }).first()).toHaveAttribute(
    'href',
    'https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.7.1',
  )
  await expect(page.getByRole('link', { name: 'Walk through this grant' })).toHaveAttribute(
    'href',
    '/walkthrough/ciba',
  )
  const clientJson = await page
    .getByRole('region', { name: 'Draft client registration (RFC 7591)' })
    .locator('pre')
    .textContent()
  expect(JSON.parse(clientJson ?? '')).toMatchObject({
    grant_types: ['urn:openid:params:grant-type:ciba'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile orders:read',
    backchannel_token_delivery_mode: 'poll',
  })
  await expectNoAxeViolations(page)
  await page.screenshot({ path: '/tmp/shots-ciba/advisor-ciba.png', fullPage: true })

  await page.getByRole('link', { name: 'Open this client in Configure' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Configure a client' })).toBeVisible()
  await expect(page.getByLabel(/CIBA token delivery mode/)).toHaveValue('poll')
  await expect(page.getByText('No findings: this configuration passes every check.')).toBeVisible()
  // Push is valid CIBA but needs a notification endpoint; the mock server polls only.
  await page.getByLabel(/CIBA token delivery mode/).selectOption('push')
  await expect(
    page.getByText(/mode needs backchannel_client_notification_endpoint/).first(),
  ).toBeVisible()
  await expect(page.getByText(/delivers CIBA tokens in poll mode only/).first()).toBeVisible()
  await expectNoAxeViolations(page)
  await page.screenshot({ path: '/tmp/shots-ciba/configure-ciba.png', fullPage: true })
})

test('a web app is offered RP-initiated and back-channel logout, with post-logout redirect URIs in its draft', async ({
  page,
}) => {
  await page.goto('/advisor?app=web&identity=yes&refresh=no&assurance=standard&migrating=none')
  const extras = page.getByRole('region', { name: 'Add these' })
  await expect(
    extras.getByRole('heading', { name: 'Sign-out: RP-initiated and back-channel logout' }),
  ).toBeVisible()
  await expect(
    page.getByRole('link', { name: 'OpenID Connect Back-Channel Logout 1.0 §2.2' }),
  ).toBeVisible()
  const clientJson = await page
    .getByRole('region', { name: 'Draft client registration (RFC 7591)' })
    .locator('pre')
    .textContent()
  expect(JSON.parse(clientJson ?? '').post_logout_redirect_uris).toEqual([
    'https://app.example.com/',
  ])
})
