/**
 * What the attacks' clients and parties share: discovery, authorization URLs, the victim signing
 * in on the server's real pages, reading the attacker's server, and showing tokens. The clients'
 * protocol steps are oauth4webapi's, as in the walkthroughs; a client whose defence is off takes
 * an explicit branch in its attack's file (docs/decisions/129).
 */
import * as oauth from 'oauth4webapi'
import { discover } from '../flows/code-flow-steps.ts'
import { type HasFetch, oauthOptions } from '../flows/http-capture.ts'
import type { AttackerRecord } from '../mock-as/attacker/attacker-server.ts'
import {
  type BrowserPage,
  ServerRefusal,
  type ShownToken,
  type StepScope,
  type UserAgent,
} from './attack-model.ts'
import { isConsentPage, isSignInPage } from './user-agents.ts'

export type { AttackerRecord } from '../mock-as/attacker/attacker-server.ts'

/** The client's callback page for an attack: `/attacks/<id>/callback` (lab-clients.ts). */
export function callbackUri(appOrigin: string, attackId: string): string {
  return `${appOrigin}/attacks/${attackId}/callback`
}

/** The attacker's redirect URI, on the attacker's server. */
export function attackerCallbackUri(attackerOrigin: string): string {
  return `${attackerOrigin}/attacker/callback`
}

/** Discovers a server by its issuer, checked by oauth4webapi (it must say it is that issuer). */
export function discoverServer(s: HasFetch, issuer: string): Promise<oauth.AuthorizationServer> {
  return discover({ fetch: s.fetch, issuer }, 'oidc')
}

/** The authorization endpoint with these parameters; undefined ones are left out. */
export function authorizationUrl(
  as: oauth.AuthorizationServer,
  params: Record<string, string | undefined>,
): string {
  if (!as.authorization_endpoint) throw new Error('The server has no authorization endpoint.')
  const url = new URL(as.authorization_endpoint)
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value)
  }
  return url.href
}

/** A PKCE pair (RFC 7636 §4.1, §4.2). */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = oauth.generateRandomCodeVerifier()
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) }
}

export const demoPasswords = { alice: 'alice-password', bob: 'bob-password' } as const

/**
 * A user at the server's own pages: signs in if asked to, allows (or denies) if asked to, and
 * stops at the first page that is neither, normally the client's redirect URI.
 */
export async function signIn(
  browser: UserAgent,
  first: BrowserPage,
  via: HasFetch,
  user: keyof typeof demoPasswords,
  decision: 'approve' | 'deny' = 'approve',
): Promise<BrowserPage> {
  let page = first
  for (let pages = 0; pages < 4; pages++) {
    if (isSignInPage(page)) {
      page = await browser.submit(
        page,
        { username: user, password: demoPasswords[user] },
        undefined,
        via,
      )
    } else if (isConsentPage(page)) {
      page = await browser.submit(page, {}, { name: 'decision', value: decision }, via)
    } else {
      return page
    }
  }
  return page
}

/** The address a page landed on, or an error saying where the browser is not. */
export function landedOn(page: BrowserPage, what: string): URL {
  if (!page.url) throw new Error(`The browser is on another site's page, not on ${what}.`)
  return new URL(page.url)
}

/**
 * Waits until the attacker's server has recorded something that `matches` (it arrives through
 * the victim's browser, so a little later), polling without recording, then reads the log once
 * more, recorded, as the attacker would.
 */
