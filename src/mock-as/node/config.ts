/**
 * The configuration of `npm run as -- --config FILE` and of `startMockAuthorizationServer`: users,
 * clients, CORS origins, lifetimes, and whether the demo users and clients load too. Everything is
 * checked before the server starts; the first problem is thrown as a {@link ConfigError} that names
 * the field (`clients[1].redirect_uris: …`), and the command line exits with code 2.
 */
import { readFileSync } from 'node:fs'
import type { ClientRecord } from '../core/clients'
import { createCorsPolicy } from '../core/cors'
import { reservedClaims } from '../core/demo-data'
import type { ConfigurableLifetimes } from '../core/deps'
import type { UserRecord } from '../core/directory'
import { clientFromMetadata } from '../core/endpoints/register'
import { OAuthError } from '../core/errors'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** A configuration file as JSON, before it is checked. */
export interface MockServerConfigFile {
  /** Load the demo users and clients as well (default: false when a configuration is given). */
  demo?: boolean
  users?: ConfigUser[]
  /** RFC 7591 client metadata, plus `client_id` and (for confidential clients) `client_secret`. */
  clients?: ConfigClient[]
  /** Origins allowed to call the API endpoints from a browser; `loopback` stands for all local ones. */
  cors?: string[]
  /** In seconds. */
  lifetimes?: {
    access_token?: number
    id_token?: number
    refresh_token?: number
    authorization_code?: number
    login_session?: number
  }
}

export interface ConfigUser {
  username: string
  password: string
  /** OpenID Connect claims (`sub`, `name`, `email`, or your own such as `groups`). */
  claims?: Record<string, unknown>
}

export type ConfigClient = Record<string, unknown> & { client_id?: string; client_secret?: string }

/** A checked configuration. */
export interface MockServerConfig {
  demo: boolean
  users: UserRecord[]
  clients: ClientRecord[]
  /** Absent: the file said nothing about CORS. */
  cors?: string[]
  lifetimes: Partial<ConfigurableLifetimes>
}

const topLevelFields = ['demo', 'users', 'clients', 'cors', 'lifetimes'] as const

const lifetimeFields = {
  access_token: 'accessToken',
  id_token: 'idToken',
  refresh_token: 'refreshToken',
  authorization_code: 'authorizationCode',
  login_session: 'loginSession',
} as const satisfies Record<string, keyof ConfigurableLifetimes>

/** Ten years: anything longer is surely a mistake (milliseconds given as seconds). */
const maxLifetimeSeconds = 10 * 365 * 24 * 60 * 60

/** The client metadata the server reads (RFC 7591 §2, OIDC Registration §2, RFC 9126 §6). */
export const knownClientFields = [
  'client_id',
  'client_secret',
  'client_name',
  'token_endpoint_auth_method',
  'grant_types',
  'response_types',
  'redirect_uris',
  'post_logout_redirect_uris',
  'scope',
  'jwks',
  'jwks_uri',
  'id_token_signed_response_alg',
  'require_pushed_authorization_requests',
  'application_type',
  'client_uri',
  'logo_uri',
  'tos_uri',
  'policy_uri',
  'contacts',
  'software_id',
  'software_version',
  // CIBA Core §4 (registration checks them: poll mode only, docs/decisions/110).
  'backchannel_token_delivery_mode',
  'backchannel_client_notification_endpoint',
  'backchannel_authentication_request_signing_alg',
  'backchannel_user_code_parameter',
]

/** RFC 6749 Appendix A.1: client_id and client_secret are printable ASCII. */
const vschar = /^[\x20-\x7e]+$/

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fail(where: string, problem: string): never {
  throw new ConfigError(`${where}: ${problem}`)
}

/** Where a JSON syntax error is, as line and column, from the position Node's message gives. */
function locate(text: string, message: string): string {
  const position = Number(/position (\d+)/.exec(message)?.[1])
  if (!Number.isFinite(position)) return ''
  const before = text.slice(0, position).split('\n')
  return ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`
}

/** Reads and checks a configuration file. */
export function loadConfigFile(path: string): MockServerConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code}).`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    const message = (error as Error).message
    throw new ConfigError(`${path}: is not valid JSON: ${message}${locate(text, message)}.`)
  }
  return checkConfig(parsed, path)
}

