import {
  type ApprovedAuthorization,
  type PendingAuthorization,
  pendingKind,
  resolveRedirectUri,
  validateAuthorizationParameters,
} from '../authorization-request'
import {
  type BrowserBinding,
  bindingFor,
  checkBoundForm,
  withBindingCookie,
} from '../browser-binding'
import {
  isClientIdUrl,
  metadataDocumentNotice,
  resolveClient,
} from '../client-id-metadata-document'
import { type ClientRecord, findClient } from '../clients'
import type { ServerContext } from '../context'
import { displayName } from '../directory'
import { OAuthError } from '../errors'
import { injectedError } from '../faults'
import { type FrameAncestors, renderConsentPage, renderErrorPage, renderLoginPage } from '../html'
import { parseParameters, readPageForm, redirectResponse } from '../http'
import { hasWeakness } from '../lab-clients'
import { checkPassword, lockedMessage } from '../password-attempts'
import { consumePushedRequest } from '../pushed-authorization-requests'
import { type CoreRequest, type CoreResponse, isCoreResponse } from '../request-response'
import { resourceValuesOf } from '../resource-indicators'
import { findResponseType } from '../response-types/response-type-table'
import {
  createSession,
  hasConsent,
  type LoginSession,
  readSession,
  recordConsent,
  rememberSessionClient,
  sessionCookie,
} from '../session'

/** The CSP source for the redirect URI: its origin, or its scheme for a native app's private-use URI. */
function formTargetOf(redirectUri: string): string {
  const url = new URL(redirectUri)
  return url.origin === 'null' ? url.protocol : url.origin
}

/**
 * The attack lab's clients may have their pages framed by the app's own origin, so the lab can
 * show the victim's browser beside the attack; every other client's pages may not be framed at
 * all (docs/decisions/126).
 */
function framing(client: ClientRecord | undefined): { frameAncestors?: FrameAncestors } {
  return client?.lab ? { frameAncestors: 'self' } : {}
}

/** Sends the result back to the client: the response type's parameters plus `state` and `iss`. */
function redirectToClient(
  ctx: ServerContext,
  target: { redirectUri: string; mode: 'query' | 'fragment'; state?: string },
  params: Record<string, string>,
): CoreResponse {
  const url = new URL(target.redirectUri)
  const all: Record<string, string> = { ...params }
  if (target.state !== undefined) all.state = target.state
  // RFC 9207: `iss` on every authorization response, success and error alike.
  all.iss = ctx.issuer
  if (target.mode === 'query') {
    for (const [name, value] of Object.entries(all)) url.searchParams.append(name, value)
  } else {
    url.hash = new URLSearchParams(all).toString()
  }
  return redirectResponse(url.href)
}

/** @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 */
function redirectError(
  ctx: ServerContext,
  target: { redirectUri: string; mode: 'query' | 'fragment'; state?: string },
  error: OAuthError,
): CoreResponse {
  return redirectToClient(ctx, target, {
    error: error.error,
    error_description: error.description,
  })
}

function targetOf(pending: PendingAuthorization) {
  const entry = findResponseType(pending.responseType)
  return {
    redirectUri: pending.redirectUri,
    mode: entry?.responseMode ?? ('query' as const),
    ...(pending.state === undefined ? {} : { state: pending.state }),
  }
}

