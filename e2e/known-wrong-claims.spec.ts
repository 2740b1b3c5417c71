import type { Locator, Page } from '@playwright/test'
import { allFlows } from '../src/flows/all-flows.ts'
import type { Flow } from '../src/flows/flow-model.ts'
import { describeHits, findKnownWrongClaims } from '../src/shared/known-wrong-claims.ts'
import { expect, openFlowFromIndex, openWithMockServer, test } from './fixtures.ts'

// The crawl: every page, and every walkthrough after it ran to the end, held against the list of
// known-wrong claims (src/shared/known-wrong-claims.ts), so that none comes back. The visible
// text is read with every <details> opened, so the HTTP bodies and raw tokens count too.

async function expectNoKnownWrongClaims(page: Page, where: string): Promise<string> {
  await page.evaluate(() => {
    for (const details of document.querySelectorAll('details')) details.open = true
  })
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as a reader sees it
  const text = await page.locator('body').innerText()
  expect(text.length, `${where}: the page has text`).toBeGreaterThan(200)
  expect(describeHits(findKnownWrongClaims(text)), where).toEqual([])
  return text
}

const advisorAnswers = [
  'app=spa&backend=no&identity=yes&refresh=yes&assurance=standard&migrating=implicit',
  'app=spa&backend=no&identity=yes&refresh=yes&assurance=high&migrating=none',
  'app=spa&backend=yes&identity=yes&refresh=yes&assurance=standard&migrating=none',
  'app=web&identity=yes&refresh=yes&assurance=high&migrating=password',
  'app=native&browser=yes&identity=yes&refresh=yes&assurance=high&migrating=none',
  'app=cli&browser=no&identity=no&refresh=yes&assurance=standard&migrating=password',
  'app=device&identity=yes&refresh=yes&assurance=standard&migrating=none',
  'app=decoupled&refresh=yes&assurance=standard&migrating=password',
  'app=service&assertion=yes&assurance=standard&migrating=none',
  'app=service&assertion=no&assurance=high&migrating=password',
  'app=api&assertion=yes&assurance=standard&migrating=none',
  'app=agent&backend=no&refresh=yes&assurance=standard&migrating=none',
  'app=agent&backend=yes&refresh=yes&assurance=high&migrating=password',
]

const presetButtons = [
  'Single-page app',
  'Server-side web app',
  'Native or mobile app',
  'Command-line tool',
  'TV or device',
  'Machine-to-machine service',
]

