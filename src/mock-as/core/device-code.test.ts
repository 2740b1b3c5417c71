import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { normalizeUserCode, userCodeAlphabet } from './device-codes'
import { driveDeviceVerification } from './test-device-verification'
import {
  createTestAuthorizationServer,
  mergeCookies,
  type TestAuthorizationServer,
} from './test-server'
import { basic, callApi, get, introspect, postForm, register } from './test-support'

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code'
const userCodePattern = new RegExp(`^[${userCodeAlphabet}]{4}-[${userCodeAlphabet}]{4}$`)

interface DeviceAuthorization {
  device_code: string
  user_code: string
  verification_uri: string
  verification_uri_complete: string
  expires_in: number
  interval: number
}

async function startDevice(
  t: TestAuthorizationServer,
  params: Record<string, string> = {},
): Promise<DeviceAuthorization> {
  const response = await postForm(t, '/device_authorization', {
    client_id: 'grantlab-device',
    scope: 'openid profile offline_access orders:read',
    ...params,
  })
  expect(response.status).toBe(200)
  return (await response.json()) as DeviceAuthorization
}

function poll(t: TestAuthorizationServer, deviceCode: string, clientId = 'grantlab-device') {
  return postForm(t, '/token', {
    grant_type: deviceGrant,
    device_code: deviceCode,
    client_id: clientId,
  })
}

async function expectError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = await response.json()
  expect(body.error).toBe(error)
  expect(typeof body.error_description).toBe('string')
  return body as { error: string; error_description: string }
}

function postPage(
  t: TestAuthorizationServer,
  path: string,
  fields: Record<string, string>,
  cookie?: string,
) {
  // A form of the server's own page: the browser adds this Origin.
  return postForm(t, path, fields, {
    origin: new URL(t.deps.issuer).origin,
    ...(cookie ? { cookie } : {}),
  })
}

function hiddenPending(html: string): string {
  const value = /<input type="hidden" name="pending" value="([^"]*)">/.exec(html)?.[1]
  if (value === undefined) throw new Error('no pending field in the page')
  return value
}

function actOnPhone(
  t: TestAuthorizationServer,
  verificationUrl: string,
  options: { decision?: 'approve' | 'deny' } = {},
) {
  return driveDeviceVerification(t.server, verificationUrl, options)
}

test('device authorization answers 200 JSON with a short user code, both verification URIs and a numeric interval', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(t, '/device_authorization', {
    client_id: 'grantlab-device',
    scope: 'openid orders:read',
  })
  expect(response.status).toBe(200)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const body = (await response.json()) as DeviceAuthorization
  expect(body.user_code).toMatch(userCodePattern)
  expect(body.device_code).toMatch(/^[A-Za-z0-9_-]{43}$/)
  expect(body.verification_uri).toBe(`${t.deps.issuer}/device`)
  expect(new URL(body.verification_uri_complete).searchParams.get('user_code')).toBe(body.user_code)
  expect(body.expires_in).toBe(600)
  expect(body.interval).toBe(5)
})

test('user codes use only the base-20 consonants and compare case-insensitively without dashes or spaces', async () => {
  const t = createTestAuthorizationServer()
  const codes = await Promise.all(Array.from({ length: 20 }, () => startDevice(t)))
  for (const { user_code } of codes) expect(user_code).toMatch(userCodePattern)
  expect(new Set(codes.map((code) => code.user_code)).size).toBe(codes.length)
  expect(normalizeUserCode('bcdf-ghjk')).toBe('BCDFGHJK')
  expect(normalizeUserCode(' BCDF GHJK ')).toBe('BCDFGHJK')
  expect(normalizeUserCode('ABCD-EFGH')).toBeUndefined()
  expect(normalizeUserCode('BCDF-GHJ')).toBeUndefined()
  expect(normalizeUserCode('BCDF-GHJK0')).toBeUndefined()
})

test('discovery advertises the device authorization endpoint and the device grant', async () => {
  const t = createTestAuthorizationServer()
  const metadata = await (await get(t, `${t.deps.issuer}/.well-known/openid-configuration`)).json()
  expect(metadata.device_authorization_endpoint).toBe(`${t.deps.issuer}/device_authorization`)
  expect(metadata.grant_types_supported).toContain(deviceGrant)
})

