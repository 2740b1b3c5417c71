import { bindingFor, checkBoundForm, withBindingCookie } from '../browser-binding'
import { type ClientRecord, findClient } from '../clients'
import { lifetimes, type ServerContext } from '../context'
import { displayName } from '../directory'
import { OAuthError } from '../errors'
import { renderErrorPage, renderLogoutConfirmPage, renderSignedOutPage } from '../html'
import {
  mediaType,
  type Parameters,
  parseParameters,
  readBodyText,
  readPageForm,
  redirectResponse,
} from '../http'
import { hintMatchesSession, type LogoutRequest, validateLogoutRequest } from '../logout-request'
import type { CoreRequest, CoreResponse } from '../request-response'
import { clearedSessionCookie, type LoginSession, readSession } from '../session'
import { endLoginSession } from '../session-logout'

/** A logout request waiting on its confirmation page, keyed by the form's `pending` field. */
interface PendingLogout {
  id: string
  /** The session the page offered to end. */
  sessionId: string
  clientId?: string
  postLogoutRedirectUri?: string
  state?: string
  /** The browser the page was shown to (cookie mode), as for the consent form. */
  browserId?: string
  expiresAt: number
}

const pendingLogoutsKind = 'pending-logouts'

const finishedDescription =
  'This logout request is unknown, finished or expired. If you still want to sign out, start again from the application.'

function logoutErrorPage(ctx: ServerContext, error: OAuthError): CoreResponse {
  return renderErrorPage(ctx, {
    kind: 'logout',
    error: error.error,
    description: error.description,
    status: error.status >= 500 ? 400 : error.status,
    explanation:
      'The server did not sign you out and did not send you anywhere, because it could not trust this request. Go back to the application and sign out from there again.',
  })
}

/** GET: the query; POST: a form body (§2: the OP MUST support both). */
async function readLogoutParameters(request: CoreRequest): Promise<Parameters> {
  if (request.method.toUpperCase() === 'GET') {
    return parseParameters(new URL(request.url).searchParams)
  }
  if (mediaType(request) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(
      'invalid_request',
      'A logout request sent with POST must be an application/x-www-form-urlencoded form.',
    )
  }
  return parseParameters(new URLSearchParams(await readBodyText(request, 'invalid_request')))
}

/** The origin a form post may be redirected to (CSP form-action), as for the consent page. */
function originOf(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined
  const url = new URL(uri)
  return url.origin === 'null' ? url.protocol : url.origin
}

/**
 * Where the browser goes once the logout is over: the registered `post_logout_redirect_uri`
 * with the request's `state` added (§3), or this server's own page. The session cookie is
 * cleared either way (cookie mode; the worker ignores it).
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout
 */
function afterLogout(
  ctx: ServerContext,
  target: { postLogoutRedirectUri?: string; state?: string; client?: ClientRecord },
  signedOut: boolean,
): CoreResponse {
  let response: CoreResponse
  if (target.postLogoutRedirectUri !== undefined) {
    const url = new URL(target.postLogoutRedirectUri)
    if (target.state !== undefined) url.searchParams.append('state', target.state)
    response = redirectResponse(url.href)
  } else {
    response = renderSignedOutPage(ctx, {
      signedOut,
      ...(target.client ? { client: target.client } : {}),
    })
  }
  if (signedOut) response.headers.append('Set-Cookie', clearedSessionCookie(ctx))
  return response
}

function confirmationReason(logout: LogoutRequest): string {
  if (!logout.hint) {
    return 'The request did not include an ID token (id_token_hint) to show that it comes from an application you are signed in to, so the server asks you first.'
  }
  return 'The ID token sent with the request (id_token_hint) is not from your current session here, so the server asks you first.'
}

async function askToConfirm(
  ctx: ServerContext,
  request: CoreRequest,
  logout: LogoutRequest,
  session: LoginSession,
): Promise<CoreResponse> {
  const binding = bindingFor(ctx, request)
  const pending: PendingLogout = {
    id: ctx.randomId(32),
    sessionId: session.id,
    ...(logout.client ? { clientId: logout.client.client_id } : {}),
    ...(logout.postLogoutRedirectUri === undefined
      ? {}
      : { postLogoutRedirectUri: logout.postLogoutRedirectUri }),
    ...(logout.state === undefined ? {} : { state: logout.state }),
    ...(binding.browserId === undefined ? {} : { browserId: binding.browserId }),
    expiresAt: ctx.nowSeconds() + lifetimes.pendingLogout,
  }
  await ctx.deps.store.put(pendingLogoutsKind, pending.id, pending, {
    expiresAt: pending.expiresAt,
  })
  const redirectOrigin = originOf(logout.postLogoutRedirectUri)
  return withBindingCookie(
    renderLogoutConfirmPage(ctx, {
      pendingId: pending.id,
      ...(logout.client ? { client: logout.client } : {}),
      userName: displayName(ctx.directory.userBySub(session.sub), session.sub),
      reason: confirmationReason(logout),
      ...(redirectOrigin ? { redirectOrigin } : {}),
    }),
    binding,
  )
}

