import { bindingFor, checkBoundForm, checkFormOrigin, withBindingCookie } from '../browser-binding'
import {
  type CibaRequestRecord,
  createCibaVisit,
  decideCibaRequest,
  findByHandle,
  findCibaVisit,
  pendingRequestsFor,
} from '../ciba-requests'
import { type ClientRecord, findClient } from '../clients'
import type { ServerContext } from '../context'
import { isKnownScope, scopeTable } from '../demo-data'
import { displayName } from '../directory'
import { clientLabel, escapeHtml, htmlPage } from '../html'
import { readPageForm } from '../http'
import { checkPassword, lockedMessage } from '../password-attempts'
import type { CoreRequest, CoreResponse } from '../request-response'
import { createSession, type LoginSession, readSession, sessionCookie } from '../session'
import { authenticationDeviceUri } from './backchannel-authentication'

/**
 * The authentication device of CIBA (OpenID Connect CIBA Core §8): the page a user's phone shows
 * when an application they do not sit in front of (a call-centre agent's app, a kiosk) asks for
 * their approval. Plain HTML forms, no script; framed by the app's own origin in the walkthrough,
 * as the device pages are (docs/decisions/051, 111).
 * - `GET /as/ciba`: sign in (`username`, `password`), or, when signed in, every request waiting
 *   for this user with the client's name, the scopes and the binding message, each with Allow and
 *   Deny (`decision=approve|deny`). `?prompt=login` signs in as someone else.
 * - `POST /as/ciba/login`: the same password check and lock as every other sign-in page (073).
 * - `POST /as/ciba/decision`: records the answer on the request; the client learns it at its next
 *   poll. The form names the request by a random handle and carries a token of this page visit,
 *   bound to the signed-in user and to this browser; posts from other sites are refused (070).
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.8
 */

const frameAncestors = 'self'

function cibaPath(ctx: ServerContext, suffix = ''): string {
  return `${authenticationDeviceUri(ctx)}${suffix}`
}

const intro =
  '<p class="hint">This page plays your phone’s authenticator app. An application that you do not sit in front of — a call-centre agent’s screen, a kiosk — asked for your approval; nothing happens until you answer here.</p>'

function signInPage(
  ctx: ServerContext,
  init: { error?: string; status?: number; username?: string } = {},
): CoreResponse {
  const error = init.error ? `<p class="error" role="alert">${escapeHtml(init.error)}</p>` : ''
  return htmlPage(ctx, {
    title: 'Sign in to approve requests',
    status: init.status ?? 200,
    frameAncestors,
    body: `<h1>Sign in to approve requests</h1>
${intro}
${error}
<form method="post" action="${escapeHtml(cibaPath(ctx, '/login'))}">
<label for="username">Username</label>
<input id="username" name="username" value="${escapeHtml(init.username ?? '')}" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Demo users: <code>alice</code> / <code>alice-password</code> and <code>bob</code> / <code>bob-password</code>.</p>`,
  })
}

function scopeList(scopes: string[]): string {
  return scopes
    .map((scope) => {
      const words = isKnownScope(scope) ? scopeTable[scope].description : scope
      return `<li>${escapeHtml(words)} (<code>${escapeHtml(scope)}</code>)</li>`
    })
    .join('\n')
}

function minutesLeft(ctx: ServerContext, record: CibaRequestRecord): string {
  const minutes = Math.max(1, Math.ceil((record.expiresAt - ctx.nowSeconds()) / 60))
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}

function requestSection(
  ctx: ServerContext,
  visit: string,
  record: CibaRequestRecord,
  client: ClientRecord,
  position: number,
): string {
  const headingId = `request-${position}`
  const binding = record.bindingMessage
    ? `<p>Binding message: <strong class="binding">${escapeHtml(record.bindingMessage)}</strong></p>
<p>Allow only if the application, or the person you are talking to, shows you this same message.</p>`
    : '<p>This request has no binding message: allow it only if you know you just asked for it.</p>'
  return `<section aria-labelledby="${headingId}" class="request">
<h2 id="${headingId}">${escapeHtml(client.client_name)}</h2>
<p>${clientLabel(client)} asks to:</p>
<ul>
${scopeList(record.scopes)}
</ul>
${binding}
<p class="hint">Expires in ${minutesLeft(ctx, record)}.</p>
<form method="post" action="${escapeHtml(cibaPath(ctx, '/decision'))}">
<input type="hidden" name="pending" value="${escapeHtml(visit)}">
<input type="hidden" name="request" value="${escapeHtml(record.handle)}">
<button type="submit" name="decision" value="approve" aria-describedby="${headingId}">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary" aria-describedby="${headingId}">Deny</button>
</form>
</section>`
}

