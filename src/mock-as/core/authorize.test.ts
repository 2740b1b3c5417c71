import { expect, test } from 'vitest'
import { createAuthorizationServer } from './authorization-server'
import { createTestAuthorizationServer, driveAuthorization, mergeCookies } from './test-server'
import { authorizeUrl, get, register, spaRedirect } from './test-support'

function expectErrorPage(response: Response) {
  expect(response.status).toBe(400)
  expect(response.headers.get('content-type')).toMatch(/^text\/html/)
  expect(response.headers.get('location')).toBeNull()
}

function redirectParams(response: Response): URLSearchParams {
  expect(response.status).toBe(302)
  const location = new URL(response.headers.get('location') ?? '')
  expect(location.origin + location.pathname).toBe(spaRedirect)
  // Fragment response types (code id_token, token) get their errors in the fragment too.
  return location.hash ? new URLSearchParams(location.hash.slice(1)) : location.searchParams
}

test('authorize success: login page, consent page, then 302 with code, state and iss', async () => {
  const t = createTestAuthorizationServer()
  const driven = await driveAuthorization(t.server, await authorizeUrl(t))
  expect(driven.pages).toHaveLength(2)
  expect(driven.pages[0]).toContain('name="username"')
  expect(driven.pages[1]).toContain('value="approve"')
  const params = redirectParams(driven.response)
  expect(params.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/)
  expect(params.get('state')).toBe('state-123')
  expect(params.get('iss')).toBe(t.deps.issuer)
  expect([...params.keys()].sort()).toEqual(['code', 'iss', 'state'])
})

const pageErrorCases: [string, Record<string, string | undefined>][] = [
  ['1: unknown client_id', { client_id: 'who-is-this' }],
  ['1: missing client_id', { client_id: undefined }],
  ['2: redirect_uri with a trailing slash', { redirect_uri: `${spaRedirect}/` }],
  ['2: redirect_uri in another case', { redirect_uri: spaRedirect.toUpperCase() }],
  [
    '2: redirect_uri on another host',
    { redirect_uri: spaRedirect.replace('127.0.0.1', 'localhost') },
  ],
  ['2: redirect_uri with an extra query', { redirect_uri: `${spaRedirect}?next=/admin` }],
  ['2: redirect_uri of another site', { redirect_uri: 'https://evil.example/callback' }],
  ['3: no redirect_uri while two are registered', { redirect_uri: undefined }],
  ['4: redirect_uri with a fragment', { redirect_uri: `${spaRedirect}#frag` }],
]

test.each(pageErrorCases)(
  'authorize shows an error page and never redirects for case %s',
  async (_, overrides) => {
    const t = createTestAuthorizationServer()
    const response = await get(t, await authorizeUrl(t, overrides))
    expectErrorPage(response)
    expect(await response.text()).toContain('<h1>')
  },
)

test('authorize shows an error page when client_id is repeated', async () => {
  const t = createTestAuthorizationServer()
  expectErrorPage(await get(t, `${await authorizeUrl(t)}&client_id=grantlab-web`))
})

test('authorize shows an error page for a client with no redirect URIs', async () => {
  const t = createTestAuthorizationServer()
  expectErrorPage(
    await get(t, await authorizeUrl(t, { client_id: 'grantlab-m2m', redirect_uri: undefined })),
  )
})

