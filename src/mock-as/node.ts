/**
 * Node adapter of the mock authorization server: the same core as the service worker, behind
 * node:http. `startMockAuthorizationServer` is the programmatic API for a team's tests (Vitest
 * `globalSetup`, Playwright, scripts); the command line (`npm run as`, `npx grantlab-as`,
 * `node/cli.ts`) is built on it. State is in memory, or on disk with `dataDir`
 * (docs/decisions/115); CORS, configured users and clients, lifetimes and injected errors reach the
 * core through its deps (docs/decisions/116, 117).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLabServers } from './attacker/lab-servers'
import { createAuthorizationServer, purgeIntervalSeconds } from './core/authorization-server'
import { createCorsPolicy, loopbackCorsEntry } from './core/cors'
import { demoClientIds, demoUsers } from './core/demo-data'
import type { Store } from './core/deps'
import { createDirectory, type MutableDirectory } from './core/directory'
import { describeClient } from './core/endpoints/register'
import type { OAuthErrorCode } from './core/errors'
import { authorizationErrorCodes, createFaults, injectableErrorCodes } from './core/faults'
import { createCryptoRandom, createSystemClock } from './core/host'
import { createStoredKeys } from './core/keys'
import { createMemoryStore } from './core/memory-store'
import { isInjectable, routeName, routeTable } from './core/routes'
import {
  type ConfigClient,
  ConfigError,
  type ConfigUser,
  checkClient,
  checkConfig,
  checkCors,
  checkUser,
  loadConfigFile,
  type MockServerConfig,
  type MockServerConfigFile,
} from './node/config'
import { openDiskStore } from './node/disk-store'
import { createNodeSigner } from './node/signer'
import { createNodeDeliver, createNodeListener } from './node-adapter'
import { createNodeDocumentFetcher } from './node-document-fetcher'

export type { ConfigClient, ConfigUser, MockServerConfigFile } from './node/config'
export { ConfigError } from './node/config'
export { DataDirError } from './node/disk-store'

/** The command line's port when neither `--port` nor `PORT` says otherwise. */
export const defaultCliPort = 9400
export const defaultHost = '127.0.0.1'
/** How long an idle keep-alive connection stays open (Node's default is 5 s). */
export const keepAliveTimeoutMs = 60_000

export interface MockAuthorizationServerOptions {
  /** The port to listen on. Default 0: a free port (read `issuer` or `port` afterwards). */
  port?: number
  /** The address to listen on. Default 127.0.0.1; `0.0.0.0` to be reachable from outside a container. */
  host?: string
  /**
   * The issuer identifier, used byte for byte in the metadata, `iss` parameters and tokens.
   * Default `http://<host>:<port>/as` (127.0.0.1 when listening on every address).
   */
  issuer?: string
  /** A configuration: the path of a JSON file, or the object itself (README). */
  config?: string | MockServerConfigFile
  /** Keep clients, keys, sessions and tokens in an on-disk store in this directory. */
  dataDir?: string
  /** Origins allowed to call the API from a browser; replaces the configuration's `cors`. */
  cors?: string[]
  /** The origin of the Grantlab app, for the demo clients' redirect URIs (APP_ORIGIN). */
  appOrigin?: string
}

export interface InjectedErrorOptions {
  /** `token`, `authorize`, `userinfo`, `revoke`, `introspect`, `register`, `par`, … */
  endpoint: string
  /** An RFC error code: `temporarily_unavailable`, `invalid_grant`, `slow_down`, … */
  error: string
  /** How many of the endpoint's next answers it replaces. Default 1. */
  count?: number
  /** The `error_description` to send; a default one names the injection. */
  description?: string
}

export interface RunningMockAuthorizationServer {
  issuer: string
  /** Scheme, host and port the server listens on, e.g. `http://127.0.0.1:9400`. */
  origin: string
  port: number
  /** Where the state is kept. */
  store: 'memory' | 'disk'
  /** The configuration in force (demo users and clients not listed). */
  config: MockServerConfig
  /** The CORS entries in force. */
  cors: string[]
  /** Stops listening, closes every connection and the data store. */
  stop(): Promise<void>
  /** Adds a client (RFC 7591 metadata, `client_id` and `client_secret` made up when left out). */
  addClient(client: ConfigClient): Record<string, unknown>
  /** Adds a user who can sign in. */
  addUser(user: ConfigUser): { username: string; sub: string }
  /** Makes the next `count` answers of `endpoint` the RFC error `error`. */
  injectError(options: InjectedErrorOptions): void
}

/** The configuration without a file: the demo users and clients, CORS for loopback origins. */
function demoConfiguration(): MockServerConfig {
  return { demo: true, users: [], clients: [], lifetimes: {}, cors: [loopbackCorsEntry] }
}

