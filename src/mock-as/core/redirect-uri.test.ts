import { expect, test } from 'vitest'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import {
  authorizeUrl,
  get,
  obtainCode,
  postForm,
  register,
  spaRedirect,
  testVerifier,
} from './test-support'

/**
 * Redirect URIs are compared as plain strings (RFC 9700 §4.1.3); only a native client's loopback
 * IP redirect may change its port (RFC 8252 §7.3). Every variant below names the same place to a
 * URL parser, and must still be refused.
 */
const spaVariants: [string, string][] = [
  ['another port', spaRedirect.replace(':4173', ':6666')],
  ['no port', spaRedirect.replace(':4173', '')],
  ['user info before the host', spaRedirect.replace('http://', 'http://evil@')],
  ['user and password before the host', spaRedirect.replace('http://', 'http://a:b@')],
  ['a dot segment', spaRedirect.replace('/walkthrough/', '/walkthrough/x/../')],
  ['a single-dot segment', spaRedirect.replace('/walkthrough/', '/walkthrough/./')],
  ['an upper-case scheme', spaRedirect.replace('http://', 'HTTP://')],
  ['an upper-case path', spaRedirect.replace('callback', 'Callback')],
  ['a percent-encoded letter', spaRedirect.replace('callback', '%63allback')],
  ['a percent-encoded hyphen', spaRedirect.replace('authorization-code', 'authorization%2Dcode')],
  ['an empty query', `${spaRedirect}?`],
  ['an empty fragment', `${spaRedirect}#`],
  ['backslashes', spaRedirect.replace('/walkthrough/', '\\walkthrough\\')],
  ['a tab inside the path', spaRedirect.replace('walkthrough', 'walk\tthrough')],
  ['a trailing slash', `${spaRedirect}/`],
  ['the IPv6 loopback', spaRedirect.replace('127.0.0.1', '[::1]')],
  ['localhost', spaRedirect.replace('127.0.0.1', 'localhost')],
  ['https', spaRedirect.replace('http://', 'https://')],
]

test.each(spaVariants)(
  '/as/authorize refuses a demo web client redirect_uri with %s, on a page',
  async (_, redirectUri) => {
    const t = createTestAuthorizationServer()
    const response = await get(t, await authorizeUrl(t, { redirect_uri: redirectUri }))
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.headers.get('location')).toBeNull()
    expect(await response.text()).toContain('does not exactly match')
  },
)

test.each(spaVariants)(
  '/as/par refuses a demo web client redirect_uri with %s, as JSON',
  async (_, redirectUri) => {
    const t = createTestAuthorizationServer()
    const params = Object.fromEntries(
      new URL(await authorizeUrl(t, { redirect_uri: redirectUri })).searchParams,
    )
    const response = await postForm(t, '/par', params)
    expect(response.status).toBe(400)
    const body = await response.json()
    expect(body.error).toBe('invalid_request')
    expect(body.error_description).toContain('does not exactly match')
  },
)

test('the token endpoint compares redirect_uri with the authorization request as a plain string', async () => {
  const t = createTestAuthorizationServer()
  const code = await obtainCode(t)
  const redeem = (redirectUri: string) =>
    postForm(t, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: testVerifier,
      client_id: 'grantlab-spa',
    })
  for (const [name, variant] of spaVariants) {
    const response = await redeem(variant)
    expect(response.status, name).toBe(400)
    expect((await response.json()).error, name).toBe('invalid_grant')
  }
  // The failed attempts did not spend the code: the exact URI still redeems it.
  expect((await redeem(spaRedirect)).status).toBe(200)
})

/** A native app (RFC 8252) that listens on loopback, on a port the system picks. */
async function registerNative(
  t: TestAuthorizationServer,
  metadata: Record<string, unknown> = {},
): Promise<string> {
  const response = await register(t, {
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    redirect_uris: ['http://127.0.0.1/callback', 'http://[::1]/callback?app=1'],
    ...metadata,
  })
  expect(response.status).toBe(201)
  return (await response.json()).client_id
}