const redirectErrorCases: [string, Record<string, string | undefined>, string][] = [
  ['6: response_type missing', { response_type: undefined }, 'invalid_request'],
  // Implicit exists only for legacy demo clients; grantlab-spa is not registered for hybrid.
  ['7: response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
  [
    '7: response_type=code id_token (client not registered for it)',
    { response_type: 'code id_token' },
    'unauthorized_client',
  ],
  [
    '8: public client without code_challenge',
    { code_challenge: undefined, code_challenge_method: undefined },
    'invalid_request',
  ],
  ['9: code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request'],
  [
    '9: code_challenge_method absent (means plain)',
    { code_challenge_method: undefined },
    'invalid_request',
  ],
  ['9: code_challenge_method unknown', { code_challenge_method: 'S512' }, 'invalid_request'],
  ['10: code_challenge too short', { code_challenge: 'abc' }, 'invalid_request'],
  [
    '10: code_challenge with a bad character',
    { code_challenge: `${'a'.repeat(42)}=` },
    'invalid_request',
  ],
  ['13: unknown scope', { scope: 'openid admin' }, 'invalid_scope'],
  ['13: missing scope', { scope: undefined }, 'invalid_scope'],
  ['prompt value unknown', { prompt: 'select_account' }, 'invalid_request'],
  ['prompt=none combined with login', { prompt: 'none login' }, 'invalid_request'],
  ['max_age not a number', { max_age: '-5' }, 'invalid_request'],
  ['request object sent', { request: 'eyJ.eyJ.sig' }, 'request_not_supported'],
  ['response_mode not supported', { response_mode: 'fragment' }, 'invalid_request'],
  ['15: prompt=none without a session', { prompt: 'none' }, 'login_required'],
]

test.each(redirectErrorCases)(
  'authorize redirects case %s with the error, state and iss',
  async (_, overrides, error) => {
    const t = createTestAuthorizationServer()
    const params = redirectParams(await get(t, await authorizeUrl(t, overrides)))
    expect(params.get('error')).toBe(error)
    expect(params.get('error_description')).toBeTruthy()
    expect(params.get('error_description')).not.toMatch(/[\r\n"\\]/)
    expect(params.get('state')).toBe('state-123')
    expect(params.get('iss')).toBe(t.deps.issuer)
    expect(params.get('code')).toBeNull()
  },
)

test('authorize redirects case 11 (a repeated parameter) with invalid_request', async () => {
  const t = createTestAuthorizationServer()
  const params = redirectParams(await get(t, `${await authorizeUrl(t)}&scope=email`))
  expect(params.get('error')).toBe('invalid_request')
  expect(params.get('iss')).toBe(t.deps.issuer)
})

test('authorize redirects an error without state when the client sent none', async () => {
  const t = createTestAuthorizationServer()
  const params = redirectParams(
    await get(t, await authorizeUrl(t, { state: undefined, scope: 'nope' })),
  )
  expect(params.get('error')).toBe('invalid_scope')
  expect(params.has('state')).toBe(false)
})

test('authorize ignores unknown parameters (case 12)', async () => {
  const t = createTestAuthorizationServer()
  const driven = await driveAuthorization(t.server, await authorizeUrl(t, { ui_theme: 'dark' }))
  expect(redirectParams(driven.response).get('code')).toBeTruthy()
})

test('authorize accepts a native loopback redirect on any port but gives localhost no port leniency (case 5)', async () => {
  const t = createTestAuthorizationServer()
  const registration = await register(t, {
    // RFC 8252 §7.3: the port exception is for native apps only (redirect-uri.test.ts).
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    redirect_uris: ['http://127.0.0.1:1234/cb', 'http://localhost:1234/cb'],
  })
  const { client_id } = await registration.json()
  const loopback = await get(
    t,
    await authorizeUrl(t, { client_id, redirect_uri: 'http://127.0.0.1:5555/cb' }),
  )
  expect(loopback.status).toBe(200)
  expect(await loopback.text()).toContain('name="password"')
  expectErrorPage(
    await get(t, await authorizeUrl(t, { client_id, redirect_uri: 'http://127.0.0.1:5555/other' })),
  )
  expectErrorPage(
    await get(t, await authorizeUrl(t, { client_id, redirect_uri: 'http://localhost:5555/cb' })),
  )
})

test('authorize uses the only registered redirect_uri when none is sent', async () => {
  const t = createTestAuthorizationServer()
  const registration = await register(t, {
    token_endpoint_auth_method: 'none',
    redirect_uris: ['https://app.example/cb'],
  })
  const { client_id } = await registration.json()
  const driven = await driveAuthorization(
    t.server,
    await authorizeUrl(t, { client_id, redirect_uri: undefined, scope: 'openid' }),
  )
  expect(driven.location).toMatch(/^https:\/\/app\.example\/cb\?code=/)
})

test('authorize redirects access_denied with the exact state and iss when the user denies (case 14)', async () => {
  const t = createTestAuthorizationServer()
  const state = 'a b&c=d/é'
  const driven = await driveAuthorization(t.server, await authorizeUrl(t, { state }), {
    decision: 'deny',
  })
  const params = redirectParams(driven.response)
  expect(params.get('error')).toBe('access_denied')
  expect(params.get('state')).toBe(state)
  expect(params.get('iss')).toBe(t.deps.issuer)
})

test('login sets an HttpOnly SameSite=Lax session cookie scoped to /as', async () => {
  const t = createTestAuthorizationServer()
  const driven = await driveAuthorization(t.server, await authorizeUrl(t))
  expect(driven.cookie).toMatch(/(^|; )grantlab_as_session=/)
  const login = await get(t, await authorizeUrl(t))
  const html = await login.text()
  const pending = /name="pending" value="([^"]+)"/.exec(html)?.[1] ?? ''
  const response = await t.server.handle(
    new Request(`${t.deps.issuer}/authorize/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: mergeCookies(undefined, login) ?? '',
      },
      body: new URLSearchParams({ pending, username: 'bob', password: 'bob-password' }),
    }),
  )
  const cookie = response.headers.get('set-cookie') ?? ''
  expect(cookie).toMatch(/^grantlab_as_session=/)
  expect(cookie).toContain('HttpOnly')
  expect(cookie).toContain('SameSite=Lax')
  expect(cookie).toContain('Path=/as')
})

test('a session and stored consent make prompt=none return a code without any page', async () => {
  const t = createTestAuthorizationServer()
  const first = await driveAuthorization(t.server, await authorizeUrl(t))
  const again = await driveAuthorization(t.server, await authorizeUrl(t, { prompt: 'none' }), {
    cookie: first.cookie,
  })
  expect(again.pages).toHaveLength(0)
  expect(redirectParams(again.response).get('code')).toBeTruthy()
})

test('prompt=none with a session but no consent for a new scope redirects consent_required', async () => {
  const t = createTestAuthorizationServer()
  const first = await driveAuthorization(t.server, await authorizeUrl(t))
  const response = await get(t, await authorizeUrl(t, { prompt: 'none', scope: 'openid email' }), {
    cookie: first.cookie ?? '',
  })
  expect(redirectParams(response).get('error')).toBe('consent_required')
})

test('prompt=login shows the login page again despite a session, and prompt=consent the consent page', async () => {
  const t = createTestAuthorizationServer()
  const first = await driveAuthorization(t.server, await authorizeUrl(t))
  const login = await driveAuthorization(t.server, await authorizeUrl(t, { prompt: 'login' }), {
    cookie: first.cookie,
  })
  expect(login.pages).toHaveLength(1)
  expect(login.pages[0]).toContain('name="password"')
  expect(redirectParams(login.response).get('code')).toBeTruthy()
  const consent = await driveAuthorization(t.server, await authorizeUrl(t, { prompt: 'consent' }), {
    cookie: first.cookie,
  })
  expect(consent.pages).toHaveLength(1)
  expect(consent.pages[0]).toContain('value="approve"')
})

test('max_age older than the login asks for a new login; a fresh enough login does not', async () => {
  const t = createTestAuthorizationServer()
  const first = await driveAuthorization(t.server, await authorizeUrl(t))
  t.clock.advance(120_000)
  const fresh = await driveAuthorization(t.server, await authorizeUrl(t, { max_age: '3600' }), {
    cookie: first.cookie,
  })
  expect(fresh.pages).toHaveLength(0)
  const stale = await driveAuthorization(t.server, await authorizeUrl(t, { max_age: '60' }), {
    cookie: first.cookie,
  })
  expect(stale.pages).toHaveLength(1)
  expect(redirectParams(stale.response).get('code')).toBeTruthy()
  const none = await get(t, await authorizeUrl(t, { max_age: '60', prompt: 'none' }), {
    cookie: first.cookie ?? '',
  })
  expect(redirectParams(none).get('error')).toBe('login_required')
})

test('a wrong password shows the login page again with an error and no session cookie', async () => {
  const t = createTestAuthorizationServer()
  const driven = await driveAuthorization(t.server, await authorizeUrl(t), { password: 'wrong' })
  expect(driven.response.status).toBe(401)
  expect(driven.cookie).not.toContain('grantlab_as_session=')
  expect(driven.pages.at(-1)).toContain('role="alert"')
})

test('the pending request survives a restart of the server between login page and login (state lives in the store)', async () => {
  const t = createTestAuthorizationServer()
  const loginPage = await get(t, await authorizeUrl(t))
  const page = await loginPage.text()
  const pending = /name="pending" value="([^"]+)"/.exec(page)?.[1] ?? ''
  const restarted = createAuthorizationServer(t.deps)
  const response = await restarted.handle(
    new Request(`${t.deps.issuer}/authorize/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: mergeCookies(undefined, loginPage) ?? '',
      },
      body: new URLSearchParams({ pending, username: 'alice', password: 'alice-password' }),
    }),
  )
  expect(response.status).toBe(200)
  expect(await response.text()).toContain('value="approve"')
})

