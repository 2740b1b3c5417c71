import type { Page } from '@playwright/test'
import { expect, expectNoAxeViolations, openWithMockServer, test } from './fixtures.ts'

// The attack lab by issue 11's contract: a checkbox named "Defence…", a button "Run the attack",
// and a status region that says "The attack succeeded" or "The attack was stopped". Each attack
// runs in the browser for real (the victim's frame through the service worker, the attacker's
// fetch without cookies); with the defence off the page shows the loot decoded, with it on the
// check that stopped it and its RFC section.

interface Expected {
  title: RegExp
  /** Whose `sub` the attacker's decoded tokens carry. */
  lootSubject: 'user-alice' | 'user-bob'
  /** The check and its section, as the status region names them. */
  stoppedAt: { check: string; spec: string; by: 'client' | 'authorization server' }
}

const attacks: Record<string, Expected> = {
  csrf: {
    title: /CSRF on the redirect URI/,
    lootSubject: 'user-bob',
    stoppedAt: { check: 'state', spec: 'RFC 6749 §10.12', by: 'client' },
  },
  'code-injection': {
    title: /Authorization code injection/,
    lootSubject: 'user-alice',
    stoppedAt: { check: 'PKCE code_verifier', spec: 'RFC 7636 §4.6', by: 'authorization server' },
  },
  'pkce-downgrade': {
    title: /PKCE downgrade/,
    lootSubject: 'user-bob',
    stoppedAt: {
      check: 'code_verifier without code_challenge',
      spec: 'RFC 9700 §4.8.2',
      by: 'authorization server',
    },
  },
  'mix-up': {
    title: /Mix-up/,
    lootSubject: 'user-alice',
    stoppedAt: { check: 'iss', spec: 'RFC 9207 §2.4', by: 'client' },
  },
  'redirect-uri-manipulation': {
    title: /Redirect URI manipulation/,
    lootSubject: 'user-alice',
    stoppedAt: {
      check: 'exact redirect URI match',
      spec: 'RFC 9700 §4.1.3',
      by: 'authorization server',
    },
  },
  'refresh-token-replay': {
    title: /Refresh token replay/,
    lootSubject: 'user-alice',
    stoppedAt: {
      check: 'refresh token reuse',
      spec: 'RFC 9700 §4.14.2',
      by: 'authorization server',
    },
  },
  'id-token-replay': {
    title: /ID token replay/,
    lootSubject: 'user-alice',
    stoppedAt: { check: 'nonce', spec: 'OIDC Core §3.1.3.7', by: 'client' },
  },
  'implicit-token-leakage': {
    title: /Implicit flow token leakage/,
    lootSubject: 'user-alice',
    stoppedAt: { check: 'PKCE code_verifier', spec: 'RFC 7636 §4.6', by: 'authorization server' },
  },
  'consent-csrf': {
    title: /Consent/,
    lootSubject: 'user-alice',
    stoppedAt: {
      check: 'form bound to the browser',
      spec: 'RFC 6749 §10.12',
      by: 'authorization server',
    },
  },
}

test.describe.configure({ timeout: 150_000 })

const status = (page: Page) => page.getByRole('main').getByRole('status')

async function runAttack(page: Page, defence: boolean): Promise<void> {
  const box = page.getByRole('checkbox', { name: /^Defence/ })
  await box.setChecked(defence)
  await page.getByRole('button', { name: 'Run the attack' }).click()
  await expect(status(page)).toHaveText(/The attack (succeeded|was stopped|could not be played)/, {
    timeout: 60_000,
  })
}

async function expectLoot(page: Page, subject: string): Promise<void> {
  await expect(status(page)).toContainText('The attack succeeded')
  const loot = page.getByRole('region', { name: 'The attacker’s loot' })
  await expect(loot).toBeVisible()
  // The loot's tokens are decoded: a claims table whose sub is the expected user.
  const subRow = loot.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'sub' }) })
  await expect(subRow.first()).toContainText(subject)
}

async function openAttack(page: Page, title: RegExp): Promise<void> {
  await openWithMockServer(page, '/')
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Attack lab' })
    .click()
  await expect(page.getByRole('heading', { level: 1, name: 'Attack lab' })).toBeVisible()
  await page.getByRole('heading', { name: title }).getByRole('link').click()
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible()
}

