/**
 * The core's side of HTTP: the request it reads and the answer it builds. A Fetch Request and
 * Response fit; the Node adapter uses lighter ones that carry only this (docs/decisions/137).
 */

/**
 * What the core reads of an incoming request. A Fetch `Request` is one (the service worker and
 * `handle` callers pass theirs); the Node adapter passes a plain one built from node:http's
 * message, without undici's body stream, abort signal and header list (docs/decisions/137).
 */
export interface CoreRequest {
  readonly method: string
  /** The absolute URL. */
  readonly url: string
  /** `url` parsed, when the host parsed it already (Node): read, never changed. */
  readonly parsedUrl?: URL
  readonly headers: RequestHeaders
  /** As Fetch defines it; `about:client` when the host knows none (Node). */
  readonly referrer: string
  /** As Fetch defines it: `omit` for a request sent without cookies (`same-origin` in Node). */
  readonly credentials: RequestCredentials
  /** The body's bytes (empty without a body). A second read rejects, as with Fetch. */
  arrayBuffer(): Promise<ArrayBuffer>
  /** A copy whose body can be read once more. */
  clone(): CoreRequest
}

/** Header lookup by name, case-insensitive; repeated headers come back joined with `, `. */
export interface RequestHeaders {
  get(name: string): string | null
  has(name: string): boolean
}

/** @see https://fetch.spec.whatwg.org/#header-name (a token, RFC 9110 §5.6.2) */
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** @see https://fetch.spec.whatwg.org/#header-value (no NUL, CR or LF) */
const headerValuePattern = /^[^\0\r\n]*$/
/** Leading and trailing HTTP whitespace, which Fetch strips from values (Fetch §2.2, normalize). */
const headerWhitespace = /^[\t\n\r ]+|[\t\n\r ]+$/g

/**
 * An answer the core built itself from a string (or no body): the body is kept as it was given,
 * so a host can write it as it is, without a Fetch Response and its stream in between. Its
 * headers are kept as a plain list, checked and combined as Fetch's `Headers` does it, and a
 * real `Headers` is made only when someone reads `headers`; a host that only writes the answer
 * takes {@link PlainResponse.headerRecord} and never pays for one. Either way the names, their
 * order and every `Set-Cookie` come out as a Fetch Response gives them (docs/decisions/137, 144).
 */
export class PlainResponse {
  readonly status: number
  readonly body: string | null
  /** Lower-cased name → combined value; `set-cookie` kept apart, one entry per header. */
  #list: Map<string, string> | undefined
  #cookies: string[] = []
  #headers: Headers | undefined

  /** A `Headers` passed in becomes the answer's own, not a copy: pass one built for it. */
  constructor(body: string | null, init: { status?: number; headers?: HeadersInit } = {}) {
    this.body = body
    this.status = init.status ?? 200
    if (init.headers instanceof Headers) {
      this.#headers = init.headers
      return
    }
    this.#list = new Map()
    if (init.headers === undefined) return
    const entries = Array.isArray(init.headers)
      ? init.headers
      : Object.entries(init.headers as Record<string, string>)
    for (const [name, value] of entries as Iterable<[string, string]>) this.append(name, value)
  }

