import { readFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, openWithMockServer, test } from './fixtures.ts'

const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

async function expectNoAxeViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).withTags(wcagTags).analyze()
  expect(violations.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([])
}

const findings = (page: Page) => page.getByRole('list', { name: 'Findings' })
const redirectUri = (page: Page, n: number) =>
  page.getByRole('textbox', { name: `Redirect URI ${n}`, exact: true })

test('a new user builds a confidential web client from a preset, fixes a flagged redirect URI, downloads the JSON and registers it live', async ({
  page,
}) => {
  await openWithMockServer(page, '/configure')
  await expect(page.getByRole('heading', { level: 1, name: 'Configure a client' })).toBeVisible()
  await page.getByRole('button', { name: 'Server-side web app' }).click()
  await expect(page.getByLabel(/^Client name/)).toHaveValue('Example web app')
  await expect(page.getByLabel(/^Token endpoint authentication/)).toHaveValue('client_secret_basic')

  await redirectUri(page, 1).fill('https://app.example.com/*/callback#done')
  await expect(findings(page).getByText(/has a fragment/)).toBeVisible()
  await expect(findings(page).getByText(/has a wildcard/)).toBeVisible()
  await expect(redirectUri(page, 1)).toHaveAttribute('aria-invalid', 'true')

  // The finding takes the user to the field it is about.
  await findings(page).getByRole('button', { name: 'Redirect URIs, entry 1' }).first().click()
  await expect(redirectUri(page, 1)).toBeFocused()
  await redirectUri(page, 1).fill('https://app.example.com/callback')
  await expect(findings(page).getByText(/has a fragment/)).toHaveCount(0)
  await expect(findings(page).getByText(/has a wildcard/)).toHaveCount(0)
  await expect(page.getByText('No findings: this configuration passes every check.')).toBeVisible()

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download client-metadata.json' }).click(),
  ])
  expect(download.suggestedFilename()).toBe('client-metadata.json')
  const downloaded = JSON.parse(await readFile(await download.path(), 'utf8'))
  expect(downloaded).toMatchObject({
    client_name: 'Example web app',
    redirect_uris: ['https://app.example.com/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })

  await page.getByRole('button', { name: 'Register at the mock server' }).click()
  await expect(page.getByText('Registered: HTTP 201 Created.')).toBeVisible()
  await expect(page.getByTestId('registered-client-id')).toHaveText(/\S+/)
  await expect(page.getByText('client_secret_expires_at', { exact: true })).toBeVisible()
  const raw = JSON.parse(
    (await page.getByRole('region', { name: 'Raw registration response' }).textContent()) ?? '',
  )
  expect(raw.client_id).toBe(await page.getByTestId('registered-client-id').textContent())
  expect(typeof raw.client_secret).toBe('string')
  expect(typeof raw.client_secret_expires_at).toBe('number')
  await expect(
    page.getByRole('link', { name: 'Run a walkthrough with this client' }),
  ).toHaveAttribute(
    'href',
    `/walkthrough/authorization-code?client_id=${encodeURIComponent(raw.client_id)}`,
  )
  await expectNoAxeViolations(page)
})

test('a client the server refuses shows its RFC 7591 error and the raw response', async ({
  page,
}) => {
  await openWithMockServer(page, '/configure')
  await page.getByRole('button', { name: 'Server-side web app' }).click()
  await redirectUri(page, 1).fill('https://app.example.com/callback#fragment')
  await page.getByRole('button', { name: 'Register at the mock server' }).click()
  const alert = page.getByRole('alert').filter({ hasText: 'refused the registration' })
  await expect(alert).toContainText('HTTP 400, invalid_redirect_uri')
})

test('malformed imports show the error at the wrong field and lose nothing already on the page', async ({
  page,
}) => {
  await openWithMockServer(page, '/configure')
  await page.getByRole('button', { name: 'Single-page app' }).click()
  await page.getByLabel(/^Client name/).fill('My careful app')
  const summary = await page.getByText(/\d+ errors?, \d+ warnings?, \d+ notes?/).textContent()

  const pasteAndImport = async (text: string) => {
    await page.getByLabel('Paste JSON, or drop a file here').fill(text)
    await page.getByRole('button', { name: 'Import pasted JSON' }).click()
  }
  const importAlert = page.getByRole('alert').filter({ hasText: 'was not imported' })

  await pasteAndImport('client_name: not json')
  await expect(importAlert).toContainText('not JSON')

  await pasteAndImport('{"client_name": "x", "__proto__": {"polluted": true}}')
  await expect(importAlert).toContainText('__proto__')
  await expect(importAlert).toContainText('prototype pollution')
  expect(await page.evaluate(() => ({}) as Record<string, unknown>)).not.toHaveProperty('polluted')

  await pasteAndImport(
    '{"redirect_uris": "https://a.example/cb", "dpop_bound_access_tokens": "yes"}',
  )
  await expect(importAlert).toContainText(
    'redirect_uris: redirect_uris must be an array of strings',
  )
  await expect(importAlert).toContainText('dpop_bound_access_tokens')

  await pasteAndImport('{"client_name": "<script>alert(1)</script>"}')
  await expect(importAlert).toContainText('client_name')
  await expect(importAlert).toContainText('markup')

  await page.getByLabel('Upload a file…').setInputFiles({
    name: 'huge.json',
    mimeType: 'application/json',
    buffer: Buffer.alloc(5 * 1024 * 1024, 0x20),
  })
  await expect(importAlert).toContainText('"huge.json" is 5.0 MB')

  await expect(page.getByLabel(/^Client name/)).toHaveValue('My careful app')
  await expect(page.getByLabel(/^Token endpoint authentication/)).toHaveValue('none')
  await expect(page.getByText(/\d+ errors?, \d+ warnings?, \d+ notes?/)).toHaveText(summary ?? '')

  // A good import after all that still works, and unknown fields are named, not fatal.
  await pasteAndImport(
    '{"client_name": "Imported", "redirect_uris": ["https://a.example/cb"], "colour": "blue"}',
  )
  await expect(
    page.getByRole('status').filter({ hasText: 'Imported RFC 7591 metadata' }),
  ).toContainText('Unknown field "colour"')
  await expect(page.getByLabel(/^Client name/)).toHaveValue('Imported')
  await expectNoAxeViolations(page)
})

test('the configuration survives a reload, without the secret', async ({ page }) => {
  await openWithMockServer(page, '/configure')
  await page.getByRole('button', { name: 'Native or mobile app' }).click()
  await page.getByLabel(/^Client name/).fill('Reload me')
  await page.getByLabel('Paste JSON, or drop a file here').fill(
    JSON.stringify({
      client_name: 'Reload me',
      client_secret: 'do-not-keep-me',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: ['https://app.example.com/cb'],
    }),
  )
  await page.getByRole('button', { name: 'Import pasted JSON' }).click()
  await expect(page.getByRole('button', { name: 'Remove the client secret' })).toBeVisible()
  await page.reload()
  await expect(page.getByText('Restored the configuration you were working on.')).toBeVisible()
  await expect(page.getByLabel(/^Client name/)).toHaveValue('Reload me')
  await expect(redirectUri(page, 1)).toHaveValue('https://app.example.com/cb')
  await expect(page.getByRole('button', { name: 'Remove the client secret' })).toHaveCount(0)
  const saved = await page.evaluate(() => JSON.stringify(localStorage))
  expect(saved).not.toContain('do-not-keep-me')
})

test('the advisor’s draft link opens the form as a checked import, and a share link round-trips without secrets', async ({
  page,
}) => {
  const draft = Buffer.from(
    JSON.stringify({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  ).toString('base64url')
  await openWithMockServer(page, `/configure?draft=${draft}`)
  await expect(
    page.getByText('Opened from the advisor’s recommendation.', { exact: false }),
  ).toBeVisible()
  await expect(page.getByLabel(/^Token endpoint authentication/)).toHaveValue('none')
  await expect(findings(page).getByText(/must register at least one redirect URI/)).toBeVisible()

  await page.getByLabel(/^Client name/).fill('Shared SPA')
  await page.getByRole('button', { name: 'Add redirect uri' }).click()
  await redirectUri(page, 1).fill('https://spa.example.com/cb')
  await page.getByRole('button', { name: 'Create a share link' }).click()
  const url = await page.getByLabel('Share link').inputValue()
  expect(url).toMatch(/\/configure#config=[A-Za-z0-9_-]+$/)

  await page.evaluate(() => localStorage.clear())
  await page.goto(url)
  await expect(page.getByText('Opened from a share link.')).toBeVisible()
  await expect(page.getByLabel(/^Client name/)).toHaveValue('Shared SPA')
  await expect(redirectUri(page, 1)).toHaveValue('https://spa.example.com/cb')
})

test('private_key_jwt: the key pair is made in the browser, only the public key lands in jwks, the private key downloads once', async ({
  page,
}) => {
  await openWithMockServer(page, '/configure')
  await page.getByRole('button', { name: 'Machine-to-machine service' }).click()
  await page.getByLabel(/^Token endpoint authentication/).selectOption('private_key_jwt')
  await expect(findings(page).getByText(/needs your public key registered/)).toBeVisible()
  await page.getByRole('button', { name: 'Generate a key pair' }).click()
  await expect(findings(page).getByText(/needs your public key registered/)).toHaveCount(0)
  const jwks = JSON.parse(await page.getByLabel(/^JSON Web Key Set/).inputValue())
  expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' })
  expect(jwks.keys[0].kid).toEqual(expect.any(String))
  expect(jwks.keys[0].d).toBeUndefined()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download the private key (once)' }).click(),
  ])
  expect(await readFile(await download.path(), 'utf8')).toContain('BEGIN PRIVATE KEY')
  await expect(page.getByRole('button', { name: 'Download the private key (once)' })).toHaveCount(0)
  expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain('PRIVATE KEY')
  await page.getByRole('button', { name: 'Register at the mock server' }).click()
  await expect(page.getByText('Registered: HTTP 201 Created.')).toBeVisible()
})

test('the blank configure page has no accessibility violations', async ({ page }) => {
  await openWithMockServer(page, '/configure')
  await expect(page.getByRole('heading', { name: 'Findings' })).toBeVisible()
  await expectNoAxeViolations(page)
})

test('a JSON file dropped on the import area is imported', async ({ page }) => {
  await openWithMockServer(page, '/configure')
  const dataTransfer = await page.evaluateHandle(() => {
    const transfer = new DataTransfer()
    transfer.items.add(
      new File(
        ['{"client_name":"Dropped client","redirect_uris":["https://d.example/cb"]}'],
        'dropped.json',
        {
          type: 'application/json',
        },
      ),
    )
    return transfer
  })
  await page.getByLabel('Paste JSON, or drop a file here').dispatchEvent('drop', { dataTransfer })
  await expect(
    page.getByRole('status').filter({ hasText: 'Imported RFC 7591 metadata' }),
  ).toContainText('"dropped.json"')
  await expect(page.getByLabel(/^Client name/)).toHaveValue('Dropped client')
})