/**
 * `GET /as/authorize`.
 * 1. Client and redirect URI first: if either cannot be trusted, show an error page and never
 *    redirect (RFC 6749 §4.1.2.1; RFC 9700 §4.1.3 exact matching).
 * 2. Then the request; its errors are redirected with `error`, `state` and `iss`. A request with a
 *    `request_uri` from `/as/par` was validated when it was pushed; a client that registered
 *    `require_pushed_authorization_requests` must send one.
 * 3. Then the user: login page, consent page, or straight back with the response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export async function handleAuthorize(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const search = new URL(request.url).searchParams
  const { values, repeated } = parseParameters(search)
  const pageError = (error: string, description: string, client?: ClientRecord) =>
    renderErrorPage(ctx, { error, description, ...framing(client) })

  if (
    repeated.includes('client_id') ||
    repeated.includes('redirect_uri') ||
    repeated.includes('request_uri')
  ) {
    return pageError(
      'invalid_request',
      'client_id, redirect_uri and request_uri must be sent once.',
    )
  }
  const clientId = values.get('client_id')
  if (clientId === undefined) return pageError('invalid_request', 'client_id is missing.')
  let client: ClientRecord | undefined
  try {
    // A URL client_id is read from its metadata document (docs/decisions/122).
    client = await resolveClient(ctx, clientId)
  } catch (error) {
    if (error instanceof OAuthError) return pageError(error.error, error.description)
    throw error
  }
  if (!client) return pageError('invalid_client', `The client ${clientId} is not registered here.`)

  const requestUri = values.get('request_uri')
  if (requestUri !== undefined) {
    // RFC 9126 §4: the pushed parameters are the request; other query parameters are ignored.
    const pushed = await consumePushedRequest(ctx, requestUri, client.client_id)
    if (typeof pushed === 'string') return pageError('invalid_request', pushed, client)
    const fault = ctx.deps.faults?.take('authorize')
    if (fault) return redirectError(ctx, targetOf(pushed), injectedError(fault, request))
    return continueAuthorization(
      ctx,
      client,
      pushed,
      await readSession(ctx, request),
      bindingFor(ctx, request),
    )
  }

  const requestedRedirect = values.get('redirect_uri')
  let redirectUri: string
  try {
    redirectUri = resolveRedirectUri(client, requestedRedirect)
  } catch (error) {
    if (error instanceof OAuthError) return pageError(error.error, error.description, client)
    throw error
  }

  const entry = findResponseType(values.get('response_type') ?? '')
  const state = values.get('state')
  const target = {
    redirectUri,
    mode: entry?.responseMode ?? ('query' as const),
    ...(state === undefined || repeated.includes('state') ? {} : { state }),
  }
  let pending: PendingAuthorization
  try {
    /** @see https://www.rfc-editor.org/rfc/rfc9126#section-6 */
    if (client.require_pushed_authorization_requests === true) {
      throw new OAuthError(
        'invalid_request',
        'This client must use pushed authorization requests: POST the request to /as/par first.',
      )
    }
    pending = {
      // RFC 8707 §2: resource may be repeated; its values are checked on their own.
      ...validateAuthorizationParameters(
        ctx,
        client,
        values,
        repeated.filter((name) => name !== 'resource'),
        resourceValuesOf(search),
      ),
      redirectUri,
      redirectUriSent: requestedRedirect !== undefined,
    }
  } catch (error) {
    if (error instanceof OAuthError) return redirectError(ctx, target, error)
    throw error
  }
  // An error a test injected (the Node API's injectError) goes back to the client like any other
  // authorization error, once the client and redirect URI are known to be genuine.
  const fault = ctx.deps.faults?.take('authorize')
  if (fault) return redirectError(ctx, target, injectedError(fault, request))
  return continueAuthorization(
    ctx,
    client,
    pending,
    await readSession(ctx, request),
    bindingFor(ctx, request),
  )
}

/**
 * Whether the user must sign in (again) before this request may go on: no session, or
 * `prompt=login` / a `max_age` the session is older than, unless the session was made by a
 * sign-in for this very request. The authorization endpoint and the consent form apply the same
 * test, so posting the consent form cannot skip a re-authentication the request asked for.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (prompt, max_age)
 */
function needsLogin(
  ctx: ServerContext,
  pending: PendingAuthorization,
  session: LoginSession | undefined,
): session is undefined {
  if (session === undefined) return true
  if (pending.loginSessionId === session.id) return false
  const tooOld =
    pending.maxAge !== undefined && ctx.nowSeconds() - session.authTime > pending.maxAge
  return pending.prompt.includes('login') || tooOld
}

/** Keeps a request that waits for the user, until it is finished or expires. */
async function savePending(ctx: ServerContext, pending: PendingAuthorization): Promise<void> {
  await ctx.deps.store.put(pendingKind, pending.id, pending, { expiresAt: pending.expiresAt })
}

/**
 * Takes the pending request out of the store in one atomic step. Of any number of concurrent
 * consent posts for one request, exactly one gets it; the others find nothing.
 */
async function takePending(ctx: ServerContext, id: string): Promise<boolean> {
  let taken = false
  await ctx.deps.store.update<PendingAuthorization>(pendingKind, id, (current) => {
    if (current === undefined || current.expiresAt <= ctx.nowSeconds()) return undefined
    taken = true
    return { delete: true }
  })
  return taken
}

const finishedDescription =
  'This sign-in request is unknown, finished or expired. Start again from the application.'

/**
 * Decides what the user sees next for a validated request, or finishes it. A request that waits
 * for the user is bound to this browser (`browser-binding.ts`) before its page is shown.
 */
