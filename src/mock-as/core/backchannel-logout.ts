import { SignJWT } from 'jose'
import { type ClientRecord, findClient } from './clients'
import { lifetimes, type ServerContext } from './context'
import type { SigningAlgorithm } from './deps'
import { signingKeyFor } from './keys'
import type { LoginSession } from './session'

/**
 * OpenID Connect Back-Channel Logout 1.0: when a login session ends, every client that took part
 * in it and registered a `backchannel_logout_uri` gets a logout token, POSTed server to server.
 * The core makes the token and the request; the host sends it (`deps.deliver`), so the core
 * stays free of network code.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */

/** The member of `events` that makes a JWT a logout token (§2.4). */
export const backchannelLogoutEvent = 'http://schemas.openid.net/event/backchannel-logout'

/** The `typ` header of a logout token (§2.4, and §4.1 on cross-JWT confusion). */
export const logoutTokenType = 'logout+jwt'

/** What became of one client's notification. */
export interface BackchannelDelivery {
  clientId: string
  uri: string
  /** `delivered`: the client answered 200 (or 204, §2.8); `failed`: any other answer or none. */
  outcome: 'delivered' | 'failed' | 'not-sent'
  status?: number
  /** Why it failed or was not sent, in a sentence. */
  detail?: string
}

/**
 * A logout token for one client: `iss`, `aud`, `iat`, `exp`, `jti`, `events`, `sub` and `sid`,
 * never `nonce` (§2.4: its absence keeps a logout token from passing as an ID token). Signed like
 * the client's ID tokens and typed `logout+jwt`.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken
 */
export async function issueLogoutToken(
  ctx: ServerContext,
  client: ClientRecord,
  session: Pick<LoginSession, 'sub' | 'sid'>,
): Promise<string> {
  const alg: SigningAlgorithm = client.id_token_signed_response_alg ?? 'RS256'
  const key = await signingKeyFor(ctx.deps.keys, alg)
  const iat = ctx.nowSeconds()
  return new SignJWT({
    iss: ctx.issuer,
    aud: client.client_id,
    iat,
    exp: iat + lifetimes.logoutToken,
    jti: ctx.randomId(16),
    events: { [backchannelLogoutEvent]: {} },
    sub: session.sub,
    sid: session.sid,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: logoutTokenType })
    .sign(key.privateKey)
}

/**
 * The back-channel logout request: a form POST with one parameter, `logout_token` (§2.5).
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 */
export function logoutRequest(uri: string, logoutToken: string): Request {
  return new Request(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: logoutToken }),
  })
}

async function notifyClient(
  ctx: ServerContext,
  client: ClientRecord & { backchannel_logout_uri: string },
  session: LoginSession,
): Promise<BackchannelDelivery> {
  const uri = client.backchannel_logout_uri
  const base = { clientId: client.client_id, uri }
  const deliver = ctx.deps.deliver
  if (!deliver) {
    return { ...base, outcome: 'not-sent', detail: 'This server has no way to send requests.' }
  }
  try {
    const response = await deliver(logoutRequest(uri, await issueLogoutToken(ctx, client, session)))
    // §2.8: 200 means logged out; some frameworks turn an empty 200 into 204.
    const delivered = response.status === 200 || response.status === 204
    await response.body?.cancel().catch(() => undefined)
    return {
      ...base,
      outcome: delivered ? 'delivered' : 'failed',
      status: response.status,
      ...(delivered ? {} : { detail: `The client answered ${response.status}.` }),
    }
  } catch (error) {
    return {
      ...base,
      outcome: 'failed',
      detail: error instanceof Error ? error.message : 'The request failed.',
    }
  }
}

/**
 * Tells every client of the session that registered a back-channel logout URI, all at once, and
 * waits for their answers: RP-Initiated Logout 1.0 §3 redirects only after the clients were
 * notified. A client that fails or does not answer is reported, not retried.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions
 */
export async function notifySessionClients(
  ctx: ServerContext,
  session: LoginSession,
): Promise<BackchannelDelivery[]> {
  const clients = await Promise.all((session.clients ?? []).map((id) => findClient(ctx, id)))
  const listening = clients.filter(
    (client): client is ClientRecord & { backchannel_logout_uri: string } =>
      typeof client?.backchannel_logout_uri === 'string',
  )
  return Promise.all(listening.map((client) => notifyClient(ctx, client, session)))
}
