import type { AuthorizationServerDeps, ConfigurableLifetimes } from './deps'
import { createDirectory, type Directory } from './directory'
import { base64url } from './http'

/** Token and code lifetimes, in seconds. */
export const lifetimes = {
  accessToken: 300,
  idToken: 300,
  authorizationCode: 60,
  refreshToken: 24 * 60 * 60,
  /** A pending authorization request waiting for login or consent. */
  pendingRequest: 10 * 60,
  /** A logout request waiting on its confirmation page. */
  pendingLogout: 10 * 60,
  /**
   * A logout token: short, since it is sent at once and the client checks it at once
   * (Back-Channel Logout 1.0 §2.4 suggests two minutes or less).
   */
  logoutToken: 2 * 60,
  loginSession: 8 * 60 * 60,
  /** How long a private_key_jwt `jti` is remembered at least. */
  assertionReplayWindow: 10 * 60,
  /**
   * How long an expired device code or pushed request is kept before it is purged, so that a
   * late poll still hears `expired_token` (RFC 8628 §3.5) and a late request_uri "expired",
   * rather than "unknown".
   */
  expiredGrace: 10 * 60,
} as const

/** The lifetimes in force, in seconds: the defaults, with the configurable ones as configured. */
export type Lifetimes = {
  readonly [name in keyof typeof lifetimes]: number
} & ConfigurableLifetimes

export interface EndpointUrls {
  authorization: string
  token: string
  jwks: string
  userinfo: string
  revocation: string
  introspection: string
  registration: string
  pushedAuthorization: string
  /** RP-Initiated Logout 1.0 §2: the end-session endpoint. */
  endSession: string
}

/** Everything a handler needs: the injected deps plus values derived once from the issuer. */
export interface ServerContext {
  deps: AuthorizationServerDeps
  /** The configured users and clients (the demo ones unless the host set others). */
  directory: Directory
  /** The lifetimes in force: the defaults above, with what the host configured. */
  lifetimes: Lifetimes
  issuer: string
  origin: string
  /** The issuer's path, e.g. `/as`; every endpoint of the server lives below it. */
  issuerPath: string
  endpoints: EndpointUrls
  /** The `aud` of every access token: the demo resource server under `/api`. */
  resourceAudience: string
  nowSeconds(): number
  randomId(bytes?: number): string
  /**
   * Runs `task` while no other task holding the same key runs on this instance. Used where a
   * record is read, checked and updated (redeeming a code, rotating a refresh token), so two
   * concurrent requests cannot both succeed.
   */
  withLock<T>(key: string, task: () => Promise<T>): Promise<T>
}

export function createContext(deps: AuthorizationServerDeps): ServerContext {
  const issuerUrl = new URL(deps.issuer)
  const issuerPath = issuerUrl.pathname.replace(/\/$/, '')
  const at = (path: string) => `${deps.issuer}${path}`
  const locks = new Map<string, Promise<unknown>>()
  const resourceAudience = `${issuerUrl.origin}/api`
  return {
    deps,
    directory:
      deps.directory ??
      createDirectory({ demo: true, appOrigin: deps.appOrigin, apiAudience: resourceAudience }),
    lifetimes: { ...lifetimes, ...deps.lifetimes },
    issuer: deps.issuer,
    origin: issuerUrl.origin,
    issuerPath,
    endpoints: {
      authorization: at('/authorize'),
      token: at('/token'),
      jwks: at('/jwks'),
      userinfo: at('/userinfo'),
      revocation: at('/revoke'),
      introspection: at('/introspect'),
      registration: at('/register'),
      pushedAuthorization: at('/par'),
      endSession: at('/logout'),
    },
    resourceAudience,
    nowSeconds: () => Math.floor(deps.clock.now() / 1000),
    randomId: (bytes = 32) => base64url(deps.random.bytes(bytes)),
    async withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = locks.get(key) ?? Promise.resolve()
      const run = previous.then(task, task)
      const settled = run.then(
        () => undefined,
        () => undefined,
      )
      locks.set(key, settled)
      try {
        return await run
      } finally {
        if (locks.get(key) === settled) locks.delete(key)
      }
    },
  }
}
