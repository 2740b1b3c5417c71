import { compactVerify, createLocalJWKSet } from 'jose'
import { type ClientRecord, findClient, postLogoutRedirectUris } from './clients'
import type { ServerContext } from './context'
import { OAuthError } from './errors'
import { listNames, type Parameters } from './http'
import type { LoginSession } from './session'

/**
 * The parameters of a logout request that this server reads. `logout_hint` and `ui_locales` are
 * accepted and ignored: the session is found from the browser and the hint, and the pages are in
 * English only (RP-Initiated Logout 1.0 §2 makes both optional). Other parameters are ignored.
 */
const logoutParameters = [
  'id_token_hint',
  'client_id',
  'post_logout_redirect_uri',
  'state',
  'logout_hint',
  'ui_locales',
] as const

/** What `id_token_hint` says, once its signature and issuer checked out. */
export interface IdTokenHint {
  sub: string
  /** The client it was issued to: its single `aud`, or `azp` when there are several. */
  clientId: string
  sid?: string
  /** It expired: still accepted as a hint (§2), but only to recognise the current session. */
  expired: boolean
}

/** A logout request that passed validation. */
export interface LogoutRequest {
  client?: ClientRecord
  hint?: IdTokenHint
  /** Exactly one of the client's registered `post_logout_redirect_uris`. */
  postLogoutRedirectUri?: string
  state?: string
}

function refuse(description: string): OAuthError {
  return new OAuthError('invalid_request', description)
}

/**
 * RP-Initiated Logout 1.0 §2: the OP MUST check that it issued the ID token; it SHOULD accept one
 * whose `exp` has passed. So the signature (our keys, RS256 or ES256, never `none`), the `typ` of
 * our ID tokens (an access token or a logout token is not a hint), `iss` and the audience are
 * checked, and `exp` is only noted.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export async function verifyIdTokenHint(ctx: ServerContext, token: string): Promise<IdTokenHint> {
  const notOurs = refuse(
    'id_token_hint is not an ID token issued by this server (its signature, type or issuer does not check out), so the logout request was not acted on.',
  )
  const keys = await ctx.deps.keys.signingKeys()
  let claims: unknown
  try {
    const verified = await compactVerify(
      token,
      createLocalJWKSet({ keys: keys.map((key) => key.publicJwk) }),
      { algorithms: ['RS256', 'ES256'] },
    )
    if (verified.protectedHeader.typ !== 'JWT') throw notOurs
    claims = JSON.parse(new TextDecoder().decode(verified.payload))
  } catch {
    throw notOurs
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw notOurs
  const { iss, sub, aud, azp, sid, exp } = claims as Record<string, unknown>
  if (iss !== ctx.issuer || typeof sub !== 'string' || typeof exp !== 'number') throw notOurs
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  const clientId = audiences.length === 1 ? audiences[0] : typeof azp === 'string' ? azp : undefined
  if (typeof clientId !== 'string' || !audiences.includes(clientId)) throw notOurs
  return {
    sub,
    clientId,
    ...(typeof sid === 'string' ? { sid } : {}),
    expired: exp <= ctx.nowSeconds(),
  }
}

/**
 * Validates a logout request. Every failure is an `invalid_request` (or `invalid_client`) for an
 * error page: nothing here is trusted enough to redirect to.
 * - Known parameters at most once.
 * - `client_id` and the hint's client must agree (§2), and the client must exist.
 * - `post_logout_redirect_uri` needs a client to check it against, and must be one of its
 *   registered `post_logout_redirect_uris`, compared as exact strings (§3: never redirect
 *   elsewhere).
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
export async function validateLogoutRequest(
  ctx: ServerContext,
  { values, repeated }: Parameters,
): Promise<LogoutRequest> {
  const twice = repeated.filter((name) => (logoutParameters as readonly string[]).includes(name))
  if (twice.length > 0) {
    throw refuse(`Parameters must not be repeated: ${listNames(twice)}.`)
  }
  const hintToken = values.get('id_token_hint')
  const hint = hintToken === undefined ? undefined : await verifyIdTokenHint(ctx, hintToken)
  const clientIdParameter = values.get('client_id')
  if (clientIdParameter !== undefined && hint && clientIdParameter !== hint.clientId) {
    throw refuse('client_id is not the client that the id_token_hint was issued to.')
  }
  const clientId = clientIdParameter ?? hint?.clientId
  const client = clientId === undefined ? undefined : await findClient(ctx, clientId)
  if (clientId !== undefined && !client) {
    throw new OAuthError('invalid_client', `The client ${clientId} is not registered here.`)
  }
  const postLogoutRedirectUri = values.get('post_logout_redirect_uri')
  if (postLogoutRedirectUri !== undefined) {
    if (!client) {
      throw refuse(
        'post_logout_redirect_uri needs client_id or id_token_hint, so that the server can check that the client registered it.',
      )
    }
    if (!postLogoutRedirectUris(client).includes(postLogoutRedirectUri)) {
      throw refuse(
        'post_logout_redirect_uri does not exactly match any post_logout_redirect_uris registered for this client.',
      )
    }
  }
  const state = values.get('state')
  return {
    ...(client ? { client } : {}),
    ...(hint ? { hint } : {}),
    ...(postLogoutRedirectUri === undefined ? {} : { postLogoutRedirectUri }),
    ...(state === undefined ? {} : { state }),
  }
}

/**
 * The hint proves the request is about this very session: same `sid` and `sub`. Only then may the
 * session end without asking the user (§2: the OP MUST ask when there is no hint, or when the ID
 * token does not belong to the current session).
 */
export function hintMatchesSession(hint: IdTokenHint | undefined, session: LoginSession): boolean {
  return hint !== undefined && hint.sid === session.sid && hint.sub === session.sub
}
