import { expect, test } from 'vitest'
import {
  createTestAuthorizationServer,
  mergeCookies,
  type TestAuthorizationServer,
} from './test-server'
import { authorizeUrl, get, postForm, register } from './test-support'

/**
 * RFC 6749 §10.12 (docs/decisions/070): the forms of a pending request count only from the
 * browser that was shown its page, and only when posted by this server's own page.
 */

const attackerRedirect = 'http://127.0.0.1:6666/cb'

const hiddenPending = (html: string) =>
  /<input type="hidden" name="pending" value="([^"]*)">/.exec(html)?.[1] ?? ''

/** A browser: its cookie jar, and form posts with the Origin that the posting page has. */
function browser(t: TestAuthorizationServer) {
  let cookie: string | undefined
  const ownOrigin = new URL(t.deps.issuer).origin
  return {
    get cookie() {
      return cookie
    },
    async open(url: string): Promise<Response> {
      const response = await get(t, url, cookie ? { cookie } : {})
      cookie = mergeCookies(cookie, response)
      return response
    },
    async post(
      path: string,
      fields: Record<string, string>,
      from: string | null = ownOrigin,
    ): Promise<Response> {
      const response = await postForm(t, path, fields, {
        ...(cookie ? { cookie } : {}),
        ...(from === null ? {} : { origin: from }),
      })
      cookie = mergeCookies(cookie, response)
      return response
    },
  }
}

async function signIn(
  t: TestAuthorizationServer,
  user: ReturnType<typeof browser>,
  name = 'alice',
) {
  const page = await user.open(await authorizeUrl(t, { prompt: 'login' }))
  const next = await user.post('/authorize/login', {
    pending: hiddenPending(await page.text()),
    username: name,
    password: `${name}-password`,
  })
  expect(next.status).toBe(200)
}

async function attackerClient(t: TestAuthorizationServer): Promise<string> {
  const response = await register(t, {
    client_name: 'Free prizes',
    redirect_uris: [attackerRedirect],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid profile orders:read',
  })
  return ((await response.json()) as { client_id: string }).client_id
}

/** The attacker starts a request of their own, in their own browser, and keeps its handle. */
async function attackersPending(t: TestAuthorizationServer, attacker: ReturnType<typeof browser>) {
  const clientId = await attackerClient(t)
  const url = await authorizeUrl(t, { client_id: clientId, redirect_uri: attackerRedirect })
  return hiddenPending(await (await attacker.open(url)).text())
}

test("cookie mode: alice's browser posting the attacker's pending Allow gets a refusal page, and no code", async () => {
  const t = createTestAuthorizationServer()
  const alice = browser(t)
  await signIn(t, alice)
  const attacker = browser(t)
  const pending = await attackersPending(t, attacker)
  // Even without an Origin header (the cookie check alone): alice's browser never saw this page.
  const forged = await alice.post('/authorize/consent', { pending, decision: 'approve' }, null)
  expect(forged.status).toBe(403)
  expect(forged.headers.get('location')).toBeNull()
  expect(await forged.text()).toContain('started in another browser')
  // The attacker's own browser can still finish its own request (nothing was spent).
  const own = await attacker.post('/authorize/consent', { pending, decision: 'approve' })
  expect(own.status).toBe(200)
  expect(await own.text()).toContain('name="password"')
})

test('cookie mode: an auto-posted sign-in as bob does not sign alice in as bob (login CSRF)', async () => {
  const t = createTestAuthorizationServer()
  const alice = browser(t)
  await signIn(t, alice)
  const before = alice.cookie
  const pending = await attackersPending(t, browser(t))
  const forged = await alice.post(
    '/authorize/login',
    { pending, username: 'bob', password: 'bob-password' },
    null,
  )
  expect(forged.status).toBe(403)
  expect(forged.headers.get('set-cookie')).toBeNull()
  expect(alice.cookie).toBe(before)
})

test('a form posted by a page of another origin is refused even from the right browser', async () => {
  const t = createTestAuthorizationServer()
  const alice = browser(t)
  const page = await alice.open(await authorizeUrl(t))
  const pending = hiddenPending(await page.text())
  for (const origin of ['http://127.0.0.1:6666', 'null']) {
    const forged = await alice.post(
      '/authorize/login',
      { pending, username: 'bob', password: 'bob-password' },
      origin,
    )
    expect(forged.status).toBe(403)
    expect(await forged.text()).toContain('posted by another site')
  }
  // The page's own post still works.
  const own = await alice.post('/authorize/login', {
    pending,
    username: 'alice',
    password: 'alice-password',
  })
  expect(own.status).toBe(200)
  expect(await own.text()).toContain('value="approve"')
})

