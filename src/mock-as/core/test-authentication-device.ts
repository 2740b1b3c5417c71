import type { AuthorizationServer } from './authorization-server'
import { mergeCookies } from './test-server'

export interface DrivenAuthenticationDevice {
  /** Every page the phone saw, in order: sign-in (unless signed in), the requests, the result. */
  pages: Response[]
  /** The requests page the decision was made on (its HTML). */
  requestsHtml: string
  /** The last page: "Request allowed" or "Request denied" (or a refusal). */
  last: Response
  /** The browser's cookies (a `Cookie` header) to send with a later visit. */
  cookie: string | undefined
}

/** The Allow/Deny form of one request section: its hidden fields. */
export function decisionFields(html: string, bindingMessage?: string): Record<string, string> {
  const sections = html.split('<section').slice(1)
  const section = bindingMessage
    ? sections.find((candidate) => candidate.includes(`class="binding">${bindingMessage}<`))
    : sections[0]
  if (section === undefined) throw new Error('no such request on the authentication device page')
  const fields: Record<string, string> = {}
  for (const match of section.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    if (match[1] !== undefined) fields[match[1]] = match[2] ?? ''
  }
  return fields
}

/**
 * Plays the user with the phone in CIBA (CIBA Core §8): opens the authentication device's page
 * (`{issuer}/ciba`), signs in if asked, and allows or denies one waiting request (the one with
 * `bindingMessage`, or the first) by posting the page's forms with the cookies and `Origin` a
 * browser sends. For tests of the CIBA grant.
 */
export async function driveAuthenticationDevice(
  server: AuthorizationServer,
  issuer: string,
  options: {
    decision?: 'approve' | 'deny'
    username?: string
    bindingMessage?: string
    cookie?: string
  } = {},
): Promise<DrivenAuthenticationDevice> {
  const origin = new URL(issuer).origin
  let cookie = options.cookie
  const post = async (path: string, fields: Record<string, string>) => {
    const response = await server.handle(
      new Request(`${issuer}/ciba${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin,
          ...(cookie ? { cookie } : {}),
        },
        body: new URLSearchParams(fields),
      }),
    )
    cookie = mergeCookies(cookie, response)
    return response
  }
  const pages: Response[] = []
  let page = await server.handle(
    new Request(`${issuer}/ciba`, { headers: cookie ? { cookie } : {} }),
  )
  cookie = mergeCookies(cookie, page)
  pages.push(page)
  let html = await page.clone().text()
  if (html.includes('name="password"')) {
    const username = options.username ?? 'alice'
    page = await post('/login', { username, password: `${username}-password` })
    pages.push(page)
    html = await page.clone().text()
  }
  const requestsHtml = html
  page = await post('/decision', {
    ...decisionFields(html, options.bindingMessage),
    decision: options.decision ?? 'approve',
  })
  pages.push(page)
  return { pages, requestsHtml, last: page, cookie }
}
