import { bindingFor, checkBoundForm, checkFormOrigin, withBindingCookie } from '../browser-binding'
import { type ClientRecord, findClient } from '../clients'
import type { ServerContext } from '../context'
import {
  createVerification,
  type DeviceCodeRecord,
  decideDeviceCode,
  findByUserCode,
  findByVerification,
  formatUserCode,
  normalizeUserCode,
} from '../device-codes'
import { displayName } from '../directory'
import { clientLabel, escapeHtml, htmlPage, renderConsentPage, renderLoginPage } from '../html'
import { readPageForm } from '../http'
import { checkPassword, lockedMessage } from '../password-attempts'
import { type CoreRequest, type CoreResponse, isCoreResponse } from '../request-response'
import {
  createSession,
  type LoginSession,
  readSession,
  rememberSessionClient,
  sessionCookie,
} from '../session'
import { recordWrongUserCode, userCodeEntryBlockedFor } from '../user-code-attempts'

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
): CoreResponse {
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
): CoreResponse {
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

type Loaded = PendingDevice | CoreResponse

/** Still waiting for the user, and its client still registered? Otherwise the page says why. */
async function checkPending(
  ctx: ServerContext,
  record: DeviceCodeRecord,
  refuse: (error: string) => CoreResponse,
): Promise<Omit<PendingDevice, 'token'> | CoreResponse> {
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

/**
 * Finds the pending device request for what the user typed, or the page that says why not. Wrong
 * codes are counted, and while too many were tried the page refuses every code (RFC 8628 §5.1).
 */
async function loadByUserCode(
  ctx: ServerContext,
  typed: string | undefined,
  browserId: string | undefined,
): Promise<Loaded> {
  const refuse = (error: string, status = 400) =>
    renderCodePage(ctx, { value: typed ?? '', error, status })
  if (typed === undefined || typed.trim() === '') return refuse('Enter the code your device shows.')
  const blockedFor = await userCodeEntryBlockedFor(ctx)
  if (blockedFor !== undefined) {
    return refuse(
      `Too many wrong codes were entered here in the last minute, so no code is accepted for ${blockedFor} more second${blockedFor === 1 ? '' : 's'}. This stops anyone from guessing codes (RFC 8628 section 5.1). Wait, then enter the code again.`,
      429,
    )
  }
  const userCode = normalizeUserCode(typed)
  const record = userCode === undefined ? undefined : await findByUserCode(ctx, userCode)
  if (!record) {
    await recordWrongUserCode(ctx)
    return refuse(
      userCode === undefined
        ? 'That is not a code from this server: codes are eight letters such as BCDF-GHJK. Check your device and try again.'
        : 'No device is waiting for this code. Check the code on your device and try again.',
    )
  }
  const checked = await checkPending(ctx, record, refuse)
  if (isCoreResponse(checked)) return checked
  return { ...checked, token: await createVerification(ctx, record, browserId) }
}

/**
 * Finds the pending device request a sign-in or consent form belongs to, by its token, and checks
 * that the form came from the browser the code was entered in (`browser-binding.ts`).
 */
async function loadByToken(
  ctx: ServerContext,
  request: CoreRequest,
  token: string | undefined,
): Promise<Loaded> {
  const refuse = (error: string, status = 400) => renderCodePage(ctx, { error, status })
  const found = await findByVerification(ctx, token)
  if (!found || token === undefined) {
    return refuse('This page is out of date. Enter the code your device shows again.')
  }
  const refused = checkBoundForm(ctx, request, found.verification.browserId)
  if (refused) return refuse(refused, 403)
  const checked = await checkPending(ctx, found.record, refuse)
  if (isCoreResponse(checked)) return checked
  return { ...checked, token }
}

function consentPage(
  ctx: ServerContext,
  loaded: PendingDevice,
  session: LoginSession,
): CoreResponse {
  const user = ctx.directory.userBySub(session.sub)
  const shown = formatUserCode(loaded.record.userCode)
  return renderConsentPage(ctx, {
    pendingId: loaded.token,
    client: loaded.client,
    redirectOrigin: ctx.origin,
    userName: displayName(user, session.sub),
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
): CoreResponse {
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
export async function handleDevicePage(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const value = new URL(request.url).searchParams.get('user_code') ?? ''
  return renderCodePage(ctx, { value })
}

/**
 * `POST /as/device` (`user_code`): sign-in page, or the consent page if already signed in. A code
 * posted by another site's page is refused: it would put the attacker's device in front of a
 * signed-in user (RFC 8628 §5.4).
 */
export async function handleDeviceCode(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const form = await readPageForm(request)
  const refused = checkFormOrigin(ctx, request)
  if (refused) return renderCodePage(ctx, { error: refused, status: 403 })
  const binding = bindingFor(ctx, request)
  const loaded = await loadByUserCode(ctx, form.get('user_code'), binding.browserId)
  if (isCoreResponse(loaded)) return loaded
  const session = await readSession(ctx, request)
  return withBindingCookie(
    session ? consentPage(ctx, loaded, session) : loginPage(ctx, loaded),
    binding,
  )
}

/**
 * `POST /as/device/login` (`pending` = the page token, `username`, `password`). Wrong passwords
 * count against the username, as on the other sign-in page (RFC 6749 §10.10).
 */
export async function handleDeviceLogin(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const form = await readPageForm(request)
  const loaded = await loadByToken(ctx, request, form.get('pending'))
  if (isCoreResponse(loaded)) return loaded
  const checked = await checkPassword(ctx, form.get('username') ?? '', form.get('password') ?? '')
  if (!checked.ok) {
    return loginPage(ctx, loaded, {
      error:
        checked.reason === 'locked'
          ? lockedMessage(checked.retryAfter)
          : 'That username and password do not match a demo user. Try again.',
      status: checked.reason === 'locked' ? 429 : 401,
    })
  }
  const session = await createSession(ctx, checked.sub, request)
  const response = consentPage(ctx, loaded, session)
  response.headers.append('Set-Cookie', sessionCookie(ctx, session))
  return response
}

/**
 * `POST /as/device/consent` (`pending`, `decision=approve|deny`): records the decision on the
 * device code, atomically and only while it is still pending. The device learns it at its next
 * poll; nothing is pushed to it.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.3
 */
export async function handleDeviceConsent(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const form = await readPageForm(request)
  const loaded = await loadByToken(ctx, request, form.get('pending'))
  if (isCoreResponse(loaded)) return loaded
  const session = await readSession(ctx, request)
  if (!session) return loginPage(ctx, loaded)
  const decision = form.get('decision')
  if (decision !== 'approve' && decision !== 'deny') return consentPage(ctx, loaded, session)
  const { record, client } = loaded
  const recorded = await decideDeviceCode(
    ctx,
    record.deviceCode,
    decision === 'approve'
      ? { approved: true, sub: session.sub, authTime: session.authTime, sid: session.sid }
      : { approved: false },
  )
  // Back-Channel Logout 1.0 §2.3: the device's client now has a session with this server.
  if (recorded && decision === 'approve') {
    await rememberSessionClient(ctx, session.id, record.clientId)
  }
  if (!recorded) {
    return renderCodePage(ctx, {
      error: 'This code was already used. Start again on your device to get a new code.',
      status: 400,
    })
  }
  return renderDonePage(ctx, { approved: decision === 'approve', client })
}