const nativeAccepted: [string, string][] = [
  ['a port on 127.0.0.1', 'http://127.0.0.1:51234/callback'],
  ['a port on [::1], query kept', 'http://[::1]:51234/callback?app=1'],
  ['the highest port', 'http://127.0.0.1:65535/callback'],
  ['the registered URI itself', 'http://127.0.0.1/callback'],
]

test.each(nativeAccepted)(
  'a native client may use any loopback port: %s',
  async (_, redirectUri) => {
    const t = createTestAuthorizationServer()
    const clientId = await registerNative(t)
    const response = await get(
      t,
      await authorizeUrl(t, { client_id: clientId, redirect_uri: redirectUri }),
    )
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('name="password"')
  },
)

const nativeRefused: [string, string][] = [
  ['localhost instead of an IP literal', 'http://localhost:51234/callback'],
  ['user info', 'http://evil@127.0.0.1:51234/callback'],
  ['a dot segment', 'http://127.0.0.1:51234/x/../callback'],
  ['another path case', 'http://127.0.0.1:51234/Callback'],
  ['a percent-encoded letter', 'http://127.0.0.1:51234/%63allback'],
  ['an upper-case scheme', 'HTTP://127.0.0.1:51234/callback'],
  ['an added query', 'http://127.0.0.1:51234/callback?x=1'],
  ['a dropped query', 'http://[::1]:51234/callback'],
  ['a fragment', 'http://127.0.0.1:51234/callback#x'],
  ['a port out of range', 'http://127.0.0.1:99999/callback'],
  ['a port with a leading zero', 'http://127.0.0.1:051234/callback'],
  ['https', 'https://127.0.0.1:51234/callback'],
  ['the other loopback address', 'http://[::1]:51234/callback'],
  ['another 127/8 address', 'http://127.0.0.2:51234/callback'],
]

test.each(nativeRefused)(
  'a native client still gets only the port exception, not %s',
  async (_, redirectUri) => {
    const t = createTestAuthorizationServer()
    const clientId = await registerNative(t)
    const response = await get(
      t,
      await authorizeUrl(t, { client_id: clientId, redirect_uri: redirectUri }),
    )
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
  },
)

test('a web client with a loopback redirect gets no port exception, at authorize and at par', async () => {
  const t = createTestAuthorizationServer()
  const response = await register(t, {
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    redirect_uris: ['http://127.0.0.1:1234/cb'],
  })
  const { client_id } = await response.json()
  const otherPort = 'http://127.0.0.1:5555/cb'
  const page = await get(t, await authorizeUrl(t, { client_id, redirect_uri: otherPort }))
  expect(page.status).toBe(400)
  expect(page.headers.get('location')).toBeNull()
  const pushed = await postForm(
    t,
    '/par',
    Object.fromEntries(
      new URL(await authorizeUrl(t, { client_id, redirect_uri: otherPort })).searchParams,
    ),
  )
  expect(pushed.status).toBe(400)
  expect((await pushed.json()).error).toBe('invalid_request')
})

test('a native client pushes a loopback redirect with its port to par, and must repeat that port at the token endpoint', async () => {
  const t = createTestAuthorizationServer()
  const clientId = await registerNative(t)
  const redirectUri = 'http://127.0.0.1:40001/callback'
  const pushed = await postForm(
    t,
    '/par',
    Object.fromEntries(
      new URL(await authorizeUrl(t, { client_id: clientId, redirect_uri: redirectUri }))
        .searchParams,
    ),
  )
  expect(pushed.status).toBe(201)
  const code = await obtainCode(t, { client_id: clientId, redirect_uri: redirectUri })
  const redeem = (uri: string) =>
    postForm(t, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: uri,
      code_verifier: testVerifier,
      client_id: clientId,
    })
  // The port was chosen at the authorization request; from then on it is part of the string.
  expect((await (await redeem('http://127.0.0.1:40002/callback')).json()).error).toBe(
    'invalid_grant',
  )
  expect((await (await redeem('http://127.0.0.1/callback')).json()).error).toBe('invalid_grant')
  expect((await redeem(redirectUri)).status).toBe(200)
})
