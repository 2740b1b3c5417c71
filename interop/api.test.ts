/**
 * The programmatic API a team's tests use: `startMockAuthorizationServer` with `addClient`,
 * `addUser`, `injectError` and `stop`, and the mistakes it refuses before anything listens.
 * Port 9510 (and 0, a free port).
 */
import { once } from 'node:events'
import { connect } from 'node:net'
import { afterEach, expect, test, vi } from 'vitest'
import {
  ConfigError,
  injectableEndpoints,
  keepAliveTimeoutMs,
  type RunningMockAuthorizationServer,
  startMockAuthorizationServer,
} from '../src/mock-as/node.ts'
import { basic, callbackAfterSignIn, isListening, postForm } from './support.ts'

// Each test starts a server (key generation included); a loaded machine needs more than 5 s.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

let server: RunningMockAuthorizationServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

test('a free port by default; stop() frees the port and can be called twice', async () => {
  server = await startMockAuthorizationServer()
  expect(server.issuer).toBe(`http://127.0.0.1:${server.port}/as`)
  expect(server.port).toBeGreaterThan(0)
  const health = await fetch(`${server.issuer}/health`)
  expect(await health.json()).toEqual({ status: 'ok', issuer: server.issuer, store: 'memory' })
  const port = server.port
  await Promise.all([server.stop(), server.stop()])
  expect(await isListening(port)).toBe(false)
})

test('addClient and addUser: the new client signs the new user in; the client_secret made up is returned', async () => {
  server = await startMockAuthorizationServer({ port: 9510, config: { demo: false } })
  const user = server.addUser({
    username: 'dave',
    password: 'dave-password',
    claims: { email: 'dave@example.test', roles: ['admin'] },
  })
  expect(user).toEqual({ username: 'dave', sub: 'dave' })
  const service = server.addClient({ grant_types: ['client_credentials'], scope: 'orders:read' })
  expect(service).toMatchObject({
    client_id: expect.stringMatching(/^client-/),
    client_secret: expect.any(String),
    token_endpoint_auth_method: 'client_secret_basic',
  })
  const token = await postForm(
    `${server.issuer}/token`,
    { grant_type: 'client_credentials' },
    { authorization: basic(String(service.client_id), String(service.client_secret)) },
  )
  expect(token.status).toBe(200)

  server.addClient({
    client_id: 'team-spa',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://localhost:3000/cb'],
    scope: 'openid email',
  })
  const url = new URL(`${server.issuer}/authorize`)
  url.search = new URLSearchParams({
    client_id: 'team-spa',
    redirect_uri: 'http://localhost:3000/cb',
    response_type: 'code',
    scope: 'openid email',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString()
  const callback = await callbackAfterSignIn(url.href, {
    username: 'dave',
    password: 'dave-password',
  })
  const tokens = await (
    await postForm(`${server.issuer}/token`, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: 'http://localhost:3000/cb',
      code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      client_id: 'team-spa',
    })
  ).json()
  const userinfo = await fetch(`${server.issuer}/userinfo`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  })
  expect(await userinfo.json()).toEqual({
    sub: 'dave',
    email: 'dave@example.test',
    roles: ['admin'],
  })
})

test('addClient and addUser refuse what a configuration file would, and duplicates', async () => {
  server = await startMockAuthorizationServer({ port: 9510 })
  expect(() => server?.addUser({ username: 'alice', password: 'x' })).toThrow(/exists already/)
  expect(() => server?.addUser({ username: 'x', password: '' })).toThrow(/addUser\.password/)
  expect(() =>
    server?.addClient({
      client_id: 'grantlab-spa',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://localhost:3000/cb'],
    }),
  ).toThrow(/A client grantlab-spa exists already/)
  expect(() =>
    server?.addClient({
      redirect_uris: ['javascript:alert(1)'],
      token_endpoint_auth_method: 'none',
    }),
  ).toThrow(/addClient\.redirect_uris/)
})

