import {
  type ApprovedAuthorization,
  type PendingAuthorization,
  pendingKind,
} from '../authorization-request'
import { type ClientRecord, clientScopes, findClient, isPublicClient } from '../clients'
import { lifetimes, type ServerContext } from '../context'
import { findUserBySub, findUserByUsername } from '../demo-data'
import { OAuthError } from '../errors'
import { renderConsentPage, renderErrorPage, renderLoginPage } from '../html'
import {
  parseParameters,
  readPageForm,
  redirectResponse,
  splitSpaceList,
  timingSafeEqual,
} from '../http'
import { s256ChallengePattern } from '../pkce'
import type { ResponseTypeDefinition } from '../response-types/response-type'
import { findResponseType } from '../response-types/response-type-table'
import {
  createSession,
  hasConsent,
  type LoginSession,
  readSession,
  recordConsent,
  sessionCookie,
} from '../session'

const promptValues = ['none', 'login', 'consent'] as const

/**
 * RFC 8252 §7.3: a native app's loopback redirect (an IP literal, not `localhost`) may use any
 * port; everything else must match the registered URI exactly, as a plain string.
 */
function redirectUriMatches(registered: string, requested: string): boolean {
  if (registered === requested) return true
  let a: URL
  let b: URL
  try {
    a = new URL(registered)
    b = new URL(requested)
  } catch {
    return false
  }
  const loopback = a.hostname === '127.0.0.1' || a.hostname === '[::1]'
  return (
    loopback &&
    a.protocol === 'http:' &&
    b.protocol === 'http:' &&
    a.hostname === b.hostname &&
    a.pathname === b.pathname &&
    a.search === b.search &&
    !requested.includes('#')
  )
}

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
 * Step 2 of the validation: the request itself. Its errors go back to the (now trusted) redirect
 * URI. Unknown parameters are ignored (RFC 6749 §3.1).
 */
