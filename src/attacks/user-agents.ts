/**
 * The pieces of a user agent that are not a browser frame: reading a page's form, and the
 * attacker's browser of the lab, which is `fetch` without credentials (docs/decisions/128). The
 * victim's browser is a frame on the page (`frame-user-agent.ts`).
 */
import type { HasFetch } from '../flows/http-capture.ts'
import type { BrowserPage, UserAgent } from './attack-model.ts'

export interface PageForm {
  action: string
  method: string
  /** The form's hidden fields, by name. */
  fields: Record<string, string>
}

const decodeEntities = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

/** The first form of a page this server or the attacker's server wrote (they write no other). */
export function readPageForm(html: string, base: string): PageForm | undefined {
  const form = /<form([^>]*)>([\s\S]*?)<\/form>/.exec(html)
  if (!form) return undefined
  const attributes = form[1] ?? ''
  const action = /action="([^"]*)"/.exec(attributes)?.[1]
  const method = /method="([^"]*)"/.exec(attributes)?.[1] ?? 'get'
  const fields: Record<string, string> = {}
  for (const input of (form[2] ?? '').matchAll(
    /<input type="hidden" name="([^"]*)" value="([^"]*)">/g,
  )) {
    fields[decodeEntities(input[1] ?? '')] = decodeEntities(input[2] ?? '')
  }
  return {
    action: new URL(decodeEntities(action ?? ''), base).href,
    method: method.toLowerCase(),
    fields,
  }
}

/** Whether the page is the server's sign-in page (it asks for a password). */
export function isSignInPage(page: BrowserPage): boolean {
  return page.html?.includes('name="password"') === true
}

/** Whether the page is the server's consent page (it offers Allow and Deny). */
export function isConsentPage(page: BrowserPage): boolean {
  return page.html?.includes('name="decision" value="approve"') === true
}

async function toPage(response: Response): Promise<BrowserPage> {
  const html = response.headers.get('content-type')?.startsWith('text/html')
    ? await response.text()
    : undefined
  return { url: response.url || undefined, status: response.status, html }
}

/**
 * The attacker's own browser in the lab: the page's `fetch`, without credentials, so the server
 * sees a browser without the learner's session, following redirects as a browser does.
 */
export function createFetchUserAgent(): UserAgent {
  return {
    async open(url, via: HasFetch) {
      return toPage(await via.fetch(url, { credentials: 'omit', redirect: 'follow' }))
    },
    async submit(page, fields, button, via: HasFetch) {
      const form = page.html && page.url ? readPageForm(page.html, page.url) : undefined
      if (!form) throw new Error(`There is no form to submit on ${page.url ?? 'this page'}.`)
      const body = new URLSearchParams({
        ...form.fields,
        ...fields,
        ...(button ? { [button.name]: button.value } : {}),
      })
      return toPage(
        await via.fetch(form.action, {
          method: 'POST',
          body,
          credentials: 'omit',
          redirect: 'follow',
        }),
      )
    },
  }
}
