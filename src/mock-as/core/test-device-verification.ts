import type { AuthorizationServer } from './authorization-server'
import { mergeCookies } from './test-server'

export interface DrivenDeviceVerification {
  /** Every page the phone saw, in order: code form, sign-in (unless signed in), consent, result. */
  pages: Response[]
  /** The last page: "You may return to your device" or "Request denied". */
  last: Response
  /** The browser's cookies (a `Cookie` header) to send with a later visit. */
  cookie: string | undefined
}

function hiddenField(html: string, name: string): string {
  const value = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html)?.[1]
  if (value === undefined) throw new Error(`no hidden ${name} in the page`)
  return value
}

/**
 * Plays the person with the phone in the device flow (RFC 8628 §3.3): opens the verification
 * URL, submits the code it prefilled, signs in, and allows or denies — by posting the pages'
 * forms, as a browser would. For tests of the device grant.
 */
export async function driveDeviceVerification(
  server: AuthorizationServer,
  verificationUrl: string,
  options: {
    decision?: 'approve' | 'deny'
    username?: string
    cookie?: string
  } = {},
): Promise<DrivenDeviceVerification> {
  const base = new URL(verificationUrl)
  let cookie = options.cookie
  // As a browser posts the pages' forms: with its cookies and the page's Origin.
  const post = async (path: string, fields: Record<string, string>) => {
    const response = await server.handle(
      new Request(`${base.origin}${base.pathname}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: base.origin,
          ...(cookie ? { cookie } : {}),
        },
        body: new URLSearchParams(fields),
      }),
    )
    cookie = mergeCookies(cookie, response)
    return response
  }
  const pages: Response[] = []
  const first = await server.handle(new Request(verificationUrl))
  pages.push(first)
  const typed = /name="user_code" value="([^"]*)"/.exec(await first.clone().text())?.[1] ?? ''
  let page = await post('', { user_code: typed })
  pages.push(page)
  let html = await page.clone().text()
  if (html.includes('name="password"')) {
    const username = options.username ?? 'alice'
    page = await post('/login', {
      pending: hiddenField(html, 'pending'),
      username,
      password: `${username}-password`,
    })
    pages.push(page)
    html = await page.clone().text()
  }
  page = await post('/consent', {
    pending: hiddenField(html, 'pending'),
    decision: options.decision ?? 'approve',
  })
  pages.push(page)
  return { pages, last: page, cookie }
}
