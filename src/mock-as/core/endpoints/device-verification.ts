import { type ClientRecord, findClient } from '../clients'
import type { ServerContext } from '../context'
import { findUserBySub, findUserByUsername } from '../demo-data'
import {
  createVerification,
  type DeviceCodeRecord,
  findByUserCode,
  findByVerification,
  formatUserCode,
  normalizeUserCode,
  saveDeviceCode,
} from '../device-codes'
import { clientLabel, escapeHtml, htmlPage, renderConsentPage, renderLoginPage } from '../html'
import { readPageForm, timingSafeEqual } from '../http'
import { createSession, type LoginSession, readSession, sessionCookie } from '../session'

/**
 * The verification pages, where the user finishes on a second device (a phone, a laptop) what
 * the input-constrained device started: enter the user code, sign in, allow or deny. Plain HTML
 * forms, no script. The walkthrough shows these pages in a frame beside the device, so they may
 * be framed by pages of this origin (docs/decisions/051).
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 */

const frameAncestors = 'self'

function devicePath(ctx: ServerContext, suffix = ''): string {
  return `${ctx.issuer}/device${suffix}`
}

/** The page with the code field; `error` explains why the last code was refused. */
function renderCodePage(
  ctx: ServerContext,
  init: { value?: string; error?: string; status?: number },
): Response {
  const error = init.error
    ? `<p class="error" role="alert" id="user-code-error">${escapeHtml(init.error)}</p>`
    : ''
  const describedBy = init.error ? 'user-code-hint user-code-error' : 'user-code-hint'
  return htmlPage(ctx, {
    title: 'Connect a device',
    status: init.status ?? 200,
    frameAncestors,
    body: `<h1>Connect a device</h1>
<p>Enter the code that your device (a TV, a console, a command-line tool) shows.</p>
${error}
<form method="post" action="${escapeHtml(devicePath(ctx))}">
<label for="user_code">Code from your device</label>
<input id="user_code" name="user_code" value="${escapeHtml(init.value ?? '')}" autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="${describedBy}" required>
<p class="hint" id="user-code-hint">Eight letters, for example <code>BCDF-GHJK</code>. Upper or lower case, with or without the dash.</p>
<button type="submit">Continue</button>
</form>`,
  })
}

function renderDonePage(
  ctx: ServerContext,
  init: { approved: boolean; client: ClientRecord },
): Response {
  const body = init.approved
    ? `<h1>Device connected</h1>
<p>You allowed ${clientLabel(init.client)}. You may return to your device: it will pick up its access the next time it asks this server.</p>
<p class="hint">Nothing is sent to the device from here. The device keeps asking the token endpoint until it gets its tokens.</p>`
    : `<h1>Request denied</h1>
<p>You denied ${clientLabel(init.client)}. You may return to your device: the next time it asks this server, it is told that access was denied.</p>`
  return htmlPage(ctx, {
    title: init.approved ? 'Device connected' : 'Request denied',
    body,
    frameAncestors,
  })
}

interface PendingDevice {
  record: DeviceCodeRecord
  client: ClientRecord
  /** The random token the sign-in and consent forms carry (see `createVerification`). */
  token: string
}

type Loaded = PendingDevice | Response

/** Still waiting for the user, and its client still registered? Otherwise the page says why. */
async function checkPending(
  ctx: ServerContext,
  record: DeviceCodeRecord,
  refuse: (error: string) => Response,
): Promise<Omit<PendingDevice, 'token'> | Response> {
  if (record.expiresAt <= ctx.nowSeconds()) {
    return refuse('This code has expired. Start again on your device to get a new code.')
  }
  if (record.status !== 'pending') {
    return refuse('This code was already used. Start again on your device to get a new code.')
  }
  const client = await findClient(ctx, record.clientId)
  if (!client) return refuse('The application that asked for this code is no longer registered.')
  return { record, client }
}

/** Finds the pending device request for what the user typed, or the page that says why not. */
async function loadByUserCode(ctx: ServerContext, typed: string | undefined): Promise<Loaded> {
  const refuse = (error: string) => renderCodePage(ctx, { value: typed ?? '', error, status: 400 })
  if (typed === undefined || typed.trim() === '') return refuse('Enter the code your device shows.')
  const userCode = normalizeUserCode(typed)
  if (userCode === undefined) {
    return refuse(
      'That is not a code from this server: codes are eight letters such as BCDF-GHJK. Check your device and try again.',
    )
  }
  const record = await findByUserCode(ctx, userCode)
  if (!record) {
    return refuse(
      'No device is waiting for this code. Check the code on your device and try again.',
    )
  }
  const checked = await checkPending(ctx, record, refuse)
  if (checked instanceof Response) return checked
  return { ...checked, token: await createVerification(ctx, record) }
}

