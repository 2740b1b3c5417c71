import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { expect, test } from 'vitest'
import {
  browser,
  hiddenPending,
  logoutCallback,
  logoutUrl,
  mustSignInAgain,
  refresh,
  signInFor,
} from './logout-test-support'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import { authorizeUrl, introspect, obtainTokens, postForm, register } from './test-support'

/**
 * OpenID Connect RP-Initiated Logout 1.0 at /as/logout, and the logouts it causes (Back-Channel
 * Logout 1.0): docs/decisions/106-108.
 */

/** A server whose back-channel deliveries are recorded (and answered 200). */
function withDeliveries(options: Parameters<typeof createTestAuthorizationServer>[0] = {}) {
  const deliveries: { url: string; logoutToken: string }[] = []
  const t = createTestAuthorizationServer({
    ...options,
    deliver: async (request) => {
      const form = new URLSearchParams(await request.text())
      deliveries.push({ url: request.url, logoutToken: form.get('logout_token') ?? '' })
      return new Response(null, { status: 200 })
    },
  })
  return { t, deliveries }
}

async function expectRefusedPage(response: Response, text: RegExp) {
  expect(response.status).toBe(400)
  expect(response.headers.get('content-type')).toMatch(/^text\/html/)
  expect(response.headers.get('location')).toBeNull()
  const html = await response.text()
  expect(html).toContain('This logout request was refused')
  expect(html).toMatch(text)
}

test('discovery publishes the end-session endpoint and back-channel logout with sid', async () => {
  const t = createTestAuthorizationServer()
  const metadata = await (
    await t.server.handle(new Request(`${t.deps.issuer}/.well-known/openid-configuration`))
  ).json()
  expect(metadata).toMatchObject({
    end_session_endpoint: `${t.deps.issuer}/logout`,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
  })
  expect(metadata.claims_supported).toContain('sid')
})

test('ID tokens carry the session id sid, the same after a refresh, and never the cookie value', async () => {
  const t = createTestAuthorizationServer()
  const user = browser(t)
  const signed = await signInFor(t, user)
  expect(signed.sid).toMatch(/^[A-Za-z0-9_-]{22}$/)
  expect(user.cookie).not.toContain(signed.sid)
  const refreshed = await postForm(
    t,
    '/token',
    { grant_type: 'refresh_token', refresh_token: signed.refreshToken },
    { authorization: `Basic ${btoa('grantlab-logout:grantlab-logout-secret')}` },
  )
  expect(decodeJwt(((await refreshed.json()) as { id_token: string }).id_token).sid).toBe(
    signed.sid,
  )
  // A second sign-in after the first session ended has another sid.
  await user.open(logoutUrl(t, { id_token_hint: signed.idToken }))
  expect((await signInFor(t, user)).sid).not.toBe(signed.sid)
})

for (const sessionMode of ['cookie', 'this-browser'] as const) {
  test(`${sessionMode} mode: a logout with this session's ID token ends it at once, redirects with state, and the next sign-in asks for the password`, async () => {
    const { t, deliveries } = withDeliveries({ sessionMode })
    const user = browser(t, { dropCookies: sessionMode === 'this-browser' })
    const signed = await signInFor(t, user)
    expect(await mustSignInAgain(t, user)).toBe(false)

    const response = await user.open(
      logoutUrl(t, {
        id_token_hint: signed.idToken,
        post_logout_redirect_uri: logoutCallback(t),
        state: 'logout state/1 & more',
      }),
    )
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('location') ?? '')
    expect(`${location.origin}${location.pathname}`).toBe(logoutCallback(t))
    expect([...location.searchParams]).toEqual([['state', 'logout state/1 & more']])
    if (sessionMode === 'cookie') {
      expect(response.headers.getSetCookie().join()).toMatch(/grantlab_as_session=; .*Max-Age=0/)
    }
    expect(deliveries).toHaveLength(1)
    expect(await mustSignInAgain(t, user)).toBe(true)
    const next = await user.open(
      await authorizeUrl(t, {
        client_id: 'grantlab-logout',
        redirect_uri: logoutCallback(t),
        scope: 'openid',
      }),
    )
    expect(next.status).toBe(200)
    expect(await next.text()).toContain('name="password"')
  })
}

