/**
 * The steps every authorization-code walkthrough starts with (discover, PKCE and state, the
 * authorization request, its response, the code exchange), as builders: the authorization-code
 * and refresh-token walkthroughs share them, each with its own client, scope and callback route.
 * Also the small pieces every walkthrough uses: need(), discover(), notBackYet(), refreshGrant().
 * @see [RFC 6749 §4.1](https://www.rfc-editor.org/rfc/rfc6749#section-4.1)
 * @see [RFC 7636](https://www.rfc-editor.org/rfc/rfc7636)
 */
import * as oauth from 'oauth4webapi'
import { oidc, rfc } from '../shared/spec-links.ts'
import type { HttpExchange, ShownToken, Step, StepError } from './flow-model.ts'
import { type HasFetch, oauthOptions } from './http-capture.ts'
import { checklistValues, verifyIdToken } from './id-token-checks.ts'

/** What the shared steps save. Flows add their own fields. */
export type CodeFlowData = {
  as?: oauth.AuthorizationServer
  redirectUri?: string
  codeVerifier?: string
  codeChallenge?: string
  state?: string
  nonce?: string
  code?: string
  accessToken?: string
  idToken?: string
  refreshToken?: string
}

export interface CodeFlowOptions {
  /** The flow's id: the callback route is `/walkthrough/<flowId>/callback`. */
  flowId: string
  client: oauth.Client
  clientAuth: oauth.ClientAuth
  scope: string
}

/** A value an earlier step should have saved; its absence means steps ran out of order. */
export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing: run the earlier steps first.`)
  return value
}

export const opaqueRefreshToken = (value: string, label = 'Refresh token'): ShownToken => ({
  label,
  value,
  signature: 'not-applicable',
  signatureNote:
    'Opaque: a random handle that only the authorization server can look up. The client just stores it and sends it back.',
})

/** Runs a token request expected to fail; returns the OAuth error, or undefined if it succeeded. */
export async function refuses(
  attempt: () => Promise<unknown>,
): Promise<oauth.ResponseBodyError | undefined> {
  try {
    await attempt()
    return undefined
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) return error
    throw error
  }
}

/** Fetches the metadata published under `ctx.issuer`; oauth4webapi checks its issuer. */
export async function discover(
  ctx: HasFetch & { issuer: string },
  algorithm: 'oidc' | 'oauth2',
): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(ctx.issuer)
  const response = await oauth.discoveryRequest(issuer, { algorithm, ...oauthOptions(ctx) })
  return oauth.processDiscoveryResponse(issuer, response)
}

/** What a callback step answers when the browser has not come back from the server yet. */
export function notBackYet(ctx: { exchanges(): HttpExchange[] }): StepError {
  return {
    status: 'error',
    message:
      'The browser has not come back from the authorization server yet. Run the previous step and finish the login and consent there.',
    exchanges: ctx.exchanges(),
  }
}

/** A refresh-token grant request and its response, processed by oauth4webapi. */
export interface RefreshResult {
  tokens: oauth.TokenEndpointResponse
  /** The processed response: an ID token in it can still have its signature verified. */
  response: Response
  receivedAt: number
}

/** A refresh-token grant request and its checked response. */
export async function refreshGrant(
  ctx: HasFetch & { now(): number },
  as: oauth.AuthorizationServer,
  { client, clientAuth }: Pick<CodeFlowOptions, 'client' | 'clientAuth'>,
  refreshToken: string,
): Promise<RefreshResult> {
  const response = await oauth.refreshTokenGrantRequest(
    as,
    client,
    clientAuth,
    refreshToken,
    oauthOptions(ctx),
  )
  const receivedAt = ctx.now()
  const tokens = await oauth.processRefreshTokenResponse(as, client, response)
  return { tokens, response, receivedAt }
}

/**
 * When a refresh also returned an ID token, the client checks it as at sign-in, plus the rules
 * for refreshed ID tokens (OIDC Core §12.2): same iss, sub, aud as the sign-in's, a new iat.
 */
export async function checkRefreshedIdToken(
  ctx: HasFetch & { exchanges(): HttpExchange[] },
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  result: RefreshResult,
  original: string | undefined,
) {
  const idToken = result.tokens.id_token
  if (idToken === undefined) return undefined
  return verifyIdToken(ctx, result.response, idToken, {
    as,
    client,
    receivedAt: result.receivedAt,
    accessToken: result.tokens.access_token,
    ...(original === undefined ? {} : { original }),
    label: 'New ID token',
  })
}

/** Fetch the metadata document (RFC 8414 / OIDC Discovery) and keep it as `as`. */
export function discoverStep(): Step<CodeFlowData> {
  return {
    id: 'discover',
    label: 'GET metadata',
    title: 'Discover the authorization server',
    from: 'client',
    to: 'as',
    kind: 'request',
    spec: rfc(8414, '3'),
    moreSpecs: [oidc('Discovery', '4', 'ProviderConfig')],
    explanation:
      'The client starts from a single string, the issuer identifier. It fetches the metadata document published under that issuer to learn where the endpoints are, which features the server supports (PKCE methods, response types, signing algorithms) and where its public keys live. oauth4webapi refuses the document unless its "issuer" is exactly the identifier we asked about, so a server cannot pass itself off as another.',
    async run(ctx) {
      const as = await discover(ctx, 'oidc')
      return {
        status: 'ok',
        summary: `Found the server's metadata; its issuer is ${as.issuer}.`,
        exchanges: ctx.exchanges(),
        values: [
          { label: 'Authorization endpoint', value: String(as.authorization_endpoint) },
          { label: 'Token endpoint', value: String(as.token_endpoint) },
          { label: 'Key set (jwks_uri)', value: String(as.jwks_uri) },
          {
            label: 'PKCE methods supported',
            value: (as.code_challenge_methods_supported ?? []).join(', ') || '(not listed)',
            note: 'Accepting only S256 is this server’s policy. RFC 7636 also defines plain (for clients that cannot hash), and an absent method means plain; RFC 9700 says to use a method that does not expose the verifier, which today is S256.',
          },
        ],
        save: { as },
      }
    },
  }
}

