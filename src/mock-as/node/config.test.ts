import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { parseCliArguments, UsageError } from './cli.ts'
import { ConfigError, checkConfig, loadConfigFile } from './config.ts'

/**
 * A malformed configuration is refused with one sentence that names the field at fault; so is a
 * malformed command line. (That the command then exits with 2 and starts nothing is tested
 * against the real command in interop/cli.test.ts.)
 */
const dir = mkdtempSync(join(tmpdir(), 'grantlab-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const client = {
  client_id: 'my-spa',
  token_endpoint_auth_method: 'none',
  redirect_uris: ['http://localhost:3000/callback'],
}

test.each([
  ['not an object', [], /^config: must be a JSON object/],
  ['an unknown top-level field', { user: [] }, /^config: user: is not a configuration field/],
  ['demo not a boolean', { demo: 'yes' }, /^config: demo: must be true or false/],
  ['users not an array', { users: {} }, /^config: users: must be an array/],
  ['a user without a password', { users: [{ username: 'c' }] }, /users\[0\]\.password: /],
  [
    'a username with a space',
    { users: [{ username: 'c d', password: 'p' }] },
    /users\[0\]\.username/,
  ],
  [
    'an unknown user field',
    { users: [{ username: 'c', password: 'p', role: 'x' }] },
    /users\[0\]\.role: is not a user field/,
  ],
  [
    'a reserved claim',
    { users: [{ username: 'c', password: 'p', claims: { iss: 'x' } }] },
    /users\[0\]\.claims\.iss: is set by the server itself/,
  ],
  [
    'a duplicate username',
    {
      users: [
        { username: 'c', password: 'p' },
        { username: 'c', password: 'q', claims: { sub: 'other' } },
      ],
    },
    /users\[1\]\.username: c is also users\[0\]/,
  ],
  [
    'a client without client_id',
    { clients: [{ redirect_uris: [] }] },
    /clients\[0\]\.client_id: is required/,
  ],
  [
    'a confidential client without its secret',
    { clients: [{ client_id: 'a', grant_types: ['client_credentials'] }] },
    /clients\[0\]\.client_secret: is required for client_secret_basic/,
  ],
  [
    'a secret for a public client',
    { clients: [{ ...client, client_secret: 's' }] },
    /clients\[0\]\.client_secret: client_secret is only for client_secret_basic or client_secret_post/,
  ],
  [
    'a redirect URI with a fragment',
    { clients: [{ ...client, redirect_uris: ['http://localhost:3000/cb#x'] }] },
    /clients\[0\]\.redirect_uris: .*must not contain a fragment/,
  ],
  [
    'an http redirect URI to a public host',
    { clients: [{ ...client, redirect_uris: ['http://app.example/cb'] }] },
    /clients\[0\]\.redirect_uris: .*must use https/,
  ],
  [
    'an unknown grant type',
    { clients: [{ ...client, grant_types: ['magic'] }] },
    /clients\[0\]\.grant_types: grant_type magic is not supported/,
  ],
  [
    'an unknown scope',
    { clients: [{ ...client, scope: 'openid admin' }] },
    /clients\[0\]\.scope: scope admin is not known/,
  ],
  [
    'a duplicate client_id',
    { clients: [client, client] },
    /clients\[1\]\.client_id: my-spa is also clients\[0\]/,
  ],
  [
    'a typo in client metadata',
    { clients: [{ ...client, redirect_uri: 'http://localhost:3000/callback' }] },
    /clients\[0\]\.redirect_uri: is not client metadata this server reads/,
  ],
  ['cors not an array', { cors: 'http://localhost:3000' }, /^config: cors: must be an array/],
  [
    'a CORS entry with a path',
    { cors: ['http://localhost:3000/app'] },
    /cors\[0\]: "http:\/\/localhost:3000\/app" is not an origin/,
  ],
  ['the wildcard', { cors: ['*'] }, /cors\[0\]: "\*" is not an origin/],
  [
    'an unknown lifetime',
    { lifetimes: { access: 60 } },
    /lifetimes\.access: is not a lifetime; they are access_token/,
  ],
  [
    'a lifetime in milliseconds by mistake',
    { lifetimes: { access_token: 3_600_000_000 } },
    /lifetimes\.access_token: must be a whole number of seconds from 1 to/,
  ],
  ['a negative lifetime', { lifetimes: { refresh_token: -1 } }, /lifetimes\.refresh_token/],
])('%s is refused, naming the field', (_, config, message) => {
  expect(() => checkConfig(config)).toThrow(ConfigError)
  expect(() => checkConfig(config)).toThrow(message)
})

test('a well-formed configuration is taken as written', () => {
  const config = checkConfig({
    demo: true,
    cors: ['loopback', 'https://app.example'],
    lifetimes: { access_token: 60, login_session: 600 },
    users: [{ username: 'carol', password: 'p', claims: { sub: 'u-1', groups: ['a'] } }],
    clients: [client],
  })
  expect(config.demo).toBe(true)
  expect(config.cors).toEqual(['loopback', 'https://app.example'])
  expect(config.lifetimes).toEqual({ accessToken: 60, loginSession: 600 })
  expect(config.users).toEqual([
    { username: 'carol', password: 'p', sub: 'u-1', claims: { groups: ['a'] } },
  ])
  expect(config.clients[0]).toMatchObject({
    client_id: 'my-spa',
    token_endpoint_auth_method: 'none',
    source: 'configured',
  })
  // Nothing said about the demo or CORS: no demo, and CORS left to the caller.
  expect(checkConfig({})).toEqual({ demo: false, users: [], clients: [], lifetimes: {} })
})

test('a file that is not JSON is refused with the line and column of the mistake', () => {
  const file = join(dir, 'broken.json')
  writeFileSync(file, '{\n  "users": [\n    { "username": "c", }\n  ]\n}\n')
  expect(() => loadConfigFile(file)).toThrow(/broken\.json: is not valid JSON: .*\(line 3, column/)
  expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(
    /missing\.json: cannot be read \(ENOENT\)/,
  )
})

test.each([
  [['--port', 'abc'], {}, /--port: "abc" is not a port/],
  [['--port', '70000'], {}, /--port: "70000" is not a port/],
  [[], { PORT: 'x' }, /PORT: "x" is not a port/],
  [['--nope'], {}, /Unknown option '--nope'/],
  [['--config'], {}, /--config/],
  [['--data', ''], {}, /--data needs a value/],
  [['extra'], {}, /positional/i],
])('command line %j refused: %s', (args, env, message) => {
  expect(() => parseCliArguments(args, env)).toThrow(UsageError)
  expect(() => parseCliArguments(args, env)).toThrow(message)
})

test('the command line defaults: port 9400 (or PORT), host 127.0.0.1; --cors splits on commas', () => {
  expect(parseCliArguments([], {})).toEqual({ help: false, port: 9400, host: '127.0.0.1' })
  expect(parseCliArguments([], { PORT: '9501' }).port).toBe(9501)
  expect(parseCliArguments(['--port', '9502'], { PORT: '9501' }).port).toBe(9502)
  expect(parseCliArguments(['--cors', 'loopback, https://app.example'], {}).cors).toEqual([
    'loopback',
    'https://app.example',
  ])
})