test('the home page, the advisor’s results, the configuration page and the walkthrough index make no known-wrong claim', async ({
  page,
}) => {
  await openWithMockServer(page, '/')
  await expectNoKnownWrongClaims(page, 'home')

  await page.goto('/advisor')
  await expect(page.getByRole('heading', { level: 1, name: 'Find your grant' })).toBeVisible()
  await expectNoKnownWrongClaims(page, 'advisor, first question')
  for (const answers of advisorAnswers) {
    await page.goto(`/advisor?${answers}`)
    await expect(
      page.getByRole('heading', { name: 'Draft client registration (RFC 7591)' }),
    ).toBeVisible()
    await expectNoKnownWrongClaims(page, `advisor ?${answers}`)
  }

  // The last advice, opened in Configure, then every preset.
  await page.getByRole('link', { name: 'Open this client in Configure' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Configure a client' })).toBeVisible()
  await expect(page.getByText('Opened from the advisor’s recommendation')).toBeVisible()
  await expectNoKnownWrongClaims(page, 'configure, from the advisor')
  for (const preset of presetButtons) {
    await page.getByRole('button', { name: preset, exact: true }).click()
    await expectNoKnownWrongClaims(page, `configure, preset ${preset}`)
  }

  await page.goto('/walkthrough')
  await expect(page.getByRole('heading', { level: 1, name: 'Walkthroughs' })).toBeVisible()
  await expectNoKnownWrongClaims(page, 'walkthrough index')
})

/** The phone pane of the device walkthrough: sign in as alice and allow. */
async function approveOnPhone(page: Page) {
  const phone = page.frameLocator('iframe[title="Phone: verification page"]')
  await phone.getByRole('button', { name: 'Continue' }).click()
  await phone.getByLabel('Username').fill('alice')
  await phone.getByLabel('Password').fill('alice-password')
  await phone.getByRole('button', { name: 'Sign in' }).click()
  await phone.getByRole('button', { name: 'Allow' }).click()
  await expect(phone.getByRole('heading', { name: 'Device connected' })).toBeVisible()
}

/** The phone pane of the CIBA walkthrough: sign in as alice on the authentication device, allow. */
async function approveOnAuthenticationDevice(page: Page) {
  const phone = page.frameLocator('iframe[title="Phone: authentication device"]')
  await phone.getByLabel('Username').fill('alice')
  await phone.getByLabel('Password').fill('alice-password')
  await phone.getByRole('button', { name: 'Sign in' }).click()
  await phone.getByRole('button', { name: 'Allow' }).click()
  await expect(phone.getByRole('heading', { name: 'Request allowed' })).toBeVisible()
}

/**
 * Follows a step that sends this tab away (its "This tab now leaves the walkthrough" button) until
 * the browser is back on the walkthrough: signs in as alice and allows where the server asks,
 * and passes where it answers at once (a refused request, a logout, a remembered consent).
 */
async function followTheBrowser(page: Page, item: Locator, flowId: string) {
  const leave = item
    .locator('div')
    .filter({ hasText: /^This tab now leaves the walkthrough/ })
    .last()
    .getByRole('button')
  if (!(await leave.isVisible())) return
  await leave.click()
  const isBack = (url: URL) => url.pathname === `/walkthrough/${flowId}`
  const username = page.getByLabel('Username')
  const allow = page.getByRole('button', { name: 'Allow' })
  for (let page_ = 0; page_ < 4; page_ += 1) {
    await Promise.race([
      page.waitForURL(isBack).catch(() => undefined),
      username.waitFor().catch(() => undefined),
      allow.waitFor().catch(() => undefined),
    ])
    if (isBack(new URL(page.url()))) break
    if (await username.isVisible()) {
      await username.fill('alice')
      await page.getByLabel('Password').fill('alice-password')
      await page.getByRole('button', { name: 'Sign in' }).click()
    } else if (await allow.isVisible()) {
      await allow.click()
    }
  }
  await expect(page.getByText('The browser is back from the authorization server')).toBeVisible()
}

/**
 * Runs every step of the flow by its button, as a learner would, following the browser to the
 * server (sign in as alice, allow) and the device's phone pane where a step asks for it.
 */
async function runWholeWalkthrough(page: Page, flow: Flow) {
  for (const step of flow.steps) {
    const item = page.getByRole('listitem', { name: step.title })
    await item.getByRole('button', { name: 'Run step' }).click()
    await expect(item.getByRole('heading', { name: /^(Result|What went wrong)$/ })).toBeVisible()
    await expect(
      item.getByRole('heading', { name: 'What went wrong' }),
      `${flow.id} / ${step.id} failed`,
    ).toHaveCount(0)
    await followTheBrowser(page, item, flow.id)
    const phone = item.getByRole('button', { name: 'Open the verification page on the phone' })
    if (await phone.isVisible()) {
      await phone.click()
      await approveOnPhone(page)
    }
    const device = item.getByRole('button', { name: 'Open the authentication device on the phone' })
    if (await device.isVisible()) {
      await device.click()
      await approveOnAuthenticationDevice(page)
    }
    // A poll that came too early (slow_down or pending): the walkthrough polls again by itself.
    if (await item.getByRole('button', { name: 'Poll too fast' }).isVisible()) {
      await expect(item.getByText(/returned the tokens/)).toBeVisible({ timeout: 30_000 })
    }
    // Any other step that repeats by itself (PAR: a request_uri left to expire) until it is done.
    await expect(item.getByText('Done', { exact: true }).first()).toBeVisible({ timeout: 90_000 })
  }
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
}

for (const flow of allFlows) {
  test(`the ${flow.id} walkthrough, run to the end, makes no known-wrong claim`, async ({
    page,
  }) => {
    // The PAR walkthrough's last step waits a request_uri's whole lifetime (60 s) for real.
    if (flow.id === 'par') test.setTimeout(180_000)
    await openWithMockServer(page, '/walkthrough')
    await openFlowFromIndex(page, new RegExp(flow.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    await runWholeWalkthrough(page, flow)
    const text = await expectNoKnownWrongClaims(page, `${flow.id}, after the run`)

    if (flow.id === 'client-credentials') {
      // The token of a client acting as itself: its sub is the client, not a user (review).
      const token = page
        .getByRole('listitem', { name: 'Request a token for the service itself' })
        .getByRole('region', { name: 'Access token' })
      await expect(token.getByRole('row', { name: /^sub / })).toContainText('the client itself')
      // Again with the key pair, for the texts of the private_key_jwt path.
      await page.getByRole('button', { name: 'Start over' }).click()
      await page.getByRole('radio', { name: /private_key_jwt/ }).check()
      await runWholeWalkthrough(page, flow)
      await expectNoKnownWrongClaims(page, `${flow.id} (private_key_jwt), after the run`)
    }
    if (
      [
        'authorization-code',
        'refresh-token',
        'par',
        'logout',
        'hybrid',
        'device-code',
        'ciba',
      ].includes(flow.id)
    ) {
      // Each of them received an ID token and verified it, with the checklist to show it.
      expect(text).toContain('Signature verified')
      expect(text).toContain('Check: signature')
      expect(text).not.toMatch(/ID token\s+Signature not checked/)
    }
  })
}
