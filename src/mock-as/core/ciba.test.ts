import { generateKeyPair, SignJWT } from 'jose'
import * as oauth from 'oauth4webapi'
import { describe, expect, test } from 'vitest'
import { createAuthorizationServer } from './authorization-server'
import { cibaTimes, maxPendingPerClientAndUser } from './ciba-requests'
import { decisionFields, driveAuthenticationDevice } from './test-authentication-device'
import {
  createTestAuthorizationServer,
  mergeCookies,
  type TestAuthorizationServer,
} from './test-server'
import { authorizeUrl, basic, callApi, get, introspect, postForm, register } from './test-support'

const cibaGrant = 'urn:openid:params:grant-type:ciba'
const demo = { authorization: basic('grantlab-ciba', 'grantlab-ciba-secret') }

interface Acknowledgement {
  auth_req_id: string
  expires_in: number
  interval: number
}

function startCiba(
  t: TestAuthorizationServer,
  params: Record<string, string> = {},
  headers: Record<string, string> = demo,
) {
  return postForm(
    t,
    '/bc-authorize',
    { scope: 'openid profile orders:read', login_hint: 'alice', ...params },
    headers,
  )
}

async function started(
  t: TestAuthorizationServer,
  params: Record<string, string> = {},
): Promise<Acknowledgement> {
  const response = await startCiba(t, params)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as Acknowledgement
}

function poll(t: TestAuthorizationServer, authReqId: string, headers = demo) {
  return postForm(t, '/token', { grant_type: cibaGrant, auth_req_id: authReqId }, headers)
}

async function expectError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await response.json()) as { error: string; error_description: string }
  expect(body.error).toBe(error)
  expect(body.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/)
  return body
}

/** A form of the server's own page, from the browser that carries `cookie`. */
function postPage(
  t: TestAuthorizationServer,
  path: string,
  fields: Record<string, string>,
  cookie?: string,
  origin: string | null = new URL(t.deps.issuer).origin,
) {
  return postForm(t, path, fields, {
    ...(origin === null ? {} : { origin }),
    ...(cookie ? { cookie } : {}),
  })
}

/** Alice signed in on the authentication device: its cookies and the requests page. */
async function signedInPhone(t: TestAuthorizationServer, username = 'alice') {
  const first = await get(t, `${t.deps.issuer}/ciba`)
  let cookie = mergeCookies(undefined, first)
  const page = await postPage(
    t,
    '/ciba/login',
    { username, password: `${username}-password` },
    cookie,
  )
  expect(page.status).toBe(200)
  cookie = mergeCookies(cookie, page)
  return { cookie, html: await page.text() }
}