  /** The headers as a Fetch `Headers`, made on the first read; from then on the answer's own. */
  get headers(): Headers {
    if (!this.#headers) {
      const headers = new Headers()
      for (const [name, value] of this.#list ?? []) headers.set(name, value)
      for (const cookie of this.#cookies) headers.append('set-cookie', cookie)
      this.#headers = headers
      this.#list = undefined
    }
    return this.#headers
  }

  /** One header's value, as `Headers.get` answers it. */
  get(name: string): string | null {
    if (!this.#list) return this.headers.get(name)
    const lower = name.toLowerCase()
    if (lower === 'set-cookie') return this.#cookies.length > 0 ? this.#cookies.join(', ') : null
    return this.#list.get(lower) ?? null
  }

  /** Sets a header, as `Headers.set` does: a bad name or value throws a TypeError. */
  set(name: string, value: string): void {
    this.#add(name, value, 'replace')
  }

  /** Adds a header, as `Headers.append` does: values of one name are joined with `, `. */
  append(name: string, value: string): void {
    this.#add(name, value, 'combine')
  }

  #add(name: string, value: string, mode: 'replace' | 'combine'): void {
    if (!this.#list) {
      if (mode === 'replace') this.headers.set(name, value)
      else this.headers.append(name, value)
      return
    }
    const lower = checkedName(name)
    const normalised = checkedValue(value)
    const current = mode === 'combine' ? this.#list.get(lower) : undefined
    if (lower === 'set-cookie') {
      if (mode === 'replace') this.#cookies = [normalised]
      else this.#cookies.push(normalised)
    } else {
      this.#list.set(lower, current === undefined ? normalised : `${current}, ${normalised}`)
    }
  }

  /**
   * The headers as node:http's `writeHead` takes them, in the order a Fetch Response lists them
   * (names sorted, lower-cased), every `Set-Cookie` kept apart.
   */
  headerRecord(): Record<string, string | string[]> {
    if (!this.#list) return nodeHeaderRecord(this.headers)
    const record: Record<string, string | string[]> = {}
    for (const name of [...this.#list.keys()].sort()) record[name] = this.#list.get(name) as string
    if (this.#cookies.length > 0) record['set-cookie'] = [...this.#cookies]
    return record
  }

  /** A copy whose headers can be changed without touching this answer's. */
  clone(): PlainResponse {
    return this.withBody(this.body, this.status)
  }

  /**
   * A new answer with this one's headers (copied, checked already) and another body and status:
   * a module keeps a header-only answer as a template, so the headers every JSON answer carries
   * are checked once, not per request.
   */
  withBody(body: string | null, status: number): PlainResponse {
    if (!this.#list) return new PlainResponse(body, { status, headers: new Headers(this.headers) })
    const copy = new PlainResponse(body, { status })
    copy.#list = new Map(this.#list)
    if (this.#cookies.length > 0) copy.#cookies = [...this.#cookies]
    return copy
  }

  /** The same answer as a Fetch Response, its headers handed over as a list (no `Headers` between). */
  toResponse(): Response {
    if (!this.#list) return new Response(this.body, { status: this.status, headers: this.#headers })
    const headers: [string, string][] = [...this.#list]
    for (const cookie of this.#cookies) headers.push(['set-cookie', cookie])
    return new Response(this.body, { status: this.status, headers })
  }
}

/** A Fetch `Headers` as node:http's `writeHead` takes it: as a Fetch Response lists them, Set-Cookie apart. */
export function nodeHeaderRecord(headers: Headers): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {}
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') record[name] = value
  })
  const cookies = headers.getSetCookie()
  if (cookies.length > 0) record['set-cookie'] = cookies
  return record
}

function checkedName(name: string): string {
  if (!headerNamePattern.test(name)) throw new TypeError(`Invalid header name: ${name}`)
  return name.toLowerCase()
}

function checkedValue(value: string): string {
  const normalised = String(value).replace(headerWhitespace, '')
  if (!headerValuePattern.test(normalised)) throw new TypeError('Invalid header value.')
  return normalised
}

/** What a handler answers: a Fetch Response, or a {@link PlainResponse} the core built. */
export type CoreResponse = Response | PlainResponse

/** A handler's answer as a Fetch Response, for hosts that need one. */
export function toFetchResponse(response: CoreResponse): Response {
  return response instanceof PlainResponse ? response.toResponse() : response
}

/** Whether a value is a handler's answer (beside records it may return instead). */
export function isCoreResponse(value: unknown): value is CoreResponse {
  return value instanceof PlainResponse || value instanceof Response
}