/** The signed-in user's waiting requests; a new visit token for their forms. */
async function requestsPage(
  ctx: ServerContext,
  request: CoreRequest,
  session: LoginSession,
  init: { error?: string; status?: number } = {},
): Promise<CoreResponse> {
  const binding = bindingFor(ctx, request)
  const visit = await createCibaVisit(ctx, session.sub, binding.browserId)
  const user = ctx.directory.userBySub(session.sub)
  const sections: string[] = []
  for (const record of await pendingRequestsFor(ctx, session.sub)) {
    const client = await findClient(ctx, record.clientId)
    if (client) sections.push(requestSection(ctx, visit, record, client, sections.length + 1))
  }
  const error = init.error ? `<p class="error" role="alert">${escapeHtml(init.error)}</p>` : ''
  const list =
    sections.length === 0
      ? `<p>No requests are waiting for you.</p>
<p><a href="${escapeHtml(cibaPath(ctx))}">Check again</a></p>`
      : `<p>${sections.length === 1 ? 'One request is' : `${sections.length} requests are`} waiting for you.</p>
${sections.join('\n')}`
  return withBindingCookie(
    htmlPage(ctx, {
      title: 'Requests for your approval',
      status: init.status ?? 200,
      frameAncestors,
      body: `<h1>Requests for your approval</h1>
<p>Signed in as <strong>${escapeHtml(displayName(user, session.sub))}</strong>. <a href="${escapeHtml(cibaPath(ctx, '?prompt=login'))}">Sign in as someone else</a></p>
${intro}
${error}
${list}`,
    }),
    binding,
  )
}

function resultPage(ctx: ServerContext, approved: boolean, client: ClientRecord): CoreResponse {
  const body = approved
    ? `<h1>Request allowed</h1>
<p>You allowed ${clientLabel(client)}. It gets its tokens the next time it asks this server; nothing is sent to it from here.</p>`
    : `<h1>Request denied</h1>
<p>You denied ${clientLabel(client)}. The next time it asks this server, it is told that you said no.</p>`
  return htmlPage(ctx, {
    title: approved ? 'Request allowed' : 'Request denied',
    frameAncestors,
    body: `${body}
<p><a href="${escapeHtml(cibaPath(ctx))}">Back to your requests</a></p>`,
  })
}

/** `GET /as/ciba`: the sign-in form, or the waiting requests of the signed-in user. */
export async function handleAuthenticationDevicePage(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const prompt = new URL(request.url).searchParams.get('prompt')
  const session = prompt === 'login' ? undefined : await readSession(ctx, request)
  return session ? requestsPage(ctx, request, session) : signInPage(ctx)
}

/**
 * `POST /as/ciba/login` (`username`, `password`): a sign-in posted by another site's page is
 * refused (login CSRF, RFC 6749 §10.12); wrong passwords count against the username on every
 * sign-in page alike (RFC 6749 §10.10).
 */
export async function handleAuthenticationDeviceLogin(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const form = await readPageForm(request)
  const refused = checkFormOrigin(ctx, request)
  if (refused) return signInPage(ctx, { error: refused, status: 403 })
  const username = form.get('username') ?? ''
  const checked = await checkPassword(ctx, username, form.get('password') ?? '')
  if (!checked.ok) {
    return signInPage(ctx, {
      username: username.slice(0, 100),
      error:
        checked.reason === 'locked'
          ? lockedMessage(checked.retryAfter)
          : 'That username and password do not match a demo user. Try again.',
      status: checked.reason === 'locked' ? 429 : 401,
    })
  }
  const session = await createSession(ctx, checked.sub)
  const response = await requestsPage(ctx, request, session)
  response.headers.append('Set-Cookie', sessionCookie(ctx, session))
  return response
}

/**
 * `POST /as/ciba/decision` (`pending` = the visit token, `request` = the request's handle,
 * `decision=approve|deny`). The visit must be live and bound to this browser, the session must be
 * the visit's user, and the request must still wait for that user; otherwise nothing changes and
 * the page says why.
 */
export async function handleAuthenticationDeviceDecision(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const form = await readPageForm(request)
  const originProblem = checkFormOrigin(ctx, request)
  if (originProblem) return signInPage(ctx, { error: originProblem, status: 403 })
  const session = await readSession(ctx, request)
  const visit = await findCibaVisit(ctx, form.get('pending'))
  if (!session) {
    return signInPage(ctx, {
      error: 'Sign in first: only the person a request is for can answer it.',
      status: 401,
    })
  }
  if (!visit || visit.sub !== session.sub) {
    return requestsPage(ctx, request, session, {
      error:
        'That page was out of date, so nothing was answered. Here are the requests waiting now.',
      status: 400,
    })
  }
  const bound = checkBoundForm(ctx, request, visit.browserId)
  if (bound) return signInPage(ctx, { error: bound, status: 403 })
  const decision = form.get('decision')
  const handle = form.get('request')
  const record =
    handle && /^[A-Za-z0-9_-]{1,100}$/.test(handle) ? await findByHandle(ctx, handle) : undefined
  const client = record && (await findClient(ctx, record.clientId))
  if (decision !== 'approve' && decision !== 'deny') {
    return requestsPage(ctx, request, session, { error: 'Choose Allow or Deny.', status: 400 })
  }
  if (!record || !client || record.sub !== session.sub) {
    return requestsPage(ctx, request, session, {
      error: 'No such request is waiting for you, so nothing was answered.',
      status: 400,
    })
  }
  const recorded = await decideCibaRequest(
    ctx,
    record.authReqId,
    decision === 'approve'
      ? { approved: true, sub: session.sub, authTime: session.authTime }
      : { approved: false, sub: session.sub },
  )
  if (!recorded) {
    return requestsPage(ctx, request, session, {
      error: 'That request was already answered or has expired, so nothing changed.',
      status: 400,
    })
  }
  return resultPage(ctx, decision === 'approve', client)
}
