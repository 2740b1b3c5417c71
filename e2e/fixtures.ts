import AxeBuilder from '@axe-core/playwright'
import { test as base, expect, type Locator, type Page } from '@playwright/test'

/**
 * Opens a path and waits until the mock authorization server (the service worker) controls the
 * page, as DESIGN.md prescribes: a fresh context installs the worker anew for every test.
 */
export async function openWithMockServer(page: Page, path = '/'): Promise<void> {
  await page.goto(path)
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
    timeout: 15_000,
  })
}

export const test = base
export { expect }

/**
 * On the walkthrough index: opens a flow by the link in its card heading (a page-wide link
 * locator would also match the deprecated flows' "use instead" links) and waits for its page.
 */
export async function openFlowFromIndex(page: Page, title: RegExp): Promise<void> {
  await page.getByRole('heading', { name: title }).getByRole('link').click()
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible()
}

/** From the home page through the main navigation's "Walk through" to a flow's walkthrough. */
export async function openFlowFromHome(page: Page, title: RegExp): Promise<void> {
  await openWithMockServer(page, '/')
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Walk through' })
    .click()
  await openFlowFromIndex(page, title)
}

/**
 * After a walkthrough's authorize step: follows it to the server, signs in as alice, allows, and
 * waits until the browser is back on the walkthrough `flowId`.
 */
export async function signInAsAliceAndAllow(page: Page, flowId: string): Promise<void> {
  await page.getByRole('button', { name: 'Continue to the authorization server' }).click()
  await page.waitForURL(/\/as\/authorize\?/)
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Password').fill('alice-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.waitForURL(new RegExp(`/walkthrough/${flowId}$`))
}

/** A walkthrough step, found by (part of) its title. */
export function stepItem(page: Page, title: string): Locator {
  return page.getByRole('listitem', { name: new RegExp(title) })
}

/** Clicks the step's "Run step" button and waits for its result, which must not be an error. */
export async function runStep(page: Page, title: string): Promise<Locator> {
  const step = stepItem(page, title)
  await step.getByRole('button', { name: 'Run step' }).click()
  await expect(step.getByRole('heading', { name: /^(Result|What went wrong)$/ })).toBeVisible()
  await expect(step.getByRole('heading', { name: 'What went wrong' })).toHaveCount(0)
  return step
}

/** Clicks the step's "Run step" button and waits for its error ("What went wrong"). */
export async function runStepExpectingError(page: Page, title: string): Promise<Locator> {
  const step = stepItem(page, title)
  await step.getByRole('button', { name: 'Run step' }).click()
  await expect(step.getByRole('heading', { name: 'What went wrong' })).toBeVisible()
  return step
}

/** Runs axe with the WCAG 2.x A and AA rules; a failure names each violation and its nodes. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze()
  expect(
    results.violations.map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    ),
  ).toEqual([])
}