/** Make the PKCE verifier and S256 challenge, the state and the nonce. */
export function prepareStep(): Step<CodeFlowData> {
  return {
    id: 'prepare',
    label: 'make verifier, challenge, state, nonce',
    title: 'Make the PKCE verifier and challenge, state and nonce',
    from: 'client',
    to: 'client',
    kind: 'local',
    spec: rfc(7636, '4.1'),
    moreSpecs: [
      rfc(7636, '4.2'),
      rfc(9700, '2.1.1'),
      rfc(9700, '4.7'),
      rfc(6749, '10.12'),
      oidc('Core', '3.1.2.1', 'AuthRequest'),
    ],
    explanation:
      'Before sending the user anywhere, the client itself makes three random values and keeps them in this browser session (here: sessionStorage). The code verifier is a secret; the client sends only its SHA-256 hash (the S256 code challenge) in the authorization request and reveals the verifier later, at the token endpoint. Whoever steals the code on its way back cannot use it without the verifier. Because the verifier is new for every login and stays with the browser that started it, PKCE also protects against CSRF: a code an attacker slips into this browser\'s callback fails at the token endpoint. RFC 9700 lets a client rely on that only once it knows the server enforces PKCE (its metadata lists S256); "state" does the same job with a one-time value bound to this session, and "nonce" will come back inside the ID token, binding the token to this request.',
    async run(ctx) {
      const codeVerifier = oauth.generateRandomCodeVerifier()
      const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier)
      const state = oauth.generateRandomState()
      const nonce = oauth.generateRandomNonce()
      return {
        status: 'ok',
        summary: 'The client made a fresh verifier, its S256 challenge, a state and a nonce.',
        exchanges: ctx.exchanges(),
        values: [
          {
            label: 'code_verifier',
            value: codeVerifier,
            note: 'Kept by the client until the token request; never sent to the authorization endpoint.',
          },
          {
            label: 'code_challenge (S256)',
            value: codeChallenge,
            note: 'BASE64URL(SHA-256(code_verifier)): this is what the server sees first.',
          },
          { label: 'state', value: state, note: 'Must come back unchanged with the code.' },
          { label: 'nonce', value: nonce, note: 'Must come back inside the ID token.' },
        ],
        save: { codeVerifier, codeChallenge, state, nonce },
      }
    },
  }
}