async function registerCibaClient(t: TestAuthorizationServer, extra: Record<string, unknown> = {}) {
  const response = await register(t, {
    client_name: 'Kiosk',
    grant_types: [cibaGrant],
    backchannel_token_delivery_mode: 'poll',
    scope: 'openid profile',
    ...extra,
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as Record<string, unknown> & {
    client_id: string
    client_secret: string
  }
}

describe('backchannel authentication endpoint (CIBA Core §7)', () => {
  test('answers 200 with an opaque auth_req_id, expires_in and a numeric interval', async () => {
    const t = createTestAuthorizationServer()
    const response = await startCiba(t, { binding_message: 'W7-KQ' })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = (await response.json()) as Acknowledgement
    // CIBA Core §7.3: at least 128 bits, A-Z a-z 0-9 . - _ only.
    expect(body.auth_req_id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(body).toEqual({ auth_req_id: body.auth_req_id, expires_in: 600, interval: 5 })
    const again = await started(t, { binding_message: 'W7-KQ' })
    expect(again.auth_req_id).not.toBe(body.auth_req_id)
  })

  test('discovery advertises the endpoint, poll mode only, no user_code, and the grant', async () => {
    const t = createTestAuthorizationServer()
    const metadata = await (
      await get(t, `${t.deps.issuer}/.well-known/openid-configuration`)
    ).json()
    expect(metadata).toMatchObject({
      backchannel_authentication_endpoint: `${t.deps.issuer}/bc-authorize`,
      backchannel_token_delivery_modes_supported: ['poll'],
      backchannel_user_code_parameter_supported: false,
    })
    expect(metadata.backchannel_authentication_request_signing_alg_values_supported).toBeUndefined()
    expect(metadata.grant_types_supported).toContain(cibaGrant)
  })

  test('requested_expiry sets expires_in up to 1800 s; anything but a positive integer is invalid_request', async () => {
    const t = createTestAuthorizationServer()
    expect((await started(t, { requested_expiry: '60' })).expires_in).toBe(60)
    expect((await started(t, { requested_expiry: '99999' })).expires_in).toBe(cibaTimes.maxLifetime)
    for (const value of ['0', '-5', '1.5', '+30', 'abc', '1e3', '99999999999']) {
      await expectError(await startCiba(t, { requested_expiry: value }), 400, 'invalid_request')
    }
  })

  test('binding_message: short plain text only, else invalid_binding_message', async () => {
    const t = createTestAuthorizationServer()
    for (const ok of ['W7-KQ', 'Call 4711: order #88', 'a'.repeat(32)]) {
      expect((await startCiba(t, { binding_message: ok, login_hint: 'bob' })).status).toBe(200)
    }
    for (const bad of [
      'a'.repeat(33),
      '<b>hi</b>',
      'visit https://evil.example',
      ' leading',
      'two  spaces',
      'Zahlung für Müller',
      'line\nbreak',
    ]) {
      await expectError(
        await startCiba(t, { binding_message: bad }),
        400,
        'invalid_binding_message',
      )
    }
  })

  test('exactly one hint: none, two, login_hint_token and unknown users are refused', async () => {
    const t = createTestAuthorizationServer()
    const scope = { scope: 'openid' }
    const none = await postForm(t, '/bc-authorize', scope, demo)
    expect((await expectError(none, 400, 'invalid_request')).error_description).toMatch(
      /exactly one hint/,
    )
    await expectError(
      await startCiba(t, { id_token_hint: 'x.y.z', login_hint: 'alice' }),
      400,
      'invalid_request',
    )
    const token = await postForm(t, '/bc-authorize', { ...scope, login_hint_token: 'x' }, demo)
    expect((await expectError(token, 400, 'invalid_request')).error_description).toMatch(
      /login_hint_token is not supported/,
    )
    await expectError(await startCiba(t, { login_hint: 'mallory' }), 400, 'unknown_user_id')
    await expectError(await startCiba(t, { login_hint: 'user-alice' }), 400, 'unknown_user_id')
    await expectError(await startCiba(t, { login_hint: 'a'.repeat(5000) }), 400, 'unknown_user_id')
  })

  test('id_token_hint: an ID token this server issued to this client names its user, even expired; others are refused', async () => {
    const t = createTestAuthorizationServer()
    // An earlier CIBA sign-in of bob gives the client an ID token.
    const first = await started(t, { login_hint: 'bob' })
    await driveAuthenticationDevice(t.server, t.deps.issuer, { username: 'bob' })
    const tokens = (await (await poll(t, first.auth_req_id)).json()) as { id_token: string }
    t.clock.advance(3600_000)
    const hinted = await postForm(
      t,
      '/bc-authorize',
      { scope: 'openid', id_token_hint: tokens.id_token, binding_message: 'AGAIN' },
      demo,
    )
    expect(hinted.status).toBe(200)
    const phone = await signedInPhone(t, 'bob')
    expect(phone.html).toContain('class="binding">AGAIN<')

    // One signed by another key, a tampered one and garbage; then one issued to another client.
    const { privateKey } = await generateKeyPair('RS256')
    const forged = await new SignJWT({ sub: 'user-alice', aud: 'grantlab-ciba' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'x' })
      .setIssuer(t.deps.issuer)
      .setIssuedAt()
      .sign(privateKey)
    for (const [hint, why] of [
      [forged, /signature/],
      ['not-a-jwt', /not a JWT/],
      [`${tokens.id_token}x`, /signature/],
    ] as const) {
      const refused = await postForm(
        t,
        '/bc-authorize',
        { scope: 'openid', id_token_hint: hint },
        demo,
      )
      expect((await expectError(refused, 400, 'invalid_request')).error_description).toMatch(why)
    }
    const other = await registerCibaClient(t)
    const foreign = await postForm(
      t,
      '/bc-authorize',
      { scope: 'openid', id_token_hint: tokens.id_token },
      { authorization: basic(other.client_id, other.client_secret) },
    )
    expect((await expectError(foreign, 400, 'invalid_request')).error_description).toMatch(
      /another client/,
    )
  })

  test('scope must be present, include openid and be registered for the client', async () => {
    const t = createTestAuthorizationServer()
    const noScope = await postForm(t, '/bc-authorize', { login_hint: 'alice' }, demo)
    await expectError(noScope, 400, 'invalid_request')
    const noOpenid = await startCiba(t, { scope: 'profile orders:read' })
    expect((await expectError(noOpenid, 400, 'invalid_request')).error_description).toMatch(
      /openid/,
    )
    await expectError(await startCiba(t, { scope: 'openid offline_access' }), 400, 'invalid_scope')
    await expectError(await startCiba(t, { scope: 'openid admin' }), 400, 'invalid_scope')
  })

  test('signed requests and user_code are refused: the metadata offers neither', async () => {
    const t = createTestAuthorizationServer()
    await expectError(await startCiba(t, { request: 'a.b.c' }), 400, 'invalid_request')
    await expectError(await startCiba(t, { user_code: '1234' }), 400, 'invalid_request')
  })

  test('client authentication fails with 401 and a challenge; clients without the grant are unauthorized_client', async () => {
    const t = createTestAuthorizationServer()
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{}, {}],
      [{ client_id: 'grantlab-ciba' }, {}],
      [{ client_id: 'grantlab-ciba', client_secret: 'guess' }, {}],
      [{}, { authorization: basic('grantlab-ciba', 'wrong') }],
      [{ client_id: 'nobody' }, {}],
    ]
    for (const [params, headers] of cases) {
      const response = await postForm(
        t,
        '/bc-authorize',
        { scope: 'openid', login_hint: 'alice', ...params },
        headers,
      )
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/)
      await expectError(response, 401, 'invalid_client')
    }
    const web = await startCiba(
      t,
      {},
      { authorization: basic('grantlab-web', 'grantlab-web-secret') },
    )
    await expectError(web, 400, 'unauthorized_client')
    const spa = await postForm(t, '/bc-authorize', {
      client_id: 'grantlab-spa',
      scope: 'openid',
      login_hint: 'alice',
    })
    await expectError(spa, 400, 'unauthorized_client')
  })

  test('malformed requests get JSON errors: wrong method, JSON body, repeated parameters, huge body', async () => {
    const t = createTestAuthorizationServer()
    await expectError(await get(t, `${t.deps.issuer}/bc-authorize`), 405, 'method_not_allowed')
    const json = await t.server.handle(
      new Request(`${t.deps.issuer}/bc-authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...demo },
        body: JSON.stringify({ scope: 'openid', login_hint: 'alice' }),
      }),
    )
    await expectError(json, 400, 'invalid_request')
    const repeated = await t.server.handle(
      new Request(`${t.deps.issuer}/bc-authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...demo },
        body: 'scope=openid&login_hint=alice&login_hint=bob',
      }),
    )
    await expectError(repeated, 400, 'invalid_request')
    const huge = await startCiba(t, { binding_message: 'x'.repeat(70_000) })
    await expectError(huge, 400, 'invalid_request')
    // None of these left a request behind.
    expect((await signedInPhone(t)).html).toContain('No requests are waiting for you.')
  })

  test(`a client may keep at most ${maxPendingPerClientAndUser} requests waiting for one user (403 access_denied); other users and clients are not held up`, async () => {
    const t = createTestAuthorizationServer()
    const results = await Promise.all(
      Array.from({ length: maxPendingPerClientAndUser + 3 }, (_, index) =>
        startCiba(t, { binding_message: `N${index}` }),
      ),
    )
    const statuses = results.map((response) => response.status).sort()
    expect(statuses.filter((status) => status === 200)).toHaveLength(maxPendingPerClientAndUser)
    const refused = results.find((response) => response.status === 403) as Response
    await expectError(refused, 403, 'access_denied')
    expect((await startCiba(t, { login_hint: 'bob' })).status).toBe(200)
    const other = await registerCibaClient(t)
    const fromOther = await startCiba(
      t,
      { scope: 'openid' },
      { authorization: basic(other.client_id, other.client_secret) },
    )
    expect(fromOther.status).toBe(200)
    // Once alice answers one of this client's requests, the client may ask again. (Named by its
    // binding message: all were made at one instant, so the device lists them in no set order.)
    const accepted = results.findIndex((response) => response.status === 200)
    await driveAuthenticationDevice(t.server, t.deps.issuer, {
      decision: 'deny',
      bindingMessage: `N${accepted}`,
    })
    expect((await startCiba(t)).status).toBe(200)
  })
})

