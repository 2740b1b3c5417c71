import { decodeJwt } from 'jose'
import { expect, test } from 'vitest'
import { browser, logoutCallback, logoutUrl, signInFor } from './core/logout-test-support.ts'
import { driveAuthorization } from './core/test-server.ts'
import { authorizeUrl, register } from './core/test-support.ts'
import type { ReceivedLogout } from './demo-client/backchannel-logout.ts'
import { isHostedPath } from './demo-host.ts'
import { createTestDemoHost } from './test-demo-host.ts'

/**
 * The service worker's wiring (demo-host.ts): a logout at the server reaches the demo client's
 * back-channel route inside the same host, and nothing is sent off the app's origin.
 */

test('the worker serves the server, the demo API, the well-known metadata and the demo client', () => {
  for (const path of [
    '/as',
    '/as/logout',
    '/api/profile',
    '/.well-known/oauth-authorization-server/as',
    '/demo-client/backchannel-logout',
    '/mcp',
    '/.well-known/oauth-protected-resource/mcp',
    '/demo-agent/client-metadata.json',
  ]) {
    expect(isHostedPath(path)).toBe(true)
  }
  for (const path of [
    '/',
    '/walkthrough/logout/callback',
    '/assets/app.js',
    '/ask',
    '/demo',
    '/mcpx',
  ]) {
    expect(isHostedPath(path)).toBe(false)
  }
})

test('a logout in the worker delivers a logout token to the demo client, which checks and accepts it', async () => {
  const t = createTestDemoHost({ sessionMode: 'this-browser' })
  const user = browser(t, { dropCookies: true })
  const signed = await signInFor(t, user)
  const response = await user.open(
    logoutUrl(t, {
      id_token_hint: signed.idToken,
      post_logout_redirect_uri: logoutCallback(t),
      state: 'host',
    }),
  )
  expect(response.status).toBe(302)
  expect(
    t.internal.map(({ method, url, status }) => `${method} ${new URL(url).pathname} ${status}`),
  ).toEqual([
    'GET /as/.well-known/openid-configuration 200',
    'GET /as/jwks 200',
    'POST /demo-client/backchannel-logout 200',
  ])
  const list = (await (
    await t.server.handle(new Request(`${t.deps.appOrigin}/demo-client/backchannel-logout`))
  ).json()) as { received: ReceivedLogout[] }
  expect(list.received).toHaveLength(1)
  expect(list.received[0]?.status).toBe(200)
  expect(list.received[0]?.claims?.sid).toBe(signed.sid)
  expect(decodeJwt(list.received[0]?.logoutToken ?? '').sub).toBe(signed.sub)
})

test('a back-channel URI off the app’s origin is never contacted from the worker; the logout still ends the session', async () => {
  const t = createTestDemoHost({ sessionMode: 'this-browser' })
  const registered = (await (
    await register(t, {
      client_name: 'elsewhere',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1:4173/elsewhere/cb'],
      backchannel_logout_uri: 'https://rp.example/backchannel',
    })
  ).json()) as { client_id: string }
  expect(registered.client_id).toBeTypeOf('string')
  const user = browser(t, { dropCookies: true })
  const signed = await signInFor(t, user)
  // The registered client takes part in the same session.
  const second = await driveAuthorization(
    t.server,
    await authorizeUrl(t, {
      client_id: registered.client_id,
      redirect_uri: 'http://127.0.0.1:4173/elsewhere/cb',
    }),
    { dropCookies: true },
  )
  expect(second.location).toMatch(/^http:\/\/127\.0\.0\.1:4173\/elsewhere\/cb\?code=/)
  const response = await user.open(logoutUrl(t, { id_token_hint: signed.idToken }))
  expect(response.status).toBe(200)
  expect(await response.text()).toContain('You are signed out')
  // Only the demo client on the app's origin was reached.
  expect(t.internal.filter((exchange) => exchange.method === 'POST').map((e) => e.url)).toEqual([
    `${t.deps.appOrigin}/demo-client/backchannel-logout`,
  ])
})