/** Build the authorization request and send the browser to the server. */
export function authorizeStep(options: CodeFlowOptions): Step<CodeFlowData> {
  return {
    id: 'authorize',
    label: 'redirect to /authorize',
    title: 'Send the browser to the authorization endpoint',
    from: 'client',
    to: 'as',
    kind: 'redirect',
    spec: rfc(6749, '4.1.1'),
    moreSpecs: [rfc(7636, '4.3'), oidc('Core', '3.1.2.1', 'AuthRequest')],
    explanation:
      'The client builds the authorization request as a URL and sends the whole browser tab there; the client never sees the password. The server shows its own sign-in page and then asks the user to allow the requested scopes. Sign in as alice (password alice-password) and allow. oauth4webapi has no helper for this URL, so the client puts the parameters on it itself.',
    async run(ctx) {
      const as = need(ctx.data.as, 'The server metadata')
      const redirectUri = `${ctx.appOrigin}/walkthrough/${options.flowId}/callback`
      const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
      url.searchParams.set('response_type', 'code')
      url.searchParams.set('client_id', options.client.client_id)
      url.searchParams.set('redirect_uri', redirectUri)
      url.searchParams.set('scope', options.scope)
      url.searchParams.set('state', need(ctx.data.state, 'The state'))
      url.searchParams.set('nonce', need(ctx.data.nonce, 'The nonce'))
      url.searchParams.set('code_challenge', need(ctx.data.codeChallenge, 'The code challenge'))
      url.searchParams.set('code_challenge_method', 'S256')
      url.searchParams.set('prompt', 'consent')
      return {
        status: 'ok',
        summary: 'The authorization request is ready. The browser now leaves this page.',
        exchanges: ctx.exchanges(),
        values: [{ label: 'Authorization request', value: url.href, format: 'url' }],
        notes: [
          'offline_access asks for a refresh token, and OpenID Connect wants prompt=consent with it, so the server asks every time. (This server issues refresh tokens to any client registered for the refresh_token grant, offline_access or not: its policy.)',
        ],
        save: { redirectUri },
        destination: {
          url: url.href,
          how: 'navigate',
          label: 'Continue to the authorization server',
          hint: 'Sign in there as alice with the password alice-password, choose Allow, and the server sends the browser back here.',
        },
      }
    },
  }
}

/** Validate the authorization response (state, iss) the browser came back with. */
export function callbackStep(options: CodeFlowOptions): Step<CodeFlowData> {
  return {
    id: 'callback',
    label: 'redirect back: code, state, iss',
    title: 'Check the authorization response',
    from: 'as',
    to: 'client',
    kind: 'redirect',
    spec: rfc(6749, '4.1.2'),
    moreSpecs: [rfc(9207, '2'), rfc(6749, '10.12')],
    explanation:
      'After the approval the server redirects the browser back to the registered redirect URI with a short-lived code, the state we sent, and "iss", the identity of the server that answered. The client checks that state is the one it stored (else this response belongs to some other session, maybe a forged one) and that iss is the issuer it meant to talk to (a defence against mix-up attacks when a client uses several servers).',
    async run(ctx) {
      const as = need(ctx.data.as, 'The server metadata')
      if (!ctx.returnUrl) return notBackYet(ctx)
      const returned = new URL(ctx.returnUrl)
      const params = oauth.validateAuthResponse(
        as,
        options.client,
        returned,
        need(ctx.data.state, 'The state'),
      )
      const code = need(params.get('code') ?? undefined, 'The code')
      return {
        status: 'ok',
        summary: 'The response carries a code, and its state and iss are the expected ones.',
        exchanges: ctx.exchanges(),
        values: [
          { label: 'Address the browser came back to', value: returned.href, format: 'url' },
          { label: 'code', value: code, note: 'Single use, valid for about a minute.' },
          { label: 'state', value: params.get('state') ?? '', note: 'Matches what we stored.' },
          {
            label: 'iss',
            value: returned.searchParams.get('iss') ?? '',
            note: 'Matches the issuer.',
          },
        ],
        save: { code },
      }
    },
  }
}

