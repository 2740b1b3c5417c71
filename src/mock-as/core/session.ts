import { lifetimes, type ServerContext } from './context'
import { readCookie } from './http'

/**
 * The user's login at the authorization server, kept in the store and referenced by an HttpOnly
 * cookie scoped to the issuer path. The cookie holds only a random id.
 */
export interface LoginSession {
  id: string
  sub: string
  /** Seconds since the epoch: the `auth_time` claim. */
  authTime: number
  expiresAt: number
}

export const sessionsKind = 'login-sessions'
export const consentsKind = 'consents'
export const sessionCookieName = 'grantlab_as_session'
/** With `sessionMode: 'this-browser'`: the id of the browser's current login session. */
const browserSessionKind = 'browser-session'
const browserSessionId = 'current'

export async function readSession(
  ctx: ServerContext,
  request: Request,
): Promise<LoginSession | undefined> {
  const id =
    readCookie(request, sessionCookieName) ??
    (ctx.deps.sessionMode === 'this-browser'
      ? await ctx.deps.store.get<string>(browserSessionKind, browserSessionId)
      : undefined)
  if (!id || !/^[A-Za-z0-9_-]{1,100}$/.test(id)) return undefined
  const session = await ctx.deps.store.get<LoginSession>(sessionsKind, id)
  if (!session || session.expiresAt <= ctx.nowSeconds()) return undefined
  return session
}

export async function createSession(ctx: ServerContext, sub: string): Promise<LoginSession> {
  const now = ctx.nowSeconds()
  const session: LoginSession = {
    id: ctx.randomId(32),
    sub,
    authTime: now,
    expiresAt: now + lifetimes.loginSession,
  }
  const options = { expiresAt: session.expiresAt }
  await ctx.deps.store.put(sessionsKind, session.id, session, options)
  if (ctx.deps.sessionMode === 'this-browser') {
    await ctx.deps.store.put(browserSessionKind, browserSessionId, session.id, options)
  }
  return session
}

/** HttpOnly, SameSite=Lax (the consent POST is same-site), Path = the issuer path. */
export function sessionCookie(ctx: ServerContext, session: LoginSession): string {
  const secure = ctx.issuer.startsWith('https:') ? '; Secure' : ''
  return `${sessionCookieName}=${session.id}; Path=${ctx.issuerPath || '/'}; HttpOnly; SameSite=Lax; Max-Age=${lifetimes.loginSession}${secure}`
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
