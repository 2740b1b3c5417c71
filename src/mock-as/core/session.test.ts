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