/** Redeem the code with the verifier, check the ID token, keep the tokens. */
export function tokenStep(options: CodeFlowOptions): Step<CodeFlowData> {
  return {
    id: 'token',
    label: 'POST /token, GET /jwks, check ID token',
    title: 'Exchange the code (and the verifier) for tokens, and check the ID token',
    from: 'client',
    to: 'as',
    kind: 'request',
    spec: rfc(6749, '4.1.3'),
    moreSpecs: [
      rfc(7636, '4.5'),
      rfc(7636, '4.6'),
      oidc('Core', '3.1.3.7', 'IDTokenValidation'),
      rfc(7517, '5'),
    ],
    explanation:
      "The client posts the code to the token endpoint together with the redirect URI and the code verifier. The server hashes the verifier and compares it with the challenge it stored at the authorization step: only the party that started the flow can finish it. A public client like this one has no secret, so PKCE is what protects the code. Before the client trusts the ID token it checks it: oauth4webapi checks the claims (issuer, audience, expiry, issued-at, nonce) while it processes the response; the signature it verifies only when asked, because OpenID Connect lets a client skip that for a token straight from the token endpoint over TLS. This demo has no TLS, so the client asks (validateApplicationLevelSignature: it fetches the server's keys from jwks_uri and verifies with the key whose kid is in the header), and adds its own checks of iat and azp. The checklist shows each rule with its section of OpenID Connect Core.",
    async run(ctx) {
      const as = need(ctx.data.as, 'The server metadata')
      // The branded parameters oauth4webapi wants cannot be saved across the redirect, so the
      // client validates the saved response address again (local and cheap).
      const params = oauth.validateAuthResponse(
        as,
        options.client,
        new URL(need(ctx.returnUrl, 'The authorization response')),
        need(ctx.data.state, 'The state'),
      )
      const nonce = need(ctx.data.nonce, 'The nonce')
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        options.client,
        options.clientAuth,
        params,
        need(ctx.data.redirectUri, 'The redirect URI'),
        need(ctx.data.codeVerifier, 'The code verifier'),
        oauthOptions(ctx),
      )
      const receivedAt = ctx.now()
      const tokens = await oauth.processAuthorizationCodeResponse(as, options.client, response, {
        expectedNonce: nonce,
        requireIdToken: true,
      })
      const idToken = need(tokens.id_token, 'The ID token')
      const verified = await verifyIdToken(ctx, response, idToken, {
        as,
        client: options.client,
        receivedAt,
        nonce,
        accessToken: tokens.access_token,
        label: 'ID token',
      })
      if (verified.status === 'error') return verified
      const shown: ShownToken[] = [
        verified.token,
        {
          label: 'Access token',
          value: tokens.access_token,
          signature: 'not-checked',
          subject: 'user',
          signatureNote:
            "The client treats the access token as opaque and does not validate it: the resource server does. (This server happens to issue JWT access tokens, RFC 9068; the format is the server's choice.)",
        },
      ]
      if (tokens.refresh_token) shown.push(opaqueRefreshToken(tokens.refresh_token))
      return {
        status: 'ok',
        summary: `The server accepted the code and the verifier and sent ${shown.length} tokens; the ID token passed every check, its signature included.`,
        exchanges: ctx.exchanges(),
        values: [
          { label: 'token_type', value: tokens.token_type },
          { label: 'expires_in', value: `${tokens.expires_in ?? '(not given)'} seconds` },
          { label: 'scope granted', value: tokens.scope ?? '(as requested)' },
          ...checklistValues(verified.checks),
        ],
        tokens: shown,
        notes: tokens.refresh_token
          ? []
          : ['No refresh token came back, so the refresh steps will fail.'],
        save: {
          accessToken: tokens.access_token,
          idToken,
          refreshToken: tokens.refresh_token,
        },
      }
    },
  }
}
