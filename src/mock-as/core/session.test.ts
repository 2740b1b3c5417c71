import { expect, test } from 'vitest'
import { createTestAuthorizationServer, driveAuthorization } from './test-server'
import { authorizeUrl } from './test-support'

test('in this-browser mode the login session holds without cookies, as behind a service worker', async () => {
  const t = createTestAuthorizationServer({ sessionMode: 'this-browser' })
  const first = await driveAuthorization(t.server, await authorizeUrl(t, { state: 's1' }), {
    dropCookies: true,
  })
  expect(first.location).toMatch(/[?&]code=/)

  // A second request with prompt=none: no cookie is sent, yet the browser's session is known.
  const silent = await t.server.handle(
    new Request(await authorizeUrl(t, { state: 's2', prompt: 'none' })),
  )
  expect(silent.status).toBe(302)
  const location = new URL(silent.headers.get('location') ?? '')
  expect(location.searchParams.get('code')).not.toBeNull()
  expect(location.searchParams.get('error')).toBeNull()
})

test('in the default cookie mode a request without the cookie has no session', async () => {
  const t = createTestAuthorizationServer()
  await driveAuthorization(t.server, await authorizeUrl(t, { state: 's1' }))
  const silent = await t.server.handle(
    new Request(await authorizeUrl(t, { state: 's2', prompt: 'none' })),
  )
  expect(silent.status).toBe(302)
  expect(new URL(silent.headers.get('location') ?? '').searchParams.get('error')).toBe(
    'login_required',
  )
})

test('in this-browser mode a request without credentials has no session and makes none for the browser', async () => {
  const t = createTestAuthorizationServer({ sessionMode: 'this-browser' })
  // alice signs in in "this browser".
  await driveAuthorization(t.server, await authorizeUrl(t, { state: 's1' }), { dropCookies: true })
  const omit = (url: string, init: RequestInit = {}) =>
    t.server.handle(new Request(url, { ...init, credentials: 'omit' }))

  // A request sent without credentials does not see alice's session (docs/decisions/128)…
  const silent = await omit(await authorizeUrl(t, { state: 's2', prompt: 'none' }))
  expect(new URL(silent.headers.get('location') ?? '').searchParams.get('error')).toBe(
    'login_required',
  )
  // …and signing in as bob with it leaves the browser's session alice's.
  const page = await omit(await authorizeUrl(t, { state: 's3', prompt: 'login' }))
  const pending = /name="pending" value="([^"]*)"/.exec(await page.text())?.[1] ?? ''
  await omit(`${t.deps.issuer}/authorize/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.deps.appOrigin },
    body: new URLSearchParams({ pending, username: 'bob', password: 'bob-password' }),
  })
  const again = await t.server.handle(
    new Request(await authorizeUrl(t, { state: 's4', prompt: 'consent' })),
  )
  expect(await again.text()).toContain('You are signed in as <strong>Alice Liddell</strong>')
})
