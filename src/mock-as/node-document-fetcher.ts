/**
 * The fetch the Node mock server gives its core for Client ID Metadata Documents
 * (docs/decisions/122). The core has no DNS, so this is where a name is resolved and refused when
 * any of its addresses is loopback, private or reserved (draft §6.5, SSRF), unless the URL's
 * origin is one the host trusts (the server's own loopback origin, for the demo document). The
 * request then goes to the address that was checked, so a second lookup cannot swap it (DNS
 * rebinding). Redirects are never followed: node:http does not follow them, and the core refuses
 * the 3xx it gets back.
 */
import { lookup } from 'node:dns/promises'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { Readable } from 'node:stream'
import type { ClientMetadataDocumentPolicy } from './core/deps'
import { isSpecialUseHost } from './core/special-use-addresses'

type Lookup = (host: string) => Promise<{ address: string; family: number }[]>

export interface NodeDocumentFetcherOptions {
  /** Origins whose loopback or private addresses may be reached (the server's own). */
  trustedOrigins?: readonly string[]
  /** For tests: how names resolve (default: the system resolver). */
  resolve?: Lookup
}

export function createNodeDocumentFetcher(
  options: NodeDocumentFetcherOptions = {},
): ClientMetadataDocumentPolicy['fetch'] {
  const resolve: Lookup = options.resolve ?? ((host) => lookup(host, { all: true, verbatim: true }))
  return async (url, init) => {
    const target = new URL(url)
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      throw new Error(`the scheme ${target.protocol} is not fetched`)
    }
    const trusted = (options.trustedOrigins ?? []).includes(target.origin)
    const host = target.hostname.replace(/^\[|\]$/g, '')
    const addresses = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await resolve(host).catch(() => {
          throw new Error(`the name ${host} does not resolve`)
        })
    if (addresses.length === 0) throw new Error(`the name ${host} does not resolve`)
    if (!trusted) {
      const special = addresses.find((entry) => isSpecialUseHost(entry.address))
      if (special) {
        throw new Error(
          `${host} resolves to ${special.address}, a loopback, private or reserved address`,
        )
      }
    }
    const [pinned] = addresses
    if (!pinned) throw new Error(`the name ${host} does not resolve`)
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise<Response>((resolveResponse, reject) => {
      const outgoing = send(
        target,
        {
          method: 'GET',
          headers: init.headers,
          signal: init.signal,
          // Connect to the address checked above, whatever a new lookup would say.
          lookup: (_hostname, lookupOptions, callback) => {
            if ((lookupOptions as { all?: boolean }).all) {
              callback(null, [{ address: pinned.address, family: pinned.family }])
            } else {
              callback(null, pinned.address, pinned.family)
            }
          },
        },
        (incoming) => {
          const headers = new Headers()
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value === undefined) continue
            for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
          }
          const status = incoming.statusCode ?? 502
          const bodyless = status === 204 || status === 304 || (status >= 100 && status < 200)
          resolveResponse(
            new Response(
              bodyless ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>),
              { status: status < 200 || status > 599 ? 502 : status, headers },
            ),
          )
        },
      )
      outgoing.on('error', reject)
      outgoing.end()
    })
  }
}
