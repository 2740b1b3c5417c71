import { createServer, type Server } from 'node:http'

/**
 * A stand-in for an attacker's page on another port of 127.0.0.1: the same site as the mock
 * server (ports do not make sites), another origin. `GET /post?to=URL&name=value…` answers a page
 * that posts those fields to URL as soon as it loads, the classic cross-site request forgery;
 * `GET /cb` is the attacker's redirect URI and remembers every query it receives.
 */
export interface AttackerSite {
  origin: string
  /** A page that auto-posts `fields` to `target` (with `Referrer-Policy: no-referrer`). */
  postUrl(target: string, fields: Record<string, string>): string
  /** The queries that reached `/cb`. */
  received: URLSearchParams[]
  close(): Promise<void>
}

export async function startAttackerSite(port: number): Promise<AttackerSite> {
  const origin = `http://127.0.0.1:${port}`
  const received: URLSearchParams[] = []
  const escapeHtml = (value: string) =>
    value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin)
    if (url.pathname === '/post') {
      const to = url.searchParams.get('to') ?? ''
      const inputs = [...url.searchParams]
        .filter(([name]) => name !== 'to')
        .map(
          ([name, value]) =>
            `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
        )
        .join('')
      response.writeHead(200, {
        'content-type': 'text/html',
        // The attacker hides where the post comes from as far as a browser lets it: Origin: null.
        'referrer-policy': 'no-referrer',
      })
      response.end(
        `<!doctype html><title>Win a prize</title><form id="f" method="post" action="${escapeHtml(to)}">${inputs}</form><script>document.getElementById('f').submit()</script>`,
      )
      return
    }
    if (url.pathname === '/cb') received.push(url.searchParams)
    response.writeHead(200, { 'content-type': 'text/html' })
    response.end(
      `<!doctype html><title>Attacker</title><h1>Attacker site</h1><p>${escapeHtml(url.search)}</p>`,
    )
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    origin,
    received,
    postUrl(target, fields) {
      const url = new URL('/post', origin)
      url.searchParams.set('to', target)
      for (const [name, value] of Object.entries(fields)) url.searchParams.set(name, value)
      return url.href
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