test('device authorization refuses unknown clients, clients without the grant, bad scopes and malformed requests', async () => {
  const t = createTestAuthorizationServer()
  await expectError(
    await postForm(t, '/device_authorization', { client_id: 'nobody' }),
    400,
    'invalid_client',
  )
  await expectError(await postForm(t, '/device_authorization', {}), 400, 'invalid_client')
  await expectError(
    await postForm(t, '/device_authorization', { client_id: 'grantlab-spa' }),
    400,
    'unauthorized_client',
  )
  await expectError(
    await postForm(t, '/device_authorization', { client_id: 'grantlab-device', scope: 'email' }),
    400,
    'invalid_scope',
  )
  await expectError(
    await postForm(t, '/device_authorization', { client_id: 'grantlab-device', scope: 'admin' }),
    400,
    'invalid_scope',
  )
  await expectError(
    await postForm(t, '/device_authorization', {
      client_id: 'grantlab-device',
      client_secret: 'guess',
    }),
    400,
    'invalid_client',
  )
  const json = await t.server.handle(
    new Request(`${t.deps.issuer}/device_authorization`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'grantlab-device' }),
    }),
  )
  await expectError(json, 400, 'invalid_request')
  const repeated = await t.server.handle(
    new Request(`${t.deps.issuer}/device_authorization`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client_id=grantlab-device&scope=openid&scope=profile',
    }),
  )
  await expectError(repeated, 400, 'invalid_request')
  await expectError(
    await get(t, `${t.deps.issuer}/device_authorization`),
    405,
    'method_not_allowed',
  )
})

test('without scope the device gets the scopes its client registered', async () => {
  const t = createTestAuthorizationServer()
  const started = await postForm(t, '/device_authorization', { client_id: 'grantlab-device' })
  const { device_code, verification_uri_complete } = (await started.json()) as DeviceAuthorization
  await actOnPhone(t, verification_uri_complete)
  const tokens = await (await poll(t, device_code)).json()
  expect(tokens.scope).toBe('openid profile offline_access orders:read')
})

test('a confidential device client may send Basic plus client_id in the body: one method, not two', async () => {
  const t = createTestAuthorizationServer()
  const registered = await (
    await register(t, {
      client_name: 'Kiosk',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [deviceGrant],
      scope: 'orders:read',
    })
  ).json()
  const auth = { authorization: basic(registered.client_id, registered.client_secret) }
  const ok = await postForm(t, '/device_authorization', { client_id: registered.client_id }, auth)
  expect(ok.status).toBe(200)
  const wrong = await postForm(
    t,
    '/device_authorization',
    {},
    { authorization: basic(registered.client_id, 'wrong') },
  )
  expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/)
  await expectError(wrong, 401, 'invalid_client')
})

test('polling before the user acts answers authorization_pending, 400 JSON with no-store', async () => {
  const t = createTestAuthorizationServer()
  const { device_code } = await startDevice(t)
  await expectError(await poll(t, device_code), 400, 'authorization_pending')
  t.clock.advance(5000)
  await expectError(await poll(t, device_code), 400, 'authorization_pending')
})

test('polling too fast answers slow_down and adds 5 s to the interval for that and every later poll', async () => {
  const t = createTestAuthorizationServer()
  const { device_code } = await startDevice(t)
  await expectError(await poll(t, device_code), 400, 'authorization_pending')
  t.clock.advance(1000)
  const slow = await expectError(await poll(t, device_code), 400, 'slow_down')
  expect(slow.error_description).toMatch(/10 seconds/)
  // The old interval is no longer enough…
  t.clock.advance(5000)
  await expectError(await poll(t, device_code), 400, 'slow_down')
  // …(that poll was too fast again: now 15 s), and a poll that respects the new interval is fine.
  t.clock.advance(15_000)
  await expectError(await poll(t, device_code), 400, 'authorization_pending')
  t.clock.advance(15_000)
  await expectError(await poll(t, device_code), 400, 'authorization_pending')
  t.clock.advance(14_000)
  await expectError(await poll(t, device_code), 400, 'slow_down')
})

