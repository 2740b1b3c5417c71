/**
 * The Content-Security-Policy of the app's pages, and the response headers that must carry what a
 * `<meta>` policy cannot (docs/decisions/080). One source for `vite preview` / `npm start`, the
 * dev server, the `_headers` file in the build and the README's table.
 *
 * - `frame-ancestors` is ignored in a meta element (CSP Level 3, "frame-ancestors":
 *   https://www.w3.org/TR/CSP3/#directive-frame-ancestors), so only a header stops other sites
 *   from framing the app (clickjacking, RFC 6749 §10.13).
 * - `'self'`, not `'none'`: the device walkthrough frames the server's verification page from the
 *   app's own origin (docs/decisions/051). The server's pages send their own policy from the worker.
 * - `X-Frame-Options: SAMEORIGIN` (RFC 7034 §2.1) for browsers that predate frame-ancestors;
 *   browsers that know frame-ancestors ignore it.
 */

/** The policy the build writes into index.html as a meta tag (DESIGN: no inline script). */
export const metaContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

export const frameAncestors = "frame-ancestors 'self'"

/** What a host serving the built app must send with every response (`vite preview`, `npm start`). */
export const builtAppHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `${metaContentSecurityPolicy}; ${frameAncestors}`,
  'X-Frame-Options': 'SAMEORIGIN',
}

/**
 * The dev server's headers: only the framing rules, because Vite's dev server injects inline
 * styles for hot reload, which the full policy would block.
 */
export const devServerHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': frameAncestors,
  'X-Frame-Options': 'SAMEORIGIN',
}

/** The `_headers` file that Netlify and Cloudflare Pages read from the build's root folder. */
export function headersFile(headers: Readonly<Record<string, string>> = builtAppHeaders): string {
  const lines = Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`)
  return `/*\n${lines.join('\n')}\n`
}
