/**
 * The demo client's back-channel logout endpoint (`grantlab-logout`, at
 * `/demo-client/backchannel-logout`): the relying party's side of OpenID Connect Back-Channel
 * Logout 1.0. It is not part of the authorization server: it only knows the issuer, its own
 * client_id and how to fetch the server's metadata and keys, as any relying party does. Behind
 * the service worker it is a route the worker serves (docs/decisions/108).
 *
 * - `POST`: a logout token (`logout_token`, form body). It is checked step by step as §2.6 asks,
 *   answered 200 or 400 (§2.8), and recorded with each check's result.
 * - `GET`: what it received, newest first, so the logout walkthrough can show it.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JWK } from 'jose'
import { backchannelLogoutEvent, logoutTokenType } from '../core/backchannel-logout.ts'
import type { Clock, Store } from '../core/deps.ts'
import { OAuthError } from '../core/errors.ts'
import { jsonResponse, mediaType, parseParameters, readBodyText } from '../core/http.ts'

export interface DemoClientDeps {
  /** The authorization server this client trusts. */
  issuer: string
  clientId: string
  /** The algorithm its ID tokens (and so its logout tokens) are signed with: RS256 by default. */
  signingAlg?: 'RS256' | 'ES256'
  store: Store
  clock: Clock
  /** How the client reaches the authorization server (metadata and keys). */
  fetch: (request: Request) => Promise<Response>
}

/** One rule of §2.6 and how the token fared against it. */
export interface LogoutTokenCheck {
  /** The claim or header the check is about (`signature`, `alg`, `typ`, `iss`, …). */
  name: string
  ok: boolean
  detail: string
  /** Where the rule is written. */
  spec: string
}

/** What the endpoint received and how it answered. */
export interface ReceivedLogout {
  receivedAt: number
  /** 200: the token passed, and the client logged the session out; 400: refused. */
  status: 200 | 400
  logoutToken?: string
  claims?: Record<string, unknown>
  checks: LogoutTokenCheck[]
  /** Why it was refused (the `error_description` sent back). */
  refusal?: string
}

export interface DemoClient {
  handle(request: Request): Promise<Response>
}

const receivedKind = 'demo-client-backchannel-logouts'
const receivedId = 'received'
const jtiKind = 'demo-client-logout-jtis'
/** How many received requests are kept (the newest). */
export const receivedLimit = 20
/** Seconds of clock difference tolerated for `iat` and `exp`. */
export const clockSkewSeconds = 30

const specs = {
  request: 'Back-Channel Logout 1.0 §2.5',
  validation: 'Back-Channel Logout 1.0 §2.6',
  token: 'Back-Channel Logout 1.0 §2.4',
  response: 'Back-Channel Logout 1.0 §2.8',
}

function decodeClaims(token: string): Record<string, unknown> | undefined {
  try {
    const part = token.split('.')[1] ?? ''
    const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (char) =>
      char.charCodeAt(0),
    )
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes))
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