test('after the user approves on the phone, the next poll gets access, refresh and ID tokens; the code is then single-use', async () => {
  const t = createTestAuthorizationServer()
  const { device_code, verification_uri_complete } = await startDevice(t)
  const phone = await actOnPhone(t, verification_uri_complete)
  expect(phone.pages.map((page) => page.status)).toEqual([200, 200, 200, 200])
  expect(hiddenPending((await phone.pages[1]?.clone().text()) ?? '')).toMatch(/^[A-Za-z0-9_-]{43}$/)
  const done = await phone.last.text()
  expect(done).toContain('You may return to your device')

  t.clock.advance(5000)
  const response = await poll(t, device_code)
  expect(response.status).toBe(200)
  expect(response.headers.get('cache-control')).toBe('no-store')
  const tokens = await response.json()
  expect(tokens).toMatchObject({
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'openid profile offline_access orders:read',
  })
  expect(typeof tokens.refresh_token).toBe('string')
  expect(typeof tokens.id_token).toBe('string')
  expect((await callApi(t, '/api/orders', tokens.access_token)).status).toBe(200)

  t.clock.advance(5000)
  await expectError(await poll(t, device_code), 400, 'invalid_grant')
  // The replay revoked what the first redemption issued, as for a reused authorization code.
  expect(await introspect(t, tokens.access_token)).toEqual({ active: false })
  const refresh = await postForm(t, '/token', {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token,
    client_id: 'grantlab-device',
  })
  await expectError(refresh, 400, 'invalid_grant')
})

test('without openid there is no ID token', async () => {
  const t = createTestAuthorizationServer()
  const { device_code, verification_uri_complete } = await startDevice(t, { scope: 'orders:read' })
  await actOnPhone(t, verification_uri_complete)
  const tokens = await (await poll(t, device_code)).json()
  expect(tokens.id_token).toBeUndefined()
  expect(tokens.scope).toBe('orders:read')
})

test('denying on the phone makes the next poll answer access_denied', async () => {
  const t = createTestAuthorizationServer()
  const { device_code, verification_uri_complete } = await startDevice(t)
  const phone = await actOnPhone(t, verification_uri_complete, { decision: 'deny' })
  expect(await phone.last.text()).toContain('Request denied')
  await expectError(await poll(t, device_code), 400, 'access_denied')
  t.clock.advance(5000)
  await expectError(await poll(t, device_code), 400, 'access_denied')
})

test('after expires_in the poll answers expired_token and the verification page refuses the code', async () => {
  const t = createTestAuthorizationServer()
  const { device_code, user_code } = await startDevice(t)
  t.clock.advance(599_000)
  await expectError(await poll(t, device_code), 400, 'authorization_pending')
  t.clock.advance(1000)
  await expectError(await poll(t, device_code), 400, 'expired_token')
  const page = await postPage(t, '/device', { user_code })
  expect(page.status).toBe(400)
  expect(await page.text()).toMatch(/role="alert"[^>]*>This code has expired/)
})

test('a device code polled by another client, an unknown code and a missing code are refused', async () => {
  const t = createTestAuthorizationServer()
  const { device_code } = await startDevice(t)
  const other = await (
    await register(t, {
      token_endpoint_auth_method: 'none',
      grant_types: [deviceGrant],
      scope: 'orders:read',
    })
  ).json()
  await expectError(await poll(t, device_code, other.client_id), 400, 'invalid_grant')
  await expectError(await poll(t, 'no-such-code'), 400, 'invalid_grant')
  await expectError(
    await postForm(t, '/token', { grant_type: deviceGrant, client_id: 'grantlab-device' }),
    400,
    'invalid_request',
  )
  await expectError(
    await postForm(t, '/token', {
      grant_type: deviceGrant,
      device_code,
      client_id: 'grantlab-spa',
    }),
    400,
    'unauthorized_client',
  )
  // The refused polls by others did not touch the device's own state.
  await expectError(await poll(t, device_code), 400, 'authorization_pending')
})

test('the verification page prefills the code, works in any case, refuses wrong codes with a 400 page, and may be framed by this origin only', async () => {
  const t = createTestAuthorizationServer()
  const { user_code, verification_uri_complete } = await startDevice(t)
  const page = await get(t, verification_uri_complete)
  expect(page.status).toBe(200)
  const csp = page.headers.get('content-security-policy') ?? ''
  expect(csp).toContain("frame-ancestors 'self'")
  expect(csp).toContain("default-src 'none'")
  const html = await page.text()
  expect(html).toContain(`name="user_code" value="${user_code}"`)
  expect(html).toContain('<label for="user_code">')
  expect(html).not.toContain('<script')

  const blank = await get(t, `${t.deps.issuer}/device`)
  expect(await blank.text()).toContain('name="user_code" value=""')

  const wrong = await postPage(t, '/device', { user_code: 'BBBB-BBBB' })
  expect(wrong.status).toBe(400)
  const wrongHtml = await wrong.text()
  expect(wrongHtml).toMatch(/role="alert"[^>]*>No device is waiting for this code/)
  expect(wrongHtml).toContain('name="user_code" value="BBBB-BBBB"')
  const garbage = await postPage(t, '/device', { user_code: '<b>12' })
  expect(garbage.status).toBe(400)
  expect(await garbage.text()).toContain('value="&lt;b&gt;12"')
  expect((await postPage(t, '/device', {})).status).toBe(400)

  const relaxed = await postPage(t, '/device', {
    user_code: user_code.replace('-', ' ').toLowerCase(),
  })
  expect(relaxed.status).toBe(200)
  expect(await relaxed.text()).toContain('name="password"')
})

