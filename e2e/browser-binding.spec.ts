import { type ChildProcess, spawn } from 'node:child_process'
import type { Page } from '@playwright/test'
import { type AttackerSite, startAttackerSite } from './attacker-site.ts'
import { expect, openWithMockServer, test } from './fixtures.ts'

/**
 * RFC 6749 §10.12: the login, consent and device-verification forms count only when they come
 * from the browser that started the request, through the server's own page. The attacker's page
 * sits on another port of 127.0.0.1: same site (SameSite cookies are sent), another origin.
 */

// Ports of the helpers this spec starts (the Node mock server and the attacker's site).
const nodeServerPort = Number(process.env.E2E_NODE_AS_PORT ?? 9411)
const attackerPort = Number(process.env.E2E_ATTACKER_PORT ?? 9412)
const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'

function authorizeUrl(issuer: string, clientId: string, redirectUri: string): string {
  const url = new URL(`${issuer}/authorize`)
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile orders:read',
    state: 'xyz',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString()
  return url.href
}

const hiddenPending = (html: string) =>
  /<input type="hidden" name="pending" value="([^"]*)">/.exec(html)?.[1] ?? ''

/** The server's page after the auto-posted form: it says that the form was refused. */
async function expectRefused(page: Page) {
  await expect(page.getByRole('alert')).toContainText('another site')
}

/** Waits until the attacker's page has posted its form and the browser has left it. */
async function whenPosted(page: Page) {
  await page.waitForURL((url) => url.pathname !== '/post')
}

/** Consent is remembered across the tests of one server; the first time, alice allows. */
async function allowUnlessRemembered(page: Page) {
  const allow = page.getByRole('button', { name: 'Allow' })
  await Promise.race([page.waitForURL(/callback/, { waitUntil: 'commit' }), allow.waitFor()])
  if (await allow.isVisible()) await allow.click()
  await page.waitForURL(/callback/, { waitUntil: 'commit' })
}

test.describe('the Node mock server (session cookies)', () => {
  let server: ChildProcess
  let attacker: AttackerSite
  const origin = `http://127.0.0.1:${nodeServerPort}`
  const issuer = `${origin}/as`

  test.beforeAll(async () => {
    attacker = await startAttackerSite(attackerPort)
    // What `npm run as` runs: the server in this one process, so killing it stops the server.
    server = spawn(process.execPath, ['bin/grantlab-as.mjs'], {
      env: { ...process.env, PORT: String(nodeServerPort), APP_ORIGIN: attacker.origin },
      stdio: 'ignore',
    })
    await expect
      .poll(
        () =>
          fetch(`${issuer}/.well-known/openid-configuration`).then(
            (response) => response.status,
            () => 0,
          ),
        { timeout: 30_000 },
      )
      .toBe(200)
  })

  test.afterAll(async () => {
    server.kill()
    await attacker.close()
  })

  /** The attacker, in their own user agent: a client of theirs and an authorization request. */
  async function attackersPending(): Promise<{ pending: string; redirectUri: string }> {
    const redirectUri = `${attacker.origin}/cb`
    const registered = await fetch(`${issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Free prizes',
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        scope: 'openid profile orders:read',
      }),
    })
    const { client_id } = (await registered.json()) as { client_id: string }
    const page = await fetch(authorizeUrl(issuer, client_id, redirectUri))
    return { pending: hiddenPending(await page.text()), redirectUri }
  }

  async function signInAsAlice(page: Page) {
    await page.goto(
      authorizeUrl(
        issuer,
        'grantlab-spa',
        `${attacker.origin}/walkthrough/authorization-code/callback`,
      ),
    )
    await page.getByLabel('Username').fill('alice')
    await page.getByLabel('Password').fill('alice-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await allowUnlessRemembered(page)
  }

  test("an auto-posted Allow with the attacker's pending request does not send alice's code to the attacker", async ({
    page,
  }) => {
    await signInAsAlice(page)
    const { pending } = await attackersPending()
    await page.goto(
      attacker.postUrl(`${issuer}/authorize/consent`, { pending, decision: 'approve' }),
    )
    await whenPosted(page)
    expect(attacker.received.filter((query) => query.has('code')).map(String)).toEqual([])
    await expectRefused(page)
  })

  test('an auto-posted sign-in as bob does not sign alice’s browser in as bob (login CSRF)', async ({
    page,
  }) => {
    await signInAsAlice(page)
    const { pending } = await attackersPending()
    await page.goto(
      attacker.postUrl(`${issuer}/authorize/login`, {
        pending,
        username: 'bob',
        password: 'bob-password',
      }),
    )
    await expectRefused(page)
    // alice is still the one signed in.
    await page.goto(
      authorizeUrl(
        issuer,
        'grantlab-web',
        `${attacker.origin}/walkthrough/authorization-code/callback`,
      ),
    )
    await expect(page.getByText('You are signed in as')).toContainText('Alice')
  })

  test("an auto-posted device approval does not give the attacker's device alice's tokens", async ({
    page,
  }) => {
    await signInAsAlice(page)
    const device = (await (
      await fetch(`${issuer}/device_authorization`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: 'grantlab-device', scope: 'openid profile' }),
      })
    ).json()) as { device_code: string; user_code: string }
    // The attacker enters their own user code in their own user agent and keeps the page's token.
    const codePage = await fetch(`${issuer}/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: device.user_code }),
    })
    const pending = hiddenPending(await codePage.text())
    await page.goto(attacker.postUrl(`${issuer}/device/consent`, { pending, decision: 'approve' }))
    await expect(page.getByRole('heading', { name: 'Device connected' })).toHaveCount(0)
    await expect(page.getByRole('alert')).toContainText(/another (site|browser)/)
    const poll = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: device.device_code,
        client_id: 'grantlab-device',
      }),
    })
    expect(((await poll.json()) as { error?: string }).error).toBe('authorization_pending')
  })
})

