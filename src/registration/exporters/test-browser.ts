/**
 * A very small browser for tests that go through real sign-in pages over HTTP: it keeps cookies
 * per host (as browsers do, whatever the port), follows redirects one by one, reads HTML forms
 * and submits them with the headers a browser sends with a form post (Origin, Referer,
 * Sec-Fetch-*). It runs no script: the pages it drives work without JavaScript.
 */
export type Form = {
  action: string
  method: string
  /** Hidden and prefilled fields, as the form would send them. */
  fields: Record<string, string>
  /** Every named submit button: name and value. */
  buttons: { name: string; value: string; label: string }[]
  /** Names of the visible text and password inputs. */
  inputs: string[]
}

export type Page = { url: string; status: number; response: Response; html: string }

type Cookie = { name: string; value: string; path: string }

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag)
  const raw = match?.[1] ?? match?.[2] ?? match?.[3]
  return raw === undefined ? undefined : decodeEntities(raw)
}

function decodeEntities(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&#x27;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}

/** Every form on a page, with its action resolved against the page's URL. */
export function readForms(html: string, pageUrl: string): Form[] {
  const forms: Form[] = []
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, attributes = '', body = ''] = match
    const tag = `<form ${attributes}>`
    const form: Form = {
      action: new URL(attribute(tag, 'action') ?? pageUrl, pageUrl).href,
      method: (attribute(tag, 'method') ?? 'get').toLowerCase(),
      fields: {},
      buttons: [],
      inputs: [],
    }
    for (const input of body.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input[0], 'name')
      if (!name) continue
      const type = (attribute(input[0], 'type') ?? 'text').toLowerCase()
      const value = attribute(input[0], 'value') ?? ''
      if (type === 'submit') form.buttons.push({ name, value, label: value })
      else if (type === 'hidden' || value !== '') form.fields[name] = value
      if (type === 'text' || type === 'password' || type === 'email') form.inputs.push(name)
    }
    for (const button of body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const buttonTag = `<button ${button[1] ?? ''}>`
      const name = attribute(buttonTag, 'name')
      const type = (attribute(buttonTag, 'type') ?? 'submit').toLowerCase()
      if (!name || type !== 'submit') continue
      form.buttons.push({
        name,
        value: attribute(buttonTag, 'value') ?? '',
        label: (button[2] ?? '').replace(/<[^>]*>/g, '').trim(),
      })
    }
    forms.push(form)
  }
  return forms
}

export class TestBrowser {
  /** host → cookies; like a browser, cookies are not kept apart by port. */
  readonly #cookies = new Map<string, Cookie[]>()
  /** Every URL this browser requested, in order. */
  readonly visited: string[] = []

  cookieHeader(url: string): string | undefined {
    const { hostname, pathname } = new URL(url)
    const cookies = (this.#cookies.get(hostname) ?? []).filter((cookie) =>
      pathname.startsWith(cookie.path),
    )
    return cookies.length > 0
      ? cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')
      : undefined
  }