test('injectError: the next N answers of the endpoint are the RFC error, then it answers normally', async () => {
  server = await startMockAuthorizationServer({ port: 9510 })
  server.injectError({ endpoint: 'token', error: 'temporarily_unavailable', count: 2 })
  const ask = () =>
    postForm(
      `${server?.issuer}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
    )
  const statuses = [(await ask()).status, (await ask()).status, (await ask()).status]
  expect(statuses).toEqual([503, 503, 200])

  server.injectError({ endpoint: 'device_authorization', error: 'slow_down' })
  const device = await postForm(`${server.issuer}/device_authorization`, {
    client_id: 'grantlab-device',
    scope: 'openid',
  })
  expect(device.status).toBe(400)
  expect((await device.json()).error).toBe('slow_down')
})

test('injectError refuses a bad endpoint name, an error the endpoint cannot send, a bad count', async () => {
  server = await startMockAuthorizationServer({ port: 9510 })
  expect(injectableEndpoints).toEqual(
    expect.arrayContaining(['token', 'authorize', 'userinfo', 'revoke', 'introspect', 'register']),
  )
  expect(injectableEndpoints).not.toContain('authorize/login')
  expect(() => server?.injectError({ endpoint: '/as/token', error: 'invalid_grant' })).toThrow(
    /"\/as\/token" is not an endpoint; use one of .*token/,
  )
  expect(() => server?.injectError({ endpoint: 'authorize/login', error: 'server_error' })).toThrow(
    /is not an endpoint/,
  )
  expect(() => server?.injectError({ endpoint: 'token', error: 'teapot' })).toThrow(
    /"teapot" is not an error token can answer with/,
  )
  // The authorization endpoint redirects its errors: only RFC 6749 §4.1.2.1 / OIDC codes.
  expect(() => server?.injectError({ endpoint: 'authorize', error: 'invalid_grant' })).toThrow(
    /not an error authorize can answer with/,
  )
  expect(() =>
    server?.injectError({ endpoint: 'token', error: 'invalid_grant', count: 0 }),
  ).toThrow(/count/)
  // Nothing was queued by the refused calls.
  const token = await postForm(
    `${server.issuer}/token`,
    { grant_type: 'client_credentials' },
    { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
  )
  expect(token.status).toBe(200)
})

test.each([
  [{ issuer: 'ftp://x/as' }, /issuer: ftp:\/\/x\/as must be an http or https URL/],
  [{ issuer: 'http://localhost:9510/as#x' }, /no query or fragment/],
  [{ issuer: 'http://user:pw@localhost:9510/as' }, /user name or password/],
  [{ port: 70000 }, /port: 70000 is not a port/],
  [{ cors: ['*'] }, /cors\[0\]/],
  [{ config: { clients: [{}] } }, /clients\[0\]\.client_id: is required/],
])('start refuses %j with a ConfigError, before listening', async (options, message) => {
  await expect(startMockAuthorizationServer({ port: 9510, ...options })).rejects.toThrow(
    ConfigError,
  )
  await expect(startMockAuthorizationServer({ port: 9510, ...options })).rejects.toThrow(message)
  expect(await isListening(9510)).toBe(false)
})

test('a port in use: a plain error naming the port, and the store is closed again', async () => {
  server = await startMockAuthorizationServer({ port: 9510 })
  await expect(startMockAuthorizationServer({ port: 9510 })).rejects.toThrow(
    /port 9510 on 127\.0\.0\.1 is in use/,
  )
})

test('host 0.0.0.0 (a container): the default issuer names 127.0.0.1, which is where a mapped port arrives', async () => {
  server = await startMockAuthorizationServer({ host: '0.0.0.0', port: 9510 })
  expect(server.issuer).toBe('http://127.0.0.1:9510/as')
  const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()
  expect(metadata.issuer).toBe('http://127.0.0.1:9510/as')
})

test('an idle connection stays open past Node’s 5 s default, and stop() still closes it at once', async () => {
  server = await startMockAuthorizationServer()
  const socket = connect(server.port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1')
  })
  const health = `GET /as/health HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`
  const answered = async (count: number) => {
    while (received.split('HTTP/1.1 200 OK').length - 1 < count) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  socket.write(health)
  await answered(1)
  expect(received).toContain(`Keep-Alive: timeout=${keepAliveTimeoutMs / 1000}`)
  // Longer than Node's default keepAliveTimeout (5 s), which would have closed the socket.
  await new Promise((resolve) => setTimeout(resolve, 6000))
  expect(socket.destroyed).toBe(false)
  socket.write(health)
  await answered(2)
  const closed = once(socket, 'close')
  await server.stop()
  server = undefined
  await closed
})
