import type { ServerContext } from './context'
import { readCookie } from './http'
import type { CoreRequest } from './request-response'

/**
 * The user's login at the authorization server, kept in the store and referenced by an HttpOnly
 * cookie scoped to the issuer path. The cookie holds only a random id.
 */
export interface LoginSession {
  /** The secret the cookie carries (or the browser-session record points to). Never sent out. */
  id: string
  /**
   * The public session id: the `sid` claim of ID tokens and logout tokens. Another random value
   * than `id`, because ID tokens go to clients and `id` is what signs the browser in.
   * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Claims
   */
  sid: string
  sub: string
  /** Seconds since the epoch: the `auth_time` claim. */
  authTime: number
  expiresAt: number
  /**
   * The clients that got an authorization response (a code, tokens) in this session, so that a
   * logout can tell each of them (OpenID Connect Back-Channel Logout 1.0 §2.3).
   */
  clients?: string[]
}

export const sessionsKind = 'login-sessions'
export const consentsKind = 'consents'
export const sessionCookieName = 'grantlab_as_session'
/** With `sessionMode: 'this-browser'`: the id of the browser's current login session. */
export const browserSessionKind = 'browser-session'
export const browserSessionId = 'current'

/**
 * Whether the request comes from "this browser" of the `this-browser` session mode. A request
 * made with `credentials: 'omit'` carries no cookie in a browser, so it cannot carry the session
 * the browser-wide record stands for: it is another user agent, e.g. the attack lab's attacker
 * (docs/decisions/128).
 */
function isThisBrowser(ctx: ServerContext, request: CoreRequest | undefined): boolean {
  return ctx.deps.sessionMode === 'this-browser' && request?.credentials !== 'omit'
}

export async function readSession(
  ctx: ServerContext,
  request: CoreRequest,
): Promise<LoginSession | undefined> {
  const id =
    readCookie(request, sessionCookieName) ??
    (isThisBrowser(ctx, request)
      ? await ctx.deps.store.get<string>(browserSessionKind, browserSessionId)
      : undefined)
  if (!id || !/^[A-Za-z0-9_-]{1,100}$/.test(id)) return undefined
  const session = await ctx.deps.store.get<LoginSession>(sessionsKind, id)
  // A session stored before sessions had a `sid` cannot be logged out by it: sign in again.
  if (!session || session.expiresAt <= ctx.nowSeconds() || !session.sid) return undefined
  return session
}

/** `request` is the sign-in form's post: a post without credentials leaves the browser's session alone. */
export async function createSession(
  ctx: ServerContext,
  sub: string,
  request?: CoreRequest,
): Promise<LoginSession> {
  const now = ctx.nowSeconds()
  const session: LoginSession = {
    id: ctx.randomId(32),
    sid: ctx.randomId(16),
    sub,
    authTime: now,
    expiresAt: now + ctx.lifetimes.loginSession,
  }
  const options = { expiresAt: session.expiresAt }
  await ctx.deps.store.put(sessionsKind, session.id, session, options)
  if (isThisBrowser(ctx, request)) {
    await ctx.deps.store.put(browserSessionKind, browserSessionId, session.id, options)
  }
  return session
}

/**
 * Notes that a client got an authorization response in this session (atomically: two clients
 * answered at once are both kept). The record keeps its expiry.
 */
export async function rememberSessionClient(
  ctx: ServerContext,
  sessionId: string,
  clientId: string,
): Promise<void> {
  await ctx.deps.store.update<LoginSession>(sessionsKind, sessionId, (current) => {
    if (!current || current.clients?.includes(clientId)) return undefined
    return { put: { ...current, clients: [...(current.clients ?? []), clientId] } }
  })
}

/** HttpOnly, SameSite=Lax (the consent POST is same-site), Path = the issuer path. */
export function sessionCookie(ctx: ServerContext, session: LoginSession): string {
  const secure = ctx.issuer.startsWith('https:') ? '; Secure' : ''
  return `${sessionCookieName}=${session.id}; Path=${ctx.issuerPath || '/'}; HttpOnly; SameSite=Lax; Max-Age=${ctx.lifetimes.loginSession}${secure}`
}

/** Tells the browser to forget the session cookie (after a logout). */
export function clearedSessionCookie(ctx: ServerContext): string {
  const secure = ctx.issuer.startsWith('https:') ? '; Secure' : ''
  return `${sessionCookieName}=; Path=${ctx.issuerPath || '/'}; HttpOnly; SameSite=Lax; Max-Age=0${secure}`
}

/** Scopes a user already approved for a client, so the consent page is not shown again. */
export interface ConsentRecord {
  scopes: string[]
}

function consentId(sub: string, clientId: string): string {
  return `${sub} ${clientId}`
}

export async function hasConsent(
  ctx: ServerContext,
  sub: string,
  clientId: string,
  scopes: string[],
): Promise<boolean> {
  const record = await ctx.deps.store.get<ConsentRecord>(consentsKind, consentId(sub, clientId))
  return record !== undefined && scopes.every((scope) => record.scopes.includes(scope))
}

export async function recordConsent(
  ctx: ServerContext,
  sub: string,
  clientId: string,
  scopes: string[],
): Promise<void> {
  // Atomic: two consents given at once for one client both keep their scopes.
  await ctx.deps.store.update<ConsentRecord>(
    consentsKind,
    consentId(sub, clientId),
    (previous) => ({
      put: { scopes: [...new Set([...(previous?.scopes ?? []), ...scopes])] },
    }),
  )
}
