import type { ClientRecord } from './clients'
import type { ServerContext } from './context'
import { isKnownScope, scopeTable } from './demo-data'
import { type CoreRequest, type CoreResponse, PlainResponse } from './request-response'

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/** The stylesheet of the server's own pages, served at `/as/assets/style.css` (no inline styles). */
export const stylesheet = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1a1d23;line-height:1.5}
main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #c9ced6;border-radius:.5rem}
h1{font-size:1.5rem;margin:0 0 1rem}
p,ul{margin:0 0 1rem}
label{display:block;font-weight:600;margin:0 0 .25rem}
input{display:block;width:100%;padding:.5rem;margin:0 0 1rem;font:inherit;border:1px solid #5b6472;border-radius:.25rem}
button{font:inherit;padding:.5rem 1.25rem;border-radius:.25rem;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer;margin-right:.5rem}
button.secondary{background:#fff;color:#1d4ed8}
button:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.error{color:#9b1c1c;background:#fdecec;border:1px solid #9b1c1c;border-radius:.25rem;padding:.5rem .75rem}
.hint{color:#4a5260;font-size:.9rem}
code{font-family:ui-monospace,monospace;background:#eef0f3;padding:0 .2rem;border-radius:.2rem}
h2{font-size:1.15rem;margin:0 0 .5rem}
.request{border-top:1px solid #c9ced6;padding-top:1rem;margin-top:1rem}
.binding{font-family:ui-monospace,monospace;font-size:1.15rem;letter-spacing:.05em}
@media (max-width:30rem){body{background:#fff}main{margin:0;padding:1rem;border:0;border-radius:0}}
`.trim()

/**
 * Who may show a page in a frame: nobody (the default, against clickjacking, RFC 6749 §10.13), or
 * pages of this origin only (the device verification pages, which the walkthrough embeds as the
 * "phone" beside the device; docs/decisions/051).
 */
export type FrameAncestors = 'none' | 'self'

/**
 * A Content-Security-Policy for the pages: no script at all, styles only from our stylesheet, and
 * forms may post to us and be redirected to the client's redirect URI origin.
 */
function contentSecurityPolicy(formTargets: string[], frameAncestors: FrameAncestors): string {
  const targets = ["'self'", ...new Set(formTargets)].join(' ')
  return `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${targets}; base-uri 'none'; frame-ancestors '${frameAncestors}'`
}

export function htmlPage(
  ctx: ServerContext,
  init: {
    title: string
    body: string
    status?: number
    formTargets?: string[]
    headers?: Record<string, string>
    frameAncestors?: FrameAncestors
  },
): CoreResponse {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(init.title)} · Grantlab mock authorization server</title>
<link rel="stylesheet" href="${escapeHtml(ctx.issuer)}/assets/style.css">
</head>
<body>
<main>
${init.body}
</main>
</body>
</html>
`
  return new PlainResponse(html, {
    status: init.status ?? 200,
    headers: {
      'Content-Type': 'text/html;charset=UTF-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': contentSecurityPolicy(
        init.formTargets ?? [],
        init.frameAncestors ?? 'none',
      ),
      'X-Content-Type-Options': 'nosniff',
      // Nothing of these pages' URLs leaves the origin, but their own form posts carry this
      // origin in `Origin` (with no-referrer they would say `null`): browser-binding.ts checks it.
      'Referrer-Policy': 'same-origin',
      ...init.headers,
    },
  })
}

export function clientLabel(client: ClientRecord): string {
  return `<strong>${escapeHtml(client.client_name)}</strong> (<code>${escapeHtml(client.client_id)}</code>)`
}

export function renderLoginPage(
  ctx: ServerContext,
  init: {
    pendingId: string
    client: ClientRecord
    redirectOrigin: string
    error?: string
    status?: number
    /** Where the form posts; the authorization endpoint's login by default. */
    action?: string
    frameAncestors?: FrameAncestors
  },
): CoreResponse {
  const error = init.error ? `<p class="error" role="alert">${escapeHtml(init.error)}</p>` : ''
  return htmlPage(ctx, {
    title: 'Sign in',
    status: init.status ?? 200,
    formTargets: [init.redirectOrigin],
    ...(init.frameAncestors ? { frameAncestors: init.frameAncestors } : {}),
    body: `<h1>Sign in</h1>
<p>${clientLabel(init.client)} wants you to sign in at the Grantlab mock authorization server.</p>
${error}
<form method="post" action="${escapeHtml(init.action ?? `${ctx.endpoints.authorization}/login`)}">
<input type="hidden" name="pending" value="${escapeHtml(init.pendingId)}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Demo users: <code>alice</code> / <code>alice-password</code> and <code>bob</code> / <code>bob-password</code>.</p>`,
  })
}

export function renderConsentPage(
  ctx: ServerContext,
  init: {
    pendingId: string
    client: ClientRecord
    redirectOrigin: string
    userName: string
    scopes: string[]
    /** Where the form posts; the authorization endpoint's consent by default. */
    action?: string
    /** A paragraph shown above the buttons (plain text). */
    notice?: string
    frameAncestors?: FrameAncestors
  },
): CoreResponse {
  const items = init.scopes
    .map((scope) => {
      const words = isKnownScope(scope) ? scopeTable[scope].description : scope
      return `<li>${escapeHtml(words)} (<code>${escapeHtml(scope)}</code>)</li>`
    })
    .join('\n')
  return htmlPage(ctx, {
    title: 'Allow access?',
    formTargets: [init.redirectOrigin],
    ...(init.frameAncestors ? { frameAncestors: init.frameAncestors } : {}),
    body: `<h1>Allow access?</h1>
<p>You are signed in as <strong>${escapeHtml(init.userName)}</strong>.</p>
<p>${clientLabel(init.client)} asks to:</p>
<ul>
${items}
</ul>
${
  init.notice
    ? `<p>${escapeHtml(init.notice)}</p>
`
    : ''
}<form method="post" action="${escapeHtml(init.action ?? `${ctx.endpoints.authorization}/consent`)}">
<input type="hidden" name="pending" value="${escapeHtml(init.pendingId)}">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  })
}

/**
 * The page shown instead of a redirect when the client or its redirect URI cannot be trusted
 * (RFC 6749 §4.1.2.1): sending the user there could make this server an open redirector.
 */
export function renderErrorPage(
  ctx: ServerContext,
  init: {
    error: string
    description: string
    status?: number
    /** What the user should make of it; by default, why the server did not redirect. */
    explanation?: string
    /** What was refused, for the title: an authorization request (default) or a logout request. */
    kind?: 'authorization' | 'logout'
    frameAncestors?: FrameAncestors
  },
): CoreResponse {
  const explanation =
    init.explanation ??
    'The server did not send you back to the application, because it could not be sure where that would take you. Go back to the application and start again.'
  const what = init.kind === 'logout' ? 'logout' : 'authorization'
  return htmlPage(ctx, {
    title: `${what === 'logout' ? 'Logout' : 'Authorization'} request refused`,
    status: init.status ?? 400,
    ...(init.frameAncestors ? { frameAncestors: init.frameAncestors } : {}),
    body: `<h1>This ${what} request was refused</h1>
<p class="error" role="alert"><code>${escapeHtml(init.error)}</code>: ${escapeHtml(init.description)}</p>
<p>${escapeHtml(explanation)}</p>`,
  })
}

/**
 * RP-Initiated Logout 1.0 §2: the question the server must ask when the request does not prove
 * it is about this session (no `id_token_hint`, or one of another session). A form bound to this
 * browser like the consent form (browser-binding.ts): another site cannot post it.
 */
export function renderLogoutConfirmPage(
  ctx: ServerContext,
  init: {
    pendingId: string
    client?: ClientRecord
    userName: string
    /** Why the server asks, in a sentence. */
    reason: string
    /** The post-logout redirect's origin, for the CSP's form-action. */
    redirectOrigin?: string
  },
): CoreResponse {
  const who = init.client
    ? `${clientLabel(init.client)} asks to sign you out of the Grantlab mock authorization server.`
    : 'An application asks to sign you out of the Grantlab mock authorization server, without saying which one it is.'
  return htmlPage(ctx, {
    title: 'Sign out?',
    formTargets: init.redirectOrigin ? [init.redirectOrigin] : [],
    body: `<h1>Sign out?</h1>
<p>You are signed in as <strong>${escapeHtml(init.userName)}</strong>.</p>
<p>${who}</p>
<p class="hint">${escapeHtml(init.reason)}</p>
<form method="post" action="${escapeHtml(`${ctx.endpoints.endSession}/confirm`)}">
<input type="hidden" name="pending" value="${escapeHtml(init.pendingId)}">
<button type="submit" name="decision" value="logout">Sign out</button>
<button type="submit" name="decision" value="stay" class="secondary">Stay signed in</button>
</form>
<p class="hint">Signing out here ends your session at this server: every application that signed you in through it is told, and the next sign-in asks for your password again.</p>`,
  })
}

/** The end of a logout that has no registered place to send the browser back to. */
export function renderSignedOutPage(
  ctx: ServerContext,
  init: { signedOut: boolean; client?: ClientRecord },
): CoreResponse {
  const back = init.client
    ? `<p>You can close this tab, or go back to ${clientLabel(init.client)}.</p>`
    : '<p>You can close this tab.</p>'
  return htmlPage(ctx, {
    title: init.signedOut ? 'Signed out' : 'Still signed in',
    body: init.signedOut
      ? `<h1>You are signed out</h1>
<p>Your session at the Grantlab mock authorization server has ended.</p>
${back}`
      : `<h1>You are still signed in</h1>
<p>Nothing changed: your session at the Grantlab mock authorization server goes on.</p>
${back}`,
  })
}

export async function handleStylesheet(
  _request: CoreRequest,
  _ctx: ServerContext,
): Promise<CoreResponse> {
  return new PlainResponse(stylesheet, {
    headers: { 'Content-Type': 'text/css;charset=UTF-8', 'Cache-Control': 'public, max-age=3600' },
  })
}
