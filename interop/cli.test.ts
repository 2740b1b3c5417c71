/**
 * The command line as a team runs it: `node bin/grantlab-as.mjs` (what `npm run as` runs) and
 * `npx grantlab-as` from the checkout. Good options start a server that answers as configured; a
 * bad option, configuration or data directory ends with a message naming the fault, exit code 2,
 * and nothing listening. Ports 9501-9504.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as oauth from 'oauth4webapi'
import { afterAll, afterEach, expect, test, vi } from 'vitest'
import { dataFileName } from '../src/mock-as/node/disk-store.ts'
import {
  basic,
  isListening,
  postForm,
  type RunningCli,
  runCli,
  stopCli,
  waitForHealth,
} from './support.ts'

// These tests start real processes; on a loaded machine one start can take several seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const dir = mkdtempSync(join(tmpdir(), 'grantlab-cli-'))
const running: RunningCli[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => stopCli(cli)))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function start(args: string[], options: Parameters<typeof runCli>[1] = {}): RunningCli {
  const cli = runCli(args, options)
  running.push(cli)
  return cli
}

function writeConfig(name: string, config: unknown): string {
  const file = join(dir, name)
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2))
  return file
}

test('--help prints every option and exits 0', async () => {
  const cli = start(['--help'])
  expect((await cli.exited).code).toBe(0)
  for (const option of ['--port', '--host', '--issuer', '--config', '--data', '--cors', '--help']) {
    expect(cli.output()).toContain(option)
  }
})

test('npx grantlab-as from the checkout starts the demo server on the given port, and SIGTERM stops it', async () => {
  const cli = start(['--port', '9501'], { command: ['npx', '--no-install', 'grantlab-as'] })
  await waitForHealth('http://127.0.0.1:9501/as/health', cli, 60_000)
  const health = await (await fetch('http://127.0.0.1:9501/as/health')).json()
  expect(health).toEqual({ status: 'ok', issuer: 'http://127.0.0.1:9501/as', store: 'memory' })
  expect(cli.output()).toContain('issuer     http://127.0.0.1:9501/as')
  expect(cli.output()).toContain('CORS       loopback')
  const exit = await stopCli(cli)
  expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true)
  expect(await isListening(9501)).toBe(false)
}, 90_000)

test('PORT sets the port; a localhost issuer is used byte for byte and passes oauth4webapi’s checks', async () => {
  const issuerId = 'http://localhost:9502/as'
  const cli = start(['--issuer', issuerId], { env: { PORT: '9502' } })
  await waitForHealth('http://127.0.0.1:9502/as/health', cli)
  const issuer = new URL(issuerId)
  const discovered = await oauth.discoveryRequest(issuer, {
    algorithm: 'oidc',
    [oauth.allowInsecureRequests]: true,
  })
  const as = await oauth.processDiscoveryResponse(issuer, discovered)
  expect(as.issuer).toBe(issuerId)
  expect(as.token_endpoint).toBe(`${issuerId}/token`)
  const m2m = { client_id: 'grantlab-m2m' }
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    m2m,
    oauth.ClientSecretPost('grantlab-m2m-secret'),
    new URLSearchParams({ scope: 'orders:read' }),
    { [oauth.allowInsecureRequests]: true },
  )
  const tokens = await oauth.processClientCredentialsResponse(as, m2m, response)
  const claims = JSON.parse(
    Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString(),
  )
  expect(claims.iss).toBe(issuerId)
})

test('--config: the file’s users and clients work, the demo’s do not, and CORS is only what it lists', async () => {
  const config = writeConfig('team.json', {
    cors: ['http://localhost:3000'],
    lifetimes: { access_token: 120 },
    users: [{ username: 'carol', password: 'carol-pass', claims: { name: 'Carol' } }],
    clients: [
      {
        client_id: 'team-service',
        client_secret: 'team-service-secret',
        grant_types: ['client_credentials'],
        scope: 'orders:read',
      },
    ],
  })
  const cli = start(['--port', '9503', '--config', config])
  await waitForHealth('http://127.0.0.1:9503/as/health', cli)
  expect(cli.output()).toContain('client     team-service (client_secret_basic)')
  expect(cli.output()).toContain('user       carol (sub carol)')
  const token = await postForm(
    'http://127.0.0.1:9503/as/token',
    { grant_type: 'client_credentials' },
    { authorization: basic('team-service', 'team-service-secret') },
  )
  expect(token.status).toBe(200)
  expect((await token.json()).expires_in).toBe(120)
  const demo = await postForm(
    'http://127.0.0.1:9503/as/token',
    { grant_type: 'client_credentials' },
    { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
  )
  expect(demo.status).toBe(401)

  const discovery = 'http://127.0.0.1:9503/as/.well-known/openid-configuration'
  const listed = await fetch(discovery, { headers: { origin: 'http://localhost:3000' } })
  expect(listed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000')
  // A loopback origin that the file does not list: no CORS at all with a configuration file.
  const loopback = await fetch(discovery, { headers: { origin: 'http://localhost:3001' } })
  expect(loopback.headers.get('access-control-allow-origin')).toBeNull()
  const preflight = await fetch('http://127.0.0.1:9503/as/token', {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:3001', 'access-control-request-method': 'POST' },
  })
  expect(preflight.status).toBe(403)
  expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
})

test('--cors replaces the default: only the listed origin, not other loopback ports', async () => {
  const cli = start(['--port', '9504', '--cors', 'http://127.0.0.1:4000'])
  await waitForHealth('http://127.0.0.1:9504/as/health', cli)
  const jwks = 'http://127.0.0.1:9504/as/jwks'
  const allowed = await fetch(jwks, { headers: { origin: 'http://127.0.0.1:4000' } })
  expect(allowed.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:4000')
  const other = await fetch(jwks, { headers: { origin: 'http://127.0.0.1:4001' } })
  expect(other.headers.get('access-control-allow-origin')).toBeNull()
})

/** A few of each kind; every message itself is tested cheaply in src/mock-as/node/*.test.ts. */
const badStarts: [string, string[], RegExp][] = [
  [
    'a config file that is not JSON (a trailing comma)',
    ['--config', 'broken.json'],
    /broken\.json: is not valid JSON: .*\(line 3, column 1\)/,
  ],
  [
    'a client with a fragment in its redirect URI',
    ['--config', 'fragment.json'],
    /clients\[0\]\.redirect_uris: .*must not contain a fragment/,
  ],
  [
    'a config user that is a demo user',
    ['--config', 'clash.json'],
    /users\[0\]: alice \(user-alice\) is a demo user/,
  ],
  ['a bad --port', ['--port', 'http'], /--port: "http" is not a port/],
  [
    'an issuer ending in a slash',
    ['--issuer', 'http://localhost:9501/as/'],
    /must not end with a slash/,
  ],
  ['an unknown option', ['--verbose'], /Unknown option '--verbose'/],
]