test('the logout token is a typed, signed JWT with iss, aud, iat, exp, jti, events, sub and sid, and no nonce', async () => {
  const { t, deliveries } = withDeliveries()
  const user = browser(t)
  const signed = await signInFor(t, user)
  await user.open(logoutUrl(t, { id_token_hint: signed.idToken }))
  expect(deliveries.map((delivery) => delivery.url)).toEqual([
    `${t.deps.appOrigin}/demo-client/backchannel-logout`,
  ])
  const token = deliveries[0]?.logoutToken ?? ''
  const header = decodeProtectedHeader(token)
  expect(header).toMatchObject({ alg: 'RS256', typ: 'logout+jwt' })
  expect(header.kid).toBeTypeOf('string')
  const claims = decodeJwt(token)
  const now = Math.floor(t.clock.now() / 1000)
  expect(claims).toEqual({
    iss: t.deps.issuer,
    aud: 'grantlab-logout',
    iat: now,
    exp: now + 120,
    jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    sub: signed.sub,
    sid: signed.sid,
  })
  expect(claims).not.toHaveProperty('nonce')
})

test('an expired ID token of the current session is still accepted as the hint', async () => {
  const { t, deliveries } = withDeliveries()
  const user = browser(t)
  const signed = await signInFor(t, user)
  t.clock.advance(60 * 60 * 1000)
  expect((decodeJwt(signed.idToken).exp ?? 0) * 1000).toBeLessThan(t.clock.now())
  const response = await user.open(
    logoutUrl(t, {
      id_token_hint: signed.idToken,
      post_logout_redirect_uri: logoutCallback(t),
      state: 's',
    }),
  )
  expect(response.status).toBe(302)
  expect(deliveries).toHaveLength(1)
  expect(await mustSignInAgain(t, user)).toBe(true)
})

test('without a hint the user is asked on a page bound to this browser; Sign out ends the session and redirects with state', async () => {
  const { t, deliveries } = withDeliveries()
  const user = browser(t)
  await signInFor(t, user)
  const page = await user.open(
    logoutUrl(t, {
      client_id: 'grantlab-logout',
      post_logout_redirect_uri: logoutCallback(t),
      state: 'abc',
    }),
  )
  expect(page.status).toBe(200)
  expect(page.headers.get('content-security-policy')).toContain(
    `form-action 'self' ${t.deps.appOrigin}`,
  )
  const html = await page.text()
  expect(html).toContain('<h1>Sign out?</h1>')
  expect(html).toContain('Grantlab web app with logout')
  expect(html).toContain('did not include an ID token')
  expect(html).toContain('name="decision" value="logout">Sign out</button>')
  expect(html).toContain('name="decision" value="stay" class="secondary">Stay signed in</button>')
  // Asking changed nothing yet.
  expect(deliveries).toHaveLength(0)
  expect(await mustSignInAgain(t, user)).toBe(false)

  const confirmed = await user.post('/logout/confirm', {
    pending: hiddenPending(html),
    decision: 'logout',
  })
  expect(confirmed.status).toBe(302)
  expect(confirmed.headers.get('location')).toBe(`${logoutCallback(t)}?state=abc`)
  expect(deliveries).toHaveLength(1)
  expect(await mustSignInAgain(t, user)).toBe(true)
})