test('the attack lab lists the ten attacks, from the main navigation and the home page', async ({
  page,
}) => {
  await openWithMockServer(page, '/')
  await page.getByRole('main').getByRole('link', { name: 'Break a defence' }).click()
  await expect(page).toHaveURL(/\/attacks$/)
  await expect(page.getByRole('heading', { level: 1, name: 'Attack lab' })).toBeVisible()
  for (const expected of Object.values(attacks)) {
    await expect(page.getByRole('heading', { level: 2, name: expected.title })).toBeVisible()
  }
  await expect(
    page.getByRole('heading', { level: 2, name: /^7\. Access token replay/ }),
  ).toBeVisible()
  await expect(page.getByRole('main').getByRole('listitem')).toHaveCount(10)
  await expectNoAxeViolations(page)

  // An address that names no attack says so and leads back to the list.
  await page.goto('/attacks/no-such-attack')
  await expect(page.getByRole('heading', { level: 1, name: 'No such attack' })).toBeVisible()
  await page.getByRole('link', { name: 'See all attacks' }).click()
  await expect(page).toHaveURL(/\/attacks$/)
})

for (const [id, expected] of Object.entries(attacks)) {
  test(`${id}: with the defence off the attack gets the loot; with it on it is stopped at ${expected.stoppedAt.check}`, async ({
    page,
  }) => {
    await openAttack(page, expected.title)
    await expect(page).toHaveURL(new RegExp(`/attacks/${id}$`))
    await expect(status(page)).toHaveText('Not run yet.')
    // The defence starts on: a learner switches it off on purpose.
    await expect(page.getByRole('checkbox', { name: /^Defence/ })).toBeChecked()
    await expectNoAxeViolations(page)

    await runAttack(page, false)
    await expectLoot(page, expected.lootSubject)
    await expect(page.getByText('Last run: defence off.')).toBeVisible()
    await expectNoAxeViolations(page)

    await runAttack(page, true)
    const { check, spec, by } = expected.stoppedAt
    await expect(status(page)).toHaveText(
      `The attack was stopped by the ${by}, at the ${check} check (${spec}).`,
    )
    const where = page.getByRole('region', { name: 'Where the defence stopped it' })
    await expect(where).toContainText(check)
    await expect(where.getByRole('link', { name: spec })).toBeVisible()
    await expect(page.getByRole('region', { name: 'The attacker’s loot' })).toHaveCount(0)
    // Exactly one step is marked as the one the defence stopped.
    await expect(page.getByText('Stopped here', { exact: true })).toHaveCount(1)
    await expectNoAxeViolations(page)
  })
}

test('access token replay: the bearer token works at the real API; the DPoP half says it is not there yet', async ({
  page,
}) => {
  await openAttack(page, /Access token replay/)
  const box = page.getByRole('checkbox', { name: /^Defence: DPoP-bound access token/ })
  await expect(box).toBeDisabled()
  await expect(box).not.toBeChecked()
  await expect(page.getByText(/DPoP is being added to the mock server/)).toBeVisible()
  await page.getByRole('button', { name: 'Run the attack' }).click()
  await expect(status(page)).toContainText('The attack succeeded', { timeout: 60_000 })
  await expectLoot(page, 'user-alice')
  const loot = page.getByRole('region', { name: 'The attacker’s loot' })
  await expect(loot).toContainText('alice@example.com')
  await expectNoAxeViolations(page)
})

async function stopServiceWorker(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('ServiceWorker.enable')
  await cdp.send('ServiceWorker.stopAllWorkers')
  await cdp.detach()
}

test('offline, with the service worker stopped after every step, the mix-up still gets its loot', async ({
  page,
  context,
}) => {
  // The mix-up involves all three servers of the worker (the honest one, evil-as and the
  // attacker's), each keeping its state in IndexedDB.
  await openAttack(page, attacks['mix-up']?.title ?? /Mix-up/)
  await context.setOffline(true)
  await page.getByRole('checkbox', { name: /^Defence/ }).setChecked(false)
  await page.getByLabel('Pause after each step').check()
  await page.getByRole('button', { name: 'Run the attack' }).click()
  let pauses = 0
  for (;;) {
    await expect(status(page)).toHaveText(/^Paused after step|The attack/, { timeout: 60_000 })
    if (!(await status(page).textContent())?.startsWith('Paused')) break
    pauses += 1
    await stopServiceWorker(page)
    await page.getByRole('button', { name: 'Run the next step' }).click()
  }
  expect(pauses).toBeGreaterThanOrEqual(6)
  await expectLoot(page, 'user-alice')
})