/** Checks a configuration object; `source` starts every error message. */
export function checkConfig(value: unknown, source = 'config'): MockServerConfig {
  if (!isObject(value)) fail(source, 'must be a JSON object.')
  for (const field of Object.keys(value)) {
    if (!(topLevelFields as readonly string[]).includes(field)) {
      fail(
        `${source}: ${field}`,
        `is not a configuration field; the fields are ${topLevelFields.join(', ')}.`,
      )
    }
  }
  const demo = value.demo ?? false
  if (typeof demo !== 'boolean') fail(`${source}: demo`, 'must be true or false.')
  const config: MockServerConfig = {
    demo,
    users: checkUsers(value.users, source),
    clients: checkClients(value.clients, source),
    lifetimes: checkLifetimes(value.lifetimes, source),
  }
  if (value.cors !== undefined) config.cors = checkCors(value.cors, `${source}: cors`)
  return config
}

/** A list of CORS entries (`--cors` or `cors`): exact origins or `loopback`. */
export function checkCors(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) fail(where, 'must be an array of origins.')
  value.forEach((entry, index) => {
    if (typeof entry !== 'string') fail(`${where}[${index}]`, 'must be a string.')
    try {
      createCorsPolicy([entry])
    } catch (error) {
      fail(`${where}[${index}]`, (error as Error).message)
    }
  })
  return value as string[]
}

function checkLifetimes(value: unknown, source: string): Partial<ConfigurableLifetimes> {
  if (value === undefined) return {}
  const where = `${source}: lifetimes`
  if (!isObject(value)) fail(where, 'must be an object of seconds.')
  const lifetimes: Partial<ConfigurableLifetimes> = {}
  for (const [field, seconds] of Object.entries(value)) {
    if (!Object.hasOwn(lifetimeFields, field)) {
      fail(
        `${where}.${field}`,
        `is not a lifetime; they are ${Object.keys(lifetimeFields).join(', ')}.`,
      )
    }
    if (
      typeof seconds !== 'number' ||
      !Number.isInteger(seconds) ||
      seconds < 1 ||
      seconds > maxLifetimeSeconds
    ) {
      fail(
        `${where}.${field}`,
        `must be a whole number of seconds from 1 to ${maxLifetimeSeconds}.`,
      )
    }
    lifetimes[lifetimeFields[field as keyof typeof lifetimeFields]] = seconds
  }
  return lifetimes
}

function checkUsers(value: unknown, source: string): UserRecord[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail(`${source}: users`, 'must be an array.')
  const users = value.map((user, index) => checkUser(user, `${source}: users[${index}]`))
  const seen = new Map<string, number>()
  const subs = new Map<string, number>()
  users.forEach((user, index) => {
    const where = `${source}: users[${index}]`
    if (seen.has(user.username)) {
      fail(`${where}.username`, `${user.username} is also users[${seen.get(user.username)}].`)
    }
    if (subs.has(user.sub))
      fail(`${where}.claims.sub`, `${user.sub} is also users[${subs.get(user.sub)}].`)
    seen.set(user.username, index)
    subs.set(user.sub, index)
  })
  return users
}

/** One user (`users[i]` of a file, or the argument of `addUser`). */
export function checkUser(value: unknown, where: string): UserRecord {
  if (!isObject(value)) fail(where, 'must be an object with username, password and claims.')
  for (const field of Object.keys(value)) {
    if (!['username', 'password', 'claims'].includes(field)) {
      fail(`${where}.${field}`, 'is not a user field; they are username, password and claims.')
    }
  }
  const { username, password } = value
  if (typeof username !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(username)) {
    fail(`${where}.username`, 'must be 1-100 printable ASCII characters without spaces.')
  }
  if (typeof password !== 'string' || password === '' || password.length > 200) {
    fail(`${where}.password`, 'must be a string of 1-200 characters.')
  }
  const claims = value.claims ?? {}
  if (!isObject(claims)) fail(`${where}.claims`, 'must be an object of OpenID Connect claims.')
  const sub = claims.sub ?? username
  // OIDC Core §2: sub is at most 255 ASCII characters.
  if (typeof sub !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(sub)) {
    fail(`${where}.claims.sub`, 'must be 1-255 printable ASCII characters without spaces.')
  }
  const { sub: _sub, ...rest } = claims
  for (const name of Object.keys(rest)) {
    if ((reservedClaims as readonly string[]).includes(name)) {
      fail(`${where}.claims.${name}`, 'is set by the server itself and cannot be configured.')
    }
  }
  return { username, password, sub, claims: structuredClone(rest) }
}