test('an ID token of an earlier session is stale: the user is asked, and Stay signed in keeps the new session', async () => {
  const { t, deliveries } = withDeliveries()
  const user = browser(t)
  const first = await signInFor(t, user)
  await user.open(logoutUrl(t, { id_token_hint: first.idToken }))
  await signInFor(t, user)
  expect(deliveries).toHaveLength(1)

  // The old ID token comes back (a replay, or an app that kept it): it is not this session's.
  const page = await user.open(
    logoutUrl(t, {
      id_token_hint: first.idToken,
      post_logout_redirect_uri: logoutCallback(t),
      state: 'again',
    }),
  )
  expect(page.status).toBe(200)
  const html = await page.text()
  expect(html).toContain('is not from your current session')
  const stay = await user.post('/logout/confirm', {
    pending: hiddenPending(html),
    decision: 'stay',
  })
  expect(stay.status).toBe(302)
  expect(stay.headers.get('location')).toBe(`${logoutCallback(t)}?state=again`)
  expect(deliveries).toHaveLength(1)
  expect(await mustSignInAgain(t, user)).toBe(false)
})

test('an ID token of another user is stale too', async () => {
  const { t, deliveries } = withDeliveries()
  const bob = await signInFor(t, browser(t), { username: 'bob' })
  const alice = browser(t)
  await signInFor(t, alice)
  const page = await alice.open(logoutUrl(t, { id_token_hint: bob.idToken }))
  expect(page.status).toBe(200)
  expect(await page.text()).toContain('<h1>Sign out?</h1>')
  expect(deliveries).toHaveLength(0)
})

test('with no session in this browser there is nothing to end: it redirects at once, and a replayed logout sends no logout token', async () => {
  const { t, deliveries } = withDeliveries()
  const user = browser(t)
  const signed = await signInFor(t, user)
  const url = logoutUrl(t, {
    id_token_hint: signed.idToken,
    post_logout_redirect_uri: logoutCallback(t),
    state: 'x',
  })
  expect((await user.open(url)).status).toBe(302)
  const replayed = await user.open(url)
  expect(replayed.status).toBe(302)
  expect(replayed.headers.get('location')).toBe(`${logoutCallback(t)}?state=x`)
  expect(deliveries).toHaveLength(1)
  // Without post_logout_redirect_uri the server shows its own page.
  const page = await browser(t).open(logoutUrl(t, {}))
  expect(page.status).toBe(200)
  expect(await page.text()).toContain('You are signed out')
})

test('POST /as/logout with a form works as GET does (§2: both must be supported)', async () => {
  const { t, deliveries } = withDeliveries()
  const user = browser(t)
  const signed = await signInFor(t, user)
  const response = await user.post(
    '/logout',
    {
      id_token_hint: signed.idToken,
      post_logout_redirect_uri: logoutCallback(t),
      state: 'posted',
    },
    'http://127.0.0.1:5555',
  )
  expect(response.status).toBe(302)
  expect(response.headers.get('location')).toBe(`${logoutCallback(t)}?state=posted`)
  expect(deliveries).toHaveLength(1)
})

test('ui_locales and logout_hint are accepted and ignored', async () => {
  const { t } = withDeliveries()
  const user = browser(t)
  const signed = await signInFor(t, user)
  const response = await user.open(
    logoutUrl(t, {
      id_token_hint: signed.idToken,
      ui_locales: 'de-CH fr %%%',
      logout_hint: 'whoever',
      post_logout_redirect_uri: logoutCallback(t),
    }),
  )
  expect(response.status).toBe(302)
  expect(response.headers.get('location')).toBe(logoutCallback(t))
})

test('a registered post-logout URI with its own query keeps it and gets state added', async () => {
  const { t } = withDeliveries()
  const uri = 'http://127.0.0.1:4173/bye?from=grantlab'
  const registered = (await (
    await register(t, {
      client_name: 'query client',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1:4173/cb'],
      post_logout_redirect_uris: [uri],
    })
  ).json()) as { client_id: string; post_logout_redirect_uris: string[] }
  expect(registered.post_logout_redirect_uris).toEqual([uri])
  const response = await browser(t).open(
    logoutUrl(t, {
      client_id: registered.client_id,
      post_logout_redirect_uri: uri,
      state: 'q',
    }),
  )
  expect(response.headers.get('location')).toBe(`${uri}&state=q`)
})

/** A signed-in browser, the server and its deliveries, for the refusal cases. */
async function signedInSetup() {
  const { t, deliveries } = withDeliveries()
  const user = browser(t)
  const signed = await signInFor(t, user)
  return { t, deliveries, user, signed }
}

