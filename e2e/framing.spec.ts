import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ConsoleMessage, Page } from '@playwright/test'
import { expect, openWithMockServer, runStep, test } from './fixtures.ts'

/*
 * Clickjacking (RFC 6749 §10.13, docs/decisions/080): another site must not frame the app, while
 * the app may still frame the server's verification page from its own origin (decision 051).
 * "Another site" is a page on another port of 127.0.0.1, served by a throwaway server on a port
 * the system picks.
 */

let attacker: Server
let attackerOrigin = ''

test.beforeAll(async () => {
  attacker = createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://attacker.invalid').searchParams.get('frame')
    const src = (target ?? '').replace(/[^A-Za-z0-9:/?&=._%-]/g, '')
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    response.end(
      `<!doctype html><html lang="en"><title>Another site</title><h1>Another site</h1><iframe title="Framed page" src="${src}" width="800" height="600"></iframe></html>`,
    )
  })
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
  attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`
})

test.afterAll(async () => {
  await new Promise<void>((resolve) => attacker.close(() => resolve()))
})

/** Opens the other site's page that frames `url`; resolves with Chromium's refusal, if any. */
async function frameFromAnotherSite(page: Page, url: string): Promise<ConsoleMessage> {
  const refusal = page.waitForEvent('console', {
    // "Framing '…' violates … frame-ancestors …" (older Chromium: "Refused to frame '…'").
    predicate: (message) => /(Refused to frame|Framing) .*frame-ancestors/.test(message.text()),
    timeout: 15_000,
  })
  await page.goto(`${attackerOrigin}/?frame=${encodeURIComponent(url)}`)
  await expect(page.getByRole('heading', { name: 'Another site' })).toBeVisible()
  return refusal
}

/** The framed document's address: Chromium puts an error page in place of a refused frame. */
function framedUrl(page: Page): string | undefined {
  return page
    .frames()
    .find((frame) => frame !== page.mainFrame())
    ?.url()
}

test('another site (another port of 127.0.0.1) cannot frame the app, even once the mock server runs', async ({
  page,
  baseURL,
}) => {
  // The victim has used the app before: its service worker is installed and answers navigations.
  await openWithMockServer(page, '/walkthrough/authorization-code')
  for (const path of ['/', '/walkthrough/authorization-code']) {
    const refusal = await frameFromAnotherSite(page, `${baseURL}${path}`)
    expect(refusal.text()).toContain("frame-ancestors 'self'")
    expect(framedUrl(page)).toMatch(/^chrome-error:/)
    await expect(
      page.frameLocator('iframe[title="Framed page"]').getByRole('link', { name: 'Grantlab' }),
    ).toHaveCount(0)
  }
})

test("another site cannot frame the server's own pages either; the worker sends their policy", async ({
  page,
  baseURL,
}) => {
  await openWithMockServer(page, '/')
  // The sign-in and consent pages allow no framing at all, the device pages only by the app.
  const authorize = await frameFromAnotherSite(
    page,
    `${baseURL}/as/authorize?client_id=grantlab-spa`,
  )
  expect(authorize.text()).toContain("frame-ancestors 'none'")
  expect(framedUrl(page)).toMatch(/^chrome-error:/)
  const device = await frameFromAnotherSite(page, `${baseURL}/as/device`)
  expect(device.text()).toContain("frame-ancestors 'self'")
  expect(framedUrl(page)).toMatch(/^chrome-error:/)
})

test("the app's own device pane still frames the verification page", async ({ page }) => {
  await openWithMockServer(page, '/walkthrough/device-code')
  await runStep(page, 'Discover the authorization server')
  await runStep(page, 'Ask for a device code and a user code')
  const show = await runStep(page, 'Show the code and the address to the user')
  await show.getByRole('button', { name: 'Open the verification page on the phone' }).click()
  const phone = page.frameLocator('iframe[title="Phone: verification page"]')
  await expect(phone.getByRole('heading', { name: 'Connect a device' })).toBeVisible()
  await expect(phone.getByLabel('Code from your device')).not.toHaveValue('')
})

/** The value of a header row in the README's table for static hosts. */
function readmeHeader(name: string): string | undefined {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``))
  return row?.split('|')[2]?.trim().replace(/^`|`$/g, '')
}

test('the preview server sends the framing headers the README tells static hosts to send', async ({
  request,
}) => {
  const documented = {
    'content-security-policy': readmeHeader('Content-Security-Policy'),
    'x-frame-options': readmeHeader('X-Frame-Options'),
  }
  expect(documented['content-security-policy']).toContain("frame-ancestors 'self'")
  expect(documented['x-frame-options']).toBe('SAMEORIGIN')
  // The index, a deep link answered by the single-page fallback, and a script.
  const index = await request.get('/')
  const html = await index.text()
  const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1]
  expect(script).toBeDefined()
  for (const path of ['/', '/walkthrough/device-code', script ?? '']) {
    const response = await request.get(path)
    expect(response.ok(), path).toBe(true)
    expect(response.headers(), path).toMatchObject(documented)
  }
  // The meta policy stays, without frame-ancestors (a meta tag cannot carry it).
  const meta = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1]
  expect(meta).toContain("default-src 'self'")
  expect(meta).not.toContain('frame-ancestors')
  // The build's _headers file (Netlify, Cloudflare Pages) says the same.
  const file = await (await request.get('/_headers')).text()
  expect(file).toContain(`Content-Security-Policy: ${documented['content-security-policy']}`)
  expect(file).toContain('X-Frame-Options: SAMEORIGIN')
})
