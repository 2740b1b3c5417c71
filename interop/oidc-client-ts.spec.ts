/**
 * oidc-client-ts (the most used browser OIDC library) in Chromium, from a team's page on another
 * origin (127.0.0.1:9512, served here) against `npm run as` with a configuration file
 * (127.0.0.1:9511): sign-in, callback, userinfo, refresh, silent renew in the hidden iframe,
 * revocation, and logout through the end_session_endpoint. Every call the library makes
 * to the server (discovery, JWKS, token, userinfo, revocation) is a cross-origin fetch: the CORS
 * preflights must pass, or nothing works.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { expect, type Page, test } from '@playwright/test'
import { postForm, type RunningCli, repoRoot, runCli, stopCli, waitForHealth } from './support'

const asPort = 9511
const appPort = 9512
const issuer = `http://127.0.0.1:${asPort}/as`
const app = `http://127.0.0.1:${appPort}`
const spaDir = join(repoRoot, 'interop', 'spa')
const library = join(
  repoRoot,
  'node_modules',
  'oidc-client-ts',
  'dist',
  'browser',
  'oidc-client-ts.min.js',
)

let mockServer: RunningCli
let appServer: Server
let configDir: string

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'grantlab-oidc-client-ts-'))
  const config = join(configDir, 'team.json')
  writeFileSync(
    config,
    JSON.stringify({
      cors: [app],
      users: [
        {
          username: 'erin',
          password: 'erin-password',
          claims: { name: 'Erin', email: 'erin@example.test', groups: ['editors'] },
        },
      ],
      clients: [
        {
          client_id: 'team-spa',
          client_name: 'Team SPA',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: [`${app}/callback.html`, `${app}/silent.html`],
          post_logout_redirect_uris: [`${app}/signed-out.html`],
          scope: 'openid profile email offline_access',
        },
      ],
    }),
  )
  mockServer = runCli(['--port', String(asPort), '--config', config])
  appServer = createServer((request, response) => {
    const path = new URL(request.url ?? '/', app).pathname
    const file =
      path === '/oidc-client-ts.min.js' ? library : join(spaDir, path === '/' ? 'index.html' : path)
    try {
      const type = extname(file) === '.js' ? 'text/javascript' : 'text/html'
      response.writeHead(200, { 'content-type': `${type};charset=utf-8` })
      response.end(readFileSync(file))
    } catch {
      response.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => appServer.listen(appPort, '127.0.0.1', resolve))
  await waitForHealth(`${issuer}/health`, mockServer)
})

test.afterAll(async () => {
  appServer?.close()
  if (mockServer) await stopCli(mockServer)
  rmSync(configDir, { recursive: true, force: true })
})

async function signIn(page: Page) {
  await page.goto(`${app}/?as=${encodeURIComponent(issuer)}`)
  await page.getByRole('button', { name: 'Sign in' }).click()
  // The mock server's own sign-in and consent pages, on its origin.
  await expect(page).toHaveURL(new RegExp(`^${issuer}/authorize`))
  await page.getByLabel('Username').fill('erin')
  await page.getByLabel('Password').fill('erin-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  // The consent page comes once: the server remembers what erin allowed for this client.
  const allow = page.getByRole('button', { name: 'Allow' })
  await expect(allow.or(page.getByLabel('Status'))).toBeVisible()
  if (await allow.isVisible()) await allow.click()
  await expect(page.getByLabel('Status')).toHaveText('Signed in as erin')
}

/** What the library keeps in sessionStorage for the signed-in user. */
function storedUser(page: Page) {
  return page.evaluate(() => {
    const key = Object.keys(sessionStorage).find((name) => name.startsWith('oidc.user:'))
    return JSON.parse(sessionStorage.getItem(key ?? '') ?? 'null') as {
      access_token: string
      refresh_token?: string
    }
  })
}