/** The session and the refresh token survived a refused request. */
async function expectNothingEnded(t: TestAuthorizationServer, setup: Setup) {
  expect(setup.deliveries).toHaveLength(0)
  expect(await mustSignInAgain(t, setup.user)).toBe(false)
  expect((await refresh(t, setup.signed.refreshToken)).status).toBe(200)
}

async function otherKeyIdToken(claims: Record<string, unknown>, kid: string) {
  const { privateKey } = await generateKeyPair('RS256')
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey)
}

type Setup = Awaited<ReturnType<typeof signedInSetup>>

/** Each malformed request as the URL a browser would open, and what its error page says. */
const malformed: [string, (setup: Setup) => Promise<string>, RegExp][] = [
  [
    'a repeated parameter',
    async ({ t, signed }) => `${logoutUrl(t, { id_token_hint: signed.idToken })}&state=a&state=b`,
    /Parameters must not be repeated: state/,
  ],
  [
    'a hint that is not a JWT',
    async ({ t }) => logoutUrl(t, { id_token_hint: 'not-a-jwt' }),
    /not an ID token issued by this server/,
  ],
  [
    'a hint signed by another key with our kid',
    async ({ t, signed }) =>
      logoutUrl(t, {
        id_token_hint: await otherKeyIdToken(
          decodeJwt(signed.idToken),
          String(decodeProtectedHeader(signed.idToken).kid),
        ),
      }),
    /not an ID token issued by this server/,
  ],
  [
    'a hint with alg none',
    async ({ t, signed }) => {
      const [, payload] = signed.idToken.split('.')
      const header = btoa(JSON.stringify({ alg: 'none', typ: 'JWT' })).replace(/=+$/, '')
      return logoutUrl(t, { id_token_hint: `${header}.${payload}.` })
    },
    /not an ID token issued by this server/,
  ],
  [
    'an access token as the hint',
    async ({ t, signed }) => logoutUrl(t, { id_token_hint: signed.accessToken }),
    /not an ID token issued by this server/,
  ],
  [
    'a client_id other than the hint’s',
    async ({ t, signed }) =>
      logoutUrl(t, { id_token_hint: signed.idToken, client_id: 'grantlab-web' }),
    /client_id is not the client that the id_token_hint was issued to/,
  ],
  [
    'an unknown client_id',
    async ({ t }) => logoutUrl(t, { client_id: 'nobody' }),
    /nobody is not registered/,
  ],
  [
    'an unregistered post_logout_redirect_uri',
    async ({ t, signed }) =>
      logoutUrl(t, {
        id_token_hint: signed.idToken,
        post_logout_redirect_uri: 'http://127.0.0.1:6666/evil',
      }),
    /does not exactly match/,
  ],
  [
    'a post_logout_redirect_uri that differs by a trailing slash',
    async ({ t, signed }) =>
      logoutUrl(t, {
        id_token_hint: signed.idToken,
        post_logout_redirect_uri: `${logoutCallback(t)}/`,
      }),
    /does not exactly match/,
  ],
  [
    'a post_logout_redirect_uri registered for another client',
    async ({ t, signed }) =>
      logoutUrl(t, {
        id_token_hint: signed.idToken,
        post_logout_redirect_uri: `${t.deps.appOrigin}/`,
      }),
    /does not exactly match/,
  ],
  [
    'a post_logout_redirect_uri without client_id or hint',
    async ({ t }) => logoutUrl(t, { post_logout_redirect_uri: logoutCallback(t) }),
    /needs client_id or id_token_hint/,
  ],
]

test.each(malformed)(
  '%s is refused with an error page, no redirect, and nothing ends',
  async (_name, build, text) => {
    const setup = await signedInSetup()
    await expectRefusedPage(await setup.user.open(await build(setup)), text)
    await expectNothingEnded(setup.t, setup)
  },
)

