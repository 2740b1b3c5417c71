/** Formatting helpers for the HTTP inspector (pure, unit-tested). */
import { type HttpRequestRecord, htmlPreviewLength } from '../mock-as/traffic.ts'

const statusTexts: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  302: 'Found',
  303: 'See Other',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
}

export function describeStatus(status: number): string {
  return statusTexts[status] ?? ''
}

/** "POST /as/token HTTP/1.1": the path and query, as on the wire. */
export function requestLine(request: Pick<HttpRequestRecord, 'method' | 'url'>): string {
  try {
    const url = new URL(request.url)
    return `${request.method} ${url.pathname}${url.search} HTTP/1.1`
  } catch {
    return `${request.method} ${request.url} HTTP/1.1`
  }
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value
  return undefined
}

/**
 * JSON pretty-printed; long HTML pages shortened; anything else as is. `length` is the page's
 * length when `body` is already only its start (the stored log).
 */
export function formatBody(
  body: string | null,
  headers: Record<string, string>,
  length = body?.length ?? 0,
): string | null {
  if (body === null || body === '') return null
  const type = headerValue(headers, 'content-type') ?? ''
  if (type.includes('json')) {
    try {
      return JSON.stringify(JSON.parse(body), null, 2)
    } catch {
      return body
    }
  }
  if (type.includes('text/html') && length > htmlPreviewLength) {
    return `${body.slice(0, htmlPreviewLength)}\n… (an HTML page of ${length} characters)`
  }
  return body
}

/** The decoded fields of a form-encoded request body, in order. */
export function formFields(request: HttpRequestRecord): [string, string][] {
  const type = headerValue(request.headers, 'content-type') ?? ''
  if (!request.body || !type.includes('application/x-www-form-urlencoded')) return []
  return [...new URLSearchParams(request.body).entries()]
}