describe('the CIBA grant at the token endpoint (CIBA Core §10.1, §11)', () => {
  test('pending, slow_down (+5 s), then after approval on the phone: access and ID token, once', async () => {
    const t = createTestAuthorizationServer()
    const { auth_req_id } = await started(t, { binding_message: 'W7-KQ' })
    await expectError(await poll(t, auth_req_id), 400, 'authorization_pending')
    t.clock.advance(1000)
    const slow = await expectError(await poll(t, auth_req_id), 400, 'slow_down')
    expect(slow.error_description).toMatch(/10 seconds/)
    // 9 s later is too soon again for the new interval…
    t.clock.advance(9000)
    await expectError(await poll(t, auth_req_id), 400, 'slow_down')
    // …(now 15 s) and a poll that waits the interval out is fine.
    t.clock.advance(15_000)
    await expectError(await poll(t, auth_req_id), 400, 'authorization_pending')

    const phone = await driveAuthenticationDevice(t.server, t.deps.issuer)
    expect(phone.pages.map((page) => page.status)).toEqual([200, 200, 200])
    expect(phone.requestsHtml).toContain('Grantlab call-centre app')
    expect(phone.requestsHtml).toContain('class="binding">W7-KQ<')
    expect(phone.requestsHtml).toContain('<code>orders:read</code>')
    expect(await phone.last.text()).toContain('Request allowed')

    t.clock.advance(15_000)
    const response = await poll(t, auth_req_id)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const tokens = await response.json()
    expect(tokens).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'openid profile orders:read',
    })
    // No refresh_token grant registered, so no refresh token.
    expect(tokens.refresh_token).toBeUndefined()
    const claims = JSON.parse(
      atob(tokens.id_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')),
    )
    expect(claims).toMatchObject({ iss: t.deps.issuer, sub: 'user-alice', aud: 'grantlab-ciba' })
    expect(claims.auth_time).toBeTypeOf('number')
    expect(claims.nonce).toBeUndefined()
    expect((await callApi(t, '/api/orders', tokens.access_token)).status).toBe(200)

    // A later poll is a replay: invalid_grant, and what the request issued is revoked.
    t.clock.advance(15_000)
    await expectError(await poll(t, auth_req_id), 400, 'invalid_grant')
    expect(await introspect(t, tokens.access_token)).toEqual({ active: false })
    // The request is no longer on the phone.
    expect(
      await get(t, `${t.deps.issuer}/ciba`, { cookie: phone.cookie ?? '' }).then((r) => r.text()),
    ).toContain('No requests are waiting for you.')
  })

  test('denying on the phone makes every later poll answer access_denied', async () => {
    const t = createTestAuthorizationServer()
    const { auth_req_id } = await started(t)
    const phone = await driveAuthenticationDevice(t.server, t.deps.issuer, { decision: 'deny' })
    expect(await phone.last.text()).toContain('Request denied')
    await expectError(await poll(t, auth_req_id), 400, 'access_denied')
    t.clock.advance(5000)
    await expectError(await poll(t, auth_req_id), 400, 'access_denied')
  })

  test('after expires_in the poll answers expired_token and the phone no longer offers the request', async () => {
    const t = createTestAuthorizationServer()
    const { auth_req_id } = await started(t, { requested_expiry: '60' })
    const { cookie, html } = await signedInPhone(t)
    const fields = decisionFields(html)
    t.clock.advance(59_000)
    await expectError(await poll(t, auth_req_id), 400, 'authorization_pending')
    t.clock.advance(1000)
    await expectError(await poll(t, auth_req_id), 400, 'expired_token')
    const late = await postPage(t, '/ciba/decision', { ...fields, decision: 'approve' }, cookie)
    expect(late.status).toBe(400)
    expect(await late.text()).toMatch(
      /role="alert">No such request|already answered or has expired/,
    )
    await expectError(await poll(t, auth_req_id), 400, 'expired_token')
  })

  test('an auth_req_id of another client, an unknown or missing one, and a client without the grant are refused', async () => {
    const t = createTestAuthorizationServer()
    const { auth_req_id } = await started(t)
    const other = await registerCibaClient(t)
    const otherAuth = { authorization: basic(other.client_id, other.client_secret) }
    await expectError(await poll(t, auth_req_id, otherAuth), 400, 'invalid_grant')
    await expectError(await poll(t, 'no-such-request'), 400, 'invalid_grant')
    await expectError(
      await postForm(t, '/token', { grant_type: cibaGrant }, demo),
      400,
      'invalid_request',
    )
    const web = { authorization: basic('grantlab-web', 'grantlab-web-secret') }
    await expectError(await poll(t, auth_req_id, web), 400, 'unauthorized_client')
    const spa = await postForm(t, '/token', {
      grant_type: cibaGrant,
      auth_req_id,
      client_id: 'grantlab-spa',
    })
    await expectError(spa, 400, 'unauthorized_client')
    // The refused polls did not touch the client's own state: its first poll is not too soon.
    await expectError(await poll(t, auth_req_id), 400, 'authorization_pending')
  })

  test('20 simultaneous polls of an approved request: exactly one gets tokens, the others slow_down, nothing is revoked', async () => {
    const t = createTestAuthorizationServer()
    // A second server instance on the same store, as a restarted worker would be.
    const twin = createAuthorizationServer(t.deps)
    const { auth_req_id } = await started(t)
    await driveAuthenticationDevice(twin, t.deps.issuer)
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? t.server : twin).handle(
          new Request(`${t.deps.issuer}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...demo },
            body: new URLSearchParams({ grant_type: cibaGrant, auth_req_id }),
          }),
        ),
      ),
    )
    const ok = responses.filter((response) => response.status === 200)
    expect(ok).toHaveLength(1)
    const errors = await Promise.all(
      responses.filter((response) => response.status !== 200).map((response) => response.json()),
    )
    expect(new Set(errors.map((body) => body.error))).toEqual(new Set(['slow_down']))
    const tokens = await (ok[0] as Response).json()
    expect(await introspect(t, tokens.access_token)).toMatchObject({ active: true })
  })

  test('an approval racing polls is never lost, and Allow and Deny racing record exactly one answer (10 rounds)', async () => {
    for (let round = 0; round < 10; round++) {
      const t = createTestAuthorizationServer()
      const { auth_req_id } = await started(t)
      const { cookie, html } = await signedInPhone(t)
      const fields = decisionFields(html)
      const [first, ...rest] = await Promise.all([
        postPage(t, '/ciba/decision', { ...fields, decision: 'approve' }, cookie),
        postPage(
          t,
          '/ciba/decision',
          { ...fields, decision: round % 2 ? 'approve' : 'deny' },
          cookie,
        ),
        ...Array.from({ length: 3 }, () => poll(t, auth_req_id)),
      ])
      const [second, ...polls] = rest as Response[]
      const texts = [await (first as Response).text(), await (second as Response).text()]
      const recorded = texts.filter((text) => /<h1>Request (allowed|denied)<\/h1>/.test(text))
      expect(recorded).toHaveLength(1)
      const wasAllowed = (recorded[0] as string).includes('Request allowed')
      t.clock.advance(60_000)
      polls.push(await poll(t, auth_req_id))
      const granted = polls.filter((response) => response.status === 200)
      // Allowed: one poll, in the race or after it, got the tokens. Denied: none did, and the
      // last poll says so.
      expect(granted).toHaveLength(wasAllowed ? 1 : 0)
      if (!wasAllowed) await expectError(polls.at(-1) as Response, 400, 'access_denied')
    }
  })

  test('state lives in the store: a restarted server continues a request mid-way', async () => {
    const t = createTestAuthorizationServer()
    const { auth_req_id } = await started(t)
    const restarted = createAuthorizationServer(t.deps)
    await driveAuthenticationDevice(restarted, t.deps.issuer)
    const response = await restarted.handle(
      new Request(`${t.deps.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...demo },
        body: new URLSearchParams({ grant_type: cibaGrant, auth_req_id }),
      }),
    )
    expect(response.status).toBe(200)
  })
})

