import { expect, test } from 'vitest'
import { passwordAttemptLimit, passwordLockSeconds } from './password-attempts'
import {
  createTestAuthorizationServer,
  driveAuthorization,
  mergeCookies,
  type TestAuthorizationServer,
} from './test-server'
import { authorizeUrl, get, postForm } from './test-support'
import { userCodeAttemptLimit, userCodeWindowSeconds } from './user-code-attempts'

const hiddenPending = (html: string) =>
  /<input type="hidden" name="pending" value="([^"]*)">/.exec(html)?.[1] ?? ''

/** A form post from the server's own page in a browser that carries `cookie`. */
function postPage(
  t: TestAuthorizationServer,
  path: string,
  fields: Record<string, string>,
  cookie?: string,
) {
  return postForm(t, path, fields, {
    origin: new URL(t.deps.issuer).origin,
    ...(cookie ? { cookie } : {}),
  })
}

const location = (response: Response) => response.headers.get('location') ?? ''

for (const [label, extra] of [
  ['prompt=login', { prompt: 'login' }],
  ['max_age=0', { max_age: '0' }],
] as const) {
  test(`${label}: posting the consent form with the re-authentication page's pending asks for the login again, no code (OIDC Core 3.1.2.1)`, async () => {
    const t = createTestAuthorizationServer()
    const first = await driveAuthorization(t.server, await authorizeUrl(t))
    t.clock.advance(5_000)
    const loginPage = await get(t, await authorizeUrl(t, { ...extra, state: 'again' }), {
      cookie: first.cookie ?? '',
    })
    const html = await loginPage.text()
    expect(html).toContain('name="password"')
    const cookie = mergeCookies(first.cookie, loginPage)
    // Skip the login: post Allow with the login page's pending.
    const skipped = await postPage(
      t,
      '/authorize/consent',
      { pending: hiddenPending(html), decision: 'approve' },
      cookie,
    )
    expect(location(skipped)).not.toContain('code=')
    expect(skipped.status).toBe(200)
    const again = await skipped.text()
    expect(again).toContain('name="password"')
    // Signing in as asked still finishes the request, with a new auth_time.
    const signedIn = await postPage(
      t,
      '/authorize/login',
      { pending: hiddenPending(again), username: 'alice', password: 'alice-password' },
      cookie,
    )
    const done =
      signedIn.status === 302
        ? signedIn
        : await postPage(
            t,
            '/authorize/consent',
            { pending: hiddenPending(await signedIn.text()), decision: 'approve' },
            mergeCookies(cookie, signedIn),
          )
    expect(new URL(location(done)).searchParams.get('code')).toBeTruthy()
  })
}

async function loginPage(t: TestAuthorizationServer) {
  const page = await get(t, await authorizeUrl(t))
  return { pending: hiddenPending(await page.text()), cookie: mergeCookies(undefined, page) }
}

test('the sign-in page locks a username after 5 wrong passwords, even for the right one, and says so (RFC 6749 10.10)', async () => {
  const t = createTestAuthorizationServer()
  const { pending, cookie } = await loginPage(t)
  for (let attempt = 0; attempt < passwordAttemptLimit; attempt += 1) {
    const wrong = await postPage(
      t,
      '/authorize/login',
      { pending, username: 'alice', password: `guess-${attempt}` },
      cookie,
    )
    expect(wrong.status).toBe(401)
  }
  const right = await postPage(
    t,
    '/authorize/login',
    { pending, username: 'alice', password: 'alice-password' },
    cookie,
  )
  expect(right.status).toBe(429)
  expect(
    right.headers.getSetCookie().some((value) => value.startsWith('grantlab_as_session=')),
  ).toBe(false)
  const html = await right.text()
  expect(html).toContain('role="alert"')
  expect(html).toContain('locked for 5 more minutes')
  // The lock is shared with the password grant and the device sign-in page.
  const grant = await postForm(t, '/token', {
    grant_type: 'password',
    client_id: 'grantlab-legacy',
    username: 'alice',
    password: 'alice-password',
  })
  expect(((await grant.json()) as { error: string }).error).toBe('invalid_grant')
  // Another username is not affected; after the lock the right password works again.
  const bob = await postPage(
    t,
    '/authorize/login',
    { pending, username: 'bob', password: 'bob-password' },
    cookie,
  )
  expect(bob.status).toBe(200)
  t.clock.advance(passwordLockSeconds * 1000 + 1000)
  const later = await loginPage(t)
  const after = await postPage(
    t,
    '/authorize/login',
    { pending: later.pending, username: 'alice', password: 'alice-password' },
    later.cookie,
  )
  expect(after.status).toBe(200)
})

test('the device sign-in page counts wrong passwords against the same lock', async () => {
  const t = createTestAuthorizationServer()
  const device = (await (
    await postForm(t, '/device_authorization', { client_id: 'grantlab-device', scope: 'openid' })
  ).json()) as { user_code: string }
  const entered = await postPage(t, '/device', { user_code: device.user_code })
  const cookie = mergeCookies(undefined, entered)
  const pending = hiddenPending(await entered.text())
  const attempt = (password: string) =>
    postPage(t, '/device/login', { pending, username: 'alice', password }, cookie)
  for (let index = 0; index < passwordAttemptLimit; index += 1) {
    expect((await attempt(`guess-${index}`)).status).toBe(401)
  }
  const right = await attempt('alice-password')
  expect(right.status).toBe(429)
  expect(await right.text()).toContain('locked for 5 more minutes')
  // The authorize sign-in page refuses alice too.
  const page = await loginPage(t)
  const elsewhere = await postPage(
    t,
    '/authorize/login',
    { pending: page.pending, username: 'alice', password: 'alice-password' },
    page.cookie,
  )
  expect(elsewhere.status).toBe(429)
})

test('the code page refuses every code after 10 wrong ones in a minute, the right one too, then accepts again (RFC 8628 5.1)', async () => {
  const t = createTestAuthorizationServer()
  const device = (await (
    await postForm(t, '/device_authorization', { client_id: 'grantlab-device', scope: 'openid' })
  ).json()) as { user_code: string }
  const guesses = Array.from({ length: userCodeAttemptLimit }, (_, index) =>
    postPage(t, '/device', { user_code: index % 2 === 0 ? 'BCDF-GHJK' : 'not a code' }),
  )
  // Concurrent guesses all count.
  for (const guess of await Promise.all(guesses)) expect(guess.status).toBe(400)
  const blocked = await postPage(t, '/device', { user_code: device.user_code })
  expect(blocked.status).toBe(429)
  const html = await blocked.text()
  expect(html).toContain('Too many wrong codes')
  expect(html).not.toContain('name="password"')
  t.clock.advance(userCodeWindowSeconds * 1000)
  const open = await postPage(t, '/device', { user_code: device.user_code })
  expect(open.status).toBe(200)
  expect(await open.text()).toContain('name="password"')
})
