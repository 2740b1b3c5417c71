/**
 * Authorization code + PKCE, with OpenID Connect and refresh-token rotation, for a public
 * browser client (`grantlab-spa`). Every protocol step is done by oauth4webapi; only the
 * authorization URL is assembled here, because the library has no builder for it.
 * @see [RFC 6749 §4.1](https://www.rfc-editor.org/rfc/rfc6749#section-4.1)
 * @see [RFC 7636](https://www.rfc-editor.org/rfc/rfc7636)
 */
import * as oauth from 'oauth4webapi'
import { oidc, rfc } from '../shared/spec-links.ts'
import { commonActors, defineFlow, type HttpExchange, type ShownToken } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'

export const authorizationCodeFlowId = 'authorization-code'

const client: oauth.Client = { client_id: 'grantlab-spa', token_endpoint_auth_method: 'none' }
const clientAuth = oauth.None()
const scope = 'openid profile email offline_access'

type RecordedResponse = { status: number; headers: Record<string, string>; body: string | null }

type AuthorizationCodeData = {
  as?: oauth.AuthorizationServer
  redirectUri?: string
  codeVerifier?: string
  codeChallenge?: string
  state?: string
  nonce?: string
  code?: string
  tokenResponse?: RecordedResponse
  accessToken?: string
  idToken?: string
  refreshToken?: string
  previousRefreshToken?: string
}