function resolveConfig(config: MockAuthorizationServerOptions['config']): MockServerConfig {
  if (config === undefined) return demoConfiguration()
  return typeof config === 'string' ? loadConfigFile(config) : checkConfig(config, 'config')
}

/** The demo's names are taken when the demo loads too. */
function checkAgainstDemo(config: MockServerConfig): void {
  if (!config.demo) return
  config.users.forEach((user, index) => {
    const taken = demoUsers.find((demo) => demo.username === user.username || demo.sub === user.sub)
    if (taken) {
      throw new ConfigError(
        `users[${index}]: ${taken.username} (${taken.sub}) is a demo user; rename it, or set demo to false.`,
      )
    }
  })
  config.clients.forEach((client, index) => {
    if ((demoClientIds as readonly string[]).includes(client.client_id)) {
      throw new ConfigError(
        `clients[${index}].client_id: ${client.client_id} is a demo client; rename it, or set demo to false.`,
      )
    }
  })
}

/**
 * RFC 8414 §2: an https (here also http, for a local mock) URL without query or fragment. It must
 * not end in `/`: the endpoints are the issuer with `/token`, `/jwks`… appended.
 */
export function checkIssuer(issuer: string, where = 'issuer'): void {
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    throw new ConfigError(`${where}: ${issuer} is not an absolute URL.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${where}: ${issuer} must be an http or https URL.`)
  }
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    throw new ConfigError(
      `${where}: ${issuer} must have no query or fragment (RFC 8414 section 2).`,
    )
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(`${where}: ${issuer} must not carry a user name or password.`)
  }
  if (issuer.endsWith('/')) {
    throw new ConfigError(
      `${where}: ${issuer} must not end with a slash (the endpoints are appended to it: ${issuer.replace(/\/+$/, '')}/token).`,
    )
  }
}