describe('the authentication device page, /as/ciba (CIBA Core §8)', () => {
  test('without a session it is a plain sign-in form, framable by this origin only, without script', async () => {
    const t = createTestAuthorizationServer()
    const page = await get(t, `${t.deps.issuer}/ciba`)
    expect(page.status).toBe(200)
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("frame-ancestors 'self'")
    expect(csp).toContain("default-src 'none'")
    const html = await page.text()
    expect(html).toContain('<label for="username">Username</label>')
    expect(html).toContain('name="password" type="password"')
    expect(html).toContain(`action="${t.deps.issuer}/ciba/login"`)
    expect(html).not.toContain('<script')
  })

  test('signed in, a user sees only their own waiting requests, each with client, scopes, binding message, Allow and Deny', async () => {
    const t = createTestAuthorizationServer()
    await started(t, { binding_message: 'FOR-ALICE' })
    await started(t, { binding_message: 'ALSO-ALICE', scope: 'openid email' })
    await started(t, { binding_message: 'FOR-BOB', login_hint: 'bob' })
    const alice = await signedInPhone(t)
    expect(alice.html).toContain('Signed in as <strong>Alice Liddell</strong>')
    expect(alice.html).toContain('2 requests are waiting for you.')
    expect(alice.html).toContain('class="binding">FOR-ALICE<')
    expect(alice.html).toContain('class="binding">ALSO-ALICE<')
    expect(alice.html).not.toContain('FOR-BOB')
    expect(alice.html).toContain('<code>email</code>')
    expect(alice.html.match(/value="approve" aria-describedby="request-\d">Allow</g)).toHaveLength(
      2,
    )
    expect(
      alice.html.match(/value="deny" class="secondary" aria-describedby="request-\d">Deny/g),
    ).toHaveLength(2)
    const bob = await signedInPhone(t, 'bob')
    expect(bob.html).toContain('class="binding">FOR-BOB<')
    expect(bob.html).not.toContain('ALICE')
    // prompt=login shows the sign-in form again, to switch users.
    const switchUser = await get(t, `${t.deps.issuer}/ciba?prompt=login`, {
      cookie: bob.cookie ?? '',
    })
    expect(await switchUser.text()).toContain('name="password"')
  })

  test('the auth_req_id never appears on the page, and client names are escaped', async () => {
    const t = createTestAuthorizationServer()
    const evil = await registerCibaClient(t, { client_name: '<img src=x onerror=alert(1)>' })
    const response = await startCiba(
      t,
      { scope: 'openid' },
      { authorization: basic(evil.client_id, evil.client_secret) },
    )
    expect(response.status, await response.clone().text()).toBe(200)
    const { auth_req_id } = (await response.json()) as Acknowledgement
    const { html } = await signedInPhone(t)
    expect(html).not.toContain(auth_req_id)
    expect(html).not.toContain('<img')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  test('wrong passwords get 401 and keep the page; the shared lock refuses even the right one after 5 (RFC 6749 10.10)', async () => {
    const t = createTestAuthorizationServer()
    for (let attempt = 0; attempt < 4; attempt++) {
      const wrong = await postPage(t, '/ciba/login', { username: 'alice', password: 'nope' })
      expect(wrong.status).toBe(401)
      const html = await wrong.text()
      expect(html).toMatch(/role="alert">That username and password do not match/)
      expect(html).toContain('name="username" value="alice"')
    }
    // The fifth failure happens on the authorization endpoint's sign-in page: the count is shared.
    const login = await get(t, await authorizeUrl(t))
    const pending = /name="pending" value="([^"]+)"/.exec(await login.text())?.[1] ?? ''
    await postPage(
      t,
      '/authorize/login',
      { pending, username: 'alice', password: 'nope' },
      mergeCookies(undefined, login),
    )
    const locked = await postPage(t, '/ciba/login', {
      username: 'alice',
      password: 'alice-password',
    })
    expect(locked.status).toBe(429)
    expect(await locked.text()).toMatch(/locked for 5 more minutes/)
  })
})