test('two tabs of one browser share the interaction cookie: both requests can be finished', async () => {
  const t = createTestAuthorizationServer()
  const alice = browser(t)
  const first = hiddenPending(
    await (await alice.open(await authorizeUrl(t, { state: 'a' }))).text(),
  )
  const second = hiddenPending(
    await (await alice.open(await authorizeUrl(t, { state: 'b' }))).text(),
  )
  for (const pending of [first, second]) {
    const response = await alice.post('/authorize/login', {
      pending,
      username: 'alice',
      password: 'alice-password',
    })
    expect(response.status).toBe(200)
  }
})

test('the interaction cookie is HttpOnly, SameSite=Lax and scoped to the issuer path', async () => {
  const t = createTestAuthorizationServer()
  const page = await get(t, await authorizeUrl(t))
  const cookie = page.headers
    .getSetCookie()
    .find((value) => value.startsWith('grantlab_as_interaction='))
  expect(cookie).toMatch(/; Path=\/as; HttpOnly; SameSite=Lax; /)
  expect(page.headers.get('referrer-policy')).toBe('same-origin')
})

async function startDevice(t: TestAuthorizationServer) {
  const response = await postForm(t, '/device_authorization', {
    client_id: 'grantlab-device',
    scope: 'openid profile',
  })
  return (await response.json()) as { device_code: string; user_code: string }
}

function poll(t: TestAuthorizationServer, deviceCode: string) {
  return postForm(t, '/token', {
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    device_code: deviceCode,
    client_id: 'grantlab-device',
  })
}

test("cookie mode: the attacker's device verification token posted from alice's browser approves nothing", async () => {
  const t = createTestAuthorizationServer()
  const alice = browser(t)
  await signIn(t, alice)
  const device = await startDevice(t)
  const attacker = browser(t)
  const entered = await attacker.post('/device', { user_code: device.user_code })
  const token = hiddenPending(await entered.text())
  const forged = await alice.post('/device/consent', { pending: token, decision: 'approve' }, null)
  expect(forged.status).toBe(403)
  expect(await forged.text()).toContain('started in another browser')
  expect(((await (await poll(t, device.device_code)).json()) as { error: string }).error).toBe(
    'authorization_pending',
  )
})

test('a user code posted by a page of another origin shows no sign-in or consent page', async () => {
  const t = createTestAuthorizationServer()
  const alice = browser(t)
  await signIn(t, alice)
  const device = await startDevice(t)
  const forged = await alice.post(
    '/device',
    { user_code: device.user_code },
    'http://127.0.0.1:6666',
  )
  expect(forged.status).toBe(403)
  const html = await forged.text()
  expect(html).not.toContain('value="approve"')
  expect(html).toContain('posted by another site')
})

test('service-worker mode: a form needs this origin in Origin, or a same-origin referrer when Origin is hidden', async () => {
  const t = createTestAuthorizationServer({ sessionMode: 'this-browser' })
  const page = await get(t, await authorizeUrl(t))
  const pending = hiddenPending(await page.text())
  const login = (headers: Record<string, string>, referrer?: string) =>
    t.server.handle(
      new Request(`${t.deps.issuer}/authorize/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        ...(referrer ? { referrer } : {}),
        body: new URLSearchParams({ pending, username: 'alice', password: 'alice-password' }),
      }),
    )
  // No proof at all (what a worker sees from a browser that hides both): refused.
  expect((await login({})).status).toBe(403)
  expect((await login({ origin: 'http://127.0.0.1:6666' })).status).toBe(403)
  expect((await login({ origin: 'null' })).status).toBe(403)
  expect((await login({}, 'http://127.0.0.1:6666/page')).status).toBe(403)
  // The referrer of the server's own page stands in for a hidden Origin.
  const viaReferrer = await login({}, `${t.deps.issuer}/authorize?client_id=grantlab-spa`)
  expect(viaReferrer.status).toBe(200)
  expect(await viaReferrer.text()).toContain('value="approve"')
})