  #store(url: string, response: Response): void {
    const { hostname } = new URL(url)
    const jar = this.#cookies.get(hostname) ?? []
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...parts] = line.split(';')
      const equals = pair.indexOf('=')
      if (equals <= 0) continue
      const name = pair.slice(0, equals).trim()
      const value = pair.slice(equals + 1).trim()
      const attributes = new Map(
        parts.map((part) => {
          const [key = '', ...rest] = part.split('=')
          return [key.trim().toLowerCase(), rest.join('=').trim()] as const
        }),
      )
      const path = attributes.get('path') || '/'
      const expires = attributes.get('expires')
      const gone =
        attributes.get('max-age') === '0' ||
        (expires !== undefined && Date.parse(expires) < Date.now())
      const others = jar.filter((cookie) => !(cookie.name === name && cookie.path === path))
      jar.length = 0
      jar.push(...others, ...(gone ? [] : [{ name, value, path }]))
    }
    this.#cookies.set(hostname, jar)
  }

  /** Every request and its status, for a test's failure message. */
  readonly log: string[] = []

  async #request(
    url: string,
    init: { method?: string; body?: URLSearchParams; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    this.visited.push(url)
    const cookie = this.cookieHeader(url)
    let response: Response
    try {
      response = await fetch(url, {
        method: init.method ?? 'GET',
        redirect: 'manual',
        signal: AbortSignal.timeout(20_000),
        headers: {
          accept: 'text/html,application/json;q=0.9,*/*;q=0.8',
          ...(cookie ? { cookie } : {}),
          ...init.headers,
        },
        ...(init.body ? { body: init.body } : {}),
      })
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      throw new Error(`${init.method ?? 'GET'} ${url} failed: ${why}\n${this.log.join('\n')}`)
    }
    this.log.push(`${response.status} ${init.method ?? 'GET'} ${url}`)
    this.#store(url, response)
    return response
  }

  /**
   * Opens a URL and follows redirects, the way a browser does, until a page answers or the next
   * hop is one `stopAt` says the test wants to see instead (a redirect URI nobody listens on).
   */
  async open(
    url: string,
    options: { stopAt?: (url: string) => boolean; referrer?: string } = {},
  ): Promise<Page> {
    let current = url
    let site = options.referrer ? siteRelation(options.referrer, url) : 'none'
    for (let hop = 0; hop < 20; hop += 1) {
      const response = await this.#request(current, {
        headers: {
          'sec-fetch-site': site,
          'sec-fetch-mode': 'navigate',
          'sec-fetch-dest': 'document',
        },
      })
      const location = response.headers.get('location')
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current).href
        if (options.stopAt?.(next)) return this.#page(next, response, '')
        site = siteRelation(current, next)
        current = next
        continue
      }
      return this.#page(current, response, await response.text())
    }
    throw new Error(`too many redirects from ${url}`)
  }

  /** Submits a form as a person pressing `button` (or the form's first button) would. */
  async submit(
    page: Page,
    form: Form,
    values: Record<string, string> = {},
    options: { button?: { name: string; value: string }; stopAt?: (url: string) => boolean } = {},
  ): Promise<Page> {
    const body = new URLSearchParams({ ...form.fields, ...values })
    const button = options.button ?? form.buttons[0]
    if (button) body.set(button.name, button.value)
    if (form.method !== 'post') {
      const target = new URL(form.action)
      target.search = body.toString()
      return this.open(target.href, { ...options, referrer: page.url })
    }
    const response = await this.#request(form.action, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: new URL(page.url).origin,
        referer: page.url,
        'sec-fetch-site': siteRelation(page.url, form.action),
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'document',
      },
    })
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, form.action).href
      if (options.stopAt?.(next)) return this.#page(next, response, '')
      return this.open(next, { ...options, referrer: form.action })
    }
    return this.#page(form.action, response, await response.text())
  }

  #page(url: string, response: Response, html: string): Page {
    return { url, status: response.status, response, html }
  }
}

function siteRelation(from: string, to: string): string {
  const a = new URL(from)
  const b = new URL(to)
  if (a.origin === b.origin) return 'same-origin'
  return a.hostname === b.hostname ? 'same-site' : 'cross-site'
}

/**
 * Signs in and consents on whatever sign-in pages the server shows, until `done` recognises the
 * page (normally: the browser is being sent to the client's redirect URI, which `stopAt` keeps it
 * from following). Fills the one text input and the one password input of a sign-in form, and
 * presses the approving button of a consent form.
 */
export async function signInAndConsent(
  browser: TestBrowser,
  start: Page,
  init: {
    username: string
    password: string
    done: (page: Page) => boolean
    stopAt?: (url: string) => boolean
    approve?: RegExp
  },
): Promise<Page> {
  let page = start
  const follow = init.stopAt ? { stopAt: init.stopAt } : {}
  for (let step = 0; step < 8; step += 1) {
    if (init.done(page)) return page
    const forms = readForms(page.html, page.url)
    const login = forms.find((form) => form.inputs.some((name) => /pass/i.test(name)))
    if (login) {
      const user = login.inputs.find((name) => !/pass/i.test(name))
      const password = login.inputs.find((name) => /pass/i.test(name)) as string
      page = await browser.submit(
        page,
        login,
        { ...(user ? { [user]: init.username } : {}), [password]: init.password },
        follow,
      )
      continue
    }
    const approve = init.approve ?? /^(allow|approve|continue|yes|confirm)/i
    const consent = forms.find((form) =>
      form.buttons.some((button) => approve.test(button.label) || approve.test(button.value)),
    )
    const button = consent?.buttons.find(
      (candidate) => approve.test(candidate.label) || approve.test(candidate.value),
    )
    const anyForm = consent ?? (forms.length === 1 ? forms[0] : undefined)
    if (!anyForm) {
      throw new Error(
        `no sign-in or consent form at ${page.url} (${page.status}): ${page.html.slice(0, 300)}`,
      )
    }
    page = await browser.submit(page, anyForm, {}, { ...(button ? { button } : {}), ...follow })
  }
  throw new Error('the sign-in did not finish within eight pages')
}