async function continueAuthorization(
  ctx: ServerContext,
  client: ClientRecord,
  pending: PendingAuthorization,
  session: LoginSession | undefined,
  binding: BrowserBinding,
): Promise<CoreResponse> {
  const target = targetOf(pending)
  const redirectOrigin = formTargetOf(pending.redirectUri)
  const bound: PendingAuthorization =
    pending.browserId === undefined && binding.browserId !== undefined
      ? { ...pending, browserId: binding.browserId }
      : pending

  if (needsLogin(ctx, pending, session)) {
    if (pending.prompt.includes('none')) {
      await ctx.deps.store.delete(pendingKind, pending.id)
      return redirectError(ctx, target, new OAuthError('login_required', 'The user must sign in.'))
    }
    await savePending(ctx, bound)
    return withBindingCookie(
      renderLoginPage(ctx, { pendingId: pending.id, client, redirectOrigin, ...framing(client) }),
      binding,
    )
  }

  // A first-party lab app is not asked about (docs/decisions/126); prompt=consent still asks.
  const consented =
    client.lab?.firstParty === true ||
    (await hasConsent(ctx, session.sub, client.client_id, pending.scopes))
  if (!consented || pending.prompt.includes('consent')) {
    if (pending.prompt.includes('none')) {
      await ctx.deps.store.delete(pendingKind, pending.id)
      return redirectError(
        ctx,
        target,
        new OAuthError('consent_required', 'The user has not approved these scopes yet.'),
      )
    }
    await savePending(ctx, bound)
    const user = ctx.directory.userBySub(session.sub)
    const notice = metadataDocumentNotice(client, pending.redirectUri)
    return withBindingCookie(
      renderConsentPage(ctx, {
        pendingId: pending.id,
        client,
        redirectOrigin,
        userName: displayName(user, session.sub),
        scopes: pending.scopes,
        ...framing(client),
        ...(notice === undefined ? {} : { notice }),
      }),
      binding,
    )
  }

  return finishAuthorization(ctx, pending, session, {
    pending,
    sub: session.sub,
    authTime: session.authTime,
    sid: session.sid,
  })
}

async function finishAuthorization(
  ctx: ServerContext,
  pending: PendingAuthorization,
  session: LoginSession,
  approved: ApprovedAuthorization,
): Promise<CoreResponse> {
  // A request never stored (no page was needed) is finished straight away; a stored one must
  // still be there: a concurrent post may have finished it a moment ago.
  const stored = await ctx.deps.store.get<PendingAuthorization>(pendingKind, pending.id)
  if (stored !== undefined && !(await takePending(ctx, pending.id))) {
    return renderErrorPage(ctx, { error: 'invalid_request', description: finishedDescription })
  }
  const entry = findResponseType(pending.responseType)
  if (!entry) throw new OAuthError('server_error', 'The response type is no longer supported.')
  const params = await entry.issue(ctx, approved)
  await rememberSessionClient(ctx, session.id, pending.clientId)
  return redirectToClient(ctx, targetOf(pending), params)
}

/**
 * Loads the pending request a form refers to and checks that the form came from this browser and
 * this server's page, or explains on a page why it cannot go on.
 */
async function loadPending(
  ctx: ServerContext,
  request: CoreRequest,
  id: string | undefined,
): Promise<{ pending: PendingAuthorization; client: ClientRecord } | CoreResponse> {
  const pending = id ? await ctx.deps.store.get<PendingAuthorization>(pendingKind, id) : undefined
  if (!pending || pending.expiresAt <= ctx.nowSeconds()) {
    return renderErrorPage(ctx, { error: 'invalid_request', description: finishedDescription })
  }
  // A lab client's weakness decides whether the form must be bound. Lab clients are demo
  // clients, so no client metadata document is fetched before the check (decision 122).
  const labClient = isClientIdUrl(pending.clientId)
    ? undefined
    : await findClient(ctx, pending.clientId)
  // WEAKENED, for the attack lab's grantlab-unbound-consent only (docs/decisions/126): its forms
  // count from any site and any browser, the consent CSRF of RFC 6749 §10.12.
  const refused =
    labClient && hasWeakness(labClient, 'unbound-forms')
      ? undefined
      : checkBoundForm(ctx, request, pending.browserId)
  if (refused) {
    return renderErrorPage(ctx, {
      error: 'access_denied',
      description: refused,
      status: 403,
      explanation:
        'If you did not just press a button on this server’s own page, another site may have tried to sign you in or approve a request in your name. Nothing happened. To use an application, start again from it.',
      ...framing(labClient),
    })
  }
  let client: ClientRecord | undefined
  try {
    client = await resolveClient(ctx, pending.clientId)
  } catch (error) {
    if (error instanceof OAuthError) {
      return renderErrorPage(ctx, { error: error.error, description: error.description })
    }
    throw error
  }
  if (!client) {
    return renderErrorPage(ctx, {
      error: 'invalid_client',
      description: 'The client is gone.',
      ...framing(labClient),
    })
  }
  return { pending, client }
}