export async function waitForAttackerRecord(
  s: StepScope,
  attackerOrigin: string,
  since: number,
  matches: (record: AttackerRecord) => boolean,
  timeoutMs = 10_000,
): Promise<AttackerRecord> {
  const logUrl = `${attackerOrigin}/attacker/received?since=${since}`
  const deadline = Date.now() + timeoutMs
  const find = async (response: Response) => {
    const { received } = (await response.json()) as { received: AttackerRecord[] }
    return received.filter(matches).at(-1)
  }
  for (;;) {
    if (await find(await s.quietFetch(logUrl))) break
    if (Date.now() > deadline) {
      throw new Error("Nothing the attacker waited for reached the attacker's server in time.")
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const record = await find(await s.fetch(logUrl))
  if (!record) throw new Error("The attacker's server lost what it had received.")
  return record
}

/** A token the attacker holds, for the token inspector. */
export function stolenToken(
  label: string,
  value: string,
  subject: ShownToken['subject'] = 'user',
): ShownToken {
  const opaque = value.split('.').length !== 3
  return {
    label,
    value,
    signature: opaque ? 'not-applicable' : 'not-checked',
    subject,
    signatureNote: opaque
      ? 'Opaque: a handle only the authorization server can look up. Whoever holds it can use it.'
      : 'Signed by the honest server, so every check of its signature passes: it is genuine, only in the wrong hands.',
  }
}

/** oauth4webapi's options for the attacks' requests: the step's recording fetch, plain http. */
export const via = (s: HasFetch) => oauthOptions(s)

/** A confidential lab client as oauth4webapi describes it, with its Basic authentication. */
export function confidentialClient(clientId: string): {
  client: oauth.Client
  auth: oauth.ClientAuth
} {
  return {
    client: { client_id: clientId, token_endpoint_auth_method: 'client_secret_basic' },
    auth: oauth.ClientSecretBasic(`${clientId}-secret`),
  }
}

/** A public lab client (no secret; PKCE is what protects its codes). */
export function publicClient(clientId: string): { client: oauth.Client; auth: oauth.ClientAuth } {
  return {
    client: { client_id: clientId, token_endpoint_auth_method: 'none' },
    auth: oauth.None(),
  }
}

const decode = (text: string) =>
  text
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

/**
 * The refusal on a page of the authorization server (its error page writes
 * `<code>error</code>: description` in an alert), or undefined if the page is not one.
 */
export function serverRefusal(page: BrowserPage): ServerRefusal | undefined {
  const match = /<p class="error" role="alert"><code>([^<]+)<\/code>: ([^<]*)<\/p>/.exec(
    page.html ?? '',
  )
  if (!match) return undefined
  return new ServerRefusal(decode(match[1] ?? ''), decode(match[2] ?? ''), page.status)
}

/** An authorization request's one-time values, as the client keeps them in a session. */
export interface LoginStart {
  url: string
  state?: string
  nonce?: string
  verifier?: string
}

/** Builds an authorization request with the one-time values asked for, and keeps them. */
export async function startLogin(
  as: oauth.AuthorizationServer,
  init: {
    clientId: string
    redirectUri: string
    scope: string
    responseType?: string
    state: boolean
    pkce: boolean
    nonce?: boolean
    prompt?: string
  },
): Promise<LoginStart> {
  const state = init.state ? oauth.generateRandomState() : undefined
  const nonce = init.nonce ? oauth.generateRandomNonce() : undefined
  const pkce = init.pkce ? await pkcePair() : undefined
  const url = authorizationUrl(as, {
    response_type: init.responseType ?? 'code',
    client_id: init.clientId,
    redirect_uri: init.redirectUri,
    scope: init.scope,
    state,
    nonce,
    code_challenge: pkce?.challenge,
    code_challenge_method: pkce ? 'S256' : undefined,
    prompt: init.prompt,
  })
  return {
    url,
    ...(state ? { state } : {}),
    ...(nonce ? { nonce } : {}),
    ...(pkce ? { verifier: pkce.verifier } : {}),
  }
}

/** Calls the demo API with an access token, as whoever holds it; answers its JSON. */
export async function callApi(
  s: HasFetch,
  appOrigin: string,
  path: string,
  accessToken: string,
): Promise<{ status: number; body: unknown }> {
  const response = await s.fetch(new URL(path, appOrigin).href, {
    headers: { authorization: `Bearer ${accessToken}` },
  })
  return { status: response.status, body: await response.json() }
}

/**
 * The victim signs in at an app on the server's real pages, with state and PKCE, and comes back
 * to its callback: what the attacks that begin with a normal login start with.
 */
export async function victimSignsIn(
  victim: UserAgent,
  s: HasFetch,
  as: oauth.AuthorizationServer,
  init: { clientId: string; redirectUri: string; scope: string; nonce?: boolean },
): Promise<{ login: LoginStart; returned: URL }> {
  const login = await startLogin(as, { ...init, state: true, pkce: true, prompt: 'login' })
  const page = await signIn(victim, await victim.open(login.url, s), s, 'alice')
  return { login, returned: landedOn(page, 'the client’s callback') }
}

/** The client checks the response (state, iss) and redeems the code with its verifier. */
export async function redeemCode(
  s: HasFetch,
  as: oauth.AuthorizationServer,
  app: { client: oauth.Client; auth: oauth.ClientAuth },
  signedIn: { login: LoginStart; returned: URL },
  redirectUri: string,
): Promise<oauth.TokenEndpointResponse> {
  const params = oauth.validateAuthResponse(
    as,
    app.client,
    signedIn.returned,
    signedIn.login.state ?? oauth.expectNoState,
  )
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    app.client,
    app.auth,
    params,
    redirectUri,
    signedIn.login.verifier ?? oauth.nopkce,
    via(s),
  )
  return oauth.processAuthorizationCodeResponse(as, app.client, response, {
    ...(signedIn.login.nonce ? { expectedNonce: signedIn.login.nonce } : {}),
  })
}