/** Finds the pending device request a sign-in or consent form belongs to, by its token. */
async function loadByToken(ctx: ServerContext, token: string | undefined): Promise<Loaded> {
  const refuse = (error: string) => renderCodePage(ctx, { error, status: 400 })
  const record = await findByVerification(ctx, token)
  if (!record || token === undefined) {
    return refuse('This page is out of date. Enter the code your device shows again.')
  }
  const checked = await checkPending(ctx, record, refuse)
  if (checked instanceof Response) return checked
  return { ...checked, token }
}

function consentPage(ctx: ServerContext, loaded: PendingDevice, session: LoginSession): Response {
  const user = findUserBySub(session.sub)
  const shown = formatUserCode(loaded.record.userCode)
  return renderConsentPage(ctx, {
    pendingId: loaded.token,
    client: loaded.client,
    redirectOrigin: ctx.origin,
    userName: user?.name ?? session.sub,
    scopes: loaded.record.scopes,
    action: devicePath(ctx, '/consent'),
    // RFC 8628 §5.4: a code someone else sent you could be a phishing attempt.
    notice: `Allow only if you started this on your own device and it shows the code ${shown}.`,
    frameAncestors,
  })
}

function loginPage(
  ctx: ServerContext,
  loaded: PendingDevice,
  extra: { error?: string; status?: number } = {},
): Response {
  return renderLoginPage(ctx, {
    pendingId: loaded.token,
    client: loaded.client,
    redirectOrigin: ctx.origin,
    action: devicePath(ctx, '/login'),
    frameAncestors,
    ...extra,
  })
}

/**
 * `GET /as/device`: the code form. `verification_uri_complete` adds `?user_code=…`, which fills
 * the field in; the user still confirms it, so a link alone approves nothing.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3.1
 */
export async function handleDevicePage(request: Request, ctx: ServerContext): Promise<Response> {
  const value = new URL(request.url).searchParams.get('user_code') ?? ''
  return renderCodePage(ctx, { value })
}

/** `POST /as/device` (`user_code`): sign-in page, or the consent page if already signed in. */
export async function handleDeviceCode(request: Request, ctx: ServerContext): Promise<Response> {
  const form = await readPageForm(request)
  const loaded = await loadByUserCode(ctx, form.get('user_code'))
  if (loaded instanceof Response) return loaded
  const session = await readSession(ctx, request)
  return session ? consentPage(ctx, loaded, session) : loginPage(ctx, loaded)
}

/** `POST /as/device/login` (`pending` = the page token, `username`, `password`). */
export async function handleDeviceLogin(request: Request, ctx: ServerContext): Promise<Response> {
  const form = await readPageForm(request)
  const loaded = await loadByToken(ctx, form.get('pending'))
  if (loaded instanceof Response) return loaded
  const user = findUserByUsername(form.get('username') ?? '')
  if (!user || !timingSafeEqual(form.get('password') ?? '', user.password)) {
    return loginPage(ctx, loaded, {
      error: 'That username and password do not match a demo user. Try again.',
      status: 401,
    })
  }
  const session = await createSession(ctx, user.sub)
  const response = consentPage(ctx, loaded, session)
  response.headers.append('Set-Cookie', sessionCookie(ctx, session))
  return response
}

/**
 * `POST /as/device/consent` (`pending`, `decision=approve|deny`): records the decision on the
 * device code. The device learns it at its next poll; nothing is pushed to it.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 */
export async function handleDeviceConsent(request: Request, ctx: ServerContext): Promise<Response> {
  const form = await readPageForm(request)
  const loaded = await loadByToken(ctx, form.get('pending'))
  if (loaded instanceof Response) return loaded
  const session = await readSession(ctx, request)
  if (!session) return loginPage(ctx, loaded)
  const decision = form.get('decision')
  if (decision !== 'approve' && decision !== 'deny') return consentPage(ctx, loaded, session)
  const { record, client } = loaded
  await saveDeviceCode(
    ctx,
    decision === 'approve'
      ? { ...record, status: 'approved', sub: session.sub, authTime: session.authTime }
      : { ...record, status: 'denied' },
  )
  return renderDonePage(ctx, { approved: decision === 'approve', client })
}