function validateRequest(
  ctx: ServerContext,
  client: ClientRecord,
  values: Map<string, string>,
  repeated: string[],
  entry: ResponseTypeDefinition | undefined,
): Omit<PendingAuthorization, 'redirectUri' | 'redirectUriSent'> {
  if (values.has('request')) {
    throw new OAuthError('request_not_supported', 'Request objects are not supported.')
  }
  if (values.has('request_uri')) {
    throw new OAuthError('request_uri_not_supported', 'request_uri is not supported.')
  }
  if (repeated.length > 0) {
    throw new OAuthError(
      'invalid_request',
      `Parameters must not be repeated: ${repeated.join(', ')}.`,
    )
  }
  const responseType = values.get('response_type')
  if (responseType === undefined) {
    throw new OAuthError('invalid_request', 'response_type is required.')
  }
  if (!entry) {
    throw new OAuthError(
      'unsupported_response_type',
      `response_type ${responseType} is not supported by this server.`,
    )
  }
  if (entry.legacyOnly && client.legacy !== true) {
    throw new OAuthError(
      'unsupported_response_type',
      `response_type ${entry.responseType} is allowed only for legacy demo clients: ${entry.legacyOnly.reason} (${entry.legacyOnly.spec}).`,
    )
  }
  if (!client.response_types.includes(entry.responseType)) {
    throw new OAuthError(
      'unauthorized_client',
      `This client is not registered for response_type ${entry.responseType}.`,
    )
  }
  const responseMode = values.get('response_mode')
  if (responseMode !== undefined && responseMode !== entry.responseMode) {
    throw new OAuthError(
      'invalid_request',
      `response_mode ${responseMode} is not supported for response_type ${entry.responseType}.`,
    )
  }

  const scopes = [...new Set(splitSpaceList(values.get('scope')))]
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'scope is required.')
  const allowed = clientScopes(client)
  const refused = scopes.filter((scope) => !allowed.includes(scope))
  if (refused.length > 0) {
    throw new OAuthError('invalid_scope', `Unknown or not allowed scope: ${refused.join(' ')}.`)
  }

  const codeChallenge = values.get('code_challenge')
  const method = values.get('code_challenge_method')
  if (entry.usesPkce) {
    if (codeChallenge === undefined) {
      if (method !== undefined) {
        throw new OAuthError(
          'invalid_request',
          'code_challenge_method was sent without code_challenge.',
        )
      }
      if (isPublicClient(client)) {
        throw new OAuthError('invalid_request', 'PKCE is required: send code_challenge with S256.')
      }
    } else {
      // RFC 7636 §4.3: an absent method means plain, which this server refuses (S256 only).
      if (method !== 'S256') {
        throw new OAuthError(
          'invalid_request',
          'code_challenge_method must be S256 (an absent method means plain, which is refused).',
        )
      }
      if (!s256ChallengePattern.test(codeChallenge)) {
        throw new OAuthError(
          'invalid_request',
          'code_challenge must be 43 base64url characters (an S256 hash).',
        )
      }
    }
  }

  const nonce = values.get('nonce')
  if (entry.requiresNonce && nonce === undefined) {
    throw new OAuthError(
      'invalid_request',
      `nonce is required for response_type ${entry.responseType}.`,
    )
  }

  const prompt = [...new Set(splitSpaceList(values.get('prompt')))]
  const unknownPrompt = prompt.find((value) => !(promptValues as readonly string[]).includes(value))
  if (unknownPrompt !== undefined) {
    throw new OAuthError('invalid_request', `prompt ${unknownPrompt} is not supported.`)
  }
  if (prompt.includes('none') && prompt.length > 1) {
    throw new OAuthError('invalid_request', 'prompt=none cannot be combined with other values.')
  }

  const maxAgeText = values.get('max_age')
  if (maxAgeText !== undefined && !/^\d{1,9}$/.test(maxAgeText)) {
    throw new OAuthError('invalid_request', 'max_age must be a non-negative integer of seconds.')
  }

  const now = ctx.nowSeconds()
  const state = values.get('state')
  return {
    id: ctx.randomId(32),
    clientId: client.client_id,
    responseType: entry.responseType,
    scopes,
    ...(state === undefined ? {} : { state }),
    ...(nonce === undefined ? {} : { nonce }),
    ...(codeChallenge === undefined ? {} : { codeChallenge, codeChallengeMethod: 'S256' as const }),
    prompt,
    ...(maxAgeText === undefined ? {} : { maxAge: Number(maxAgeText) }),
    createdAt: now,
    expiresAt: now + lifetimes.pendingRequest,
  }
}

/**
 * `GET /as/authorize`.
 * 1. Client and redirect URI first: if either cannot be trusted, show an error page and never
 *    redirect (RFC 6749 §4.1.2.1; RFC 9700 §4.1.3 exact matching).
 * 2. Then the request; its errors are redirected with `error`, `state` and `iss`.
 * 3. Then the user: login page, consent page, or straight back with the response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export async function handleAuthorize(request: Request, ctx: ServerContext): Promise<Response> {
  const { values, repeated } = parseParameters(new URL(request.url).searchParams)
  const pageError = (error: string, description: string) =>
    renderErrorPage(ctx, { error, description })

  if (repeated.includes('client_id') || repeated.includes('redirect_uri')) {
    return pageError('invalid_request', 'client_id and redirect_uri must be sent once.')
  }
  const clientId = values.get('client_id')
  if (clientId === undefined) return pageError('invalid_request', 'client_id is missing.')
  const client = await findClient(ctx, clientId)
  if (!client) return pageError('invalid_client', `The client ${clientId} is not registered here.`)

  const requestedRedirect = values.get('redirect_uri')
  let redirectUri: string
  if (requestedRedirect === undefined) {
    const [only, ...others] = client.redirect_uris
    if (only === undefined || others.length > 0) {
      return pageError(
        'invalid_request',
        'redirect_uri is required because the client has not exactly one registered.',
      )
    }
    redirectUri = only
  } else {
    if (!client.redirect_uris.some((uri) => redirectUriMatches(uri, requestedRedirect))) {
      return pageError(
        'invalid_request',
        'redirect_uri does not exactly match any URI registered for this client.',
      )
    }
    redirectUri = requestedRedirect
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
    pending = {
      ...validateRequest(ctx, client, values, repeated, entry),
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