test('a POST that is not a form is refused with an error page', async () => {
  const setup = await signedInSetup()
  const response = await setup.t.server.handle(
    new Request(`${setup.t.deps.issuer}/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: setup.user.cookie ?? '' },
      body: JSON.stringify({ id_token_hint: setup.signed.idToken }),
    }),
  )
  await expectRefusedPage(response, /application\/x-www-form-urlencoded/)
  await expectNothingEnded(setup.t, setup)
})

test('another site cannot sign the user out: without a hint it only gets the question, and its post of the form is refused', async () => {
  const setup = await signedInSetup()
  const { t, user } = setup
  // A cross-site link or auto-submitted form to /as/logout, without the victim's ID token.
  const page = await user.post('/logout', { client_id: 'grantlab-logout' }, 'http://127.0.0.1:6666')
  expect(page.status).toBe(200)
  const pending = hiddenPending(await page.text())
  // The attacker's page posts the confirmation itself: refused by Origin.
  const forged = await user.post(
    '/logout/confirm',
    { pending, decision: 'logout' },
    'http://127.0.0.1:6666',
  )
  expect(forged.status).toBe(403)
  expect(await forged.text()).toMatch(/another site may have tried to sign you out/)
  const hidden = await user.post('/logout/confirm', { pending, decision: 'logout' }, 'null')
  expect(hidden.status).toBe(403)
  // From another browser (no interaction cookie), even with the right Origin.
  const elsewhere = browser(t)
  expect((await elsewhere.post('/logout/confirm', { pending, decision: 'logout' })).status).toBe(
    403,
  )
  await expectNothingEnded(t, setup)
  // The form still works for the user it was shown to.
  expect((await user.post('/logout/confirm', { pending, decision: 'logout' })).status).toBe(200)
  expect(await mustSignInAgain(t, user)).toBe(true)
})

test('the confirmation form works once: a replayed post changes nothing and sends no second logout token', async () => {
  const { t, deliveries } = withDeliveries()
  const user = browser(t)
  await signInFor(t, user)
  const page = await user.open(logoutUrl(t, { client_id: 'grantlab-logout' }))
  const pending = hiddenPending(await page.text())
  expect((await user.post('/logout/confirm', { pending, decision: 'logout' })).status).toBe(200)
  const again = await user.post('/logout/confirm', { pending, decision: 'logout' })
  expect(again.status).toBe(400)
  expect(await again.text()).toContain('unknown, finished or expired')
  expect(deliveries).toHaveLength(1)
  // The session is gone: a new logout request has nothing to ask about.
  const next = await user.open(logoutUrl(t, { client_id: 'grantlab-logout' }))
  expect(await next.text()).toContain('You are signed out')
})

test('an unknown decision or an expired confirmation is refused, and the session stays', async () => {
  const setup = await signedInSetup()
  const { t, user } = setup
  const page = await user.open(logoutUrl(t, { client_id: 'grantlab-logout' }))
  const pending = hiddenPending(await page.text())
  const wrong = await user.post('/logout/confirm', { pending, decision: 'maybe' })
  expect(wrong.status).toBe(400)
  expect(await wrong.text()).toContain('Choose Sign out or Stay signed in')
  t.clock.advance(11 * 60 * 1000)
  const late = await user.post('/logout/confirm', { pending, decision: 'logout' })
  expect(late.status).toBe(400)
  expect(await late.text()).toContain('unknown, finished or expired')
  expect(setup.deliveries).toHaveLength(0)
})

test('concurrent logouts of one session end it once and send one logout token per client', async () => {
  const { t, deliveries } = withDeliveries({ sessionMode: 'this-browser' })
  const user = browser(t, { dropCookies: true })
  const signed = await signInFor(t, user)
  const url = logoutUrl(t, {
    id_token_hint: signed.idToken,
    post_logout_redirect_uri: logoutCallback(t),
    state: 'c',
  })
  const answers = await Promise.all(Array.from({ length: 10 }, () => user.open(url)))
  expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(302))
  expect(deliveries).toHaveLength(1)
})

test('concurrent posts of one confirmation form: one signs out, the others are told it is finished', async () => {
  const { t, deliveries } = withDeliveries()
  const user = browser(t)
  await signInFor(t, user)
  const page = await user.open(logoutUrl(t, { client_id: 'grantlab-logout' }))
  const pending = hiddenPending(await page.text())
  const answers = await Promise.all(
    Array.from({ length: 10 }, () => user.post('/logout/confirm', { pending, decision: 'logout' })),
  )
  expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1)
  expect(answers.filter((answer) => answer.status === 400)).toHaveLength(9)
  expect(deliveries).toHaveLength(1)
})

test('every client of the session is told, and only the clients of that session', async () => {
  const deliveries: string[] = []
  const t = createTestAuthorizationServer({
    deliver: async (request) => {
      deliveries.push(
        `${request.url} ${decodeJwt(new URLSearchParams(await request.text()).get('logout_token') ?? '').aud}`,
      )
      return new Response(null, { status: 204 })
    },
  })
  const other = (await (
    await register(t, {
      client_name: 'second relying party',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1:4173/second/cb'],
      backchannel_logout_uri: 'http://127.0.0.1:4173/second/backchannel?x=1',
      backchannel_logout_session_required: true,
    })
  ).json()) as { client_id: string }
  const user = browser(t)
  const signed = await signInFor(t, user)
  // The same browser signs in to the second client too: no password, same session.
  const second = await user.open(
    await authorizeUrl(t, {
      client_id: other.client_id,
      redirect_uri: 'http://127.0.0.1:4173/second/cb',
    }),
  )
  expect(second.status).toBe(200)
  await user.post('/authorize/consent', {
    pending: hiddenPending(await second.text()),
    decision: 'approve',
  })
  // Another browser's session with the second client is not touched.
  const elsewhere = browser(t)
  const otherPage = await elsewhere.open(
    await authorizeUrl(t, {
      client_id: other.client_id,
      redirect_uri: 'http://127.0.0.1:4173/second/cb',
    }),
  )
  await elsewhere.post('/authorize/login', {
    pending: hiddenPending(await otherPage.text()),
    username: 'bob',
    password: 'bob-password',
  })

  await user.open(logoutUrl(t, { id_token_hint: signed.idToken }))
  expect(deliveries.sort()).toEqual([
    `${t.deps.appOrigin}/demo-client/backchannel-logout grantlab-logout`,
    `http://127.0.0.1:4173/second/backchannel?x=1 ${other.client_id}`,
  ])
  expect(await mustSignInAgain(t, elsewhere)).toBe(false)
})