/**
 * `GET` or `POST /as/logout`: the end-session endpoint (OpenID Connect RP-Initiated Logout 1.0).
 * 1. The request is validated (`logout-request.ts`); any failure is an error page, never a
 *    redirect.
 * 2. No session in this browser: nothing to end; the browser goes back (or sees the signed-out
 *    page) at once.
 * 3. An `id_token_hint` of this very session (same `sid` and `sub`; an expired one counts, §2):
 *    the session ends at once.
 * 4. Otherwise (no hint, or one of another session) the user is asked, on a page whose form is
 *    bound to this browser (§2: the OP MUST ask then).
 * Ending the session revokes its refresh tokens as Back-Channel Logout §2.7 says, tells its
 * clients over the back channel, then redirects with `state`.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export async function handleEndSession(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  let logout: LogoutRequest
  try {
    logout = await validateLogoutRequest(ctx, await readLogoutParameters(request))
  } catch (error) {
    if (error instanceof OAuthError) return logoutErrorPage(ctx, error)
    throw error
  }
  const session = await readSession(ctx, request)
  if (!session) return afterLogout(ctx, logout, true)
  if (hintMatchesSession(logout.hint, session)) {
    await endLoginSession(ctx, session.id)
    return afterLogout(ctx, logout, true)
  }
  return askToConfirm(ctx, request, logout, session)
}

/** Takes the pending logout out in one atomic step: of concurrent posts, only one gets it. */
async function takePendingLogout(ctx: ServerContext, id: string): Promise<boolean> {
  let taken = false
  await ctx.deps.store.update<PendingLogout>(pendingLogoutsKind, id, (current) => {
    if (current === undefined || current.expiresAt <= ctx.nowSeconds()) return undefined
    taken = true
    return { delete: true }
  })
  return taken
}

/**
 * `POST /as/logout/confirm` (`pending`, `decision=logout|stay`): the confirmation page's form.
 * Refused (403) when it does not come from this server's page in the browser that was shown it,
 * so another site cannot sign the user out; used once, so a second post changes nothing.
 * "Sign out" ends the session the page named; "Stay signed in" keeps it. Both then go where the
 * request asked, with its `state`.
 */
export async function handleLogoutConfirm(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const form = await readPageForm(request)
  const id = form.get('pending')
  return ctx.withLock(`logout:${id ?? ''}`, async () => {
    const pending = id ? await ctx.deps.store.get<PendingLogout>(pendingLogoutsKind, id) : undefined
    if (!pending || pending.expiresAt <= ctx.nowSeconds()) {
      return renderErrorPage(ctx, {
        kind: 'logout',
        error: 'invalid_request',
        description: finishedDescription,
      })
    }
    const refused = checkBoundForm(ctx, request, pending.browserId)
    if (refused) {
      return renderErrorPage(ctx, {
        kind: 'logout',
        error: 'access_denied',
        description: refused,
        status: 403,
        explanation:
          'If you did not just press a button on this server’s own page, another site may have tried to sign you out. Nothing happened: you are still signed in.',
      })
    }
    const decision = form.get('decision')
    if (decision !== 'logout' && decision !== 'stay') {
      return renderErrorPage(ctx, {
        kind: 'logout',
        error: 'invalid_request',
        description: 'Choose Sign out or Stay signed in.',
      })
    }
    if (!(await takePendingLogout(ctx, pending.id))) {
      return renderErrorPage(ctx, {
        kind: 'logout',
        error: 'invalid_request',
        description: finishedDescription,
      })
    }
    if (decision === 'logout') await endLoginSession(ctx, pending.sessionId)
    const client = pending.clientId ? await findClient(ctx, pending.clientId) : undefined
    return afterLogout(
      ctx,
      {
        ...(pending.postLogoutRedirectUri === undefined
          ? {}
          : { postLogoutRedirectUri: pending.postLogoutRedirectUri }),
        ...(pending.state === undefined ? {} : { state: pending.state }),
        ...(client ? { client } : {}),
      },
      decision === 'logout',
    )
  })
}