/**
 * Runs a form handler for one pending request while no other form post for the same request
 * runs: load, check, consume and issue happen as one step per pending id.
 */
async function withPendingForm(
  ctx: ServerContext,
  request: CoreRequest,
  task: (
    form: Map<string, string>,
    loaded: { pending: PendingAuthorization; client: ClientRecord },
  ) => Promise<CoreResponse>,
): Promise<CoreResponse> {
  const form = await readPageForm(request)
  const id = form.get('pending')
  return ctx.withLock(`pending:${id ?? ''}`, async () => {
    const loaded = await loadPending(ctx, request, id)
    if (isCoreResponse(loaded)) return loaded
    return task(form, loaded)
  })
}

/**
 * `POST /as/authorize/login`: the login form (`pending`, `username`, `password`). On success the
 * login session is stored and its cookie set, then the request continues (consent or redirect).
 * Wrong passwords count against the username (`password-attempts.ts`, RFC 6749 §10.10).
 */
export async function handleLogin(request: CoreRequest, ctx: ServerContext): Promise<CoreResponse> {
  return withPendingForm(ctx, request, async (form, { pending, client }) => {
    const checked = await checkPassword(ctx, form.get('username') ?? '', form.get('password') ?? '')
    if (!checked.ok) {
      return renderLoginPage(ctx, {
        pendingId: pending.id,
        client,
        redirectOrigin: formTargetOf(pending.redirectUri),
        ...framing(client),
        error:
          checked.reason === 'locked'
            ? lockedMessage(checked.retryAfter)
            : 'That username and password do not match a demo user. Try again.',
        status: checked.reason === 'locked' ? 429 : 401,
      })
    }
    const session = await createSession(ctx, checked.sub, request)
    const updated: PendingAuthorization = { ...pending, loginSessionId: session.id }
    const response = await continueAuthorization(ctx, client, updated, session, {})
    response.headers.append('Set-Cookie', sessionCookie(ctx, session))
    return response
  })
}

/**
 * `POST /as/authorize/consent`: `decision=approve` issues the response; `decision=deny` sends
 * `access_denied` back with the exact `state` and `iss`. A session that the request's `prompt` or
 * `max_age` does not accept gets the login page instead, as at the authorization endpoint.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export async function handleConsent(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  return withPendingForm(ctx, request, async (form, { pending, client }) => {
    const session = await readSession(ctx, request)
    if (needsLogin(ctx, pending, session)) {
      return continueAuthorization(ctx, client, pending, session, {})
    }
    const decision = form.get('decision')
    if (decision === 'deny') {
      if (!(await takePending(ctx, pending.id))) {
        return renderErrorPage(ctx, { error: 'invalid_request', description: finishedDescription })
      }
      return redirectError(
        ctx,
        targetOf(pending),
        new OAuthError('access_denied', 'The user denied the request.'),
      )
    }
    if (decision !== 'approve') {
      return renderErrorPage(ctx, {
        error: 'invalid_request',
        description: 'Choose Allow or Deny.',
      })
    }
    if (!(await takePending(ctx, pending.id))) {
      return renderErrorPage(ctx, { error: 'invalid_request', description: finishedDescription })
    }
    await recordConsent(ctx, session.sub, client.client_id, pending.scopes)
    const entry = findResponseType(pending.responseType)
    if (!entry) throw new OAuthError('server_error', 'The response type is no longer supported.')
    const params = await entry.issue(ctx, {
      pending,
      sub: session.sub,
      authTime: session.authTime,
      sid: session.sid,
    })
    // Back-Channel Logout 1.0 §2.3: remember which clients this session answered.
    await rememberSessionClient(ctx, session.id, client.client_id)
    return redirectToClient(ctx, targetOf(pending), params)
  })
}