test('a client that fails or does not exist as a listener never fails the logout', async () => {
  for (const deliver of [
    async () => {
      throw new TypeError('connection refused')
    },
    async () => new Response('oops', { status: 500 }),
    undefined,
  ]) {
    const t = createTestAuthorizationServer(deliver ? { deliver } : {})
    const user = browser(t)
    const signed = await signInFor(t, user)
    const response = await user.open(
      logoutUrl(t, { id_token_hint: signed.idToken, post_logout_redirect_uri: logoutCallback(t) }),
    )
    expect(response.status).toBe(302)
    expect(await mustSignInAgain(t, user)).toBe(true)
  }
})

test('logout revokes the session’s refresh tokens issued without offline_access; with it only for a client that asked', async () => {
  const { t } = withDeliveries()
  const user = browser(t)
  // grantlab-logout asks for its offline tokens to go too (grantlab_logout_revokes_offline_tokens).
  const logoutClient = await signInFor(t, user, { scope: 'openid offline_access' })
  // grantlab-web does not ask: its offline token survives, its other one does not.
  const webOffline = await signInFor(t, user, {
    clientId: 'grantlab-web',
    scope: 'openid offline_access orders:read',
  })
  const webOnline = await signInFor(t, user, { clientId: 'grantlab-web', scope: 'openid profile' })
  // A grant from another session (token endpoint only, no sid) is not this logout's business.
  const { tokens: elsewhere } = await obtainTokens(t)

  await user.open(logoutUrl(t, { id_token_hint: logoutClient.idToken }))

  expect(await refresh(t, logoutClient.refreshToken)).toEqual({
    status: 400,
    error: 'invalid_grant',
  })
  expect(await refresh(t, webOnline.refreshToken, 'grantlab-web')).toEqual({
    status: 400,
    error: 'invalid_grant',
  })
  expect((await refresh(t, webOffline.refreshToken, 'grantlab-web')).status).toBe(200)
  // Revoking a grant revokes its access tokens too.
  expect(await introspect(t, logoutClient.accessToken)).toEqual({ active: false })
  const stillActive = (await introspect(t, elsewhere.access_token)) as { active: boolean }
  expect(stillActive.active).toBe(true)
})