export function createDemoClient(deps: DemoClientDeps): DemoClient {
  const expectedAlg = deps.signingAlg ?? 'RS256'
  const nowSeconds = () => Math.floor(deps.clock.now() / 1000)

  async function serverKeys(): Promise<JWK[]> {
    const metadataResponse = await deps.fetch(
      new Request(`${deps.issuer}/.well-known/openid-configuration`),
    )
    const metadata = (await metadataResponse.json()) as { issuer?: unknown; jwks_uri?: unknown }
    if (metadata.issuer !== deps.issuer || typeof metadata.jwks_uri !== 'string') {
      throw new Error('The authorization server metadata is not for the expected issuer.')
    }
    const jwks = (await (await deps.fetch(new Request(metadata.jwks_uri))).json()) as {
      keys?: JWK[]
    }
    return jwks.keys ?? []
  }

  async function record(entry: ReceivedLogout): Promise<void> {
    await deps.store.update<ReceivedLogout[]>(receivedKind, receivedId, (current) => ({
      put: [entry, ...(current ?? [])].slice(0, receivedLimit),
      options: { expiresAt: nowSeconds() + 24 * 60 * 60 },
    }))
  }

  function refuse(entry: Omit<ReceivedLogout, 'status' | 'receivedAt'>, description: string) {
    return {
      entry: { ...entry, receivedAt: deps.clock.now(), status: 400 as const, refusal: description },
      response: new OAuthError('invalid_request', description).toResponse(),
    }
  }

  /** Reads the form: POST, form-encoded, exactly one `logout_token` (§2.5). */
  async function readLogoutToken(request: Request): Promise<string> {
    if (request.headers.get('origin') !== null) {
      // A back-channel request comes from the server, never from a page in a browser.
      throw new OAuthError(
        'invalid_request',
        'A back-channel logout comes from the authorization server, not from a web page.',
      )
    }
    if (mediaType(request) !== 'application/x-www-form-urlencoded') {
      throw new OAuthError('invalid_request', 'Send logout_token as a form.')
    }
    const { values, repeated } = parseParameters(
      new URLSearchParams(await readBodyText(request, 'invalid_request')),
    )
    if (repeated.includes('logout_token')) {
      throw new OAuthError('invalid_request', 'logout_token must be sent once.')
    }
    const token = values.get('logout_token')
    if (token === undefined) throw new OAuthError('invalid_request', 'logout_token is missing.')
    return token
  }

  /**
   * §2.6 in order: the signature and `alg` as for ID tokens (never `none`); `typ` (this client's
   * server types its logout tokens, §2.4, so an untyped JWT is refused: a defence against
   * cross-JWT confusion, §4.1); `iss`, `aud`, `iat`, `exp` as for ID tokens; `sub` or `sid` (this
   * client registered `backchannel_logout_session_required`, so `sid`); `events` with the
   * back-channel logout member; no `nonce`; and, optionally in §2.6, a `jti` not seen before.
   */
  async function check(token: string): Promise<{
    checks: LogoutTokenCheck[]
    claims?: Record<string, unknown>
    refusal?: string
  }> {
    const checks: LogoutTokenCheck[] = []
    const add = (name: string, ok: boolean, detail: string, spec = specs.validation) => {
      checks.push({ name, ok, detail, spec })
      return ok
    }
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(token)
    } catch {
      return { checks, refusal: 'logout_token is not a signed JWT.' }
    }
    const claims = decodeClaims(token)
    if (!claims) return { checks, refusal: 'logout_token is not a signed JWT.' }

    const algOk = add(
      'alg',
      header.alg === expectedAlg,
      header.alg === expectedAlg
        ? `${expectedAlg}, the algorithm of this client's ID tokens`
        : `${String(header.alg)}, but this client's ID tokens use ${expectedAlg}${header.alg === 'none' ? ' (and none is never allowed)' : ''}`,
    )
    let signatureOk = false
    if (algOk) {
      try {
        await compactVerify(token, createLocalJWKSet({ keys: await serverKeys() }), {
          algorithms: [expectedAlg],
        })
        signatureOk = true
      } catch {
        signatureOk = false
      }
    }
    add(
      'signature',
      signatureOk,
      signatureOk
        ? `valid, with the server's key "${String(header.kid)}" from its jwks_uri`
        : algOk
          ? "does not verify with any of the server's published keys"
          : 'not checked: the algorithm is not acceptable',
    )
    if (!signatureOk) {
      return { checks, claims, refusal: 'The logout token signature does not verify.' }
    }

    const now = nowSeconds()
    add(
      'typ',
      header.typ === logoutTokenType,
      header.typ === logoutTokenType
        ? `${logoutTokenType}: typed as a logout token, so no other JWT can pass for one`
        : `${String(header.typ ?? '(none)')}, not ${logoutTokenType}`,
      specs.token,
    )
    add(
      'iss',
      claims.iss === deps.issuer,
      claims.iss === deps.issuer ? 'the issuer this client uses' : `${String(claims.iss)}`,
    )
    const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud
    const audOk = Array.isArray(audiences) && audiences.includes(deps.clientId)
    add('aud', audOk, audOk ? `names this client (${deps.clientId})` : 'does not name this client')
    const iat = claims.iat
    const iatOk = typeof iat === 'number' && iat <= now + clockSkewSeconds
    add(
      'iat',
      iatOk,
      typeof iat !== 'number'
        ? 'missing'
        : iatOk
          ? `issued ${Math.max(0, now - iat)} s ago`
          : 'issued in the future',
    )
    const exp = claims.exp
    const expOk = typeof exp === 'number' && exp > now - clockSkewSeconds
    add(
      'exp',
      expOk,
      typeof exp !== 'number'
        ? 'missing'
        : expOk
          ? `expires in ${Math.max(0, exp - now)} s`
          : 'expired',
    )
    const hasSid = typeof claims.sid === 'string'
    add(
      'sid',
      hasSid,
      hasSid
        ? 'names the login session to end (this client registered backchannel_logout_session_required)'
        : 'missing, and this client registered backchannel_logout_session_required',
    )
    const events = claims.events
    const event =
      typeof events === 'object' && events !== null && !Array.isArray(events)
        ? (events as Record<string, unknown>)[backchannelLogoutEvent]
        : undefined
    const eventOk = typeof event === 'object' && event !== null && !Array.isArray(event)
    add(
      'events',
      eventOk,
      eventOk ? `holds ${backchannelLogoutEvent}` : `lacks ${backchannelLogoutEvent}`,
    )
    const nonceAbsent = !Object.hasOwn(claims, 'nonce')
    add(
      'nonce',
      nonceAbsent,
      nonceAbsent
        ? 'absent, as it must be: a logout token cannot pass as an ID token'
        : 'present: a logout token must never carry one',
    )
    const jti = claims.jti
    if (typeof jti !== 'string' || jti === '') {
      add('jti', false, 'missing')
    } else if (checks.every((entry) => entry.ok)) {
      // Recorded only for tokens that passed everything else, atomically: of two concurrent
      // deliveries of one token, exactly one is accepted.
      let seen = false
      await deps.store.update<number>(jtiKind, jti, (current) => {
        if (current !== undefined) {
          seen = true
          return undefined
        }
        return {
          put: now,
          options: { expiresAt: (typeof exp === 'number' ? exp : now) + 10 * 60 },
        }
      })
      add('jti', !seen, seen ? 'seen before: a replayed logout token' : 'not seen before')
    }
    const failed = checks.find((entry) => !entry.ok)
    return {
      checks,
      claims,
      ...(failed ? { refusal: `The logout token failed the ${failed.name} check.` } : {}),
    }
  }

  async function receive(request: Request): Promise<Response> {
    let token: string
    try {
      token = await readLogoutToken(request)
    } catch (error) {
      const description =
        error instanceof OAuthError ? error.description : 'The request could not be read.'
      const refused = refuse({ checks: [] }, description)
      await record(refused.entry)
      return refused.response
    }
    const result = await check(token)
    const base = {
      logoutToken: token,
      checks: result.checks,
      ...(result.claims ? { claims: result.claims } : {}),
    }
    if (result.refusal) {
      const refused = refuse(base, result.refusal)
      await record(refused.entry)
      return refused.response
    }
    // A real client would now end its own session with this `sid` (§2.7); this one keeps no
    // sessions, so recording the logout is all it does.
    await record({ ...base, receivedAt: deps.clock.now(), status: 200 })
    return new Response(null, {
      status: 200,
      headers: { 'Cache-Control': 'no-store' },
    })
  }

  return {
    async handle(request) {
      const method = request.method.toUpperCase()
      try {
        if (method === 'POST') return await receive(request)
        if (method === 'GET') {
          const received = await deps.store.get<ReceivedLogout[]>(receivedKind, receivedId)
          return jsonResponse({ received: received ?? [] }).toResponse()
        }
        return new OAuthError('method_not_allowed', 'Use GET or POST here.', {
          headers: { Allow: 'GET, POST' },
        }).toResponse()
      } catch (error) {
        console.error('demo client: unexpected error', error)
        return new OAuthError('server_error', 'The demo client hit an unexpected error.', {
          status: 500,
        }).toResponse()
      }
    },
  }
}