test('a login or consent form with an unknown or expired pending id shows an error page', async () => {
  const t = createTestAuthorizationServer()
  for (const path of ['/authorize/login', '/authorize/consent']) {
    const response = await t.server.handle(
      new Request(`${t.deps.issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'pending=nope&decision=approve',
      }),
    )
    expectErrorPage(response)
  }
  const page = await (await get(t, await authorizeUrl(t))).text()
  t.clock.advance(11 * 60_000)
  const pending = /name="pending" value="([^"]+)"/.exec(page)?.[1] ?? ''
  expectErrorPage(
    await t.server.handle(
      new Request(`${t.deps.issuer}/authorize/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ pending, username: 'alice', password: 'alice-password' }),
      }),
    ),
  )
})

test('the pages are accessible, script-free HTML under a CSP that lets the form reach the client', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(t, await authorizeUrl(t))
  const html = await response.text()
  expect(html).toMatch(/<html lang="en">/)
  expect(html).toMatch(/<title>[^<]+<\/title>/)
  expect(html).toContain('<h1>')
  expect(html).toContain('<label for="username">')
  expect(html).toContain('<label for="password">')
  expect(html).not.toMatch(/<script|\sstyle="|\son\w+="/i)
  const csp = response.headers.get('content-security-policy') ?? ''
  expect(csp).toContain("default-src 'none'")
  expect(csp).toContain("style-src 'self'")
  expect(csp).toContain(`form-action 'self' ${t.deps.appOrigin}`)
  const css = await get(t, `${t.deps.issuer}/assets/style.css`)
  expect(css.headers.get('content-type')).toMatch(/^text\/css/)
  const consent =
    (await driveAuthorization(t.server, await authorizeUrl(t), { decision: 'deny' })).pages[1] ?? ''
  expect(consent).toContain('Grantlab single-page app')
  expect(consent).toContain('See your orders')
})
