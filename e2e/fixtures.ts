import { test as base, expect, type Page } from '@playwright/test'

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