/** A value an earlier step should have saved; its absence means steps ran out of order. */
function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing: run the earlier steps first.`)
  return value
}

function lastExchange(exchanges: HttpExchange[]): HttpExchange | undefined {
  return exchanges[exchanges.length - 1]
}

const opaqueRefreshToken = (value: string, label = 'Refresh token'): ShownToken => ({
  label,
  value,
  signature: 'not-applicable',
  signatureNote:
    'Opaque: a random handle that only the authorization server can look up. The client just stores it and sends it back.',
})

export const authorizationCodeFlow = defineFlow<AuthorizationCodeData>({
  id: authorizationCodeFlowId,
  title: 'Authorization code + PKCE (with OpenID Connect and refresh)',
  summary:
    'The user signs in at the authorization server, which sends the browser back with a one-time code; the client trades the code, plus a secret only it knows (the PKCE verifier), for tokens.',
  whenToUse:
    'Any app where a person signs in: single-page apps, server-side web apps, mobile and desktop apps. It is the default choice.',
  specs: [rfc(6749, '4.1'), rfc(7636), oidc('Core', '3.1', 'CodeFlowAuth'), rfc(9700, '2.1.1')],
  actors: [commonActors.user, commonActors.client, commonActors.as, commonActors.rs],
  steps: [
    {
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
        const issuer = new URL(ctx.issuer)
        const response = await oauth.discoveryRequest(issuer, {
          algorithm: 'oidc',
          ...oauthOptions(ctx),
        })
        const as = await oauth.processDiscoveryResponse(issuer, response)
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
            },
          ],
          save: { as },
        }
      },
    },
    {
      id: 'prepare',
      label: 'make verifier, challenge, state, nonce',
      title: 'Make the PKCE verifier and challenge, state and nonce',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: rfc(7636, '4.1'),
      moreSpecs: [rfc(7636, '4.2'), rfc(6749, '10.12'), oidc('Core', '3.1.2.1', 'AuthRequest')],
      explanation:
        'Before sending the user anywhere, the client itself makes three random values and keeps them. The code verifier is a secret; the client sends only its SHA-256 hash (the S256 code challenge) in the authorization request and reveals the verifier later, at the token endpoint. Whoever steals the code on its way back cannot use it without the verifier. "state" ties the response to this browser session, and "nonce" will come back inside the ID token, binding the token to this request.',
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
    },
    {
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
        const redirectUri = `${ctx.appOrigin}/walkthrough/${authorizationCodeFlowId}/callback`
        const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
        url.searchParams.set('response_type', 'code')
        url.searchParams.set('client_id', client.client_id)
        url.searchParams.set('redirect_uri', redirectUri)
        url.searchParams.set('scope', scope)
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
            'offline_access asks for a refresh token; OpenID Connect wants prompt=consent with it, so the server always asks.',
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
    },
    {
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
        if (!ctx.returnUrl) {
          return {
            status: 'error',
            message:
              'The browser has not come back from the authorization server yet. Run the previous step and finish the login and consent there.',
            exchanges: ctx.exchanges(),
          }
        }
        const returned = new URL(ctx.returnUrl)
        const params = oauth.validateAuthResponse(
          as,
          client,
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
    },
    {
      id: 'token',
      label: 'POST /token (code + verifier)',
      title: 'Exchange the code (and the verifier) for tokens',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(6749, '4.1.3'),
      moreSpecs: [rfc(7636, '4.5'), rfc(7636, '4.6'), oidc('Core', '3.1.3.7', 'IDTokenValidation')],
      explanation:
        'The client posts the code to the token endpoint together with the redirect URI and the code verifier. The server hashes the verifier and compares it with the challenge it stored at the authorization step: only the party that started the flow can finish it. A public client like this one has no secret, so PKCE is what protects the code. oauth4webapi then checks the ID token claims: issuer, audience (our client_id), expiry, issued-at, and that the nonce is ours. It does not check the ID token signature here; the next step does.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        // The branded parameters oauth4webapi wants cannot be saved across the redirect, so the
        // client validates the saved response address again (local and cheap).
        const params = oauth.validateAuthResponse(
          as,
          client,
          new URL(need(ctx.returnUrl, 'The authorization response')),
          need(ctx.data.state, 'The state'),
        )
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          clientAuth,
          params,
          need(ctx.data.redirectUri, 'The redirect URI'),
          need(ctx.data.codeVerifier, 'The code verifier'),
          oauthOptions(ctx),
        )
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: need(ctx.data.nonce, 'The nonce'),
          requireIdToken: true,
        })
        const idToken = need(tokens.id_token, 'The ID token')
        const recorded = need(lastExchange(ctx.exchanges()), 'The token response').response
        const shown: ShownToken[] = [
          {
            label: 'ID token',
            value: idToken,
            signature: 'not-checked',
            signatureNote:
              'oauth4webapi checked its claims (iss, aud, exp, iat, nonce) but not its signature: for an ID token received directly from the token endpoint OpenID Connect lets the TLS connection vouch for it. Next step: check the signature anyway.',
          },
          {
            label: 'Access token',
            value: tokens.access_token,
            signature: 'not-checked',
            signatureNote:
              'The client treats the access token as opaque and does not validate it: the resource server does. (This server happens to issue JWT access tokens, RFC 9068.)',
          },
        ]
        if (tokens.refresh_token) shown.push(opaqueRefreshToken(tokens.refresh_token))
        return {
          status: 'ok',
          summary: `The server accepted the code and the verifier and sent ${shown.length} tokens.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'token_type', value: tokens.token_type },
            { label: 'expires_in', value: `${tokens.expires_in ?? '(not given)'} seconds` },
            { label: 'scope granted', value: tokens.scope ?? '(as requested)' },
          ],
          tokens: shown,
          notes: tokens.refresh_token
            ? []
            : ['No refresh token came back, so the refresh steps will fail.'],
          save: {
            tokenResponse: recorded,
            accessToken: tokens.access_token,
            idToken,
            refreshToken: tokens.refresh_token,
          },
        }
      },
    },
    {
      id: 'id-token-signature',
      label: 'GET /jwks, verify ID token',
      title: "Verify the ID token's signature",
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: oidc('Core', '3.1.3.7', 'IDTokenValidation'),
      moreSpecs: [rfc(7517, '5'), rfc(7515, '5.2')],
      explanation:
        "The ID token is a JWS signed with one of the server's private keys. To check it, the client fetches the server's public keys from jwks_uri, picks the one whose kid matches the token header, and verifies the signature. OpenID Connect allows skipping this when the token came straight from the token endpoint over TLS; here the app talks plain http to a local mock, so checking is the honest thing to do. oauth4webapi ties this check to a processed token response, so the client hands it the exact response it received in the previous step.",
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const recorded = need(ctx.data.tokenResponse, 'The token response')
        const rebuilt = new Response(recorded.body, {
          status: recorded.status,
          headers: recorded.headers,
        })
        await oauth.processAuthorizationCodeResponse(as, client, rebuilt, {
          expectedNonce: need(ctx.data.nonce, 'The nonce'),
          requireIdToken: true,
        })
        await oauth.validateApplicationLevelSignature(as, rebuilt, oauthOptions(ctx))
        return {
          status: 'ok',
          summary: "The ID token's signature is valid under a key the server publishes.",
          exchanges: ctx.exchanges(),
          tokens: [
            {
              label: 'ID token',
              value: need(ctx.data.idToken, 'The ID token'),
              signature: 'verified',
              signatureNote:
                'Verified with the public key from jwks_uri whose kid is in the header.',
            },
          ],
        }
      },
    },
    {
      id: 'call-api',
      label: 'GET /api/profile (Bearer)',
      title: 'Call the API with the access token',
      from: 'client',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      moreSpecs: [rfc(9068, '4')],
      explanation:
        'The client sends the access token in the Authorization header with the "Bearer" scheme. The resource server validates the token (signature, issuer, audience, expiry) and checks that its scope covers the request; /api/profile needs the "profile" scope. A bearer token works for whoever holds it, which is why it travels only in a header and is kept short-lived.',
      async run(ctx) {
        const response = await oauth.protectedResourceRequest(
          need(ctx.data.accessToken, 'The access token'),
          'GET',
          new URL('/api/profile', ctx.appOrigin),
          undefined,
          undefined,
          oauthOptions(ctx),
        )
        const body = await response.text()
        if (!response.ok) {
          return {
            status: 'error',
            message: `The API answered ${response.status}.`,
            detail: body,
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: 'The API accepted the access token and answered.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'API answer from /api/profile', value: body, format: 'json' }],
        }
      },
    },
    {
      id: 'refresh',
      label: 'POST /token (refresh)',
      title: 'Refresh the tokens (rotation)',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(6749, '6'),
      moreSpecs: [rfc(9700, '4.14.2')],
      explanation:
        'Access tokens are short-lived. Instead of sending the user through the login again, the client posts its refresh token to the token endpoint and gets a fresh access token. For a public client the server must either bind refresh tokens to a key or rotate them; this server rotates: every use returns a new refresh token and retires the old one.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const oldRefreshToken = need(ctx.data.refreshToken, 'The refresh token')
        const response = await oauth.refreshTokenGrantRequest(
          as,
          client,
          clientAuth,
          oldRefreshToken,
          oauthOptions(ctx),
        )
        const tokens = await oauth.processRefreshTokenResponse(as, client, response)
        const rotated =
          tokens.refresh_token !== undefined && tokens.refresh_token !== oldRefreshToken
        const shown: ShownToken[] = [
          {
            label: 'New access token',
            value: tokens.access_token,
            signature: 'not-checked',
            signatureNote: 'For the resource server to validate, as before.',
          },
        ]
        if (tokens.refresh_token) {
          shown.push(opaqueRefreshToken(tokens.refresh_token, 'New refresh token'))
        }
        return {
          status: 'ok',
          summary: rotated
            ? 'New tokens arrived, including a new refresh token: the old one is now retired.'
            : 'New tokens arrived, but the refresh token was not rotated.',
          exchanges: ctx.exchanges(),
          tokens: shown,
          values: [{ label: 'Old refresh token (retired)', value: oldRefreshToken }],
          save: {
            accessToken: tokens.access_token,
            refreshToken: tokens.refresh_token ?? oldRefreshToken,
            previousRefreshToken: oldRefreshToken,
          },
        }
      },
    },
    {
      id: 'replay',
      label: 'POST /token (old refresh token)',
      title: 'Replay the old refresh token',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9700, '4.14.2'),
      moreSpecs: [rfc(6749, '10.4')],
      explanation:
        'Here we play the attacker who copied the old refresh token. The server sees a retired token come back: either the attacker or the real client is replaying it, and it cannot tell which. So it refuses with invalid_grant and revokes the whole family of tokens descending from the original grant; the newest refresh token, which the real client still holds, stops working too. The user has to sign in again, and the stolen token is worthless.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const replayed = need(ctx.data.previousRefreshToken, 'The old refresh token')
        const newest = need(ctx.data.refreshToken, 'The newest refresh token')
        const replay = await refuses(() =>
          oauth
            .refreshTokenGrantRequest(as, client, clientAuth, replayed, oauthOptions(ctx))
            .then((response) => oauth.processRefreshTokenResponse(as, client, response)),
        )
        if (!replay) {
          return {
            status: 'error',
            message:
              'The server accepted a refresh token it had already rotated away. A server should refuse it.',
            exchanges: ctx.exchanges(),
          }
        }
        const newestAfter = await refuses(() =>
          oauth
            .refreshTokenGrantRequest(as, client, clientAuth, newest, oauthOptions(ctx))
            .then((response) => oauth.processRefreshTokenResponse(as, client, response)),
        )
        return {
          status: 'ok',
          summary: `The server refused the replayed refresh token with ${replay.error}.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'Server error for the replayed token',
              value: `${replay.error}${replay.error_description ? `: ${replay.error_description}` : ''}`,
            },
            {
              label: 'The newest refresh token afterwards',
              value: newestAfter
                ? `refused too (${newestAfter.error}): the whole family was revoked`
                : 'still accepted: this server revoked only the replayed token',
            },
          ],
        }
      },
    },
  ],
})

/** Runs a token request expected to fail; returns the OAuth error, or undefined if it succeeded. */
async function refuses(
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
