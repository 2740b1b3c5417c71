import {
  type ApprovedAuthorization,
  type PendingAuthorization,
  pendingKind,
  resolveRedirectUri,
  validateAuthorizationParameters,
} from '../authorization-request'
import { type ClientRecord, findClient } from '../clients'
import type { ServerContext } from '../context'
import { findUserBySub, findUserByUsername } from '../demo-data'
import { OAuthError } from '../errors'
import { renderConsentPage, renderErrorPage, renderLoginPage } from '../html'
import { parseParameters, readPageForm, redirectResponse, timingSafeEqual } from '../http'
import { consumePushedRequest } from '../pushed-authorization-requests'
import { findResponseType } from '../response-types/response-type-table'
import {
  createSession,
  hasConsent,
  type LoginSession,
  readSession,
  recordConsent,
  sessionCookie,
} from '../session'

/** The CSP source for the redirect URI: its origin, or its scheme for a native app's private-use URI. */
function formTargetOf(redirectUri: string): string {
  const url = new URL(redirectUri)
  return url.origin === 'null' ? url.protocol : url.origin
}

/** Sends the result back to the client: the response type's parameters plus `state` and `iss`. */
function redirectToClient(
  ctx: ServerContext,
  target: { redirectUri: string; mode: 'query' | 'fragment'; state?: string },
  params: Record<string, string>,
): Response {
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
): Response {
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
export async function handleAuthorize(request: Request, ctx: ServerContext): Promise<Response> {
  const { values, repeated } = parseParameters(new URL(request.url).searchParams)
  const pageError = (error: string, description: string) =>
    renderErrorPage(ctx, { error, description })

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
  const client = await findClient(ctx, clientId)
  if (!client) return pageError('invalid_client', `The client ${clientId} is not registered here.`)

  const requestUri = values.get('request_uri')
  if (requestUri !== undefined) {
    // RFC 9126 §4: the pushed parameters are the request; other query parameters are ignored.
    const pushed = await consumePushedRequest(ctx, requestUri, client.client_id)
    if (typeof pushed === 'string') return pageError('invalid_request', pushed)
    return continueAuthorization(ctx, client, pushed, await readSession(ctx, request))
  }

  const requestedRedirect = values.get('redirect_uri')
  let redirectUri: string
  try {
    redirectUri = resolveRedirectUri(client, requestedRedirect)
  } catch (error) {
    if (error instanceof OAuthError) return pageError(error.error, error.description)
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
      ...validateAuthorizationParameters(ctx, client, values, repeated),
      redirectUri,
      redirectUriSent: requestedRedirect !== undefined,
    }
  } catch (error) {
    if (error instanceof OAuthError) return redirectError(ctx, target, error)
    throw error
  }
  return continueAuthorization(ctx, client, pending, await readSession(ctx, request))
}

/** Decides what the user sees next for a validated request, or finishes it. */
async function continueAuthorization(
  ctx: ServerContext,
  client: ClientRecord,
  pending: PendingAuthorization,
  session: LoginSession | undefined,
): Promise<Response> {
  const now = ctx.nowSeconds()
  const target = targetOf(pending)
  const loggedInForThisRequest = session !== undefined && pending.loginSessionId === session.id
  const tooOld =
    session !== undefined && pending.maxAge !== undefined && now - session.authTime > pending.maxAge
  const needsLogin =
    session === undefined ||
    (!loggedInForThisRequest && (pending.prompt.includes('login') || tooOld))
  const redirectOrigin = formTargetOf(pending.redirectUri)

  if (needsLogin) {
    if (pending.prompt.includes('none')) {
      await ctx.deps.store.delete(pendingKind, pending.id)
      return redirectError(ctx, target, new OAuthError('login_required', 'The user must sign in.'))
    }
    await ctx.deps.store.put(pendingKind, pending.id, pending)
    return renderLoginPage(ctx, { pendingId: pending.id, client, redirectOrigin })
  }

  const consented = await hasConsent(ctx, session.sub, client.client_id, pending.scopes)
  if (!consented || pending.prompt.includes('consent')) {
    if (pending.prompt.includes('none')) {
      await ctx.deps.store.delete(pendingKind, pending.id)
      return redirectError(
        ctx,
        target,
        new OAuthError('consent_required', 'The user has not approved these scopes yet.'),
      )
    }
    await ctx.deps.store.put(pendingKind, pending.id, pending)
    const user = findUserBySub(session.sub)
    return renderConsentPage(ctx, {
      pendingId: pending.id,
      client,
      redirectOrigin,
      userName: user?.name ?? session.sub,
      scopes: pending.scopes,
    })
  }

  return finishAuthorization(ctx, pending, {
    pending,
    sub: session.sub,
    authTime: session.authTime,
  })
}

