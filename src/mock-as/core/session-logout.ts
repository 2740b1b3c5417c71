import { type BackchannelDelivery, notifySessionClients } from './backchannel-logout'
import { findClient } from './clients'
import type { ServerContext } from './context'
import { splitSpaceList } from './http'
import { browserSessionId, browserSessionKind, type LoginSession, sessionsKind } from './session'
import { grantsOfSession, revokeGrant } from './tokens'

/** A grant whose tokens a logout revoked. */
export interface RevokedAtLogout {
  grantId: string
  clientId: string
  /** Its refresh tokens were issued with `offline_access`. */
  offline: boolean
}

export interface LogoutOutcome {
  /** This call ended the session; false when it was already gone (a concurrent logout won). */
  ended: boolean
  revoked: RevokedAtLogout[]
  deliveries: BackchannelDelivery[]
}

/**
 * Revokes the grants approved in the session, per Back-Channel Logout 1.0 §2.7: refresh tokens
 * issued without `offline_access` SHOULD be revoked with the session, those with it normally
 * SHOULD NOT, since offline access is meant to outlive the login. A client registered with
 * `grantlab_logout_revokes_offline_tokens: true` asks that its offline ones go too
 * (docs/decisions/107). Revoking a grant revokes its access tokens as well (this server's model).
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions
 */
async function revokeSessionGrants(ctx: ServerContext, sid: string): Promise<RevokedAtLogout[]> {
  const revoked: RevokedAtLogout[] = []
  for (const grant of await grantsOfSession(ctx, sid)) {
    if (grant.revoked) continue
    const offline = splitSpaceList(grant.scope).includes('offline_access')
    const client = await findClient(ctx, grant.clientId)
    if (offline && client?.grantlab_logout_revokes_offline_tokens !== true) continue
    await revokeGrant(ctx, grant.id)
    revoked.push({ grantId: grant.id, clientId: grant.clientId, offline })
  }
  return revoked
}

/**
 * Ends a login session: deletes it in one atomic step (of two concurrent logouts only one ends
 * it and notifies), forgets it as this browser's session, revokes its grants' refresh tokens as
 * §2.7 says, and sends each of its clients a logout token. The next authorization request from
 * this browser finds no session and shows the sign-in page.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export async function endLoginSession(
  ctx: ServerContext,
  sessionId: string,
): Promise<LogoutOutcome> {
  const taken: { session?: LoginSession } = {}
  await ctx.deps.store.update<LoginSession>(sessionsKind, sessionId, (current) => {
    if (!current) return undefined
    taken.session = current
    return { delete: true }
  })
  const session = taken.session
  if (!session) return { ended: false, revoked: [], deliveries: [] }
  if (ctx.deps.sessionMode === 'this-browser') {
    await ctx.deps.store.update<string>(browserSessionKind, browserSessionId, (current) =>
      current === sessionId ? { delete: true } : undefined,
    )
  }
  const revoked = session.sid ? await revokeSessionGrants(ctx, session.sid) : []
  const deliveries = session.sid ? await notifySessionClients(ctx, session) : []
  return { ended: true, revoked, deliveries }
}