/** Whether the server still takes an access token: its answer at the userinfo endpoint. */
async function accepted(token: string): Promise<boolean> {
  const userinfo = await fetch(`${issuer}/userinfo`, {
    headers: { authorization: `Bearer ${token}` },
  })
  return userinfo.status === 200
}

test('sign-in through the server’s pages, the code callback, and the claims from userinfo', async ({
  page,
}) => {
  await signIn(page)
  // email and groups are not in the ID token: they came from the userinfo endpoint.
  await expect(page.getByLabel('Email from userinfo')).toHaveText('erin@example.test')
  await expect(page.getByLabel('Groups from userinfo')).toHaveText('editors')
  const user = await storedUser(page)
  expect(user.refresh_token).toEqual(expect.any(String))
})

test('refresh with the refresh token, then revocation of both tokens', async ({ page }) => {
  await signIn(page)
  const before = await storedUser(page)
  await page.getByRole('button', { name: 'Refresh' }).click()
  await expect(page.getByLabel('Status')).toHaveText('Refreshed as erin')
  const after = await storedUser(page)
  expect(after.access_token).not.toBe(before.access_token)
  // Rotation: a new refresh token, and the old one is spent.
  expect(after.refresh_token).not.toBe(before.refresh_token)

  expect(await accepted(after.access_token)).toBe(true)
  await page.getByRole('button', { name: 'Revoke' }).click()
  await expect(page.getByLabel('Status')).toHaveText('Tokens revoked')
  expect(await accepted(after.access_token)).toBe(false)
  const refresh = await postForm(`${issuer}/token`, {
    grant_type: 'refresh_token',
    refresh_token: after.refresh_token ?? '',
    client_id: 'team-spa',
  })
  expect((await refresh.json()).error).toBe('invalid_grant')
})

test('silent renew in the hidden iframe (prompt=none) with the server’s login session', async ({
  page,
}) => {
  await signIn(page)
  await page.getByRole('button', { name: 'Silent renew' }).click()
  await expect(page.getByLabel('Status')).toHaveText('Renewed silently as erin')
})

test('logout through the end_session_endpoint back to the app', async ({ page }) => {
  // oidc-client-ts' signoutRedirect needs the end_session_endpoint (RP-Initiated Logout 1.0 §2.1).
  const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()
  expect(metadata.end_session_endpoint).toBe(`${issuer}/logout`)
  await signIn(page)
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(`${app}/signed-out.html`)
  await expect(page.getByRole('heading', { name: 'Signed out' })).toBeVisible()
  // The server's session is gone: a silent sign-in now needs the user.
  await page.goto(`${app}/?as=${encodeURIComponent(issuer)}`)
  await page.getByRole('button', { name: 'Silent renew' }).click()
  await expect(page.getByLabel('Status')).toHaveText(/^Failed: login_required/)
})

test('an unlisted origin gets no CORS: the same page served elsewhere cannot even read discovery', async ({
  page,
}) => {
  // localhost:9512 is the same server under another origin, one the configuration does not list.
  await page.goto(`http://localhost:${appPort}/?as=${encodeURIComponent(issuer)}`)
  const outcome = await page.evaluate(async (url) => {
    try {
      await fetch(url)
      return 'read'
    } catch (error) {
      return `refused: ${(error as Error).name}`
    }
  }, `${issuer}/.well-known/openid-configuration`)
  expect(outcome).toBe('refused: TypeError')
  const token = await page.evaluate(async (url) => {
    try {
      await fetch(url, {
        method: 'POST',
        headers: { authorization: 'Basic eDp5' },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      })
      return 'read'
    } catch {
      return 'refused'
    }
  }, `${issuer}/token`)
  expect(token).toBe('refused')
  // What the browser was told: the preflight was refused.
  const preflight = await fetch(`${issuer}/token`, {
    method: 'OPTIONS',
    headers: {
      origin: `http://localhost:${appPort}`,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization',
    },
  })
  expect(preflight.status).toBe(403)
  expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
})
