import { readFile } from 'node:fs/promises'
import AxeBuilder from '@axe-core/playwright'
import { expect, openWithMockServer, test } from './fixtures.ts'

const exportPanel = (page: import('@playwright/test').Page) =>
  page.getByRole('heading', { name: 'Export', exact: true }).locator('..')

/** A configuration handed over as the advisor hands it: base64url JSON in ?draft=. */
function draftPath(metadata: Record<string, unknown>): string {
  return `/configure?draft=${Buffer.from(JSON.stringify(metadata)).toString('base64url')}`
}

test('the exports of a JWT bearer client say what each product needs, and the module downloads whole', async ({
  page,
}) => {
  await openWithMockServer(
    page,
    draftPath({
      client_name: 'My federated workload',
      application_type: 'web',
      grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
      response_types: [],
      token_endpoint_auth_method: 'none',
      scope: 'orders:read',
    }),
  )
  const panel = exportPanel(page)
  await panel.getByRole('radio', { name: 'Keycloak client' }).check()
  const keycloakNotes = panel.getByRole('list', { name: 'Before you use keycloak-client.json' })
  await expect(keycloakNotes).toContainText(
    'Keycloak trusts an assertion only through an identity provider',
  )
  await expect(keycloakNotes).toContainText('--features=jwt-authorization-grant')
  await expect(keycloakNotes).toContainText('only confidential clients')

  await panel.getByRole('radio', { name: 'node-oidc-provider' }).check()
  const moduleNotes = panel.getByRole('list', { name: 'Before you use oidc-provider-client.js' })
  await expect(moduleNotes).toContainText('await setup(provider)')
  await expect(moduleNotes).toContainText('trustedAssertionIssuers')
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    panel.getByRole('button', { name: 'Download oidc-provider-client.js' }).click(),
  ])
  const module = await readFile(await download.path(), 'utf8')
  for (const part of [
    'export const client = {',
    'export const features = {',
    'export const configuration = {',
    'export async function setup(provider) {',
    'provider.registerGrantType(jwtBearerGrantType, jwtBearerGrant',
  ]) {
    expect(module).toContain(part)
  }

  await panel.getByRole('radio', { name: 'oauth4webapi starter' }).check()
  await expect(panel.getByRole('list', { name: 'Before you use oauth-client.ts' })).toContainText(
    'npx tsx --env-file=client.env oauth-client.ts',
  )
  await expect(panel.getByTestId('export-preview')).toContainText(
    "'urn:ietf:params:oauth:grant-type:jwt-bearer'",
  )
  const { violations } = await new AxeBuilder({ page })
    .include('section[aria-labelledby]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze()
  expect(violations.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([])
})

test('the .env export of a preset lists what is still missing, and Keycloak keeps offline_access optional', async ({
  page,
}) => {
  await openWithMockServer(page, '/configure')
  await page.getByRole('button', { name: 'Native or mobile app' }).click()
  const panel = exportPanel(page)
  await panel.getByRole('radio', { name: '.env file' }).check()
  const envNotes = panel.getByRole('list', { name: 'Before you use client.env' })
  await expect(envNotes).toContainText('Fill in OAUTH_CLIENT_ID from your registration')
  await expect(envNotes).toContainText('Set OAUTH_REDIRECT_URI to a loopback redirect URI')
  await expect(panel.getByTestId('export-preview')).toContainText('OAUTH_USE_DPOP=true')

  await panel.getByRole('radio', { name: 'Keycloak client' }).check()
  const keycloak = JSON.parse((await panel.getByTestId('export-preview').textContent()) ?? '{}')
  expect(keycloak.defaultClientScopes).toEqual(['profile'])
  expect(keycloak.optionalClientScopes).toEqual(['offline_access'])
})

test('a workload’s exports, opened from the advisor, take its platform’s JWT or its own key', async ({
  page,
}) => {
  await openWithMockServer(
    page,
    '/advisor?app=service&assertion=yes&assurance=standard&migrating=none',
  )
  await page.getByRole('link', { name: 'Open this client in Configure' }).click()
  await expect(page.getByText('Opened from the advisor’s recommendation')).toBeVisible()
  const panel = exportPanel(page)

  await panel.getByRole('radio', { name: 'oauth4webapi starter' }).check()
  await expect(panel.getByRole('list', { name: 'Before you use oauth-client.ts' })).toContainText(
    'set OAUTH_CLIENT_ASSERTION_FILE to the file the platform keeps it in',
  )
  await panel.getByRole('radio', { name: '.env file' }).check()
  await expect(panel.getByRole('list', { name: 'Before you use client.env' })).toContainText(
    'For a workload whose platform issues its JWT, set OAUTH_CLIENT_ASSERTION_FILE',
  )
  const preview = panel.getByTestId('export-preview')
  await expect(preview).toContainText('OAUTH_CLIENT_ASSERTION_FILE=')
  await expect(preview).toContainText('OAUTH_PRIVATE_KEY_FILE=./client-private-key.pem')

  await panel.getByRole('radio', { name: 'node-oidc-provider' }).check()
  await expect(
    panel.getByRole('list', { name: 'Before you use oidc-provider-client.js' }),
  ).toContainText('set assertionPlatform to the platform’s issuer')
  await expect(preview).toContainText('export const assertionPlatform = null')
})