test('the phone shows who asks and for what, a wrong password keeps the place, and a used code cannot be approved again', async () => {
  const t = createTestAuthorizationServer()
  const { user_code, verification_uri_complete } = await startDevice(t)
  const entered = await postPage(t, '/device', { user_code })
  const token = hiddenPending(await entered.text())
  const badLogin = await postPage(
    t,
    '/device/login',
    { pending: token, username: 'alice', password: 'nope' },
    mergeCookies(undefined, entered),
  )
  expect(badLogin.status).toBe(401)
  expect(hiddenPending(await badLogin.text())).toBe(token)

  const phone = await actOnPhone(t, verification_uri_complete)
  const consent = (await phone.pages[2]?.text()) ?? ''
  expect(consent).toContain('Grantlab TV app')
  expect(consent).toContain('<code>orders:read</code>')
  expect(consent).toContain(`shows the code ${user_code}`)

  const again = await postPage(
    t,
    '/device/consent',
    { pending: hiddenPending(consent), decision: 'approve' },
    phone.cookie,
  )
  expect(again.status).toBe(400)
  expect(await again.text()).toContain('already used')

  // A second device flow in the same browser session skips the sign-in, not the consent.
  const second = await startDevice(t)
  const quick = await postPage(t, '/device', { user_code: second.user_code }, phone.cookie)
  expect(await quick.text()).toContain('Allow access?')
})

test('the consent form needs the token of the page, not the user code: a forged post approves nothing', async () => {
  const t = createTestAuthorizationServer({ sessionMode: 'this-browser' })
  // The victim is signed in (in the service worker, no cookie is needed to find the session).
  const earlier = await startDevice(t)
  await actOnPhone(t, earlier.verification_uri_complete)
  // The attacker starts a device flow and knows its user code…
  const attacker = await startDevice(t)
  for (const pending of [attacker.user_code, attacker.user_code.replace('-', ''), 'forged']) {
    const forged = await postPage(t, '/device/consent', { pending, decision: 'approve' })
    expect(forged.status).toBe(400)
    expect(await forged.text()).toContain('This page is out of date')
  }
  // …but the device code is still pending.
  await expectError(await poll(t, attacker.device_code), 400, 'authorization_pending')
})

test('the whole device flow with oauth4webapi: authorization_pending and slow_down as ResponseBodyError, then tokens', async () => {
  const t = createTestAuthorizationServer()
  const http = {
    [oauth.customFetch]: (url: string, init?: RequestInit) =>
      t.server.handle(new Request(url, init)),
    [oauth.allowInsecureRequests]: true,
  }
  const issuer = new URL(t.deps.issuer)
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' }),
  )
  const client: oauth.Client = { client_id: 'grantlab-device' }
  const auth = oauth.None()
  const device = await oauth.processDeviceAuthorizationResponse(
    as,
    client,
    await oauth.deviceAuthorizationRequest(
      as,
      client,
      auth,
      { scope: 'openid profile offline_access orders:read' },
      http,
    ),
  )
  expect(device.interval).toBe(5)
  expect(device.user_code).toMatch(userCodePattern)

  const attempt = async () => {
    try {
      return await oauth.processDeviceCodeResponse(
        as,
        client,
        await oauth.deviceCodeGrantRequest(as, client, auth, device.device_code, http),
      )
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError) return error
      throw error
    }
  }
  const pending = await attempt()
  expect(pending).toBeInstanceOf(oauth.ResponseBodyError)
  expect((pending as oauth.ResponseBodyError).error).toBe('authorization_pending')
  expect((pending as oauth.ResponseBodyError).status).toBe(400)
  const tooFast = await attempt()
  expect((tooFast as oauth.ResponseBodyError).error).toBe('slow_down')

  await actOnPhone(t, device.verification_uri_complete as string)
  t.clock.advance(10_000)
  const tokens = await attempt()
  if (tokens instanceof oauth.ResponseBodyError) throw tokens
  expect(tokens.token_type).toBe('bearer')
  expect(tokens.refresh_token).toBeTypeOf('string')
  expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe('user-alice')

  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token as string, http),
  )
  expect(refreshed.access_token).not.toBe(tokens.access_token)
})