test('registration keeps the logout metadata and checks it', async () => {
  const t = createTestAuthorizationServer()
  const ok = await register(t, {
    redirect_uris: ['https://rp.example/cb'],
    backchannel_logout_uri: 'https://rp.example/backchannel',
    backchannel_logout_session_required: true,
    grantlab_logout_revokes_offline_tokens: true,
  })
  expect(ok.status).toBe(201)
  expect(await ok.json()).toMatchObject({
    backchannel_logout_uri: 'https://rp.example/backchannel',
    backchannel_logout_session_required: true,
    grantlab_logout_revokes_offline_tokens: true,
  })
  for (const bad of [
    { backchannel_logout_uri: 'https://rp.example/backchannel#frag' },
    { backchannel_logout_uri: 'http://rp.example/backchannel' },
    { backchannel_logout_uri: 'javascript:alert(1)' },
    { backchannel_logout_uri: 42 },
    { backchannel_logout_session_required: 'yes' },
    { grantlab_logout_revokes_offline_tokens: 1 },
  ]) {
    const response = await register(t, { redirect_uris: ['https://rp.example/cb'], ...bad })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client_metadata')
  }
})

test('a session opened on the device verification page has a sid too, and its client is told at logout', async () => {
  const { t, deliveries } = withDeliveries()
  const registered = (await (
    await register(t, {
      client_name: 'TV with logout',
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
      response_types: [],
      backchannel_logout_uri: 'http://127.0.0.1:4173/tv/backchannel',
    })
  ).json()) as { client_id: string }
  const started = (await (
    await postForm(t, '/device_authorization', { client_id: registered.client_id, scope: 'openid' })
  ).json()) as { device_code: string; user_code: string }
  const user = browser(t)
  const codePage = await user.post('/device', { user_code: started.user_code })
  const loginPage = await user.post('/device/login', {
    pending: hiddenPending(await codePage.text()),
    username: 'alice',
    password: 'alice-password',
  })
  await user.post('/device/consent', {
    pending: hiddenPending(await loginPage.text()),
    decision: 'approve',
  })
  const token = (await (
    await postForm(t, '/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: started.device_code,
      client_id: registered.client_id,
    })
  ).json()) as { id_token: string }
  const sid = decodeJwt(token.id_token).sid
  expect(sid).toBeTypeOf('string')
  await user.open(logoutUrl(t, { id_token_hint: token.id_token }))
  expect(deliveries.map((delivery) => [delivery.url, decodeJwt(delivery.logoutToken).sid])).toEqual(
    [['http://127.0.0.1:4173/tv/backchannel', sid]],
  )
})

test('an ID token from a key that the server never published cannot end a session (jwks check)', async () => {
  const setup = await signedInSetup()
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const forged = await new SignJWT({ ...decodeJwt(setup.signed.idToken) })
    .setProtectedHeader({
      alg: 'ES256',
      kid: 'forged',
      typ: 'JWT',
      jwk: await exportJWK(publicKey),
    })
    .sign(privateKey)
  await expectRefusedPage(
    await setup.user.open(logoutUrl(setup.t, { id_token_hint: forged })),
    /not an ID token issued by this server/,
  )
  await expectNothingEnded(setup.t, setup)
})
