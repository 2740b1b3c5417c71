import type { ServerContext } from './context'
import { readCookie, timingSafeEqual } from './http'
import { type CoreRequest, type CoreResponse, PlainResponse } from './request-response'

/**
 * RFC 6749 §10.12: the sign-in, consent and device-verification forms must count only when they
 * come from the browser that started the request, through this server's own page. A random
 * `pending` handle in the form is not enough: an attacker can start a request of their own, take
 * its handle, and make the victim's browser post it (the victim's session cookie goes along,
 * since another port of 127.0.0.1 is the same site). Two checks (docs/decisions/070):
 *
 * 1. **Interaction cookie** (`cookie` session mode, e.g. Node): the first page of a request sets
 *    an HttpOnly cookie with a random browser id, and the pending request (or device
 *    verification) records it. A form whose browser does not carry that id is refused. This is
 *    what oidc-provider's interaction cookie and Keycloak's `session_code`/`tab_id` do.
 * 2. **Origin** (both modes): a browser adds `Origin` to every form POST and no page can set it.
 *    The server's pages send `Referrer-Policy: same-origin`, so their forms carry this server's
 *    origin; anything else (another origin, or `null` from a page that hides its origin) is
 *    refused. In the service worker this is the proof that counts: a worker cannot set or read
 *    cookies, but Chromium shows it the `Origin` of an intercepted form post (checked in
 *    e2e/browser-binding.spec.ts), and each browser has its own worker state anyway, so no
 *    handle from another browser can exist there. Where a browser hides `Origin` from the worker,
 *    the request's referrer (same policy) stands in.
 */
export const interactionCookieName = 'grantlab_as_interaction'

const browserIdPattern = /^[A-Za-z0-9_-]{43}$/

/** What a new pending request or device verification is bound to, and the cookie to set. */
export interface BrowserBinding {
  /** The browser id (cookie mode); absent behind the service worker. */
  browserId?: string
  /** A `Set-Cookie` value to add to the page's response, when the browser had no id yet. */
  setCookie?: string
}

/**
 * The binding for a page this request is about to show. A browser that already has an id keeps
 * it, so requests in two tabs of one browser are both bound to that browser.
 */
export function bindingFor(ctx: ServerContext, request: CoreRequest): BrowserBinding {
  if (ctx.deps.sessionMode === 'this-browser') return {}
  const existing = readCookie(request, interactionCookieName)
  if (existing !== undefined && browserIdPattern.test(existing)) return { browserId: existing }
  const browserId = ctx.randomId(32)
  const secure = ctx.issuer.startsWith('https:') ? '; Secure' : ''
  return {
    browserId,
    setCookie: `${interactionCookieName}=${browserId}; Path=${ctx.issuerPath || '/'}; HttpOnly; SameSite=Lax; Max-Age=${ctx.lifetimes.loginSession}${secure}`,
  }
}

/** Adds the binding's cookie, if any, to a response. */
export function withBindingCookie(response: CoreResponse, binding: BrowserBinding): CoreResponse {
  if (!binding.setCookie) return response
  if (response instanceof PlainResponse) response.append('Set-Cookie', binding.setCookie)
  else response.headers.append('Set-Cookie', binding.setCookie)
  return response
}

/**
 * Why this form post is refused, in words for the page, or undefined when it may go on. A request
 * without `Origin` (curl, a test) passes the origin check; it has no victim's cookies either.
 */
export function checkFormOrigin(ctx: ServerContext, request: CoreRequest): string | undefined {
  const origin = request.headers.get('origin')
  const referrer = referrerOrigin(request)
  if (origin !== null) {
    if (origin === ctx.origin) return undefined
    return `This form was posted by another site (${origin === 'null' ? 'a page that hides its origin' : origin}), not by this server's own page. Nothing was signed in or approved. Forms count only when sent from the page this server showed you (RFC 6749 section 10.12).`
  }
  if (ctx.deps.sessionMode === 'this-browser' && referrer !== ctx.origin) {
    return "This form came from another site or an unknown page, not from this server's own page. Nothing was signed in or approved (RFC 6749 section 10.12)."
  }
  return undefined
}

function referrerOrigin(request: CoreRequest): string | undefined {
  try {
    const url = new URL(request.referrer)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined
  } catch {
    return undefined
  }
}

/**
 * The full check for a form that belongs to a pending request or device verification bound to
 * `boundTo`: the origin, then (cookie mode) that this browser carries the id it was bound to.
 */
export function checkBoundForm(
  ctx: ServerContext,
  request: CoreRequest,
  boundTo: string | undefined,
): string | undefined {
  const originProblem = checkFormOrigin(ctx, request)
  if (originProblem) return originProblem
  if (ctx.deps.sessionMode === 'this-browser') return undefined
  const carried = readCookie(request, interactionCookieName)
  if (boundTo === undefined || carried === undefined || !timingSafeEqual(carried, boundTo)) {
    return 'This sign-in request was started in another browser (or this browser lost its cookie), so this form was not accepted. Sign-in and consent must be finished in the browser that started them (RFC 6749 section 10.12). Start again from the application.'
  }
  return undefined
}