function checkPort(port: unknown, where: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${where}: ${String(port)} is not a port (a whole number 0-65535).`)
  }
  return port
}

/** The host as it is written in a URL; every-address hosts are reached through 127.0.0.1. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/** The names `injectError` accepts: every endpoint a client program calls, and `authorize`. */
export const injectableEndpoints = routeTable.filter(isInjectable).map(routeName)

function checkInjection(options: InjectedErrorOptions): {
  endpoint: string
  error: OAuthErrorCode
  count: number
  description?: string
} {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('injectError takes { endpoint, error, count }.')
  }
  const { endpoint, error, count = 1, description } = options
  if (!injectableEndpoints.includes(endpoint)) {
    throw new TypeError(
      `injectError: ${JSON.stringify(endpoint)} is not an endpoint; use one of ${injectableEndpoints.join(', ')}.`,
    )
  }
  const allowed = endpoint === 'authorize' ? authorizationErrorCodes : injectableErrorCodes
  if (!(allowed as readonly string[]).includes(error)) {
    throw new TypeError(
      `injectError: ${JSON.stringify(error)} is not an error ${endpoint} can answer with; use one of ${allowed.join(', ')}.`,
    )
  }
  if (!Number.isInteger(count) || count < 1 || count > 10_000) {
    throw new TypeError('injectError: count must be a whole number from 1 to 10000.')
  }
  if (description !== undefined && (typeof description !== 'string' || description.length > 500)) {
    throw new TypeError('injectError: description must be a string of at most 500 characters.')
  }
  return {
    endpoint,
    error: error as OAuthErrorCode,
    count,
    ...(description === undefined ? {} : { description }),
  }
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string) {
  return new Promise<AddressInfo>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is in use (another server is running there?)`
          : error.message
      reject(new Error(`The mock authorization server cannot listen: ${reason}.`))
    }
    const onListening = () => {
      server.off('error', onError)
      resolve(server.address() as AddressInfo)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

/**
 * Starts the mock authorization server. Everything is checked first — configuration, issuer,
 * port, data directory — and any problem rejects with a {@link ConfigError} or `DataDirError`
 * before anything listens. Resolves once the server answers, signing keys made or loaded.
 */
export async function startMockAuthorizationServer(
  options: MockAuthorizationServerOptions = {},
): Promise<RunningMockAuthorizationServer> {
  const config = resolveConfig(options.config)
  checkAgainstDemo(config)
  const cors = options.cors === undefined ? (config.cors ?? []) : checkCors(options.cors, 'cors')
  const port = checkPort(options.port ?? 0, 'port')
  const host = options.host ?? defaultHost
  if (typeof host !== 'string' || host === '') throw new ConfigError('host: must not be empty.')
  if (options.issuer !== undefined) checkIssuer(options.issuer)
  const appOrigin = options.appOrigin ?? 'http://localhost:5173'

  let store: Store & { close?: () => Promise<void> }
  if (options.dataDir === undefined) store = createMemoryStore()
  else store = openDiskStore(options.dataDir)

  let ready: ((request: IncomingMessage, response: ServerResponse) => void) | undefined
  const server = createServer((request, response) => {
    if (ready) ready(request, response)
    else {
      response.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' })
      response.end(
        JSON.stringify({ error: 'temporarily_unavailable', error_description: 'Starting.' }),
      )
    }
  })
  // Idle connections stay open a minute, not Node's 5 s: a test suite's requests come in bursts,
  // and a client whose connection the server closed meanwhile reconnects (or, racing the close,
  // gets ECONNRESET); each new socket also costs the server more CPU per request for the next
  // few thousand (docs/decisions/145). headersTimeout stays above it, as Node advises.
  server.keepAliveTimeout = keepAliveTimeoutMs
  server.headersTimeout = keepAliveTimeoutMs + 5000
  let address: AddressInfo
  try {
    address = await listen(server, port, host)
  } catch (error) {
    await store.close?.()
    throw error
  }

  const origin = `http://${urlHost(host)}:${address.port}`
  const issuer = options.issuer ?? `${origin}/as`
  const issuerUrl = new URL(issuer)
  const directory: MutableDirectory = createDirectory({
    demo: config.demo,
    appOrigin,
    apiAudience: `${issuerUrl.origin}/api`,
    users: config.users,
    clients: config.clients,
  })
  const faults = createFaults()
  // On disk the keys are kept as JWKs: a CryptoKey cannot be written to a file.
  const keys = createStoredKeys(store, {
    format: options.dataDir === undefined ? 'crypto-key' : 'jwk',
  })
  const clock = createSystemClock()
  const random = createCryptoRandom()
  const honest = createAuthorizationServer({
    issuer,
    appOrigin,
    store,
    clock,
    random,
    keys,
    // JWTs signed with node:crypto rather than WebCrypto: the same signatures for half the CPU.
    signer: createNodeSigner(),
    directory,
    lifetimes: config.lifetimes,
    cors: createCorsPolicy(cors),
    faults,
    // Back-channel logout tokens go out with fetch (OpenID Connect Back-Channel Logout 1.0 §2.5).
    deliver: createNodeDeliver(),
    // Client ID Metadata Documents: any https host whose addresses are public, plus this server's
    // own origin, where the demo agent's document lives (docs/decisions/122, 124).
    clientMetadataDocuments: {
      trustedOrigins: [issuerUrl.origin],
      fetch: createNodeDocumentFetcher({ trustedOrigins: [issuerUrl.origin] }),
    },
  })
  // With the demo loaded, the attack lab's malicious server (/evil-as) and the attacker's server
  // (/attacker/) answer beside the honest one, each with its own memory store (decision 127).
  const core = config.demo
    ? createLabServers({
        honest,
        honestDeps: { issuer, appOrigin },
        clock,
        random,
        evilStore: createMemoryStore(),
        attackerStore: createMemoryStore(),
      })
    : honest
  const storeKind = options.dataDir === undefined ? 'memory' : 'disk'
  const healthPath = `${issuerUrl.pathname.replace(/\/$/, '')}/health`
  const listener = createNodeListener(core, issuerUrl.origin)
  try {
    // Keys first: made (or read back) before the first request, so health means ready.
    await core.purgeExpired()
    await keys.signingKeys()
  } catch (error) {
    server.close()
    await store.close?.()
    throw error
  }
  ready = (request, response) => {
    const path = (request.url ?? '/').split('?')[0]
    if (request.method === 'GET' && path === healthPath) {
      response.writeHead(200, {
        'Content-Type': 'application/json;charset=UTF-8',
        'Cache-Control': 'no-store',
      })
      response.end(JSON.stringify({ status: 'ok', issuer, store: storeKind }))
      return
    }
    listener(request, response)
  }

  // Expired codes, tokens, sessions… go once a minute, requests or not (decision 072).
  const purge = setInterval(() => {
    core.purgeExpired().catch((error: unknown) => console.error('purge failed', error))
  }, purgeIntervalSeconds * 1000)
  purge.unref()

  let stopping: Promise<void> | undefined
  return {
    issuer,
    origin,
    port: address.port,
    store: storeKind,
    config,
    cors,
    stop() {
      stopping ??= (async () => {
        clearInterval(purge)
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await closed
        await store.close?.()
      })()
      return stopping
    },
    addClient(client) {
      const record = checkClient(client, 'addClient', { requireIds: false })
      directory.addClient(record)
      return describeClient(record)
    },
    addUser(user) {
      const record = checkUser(user, 'addUser')
      directory.addUser(record)
      return { username: record.username, sub: record.sub }
    },
    injectError(injection) {
      const { endpoint, error, count, description } = checkInjection(injection)
      faults.inject(
        endpoint,
        { error, ...(description === undefined ? {} : { description }) },
        count,
      )
    },
  }
}