describe('attacks on the authentication device page', () => {
  test('a decision or a sign-in posted by another site, or by a page that hides its origin, changes nothing (403)', async () => {
    const t = createTestAuthorizationServer()
    const { auth_req_id } = await started(t)
    const { cookie, html } = await signedInPhone(t)
    const fields = { ...decisionFields(html), decision: 'approve' }
    for (const origin of ['http://127.0.0.1:9999', 'https://evil.example', 'null']) {
      const forged = await postPage(t, '/ciba/decision', fields, cookie, origin)
      expect(forged.status).toBe(403)
      expect(await forged.text()).toContain('posted by another site')
      const login = await postPage(
        t,
        '/ciba/login',
        { username: 'bob', password: 'bob-password' },
        cookie,
        origin,
      )
      expect(login.status).toBe(403)
    }
    await expectError(await poll(t, auth_req_id), 400, 'authorization_pending')
  })

  test('cookie mode: the form is bound to the browser that was shown the page', async () => {
    const t = createTestAuthorizationServer()
    const { auth_req_id } = await started(t)
    const { cookie, html } = await signedInPhone(t)
    const session = (cookie ?? '')
      .split('; ')
      .find((part) => part.startsWith('grantlab_as_session='))
    const fields = { ...decisionFields(html), decision: 'approve' }
    // The session cookie alone (another browser of the same user, or a stolen page's form).
    const elsewhere = await postPage(t, '/ciba/decision', fields, session)
    expect(elsewhere.status).toBe(403)
    expect(await elsewhere.text()).toContain('started in another browser')
    await expectError(await poll(t, auth_req_id), 400, 'authorization_pending')
    expect((await postPage(t, '/ciba/decision', fields, cookie)).status).toBe(200)
  })

  test('this-browser mode (the worker): same-origin posts count, a referrer from another site does not', async () => {
    const t = createTestAuthorizationServer({ sessionMode: 'this-browser' })
    const { auth_req_id } = await started(t)
    const { html } = await signedInPhone(t)
    const fields = { ...decisionFields(html), decision: 'approve' }
    const hidden = await t.server.handle(
      new Request(`${t.deps.issuer}/ciba/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
        referrer: 'about:client',
      }),
    )
    expect(hidden.status).toBe(403)
    await expectError(await poll(t, auth_req_id), 400, 'authorization_pending')
    expect((await postPage(t, '/ciba/decision', fields)).status).toBe(200)
  })

  test("bob cannot answer alice's request, not even with its handle, and a stale or forged visit answers nothing", async () => {
    const t = createTestAuthorizationServer()
    const { auth_req_id } = await started(t)
    const alice = await signedInPhone(t)
    const aliceFields = decisionFields(alice.html)
    await started(t, { login_hint: 'bob' })
    const bob = await signedInPhone(t, 'bob')
    const bobFields = decisionFields(bob.html)
    const cases: Record<string, string>[] = [
      // bob's own visit with alice's request handle
      { pending: bobFields.pending as string, request: aliceFields.request as string },
      // alice's visit in bob's session
      { pending: aliceFields.pending as string, request: aliceFields.request as string },
      // the auth_req_id in place of the handle, and made-up values
      { pending: bobFields.pending as string, request: auth_req_id },
      { pending: 'forged', request: aliceFields.request as string },
      { pending: bobFields.pending as string, request: '<script>' },
    ]
    for (const fields of cases) {
      const refused = await postPage(
        t,
        '/ciba/decision',
        { ...fields, decision: 'approve' },
        bob.cookie,
      )
      expect(refused.status).toBe(400)
      expect(await refused.text()).toMatch(
        /role="alert">(No such request|That page was out of date)/,
      )
    }
    const noDecision = await postPage(t, '/ciba/decision', bobFields, bob.cookie)
    expect(noDecision.status).toBe(400)
    await expectError(await poll(t, auth_req_id), 400, 'authorization_pending')
    // Without any session, nothing is answered either.
    const anonymous = await postPage(t, '/ciba/decision', { ...aliceFields, decision: 'approve' })
    expect(anonymous.status).toBe(401)
  })

  test('a replayed Allow (a reload, a double click) finds the request answered', async () => {
    const t = createTestAuthorizationServer()
    await started(t)
    const { cookie, html } = await signedInPhone(t)
    const fields = { ...decisionFields(html), decision: 'approve' }
    expect((await postPage(t, '/ciba/decision', fields, cookie)).status).toBe(200)
    const again = await postPage(t, '/ciba/decision', { ...fields, decision: 'deny' }, cookie)
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('already answered or has expired')
  })
})

describe('registering CIBA clients (CIBA Core §4)', () => {
  test('a confidential poll-mode client registers; its metadata is echoed', async () => {
    const t = createTestAuthorizationServer()
    const client = await registerCibaClient(t, { backchannel_user_code_parameter: false })
    expect(client).toMatchObject({
      grant_types: [cibaGrant],
      backchannel_token_delivery_mode: 'poll',
      backchannel_user_code_parameter: false,
      token_endpoint_auth_method: 'client_secret_basic',
    })
    const response = await startCiba(
      t,
      { scope: 'openid' },
      { authorization: basic(client.client_id, client.client_secret) },
    )
    expect(response.status).toBe(200)
  })

  test.each([
    ['ping', { backchannel_token_delivery_mode: 'ping' }, /ping is not supported.*poll mode only/],
    ['push', { backchannel_token_delivery_mode: 'push' }, /push is not supported/],
    ['an unknown mode', { backchannel_token_delivery_mode: 'pol' }, /must be poll, ping or push/],
    ['a mode that is not a string', { backchannel_token_delivery_mode: ['poll'] }, /must be poll/],
    [
      'no mode',
      { backchannel_token_delivery_mode: undefined },
      /needs backchannel_token_delivery_mode/,
    ],
    [
      'a mode without the grant',
      { grant_types: ['client_credentials'], scope: 'orders:read' },
      /lacks urn:openid:params:grant-type:ciba/,
    ],
    ['a public client', { token_endpoint_auth_method: 'none' }, /confidential client/],
    ['no openid scope', { scope: 'profile' }, /openid/],
    [
      'a notification endpoint',
      { backchannel_client_notification_endpoint: 'https://a.example/cb' },
      /ping and push modes only/,
    ],
    [
      'signed requests',
      { backchannel_authentication_request_signing_alg: 'ES256' },
      /signed authentication requests/,
    ],
    ['user_code', { backchannel_user_code_parameter: true }, /user_code/],
    ['a non-boolean user_code flag', { backchannel_user_code_parameter: 'yes' }, /boolean/],
  ])('%s is refused with invalid_client_metadata', async (_name, change, why) => {
    const t = createTestAuthorizationServer()
    const response = await register(t, {
      client_name: 'Kiosk',
      grant_types: [cibaGrant],
      backchannel_token_delivery_mode: 'poll',
      scope: 'openid profile',
      ...change,
    })
    const body = await expectError(response, 400, 'invalid_client_metadata')
    expect(body.error_description).toMatch(why)
  })
})

test('the whole CIBA run with oauth4webapi: acknowledgement, pending and slow_down as ResponseBodyError, then a validated ID token', async () => {
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
  // A client of its own, registered with client_secret_post, beside the demo one (Basic).
  const registered = await registerCibaClient(t, {
    token_endpoint_auth_method: 'client_secret_post',
  })
  for (const [client, auth] of [
    [{ client_id: 'grantlab-ciba' }, oauth.ClientSecretBasic('grantlab-ciba-secret')],
    [{ client_id: registered.client_id }, oauth.ClientSecretPost(registered.client_secret)],
  ] as const) {
    const bindingMessage = `RUN ${client.client_id.slice(0, 6)}`
    const ack = await oauth.processBackchannelAuthenticationResponse(
      as,
      client,
      await oauth.backchannelAuthenticationRequest(
        as,
        client,
        auth,
        { scope: 'openid profile', login_hint: 'alice', binding_message: bindingMessage },
        http,
      ),
    )
    expect(ack.interval).toBe(5)
    const attempt = async () => {
      try {
        return await oauth.processBackchannelAuthenticationGrantResponse(
          as,
          client,
          await oauth.backchannelAuthenticationGrantRequest(
            as,
            client,
            auth,
            ack.auth_req_id,
            http,
          ),
        )
      } catch (error) {
        if (error instanceof oauth.ResponseBodyError) return error
        throw error
      }
    }
    const pending = await attempt()
    expect((pending as oauth.ResponseBodyError).error).toBe('authorization_pending')
    expect((await attempt()) as oauth.ResponseBodyError).toMatchObject({
      error: 'slow_down',
      status: 400,
    })
    await driveAuthenticationDevice(t.server, t.deps.issuer, { bindingMessage })
    t.clock.advance(10_000)
    const tokens = await attempt()
    if (tokens instanceof oauth.ResponseBodyError) throw tokens
    expect(tokens.token_type).toBe('bearer')
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({
      sub: 'user-alice',
      aud: client.client_id,
    })
  }
})