test.describe('the service worker', () => {
  let attacker: AttackerSite
  test.beforeAll(async () => {
    attacker = await startAttackerSite(attackerPort)
  })
  test.afterAll(async () => {
    await attacker.close()
  })

  /**
   * In the worker every browser has its own server state, so the attacker cannot bring a pending
   * request from their own browser. The tests hand the attacker's page a real handle of the
   * victim's browser instead (the strongest attacker: one who learnt it), made for a client whose
   * redirect URI is the attacker's.
   */
  async function pendingForAttackersClient(page: Page): Promise<string> {
    const clientId = await page.evaluate(async (redirectUri) => {
      const response = await fetch('/as/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Free prizes',
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          scope: 'openid profile orders:read',
        }),
      })
      return ((await response.json()) as { client_id: string }).client_id
    }, `${attacker.origin}/cb`)
    const origin = new URL(page.url()).origin
    await page.goto(authorizeUrl(`${origin}/as`, clientId, `${attacker.origin}/cb`))
    return hiddenPending(await page.content())
  }

  async function signInAsAlice(page: Page) {
    await openWithMockServer(page, '/')
    const origin = new URL(page.url()).origin
    await page.goto(
      authorizeUrl(
        `${origin}/as`,
        'grantlab-spa',
        `${origin}/walkthrough/authorization-code/callback`,
      ),
    )
    await page.getByLabel('Username').fill('alice')
    await page.getByLabel('Password').fill('alice-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await allowUnlessRemembered(page)
  }

  test('an auto-posted Allow from another site is refused and no code reaches the attacker', async ({
    page,
  }) => {
    await signInAsAlice(page)
    const origin = new URL(page.url()).origin
    const pending = await pendingForAttackersClient(page)
    await page.goto(
      attacker.postUrl(`${origin}/as/authorize/consent`, { pending, decision: 'approve' }),
    )
    await whenPosted(page)
    expect(attacker.received.filter((query) => query.has('code')).map(String)).toEqual([])
    await expectRefused(page)
  })

  test('an auto-posted sign-in as bob from another site is refused (login CSRF)', async ({
    page,
  }) => {
    await signInAsAlice(page)
    const origin = new URL(page.url()).origin
    const pending = await pendingForAttackersClient(page)
    await page.goto(
      attacker.postUrl(`${origin}/as/authorize/login`, {
        pending,
        username: 'bob',
        password: 'bob-password',
      }),
    )
    await expectRefused(page)
    await page.goto(
      authorizeUrl(
        `${origin}/as`,
        'grantlab-web',
        `${origin}/walkthrough/authorization-code/callback`,
      ),
    )
    await expect(page.getByText('You are signed in as')).toContainText('Alice')
  })

  test('auto-posted device forms from another site approve nothing', async ({ page }) => {
    await signInAsAlice(page)
    const origin = new URL(page.url()).origin
    await openWithMockServer(page, '/')
    const device = await page.evaluate(async () => {
      const response = await fetch('/as/device_authorization', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: 'grantlab-device', scope: 'openid profile' }),
      })
      return (await response.json()) as { device_code: string; user_code: string }
    })
    // The user-code form, posted from the attacker's page: no consent page for their device.
    await page.goto(attacker.postUrl(`${origin}/as/device`, { user_code: device.user_code }))
    await expectRefused(page)
    await expect(page.getByRole('button', { name: 'Allow' })).toHaveCount(0)
    // The consent form with a real page token of this browser, posted from the attacker's page.
    await page.goto(`${origin}/as/device?user_code=${device.user_code}`)
    await page.getByRole('button', { name: 'Continue' }).click()
    const pending = hiddenPending(await page.content())
    await page.goto(
      attacker.postUrl(`${origin}/as/device/consent`, { pending, decision: 'approve' }),
    )
    await expectRefused(page)
    await openWithMockServer(page, '/')
    const poll = await page.evaluate(async (deviceCode) => {
      const response = await fetch('/as/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: deviceCode,
          client_id: 'grantlab-device',
        }),
      })
      return ((await response.json()) as { error?: string }).error
    }, device.device_code)
    expect(poll).toBe('authorization_pending')
  })
})
