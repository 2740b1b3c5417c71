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

/**
 * An answer the core built itself from a string (or no body): the body is kept as it was given,
 * so a host can write it as it is, without a Fetch Response and its stream in between. The
 * headers are a real `Headers`, so names, order and repeated `Set-Cookie` come out exactly as
 * they would from a Fetch Response (docs/decisions/137).
 */
export class PlainResponse {
  readonly status: number
  readonly headers: Headers
  readonly body: string | null

  /** A `Headers` passed in becomes the answer's own, not a copy: pass one built for it. */
  constructor(body: string | null, init: { status?: number; headers?: HeadersInit } = {}) {
    this.body = body
    this.status = init.status ?? 200
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers)
  }

  /** The same answer as a Fetch Response. */
  toResponse(): Response {
    return new Response(this.body, { status: this.status, headers: this.headers })
  }
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
