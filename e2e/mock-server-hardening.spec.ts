import { expect, openWithMockServer, test } from './fixtures.ts'

// Issue 8: what only the browser shows — the service worker answering a huge authorization link,
// and a redirect to another port of the same machine after consent was remembered.

const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

function authorizeUrl(origin: string, extra: Record<string, string> = {}): string {
  const url = new URL('/as/authorize', origin)
  url.search = new URLSearchParams({
    client_id: 'grantlab-spa',
    redirect_uri: `${origin}/walkthrough/authorization-code/callback`,
    response_type: 'code',
    scope: 'openid profile',
    state: 'state-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  }).toString()
  return url.href
}

test('a 1.9 MB authorization link gets the 414 page from the worker, which then goes on serving', async ({
  page,
  baseURL,
}) => {
  await openWithMockServer(page, '/')
  const origin = baseURL ?? ''
  const padding = Array.from({ length: 110_000 }, (_, index) => `p${index}=1&p${index}=2`).join('&')
  const longLink = `${authorizeUrl(origin)}&${padding}`
  expect(longLink.length).toBeGreaterThan(1_900_000)

  const response = await page.goto(longLink)
  expect(response?.status()).toBe(414)
  expect(response?.fromServiceWorker()).toBe(true)
  await expect(
    page.getByRole('heading', { name: 'This authorization request was refused' }),
  ).toBeVisible()
  await expect(page.getByRole('alert')).toContainText('PAR endpoint')

  // The worker is not stalled: an ordinary request is answered right after.
  const next = await page.goto(authorizeUrl(origin))
  expect(next?.status()).toBe(200)
  await expect(page.getByLabel('Username')).toBeVisible()
})

test('with consent remembered, a redirect_uri on another port of 127.0.0.1 gets an error page, not a redirect', async ({
  page,
  baseURL,
}) => {
  await openWithMockServer(page, '/')
  const origin = baseURL ?? ''
  // Alice signs in and allows once: the next request of grantlab-spa needs no click.
  await page.goto(authorizeUrl(origin))
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Password').fill('alice-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Allow' }).click()
  // The walkthrough page may tidy the callback URL away once loaded: match either.
  await page.waitForURL(/\/walkthrough\/authorization-code/)
  const remembered = await page.goto(authorizeUrl(origin))
  // No click this time: the server redirected straight to the registered callback.
  expect(remembered?.request().redirectedFrom()?.url()).toContain('/as/authorize?')
  expect(new URL(remembered?.url() ?? '').pathname).toBe('/walkthrough/authorization-code/callback')

  // The attacker's link: same host, another port (one the browser does not block).
  const attack = authorizeUrl(origin, {
    redirect_uri: `http://127.0.0.1:9423/walkthrough/authorization-code/callback`,
  })
  const response = await page.goto(attack)
  expect(response?.status()).toBe(400)
  expect(new URL(page.url()).port).toBe(new URL(origin).port)
  await expect(page.getByRole('alert')).toContainText('does not exactly match')
})

test('Configure says that a self-registered JWT bearer client is not trusted, and still registers it', async ({
  page,
}) => {
  await openWithMockServer(page, '/configure')
  await page.getByRole('button', { name: 'Machine-to-machine service' }).click()
  await page.getByRole('checkbox', { name: 'JWT bearer (RFC 7523)' }).check()
  const panel = page.getByRole('region', { name: 'Register live' })
  await expect(panel).toContainText('does not trust a self-registered client to speak for users')
  await expect(panel).toContainText('demo administrator’s initial access token')
  await panel.getByRole('button', { name: 'Register at the mock server' }).click()
  await expect(page.getByText('Registered: HTTP 201 Created.')).toBeVisible()
})