async function finishAuthorization(
  ctx: ServerContext,
  pending: PendingAuthorization,
  approved: ApprovedAuthorization,
): Promise<Response> {
  await ctx.deps.store.delete(pendingKind, pending.id)
  const entry = findResponseType(pending.responseType)
  if (!entry) throw new OAuthError('server_error', 'The response type is no longer supported.')
  const params = await entry.issue(ctx, approved)
  return redirectToClient(ctx, targetOf(pending), params)
}

/** Loads the pending request a form refers to, or explains on a page why it cannot. */
async function loadPending(
  ctx: ServerContext,
  form: Map<string, string>,
): Promise<{ pending: PendingAuthorization; client: ClientRecord } | Response> {
  const id = form.get('pending')
  const pending = id ? await ctx.deps.store.get<PendingAuthorization>(pendingKind, id) : undefined
  if (!pending || pending.expiresAt <= ctx.nowSeconds()) {
    return renderErrorPage(ctx, {
      error: 'invalid_request',
      description:
        'This sign-in request is unknown, finished or expired. Start again from the application.',
    })
  }
  const client = await findClient(ctx, pending.clientId)
  if (!client) {
    return renderErrorPage(ctx, { error: 'invalid_client', description: 'The client is gone.' })
  }
  return { pending, client }
}

/**
 * `POST /as/authorize/login`: the login form (`pending`, `username`, `password`). On success the
 * login session is stored and its cookie set, then the request continues (consent or redirect).
 */
export async function handleLogin(request: Request, ctx: ServerContext): Promise<Response> {
  const form = await readPageForm(request)
  const loaded = await loadPending(ctx, form)
  if (loaded instanceof Response) return loaded
  const { pending, client } = loaded
  const user = findUserByUsername(form.get('username') ?? '')
  const password = form.get('password') ?? ''
  if (!user || !timingSafeEqual(password, user.password)) {
    return renderLoginPage(ctx, {
      pendingId: pending.id,
      client,
      redirectOrigin: formTargetOf(pending.redirectUri),
      error: 'That username and password do not match a demo user. Try again.',
      status: 401,
    })
  }
  const session = await createSession(ctx, user.sub)
  const updated: PendingAuthorization = { ...pending, loginSessionId: session.id }
  const response = await continueAuthorization(ctx, client, updated, session)
  response.headers.append('Set-Cookie', sessionCookie(ctx, session))
  return response
}

/**
 * `POST /as/authorize/consent`: `decision=approve` issues the response; `decision=deny` sends
 * `access_denied` back with the exact `state` and `iss`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export async function handleConsent(request: Request, ctx: ServerContext): Promise<Response> {
  const form = await readPageForm(request)
  const loaded = await loadPending(ctx, form)
  if (loaded instanceof Response) return loaded
  const { pending, client } = loaded
  const session = await readSession(ctx, request)
  if (!session) return continueAuthorization(ctx, client, pending, undefined)
  const decision = form.get('decision')
  if (decision === 'deny') {
    await ctx.deps.store.delete(pendingKind, pending.id)
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
  await recordConsent(ctx, session.sub, client.client_id, pending.scopes)
  return finishAuthorization(ctx, pending, {
    pending,
    sub: session.sub,
    authTime: session.authTime,
  })
}
