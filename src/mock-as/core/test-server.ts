import { type AuthorizationServer, createAuthorizationServer } from './authorization-server'
import type { AuthorizationServerDeps, Clock, Keys } from './deps'
import { createCryptoRandom } from './host'
import { createStoredKeys } from './keys'
import { createMemoryStore } from './memory-store'

/** A clock tests can set and move forward. */
export interface SettableClock extends Clock {
  set(ms: number): void
  advance(ms: number): void
}

export function createSettableClock(start = Date.now()): SettableClock {
  let current = start
  return {
    now: () => current,
    set: (ms) => {
      current = ms
    },
    advance: (ms) => {
      current += ms
    },
  }
}

export const testIssuer = 'http://127.0.0.1:4173/as'
export const testAppOrigin = 'http://127.0.0.1:4173'

// Generating an RSA key takes a while; test servers share one key set unless told otherwise.
let sharedKeys: Keys | undefined

export interface TestAuthorizationServer {
  server: AuthorizationServer
  deps: AuthorizationServerDeps
  clock: SettableClock
}

/**
 * A server with an in-memory store, a settable clock that starts at the real time, and real
 * randomness. Tests call `server.handle` directly or through oauth4webapi's `customFetch`.
 */
export function createTestAuthorizationServer(
  overrides: Partial<Omit<AuthorizationServerDeps, 'clock'>> & { clock?: SettableClock } = {},
): TestAuthorizationServer {
  const clock = overrides.clock ?? createSettableClock()
  const store = overrides.store ?? createMemoryStore()
  if (!overrides.keys && !sharedKeys) sharedKeys = createStoredKeys(createMemoryStore())
  const deps: AuthorizationServerDeps = {
    issuer: overrides.issuer ?? testIssuer,
    appOrigin: overrides.appOrigin ?? testAppOrigin,
    store,
    random: overrides.random ?? createCryptoRandom(),
    keys: overrides.keys ?? (sharedKeys as Keys),
    clock,
    ...(overrides.sessionMode ? { sessionMode: overrides.sessionMode } : {}),
    ...(overrides.deliver ? { deliver: overrides.deliver } : {}),
    ...(overrides.directory ? { directory: overrides.directory } : {}),
    ...(overrides.lifetimes ? { lifetimes: overrides.lifetimes } : {}),
    ...(overrides.cors ? { cors: overrides.cors } : {}),
    ...(overrides.faults ? { faults: overrides.faults } : {}),
    ...(overrides.clientMetadataDocuments
      ? { clientMetadataDocuments: overrides.clientMetadataDocuments }
      : {}),
  }
  return { server: createAuthorizationServer(deps), deps, clock }
}

/**
 * A test server set up as the service worker sets up its core: Client ID Metadata Documents from
 * the app's own origin only, answered by the core itself (the demo agent's document).
 */
export function createWorkerLikeTestServer(
  overrides: Parameters<typeof createTestAuthorizationServer>[0] = {},
): TestAuthorizationServer {
  const holder: { t?: TestAuthorizationServer } = {}
  const origin = new URL(overrides.issuer ?? testIssuer).origin
  const t = createTestAuthorizationServer({
    clientMetadataDocuments: {
      allowedOrigins: [origin],
      trustedOrigins: [origin],
      fetch: (url, init) =>
        (holder.t as TestAuthorizationServer).server.handle(new Request(url, init)),
    },
    ...overrides,
  })
  holder.t = t
  return t
}

export interface DrivenAuthorization {
  /** The last response: normally the 302 back to the client. */
  response: Response
  /** Its Location header, if any. */
  location: string | undefined
  /** The browser's cookies (a `Cookie` header) to send with a later authorization request. */
  cookie: string | undefined
  /** The HTML pages seen on the way, in order. */
  pages: string[]
}

/**
 * A browser's cookie jar in one string: the `Cookie` header so far, with the cookies a response
 * sets added or replaced.
 */
export function mergeCookies(cookie: string | undefined, response: Response): string | undefined {
  const jar = new Map<string, string>()
  for (const part of (cookie ?? '').split(';')) {
    const index = part.indexOf('=')
    if (index > 0) jar.set(part.slice(0, index).trim(), part.slice(index + 1).trim())
  }
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(';')[0] ?? ''
    const index = pair.indexOf('=')
    if (index > 0) jar.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim())
  }
  if (jar.size === 0) return undefined
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}

function readForm(html: string): { action: string; fields: Record<string, string> } | undefined {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]
  if (!action) return undefined
  const fields: Record<string, string> = {}
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    if (match[1] !== undefined) fields[match[1]] = match[2] ?? ''
  }
  return { action: action.replace(/&amp;/g, '&'), fields }
}

/**
 * Plays the user in a browser: opens the authorization URL, fills the login form and presses a
 * consent button, carrying the cookies and the `Origin` a browser adds to a form post, until the
 * server answers with something other than a page. For tests of flows that go through
 * `/as/authorize`.
 */
export async function driveAuthorization(
  server: Pick<AuthorizationServer, 'handle'>,
  authorizationUrl: string,
  options: {
    username?: string
    password?: string
    decision?: 'approve' | 'deny'
    cookie?: string
    /** Act like a browser behind a service worker: Set-Cookie never comes back. */
    dropCookies?: boolean
  } = {},
): Promise<DrivenAuthorization> {
  let cookie = options.cookie
  const pages: string[] = []
  const headers = (): Record<string, string> => (cookie ? { cookie } : {})
  let response = await server.handle(new Request(authorizationUrl, { headers: headers() }))
  for (let step = 0; step < 5; step += 1) {
    if (!options.dropCookies) cookie = mergeCookies(cookie, response)
    if (!response.headers.get('content-type')?.startsWith('text/html')) break
    const html = await response.text()
    pages.push(html)
    const form = readForm(html)
    if (!form) break
    const body = new URLSearchParams(form.fields)
    if (html.includes('name="password"')) {
      body.set('username', options.username ?? 'alice')
      body.set('password', options.password ?? `${options.username ?? 'alice'}-password`)
    } else {
      body.set('decision', options.decision ?? 'approve')
    }
    response = await server.handle(
      new Request(form.action, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: new URL(form.action).origin,
          ...headers(),
        },
        body,
      }),
    )
  }
  return { response, location: response.headers.get('location') ?? undefined, cookie, pages }
}