test.each(badStarts)(
  '%s: a clear message, exit code 2, nothing listening',
  async (_, args, message) => {
    writeConfig('broken.json', '{\n  "users": [],\n}\n')
    writeConfig('fragment.json', {
      clients: [
        {
          client_id: 'a',
          token_endpoint_auth_method: 'none',
          redirect_uris: ['http://localhost/cb#x'],
        },
      ],
    })
    writeConfig('clash.json', { demo: true, users: [{ username: 'alice', password: 'x' }] })
    const withPort = args.includes('--port') ? args : ['--port', '9501', ...args]
    const cli = start(withPort, { cwd: dir })
    const exit = await cli.exited
    expect(cli.output()).toMatch(message)
    expect(exit.code).toBe(2)
    expect(await isListening(9501)).toBe(false)
  },
)

test('a damaged data directory: exit code 2 with the same clear message on every start, the file left untouched', async () => {
  const data = join(dir, 'damaged')
  const first = start(['--port', '9501', '--data', data])
  await waitForHealth('http://127.0.0.1:9501/as/health', first)
  await stopCli(first)
  // Damage the file the way a bad disk or a stray write would: garbage over its first pages.
  const file = join(data, dataFileName)
  const bytes = readFileSync(file)
  bytes.fill(0x5a, 0, 8192)
  writeFileSync(file, bytes)
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const cli = start(['--port', '9501', '--data', data])
    const exit = await cli.exited
    expect(exit.code).toBe(2)
    expect(cli.output()).toMatch(/is damaged or is not a Grantlab data store/)
    expect(cli.output()).toContain('Nothing was started.')
    expect(await isListening(9501)).toBe(false)
  }
  expect(readFileSync(file).equals(bytes)).toBe(true)
}, 60_000)