function checkClients(value: unknown, source: string): ClientRecord[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail(`${source}: clients`, 'must be an array.')
  const clients = value.map((client, index) =>
    checkClient(client, `${source}: clients[${index}]`, { requireIds: true }),
  )
  const seen = new Map<string, number>()
  clients.forEach((client, index) => {
    if (seen.has(client.client_id)) {
      fail(
        `${source}: clients[${index}].client_id`,
        `${client.client_id} is also clients[${seen.get(client.client_id)}].`,
      )
    }
    seen.set(client.client_id, index)
  })
  return clients
}

/** The fields that are not client metadata this server reads. */
export function unknownClientFields(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((field) => !knownClientFields.includes(field))
}

/**
 * One client (`clients[i]` of a file, or the argument of `addClient`): RFC 7591 metadata checked
 * as registration checks it, with its own `client_id` and `client_secret`. A file must give both
 * (who else would know them); `addClient` makes up what is missing and returns it.
 */
export function checkClient(
  value: unknown,
  where: string,
  options: { requireIds: boolean; random?: (bytes: number) => string },
): ClientRecord {
  if (!isObject(value)) fail(where, 'must be an object of client metadata (RFC 7591).')
  const random = options.random ?? randomId
  // A registration ignores unknown metadata (RFC 7591 §2); a file refuses it, since there it is
  // nearly always a typo (`redirect_uri`, `grant_type`) that would otherwise pass unnoticed.
  const [unknown] = unknownClientFields(value)
  if (unknown !== undefined) {
    fail(
      `${where}.${unknown}`,
      `is not client metadata this server reads; it reads ${knownClientFields.join(', ')}.`,
    )
  }
  const { client_id: clientId, client_secret: clientSecret, ...metadata } = value
  if (clientId === undefined && options.requireIds) fail(`${where}.client_id`, 'is required.')
  if (
    clientId !== undefined &&
    (typeof clientId !== 'string' || !vschar.test(clientId) || clientId.length > 200)
  ) {
    fail(`${where}.client_id`, 'must be 1-200 printable ASCII characters.')
  }
  if (
    clientSecret !== undefined &&
    (typeof clientSecret !== 'string' || !vschar.test(clientSecret) || clientSecret.length > 200)
  ) {
    fail(`${where}.client_secret`, 'must be 1-200 printable ASCII characters.')
  }
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const confidential = method === 'client_secret_basic' || method === 'client_secret_post'
  if (confidential && clientSecret === undefined && options.requireIds) {
    fail(`${where}.client_secret`, `is required for ${method}.`)
  }
  try {
    return clientFromMetadata(
      { nowSeconds: () => Math.floor(Date.now() / 1000), randomId: random },
      metadata,
      {
        byAdmin: true,
        configured: {
          clientId: (clientId as string | undefined) ?? `client-${random(12)}`,
          ...(clientSecret === undefined ? {} : { clientSecret: clientSecret as string }),
        },
      },
    )
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    fail(`${where}.${fieldOf(error)}`.replace(/\.$/, ''), error.description)
  }
}

/** The field a registration error is about, from its code or its first words; or ''. */
function fieldOf(error: OAuthError): string {
  if (error.error === 'invalid_redirect_uri') return 'redirect_uris'
  const [first = ''] = error.description.split(/[\s:]/, 1)
  if (knownClientFields.includes(first)) return first
  if (first === 'grant_type') return 'grant_types'
  if (first === 'response_type') return 'response_types'
  return ''
}

function randomId(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url')
}
