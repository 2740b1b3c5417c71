/**
 * The OpenID Connect hybrid flow, `response_type=code id_token`, for a confidential web app
 * (`grantlab-hybrid`, client_secret_basic). The front channel brings a code and a signed ID token
 * in the URL fragment; oauth4webapi's `validateCodeIdTokenResponse` checks that ID token
 * (signature, nonce, c_hash), then the code is exchanged as in the code flow.
 * @see [OIDC Core §3.3](https://openid.net/specs/openid-connect-core-1_0.html#HybridFlowAuth)
 */
import * as oauth from 'oauth4webapi'
import { decodeJwt } from '../shared/jwt.ts'
import { oidc, rfc, type SpecRef } from '../shared/spec-links.ts'
import { discover, need, notBackYet } from './code-flow-steps.ts'
import { commonActors, defineFlow, type ShownToken, type ShownValue } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'
import {
  checkIdTokenContents,
  checklistValues,
  hashFor,
  type IdTokenCheck,
  idTokenOutcome,
  inSpecOrder,
  leftHalfHash,
  verifyIdToken,
} from './id-token-checks.ts'

export const hybridFlowId = 'hybrid'

const client: oauth.Client = { client_id: 'grantlab-hybrid' }
/** A demo secret: a real hybrid client keeps it on its server, never in a page. */
const clientAuth = oauth.ClientSecretBasic('grantlab-hybrid-secret')
const scope = 'openid profile email'

/** OAuth 2.0 Multiple Response Type Encoding Practices: the default response mode per type. */
const multipleResponseTypes: SpecRef = {
  label: 'OAuth 2.0 Multiple Response Types §5',
  href: 'https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#Combinations',
}

type HybridData = {
  as?: oauth.AuthorizationServer
  redirectUri?: string
  codeVerifier?: string
  codeChallenge?: string
  state?: string
  nonce?: string
  code?: string
  frontIdToken?: string
  backIdToken?: string
  accessToken?: string
}

/** The fragment's parameters, one value each, for display. */
function fragmentValues(url: URL): ShownValue[] {
  return [...new URLSearchParams(url.hash.slice(1)).entries()].map(([name, value]) => ({
    label: `#${name}`,
    value,
  }))
}

const claim = (claims: Record<string, unknown>, name: string) =>
  claims[name] === undefined ? '(absent)' : String(claims[name])

export const hybridFlow = defineFlow<HybridData>({
  id: hybridFlowId,
  title: 'OpenID Connect hybrid flow (code id_token)',
  summary:
    'The authorization server sends the browser back with both a code and a signed ID token, in the URL fragment. The client checks the ID token at once (its signature, its nonce and its c_hash, which ties it to the code), then trades the code for tokens on the back channel.',
  whenToUse:
    'Rarely today: a server-side web app that must know who signed in straight from the redirect, or an ecosystem built on FAPI 1.0 Advanced, which accepts code id_token or the code flow with JARM. FAPI 2.0 uses the plain authorization code flow with PKCE, and so should everyone else.',
  specs: [
    oidc('Core', '3.3', 'HybridFlowAuth'),
    oidc('Core', '3.3.2.11', 'HybridIDToken'),
    multipleResponseTypes,
  ],
  actors: [commonActors.user, commonActors.client, commonActors.as],
  steps: [
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the server and check it offers code id_token',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: oidc('Discovery', '3', 'ProviderMetadata'),
      moreSpecs: [rfc(8414, '2')],
      explanation:
        'The client fetches the metadata published under the issuer. For this flow it needs three things from it: "code id_token" among the response types, the signing algorithms the server uses for ID tokens, and jwks_uri, where the public keys that verify them live.',
      async run(ctx) {
        const as = await discover(ctx, 'oidc')
        const responseTypes = as.response_types_supported ?? []
        if (!responseTypes.includes('code id_token')) {
          return {
            status: 'error',
            message: 'This server does not list "code id_token" among its response types.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: 'The server supports "code id_token" and publishes its keys.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'response_types_supported', value: responseTypes.join(', ') },
            {
              label: 'response_modes_supported',
              value: (as.response_modes_supported ?? []).join(', ') || '(not listed)',
            },
            {
              label: 'id_token_signing_alg_values_supported',
              value: (as.id_token_signing_alg_values_supported ?? []).join(', '),
            },
            { label: 'jwks_uri', value: String(as.jwks_uri) },
          ],
          save: { as },
        }
      },
    },
    {
      id: 'prepare',
      label: 'make nonce, state, PKCE',
      title: 'Make the nonce, the state and the PKCE pair',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: oidc('Core', '3.3.2.1', 'HybridAuthRequest'),
      moreSpecs: [rfc(7636, '4.1'), rfc(9700, '2.1.1')],
      explanation:
        'For this response type the nonce is required, not optional: an ID token travels through the browser, so the client must be able to tell that it was minted for this very request and is not replayed from another one. The state protects the redirect as in the code flow. PKCE protects the code; this client is confidential and also authenticates at the token endpoint, and RFC 9700 still recommends PKCE for it.',
      async run(ctx) {
        const codeVerifier = oauth.generateRandomCodeVerifier()
        const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier)
        const state = oauth.generateRandomState()
        const nonce = oauth.generateRandomNonce()
        return {
          status: 'ok',
          summary: 'The client made a nonce, a state, a code verifier and its S256 challenge.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'nonce', value: nonce, note: 'Must come back inside both ID tokens.' },
            { label: 'state', value: state, note: 'Must come back unchanged in the fragment.' },
            { label: 'code_verifier', value: codeVerifier, note: 'Kept until the token request.' },
            { label: 'code_challenge (S256)', value: codeChallenge },
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
      spec: oidc('Core', '3.3.2.1', 'HybridAuthRequest'),
      moreSpecs: [multipleResponseTypes, oidc('Registration', '2', 'ClientMetadata')],
      explanation:
        'The request asks for response_type "code id_token". It sends no response_mode: for this response type the default is the fragment, so the code and the ID token will come back after a "#", which the browser keeps to itself and never sends to any server, not in the query string where the code flow puts its code. The scope includes openid: an ID token comes back only for an OpenID Connect request, and the server refuses code id_token without it. The client is registered for both grant types this response type stands for, authorization_code and implicit (OpenID Connect Registration §2); that does not open the implicit flow itself (response_type=token), which the server still refuses to it. Sign in as alice (password alice-password) and allow. oauth4webapi has no builder for this URL, so the client adds the parameters itself.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const redirectUri = `${ctx.appOrigin}/walkthrough/${hybridFlowId}/callback`
        const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
        url.searchParams.set('response_type', 'code id_token')
        url.searchParams.set('client_id', client.client_id)
        url.searchParams.set('redirect_uri', redirectUri)
        url.searchParams.set('scope', scope)
        url.searchParams.set('state', need(ctx.data.state, 'The state'))
        url.searchParams.set('nonce', need(ctx.data.nonce, 'The nonce'))
        url.searchParams.set('code_challenge', need(ctx.data.codeChallenge, 'The code challenge'))
        url.searchParams.set('code_challenge_method', 'S256')
        return {
          status: 'ok',
          summary: 'The authorization request is ready. The browser now leaves this page.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'Authorization request', value: url.href, format: 'url' }],
          save: { redirectUri },
          destination: {
            url: url.href,
            how: 'navigate',
            label: 'Continue to the authorization server',
            hint: 'Sign in there as alice with the password alice-password, choose Allow, and the server sends the browser back here with the code and the ID token in the fragment.',
          },
        }
      },
    },
    {
      id: 'callback',
      label: 'redirect back: #code, id_token',
      title: 'Check the front-channel ID token: signature, nonce, c_hash',
      from: 'as',
      to: 'client',
      kind: 'redirect',
      spec: oidc('Core', '3.3.2.12', 'HybridIDTValidation'),
      moreSpecs: [
        oidc('Core', '3.3.2.11', 'HybridIDToken'),
        oidc('Core', '3.3.2.10', 'CodeValidation'),
        rfc(9207, '2'),
      ],
      explanation:
        'The browser is back with "#code=…&id_token=…&state=…&iss=…". Only the page can read a fragment, so this step reads location.hash. oauth4webapi\'s validateCodeIdTokenResponse then checks the ID token before anything else: it fetches the server\'s public keys and verifies the signature (the token came through the browser, so only its signature speaks for it), checks iss, aud, exp and that iat is within the last hour, that the nonce is ours, and that c_hash matches the code; the client adds its own checks of iat and azp. c_hash is the left half of the SHA-256 hash of the code (SHA-256 because the token is signed with RS256): since the signed token commits to the code, an attacker who swaps in a code of their own is caught here, before the code is ever redeemed.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        if (!ctx.returnUrl) return notBackYet(ctx)
        const returned = new URL(ctx.returnUrl)
        if (returned.hash === '') {
          return {
            status: 'error',
            message: `The address the browser came back to has no fragment, so the code and ID token are missing: ${returned.href}`,
            exchanges: ctx.exchanges(),
          }
        }
        const nonce = need(ctx.data.nonce, 'The nonce')
        const receivedAt = ctx.now()
        const params = await oauth.validateCodeIdTokenResponse(
          as,
          client,
          returned,
          nonce,
          need(ctx.data.state, 'The state'),
          undefined,
          oauthOptions(ctx),
        )
        const code = need(params.get('code') ?? undefined, 'The code')
        // The checked parameters oauth4webapi returns leave the ID token out; read it from the fragment.
        const idToken = need(
          new URLSearchParams(returned.hash.slice(1)).get('id_token') ?? undefined,
          'The ID token',
        )
        const decoded = need(decodeJwt(idToken), 'A decodable ID token')
        const alg = String(decoded.header.alg)
        const computed = await leftHalfHash(code, alg)
        const hybridValidation = oidc('Core', '3.3.2.12', 'HybridIDTValidation')
        // validateCodeIdTokenResponse refused the response had the signature or c_hash failed;
        // the list shows what it checked, plus the client's own iat and azp checks.
        const signature: IdTokenCheck = {
          id: 'signature',
          outcome: 'pass',
          detail: `valid (${alg}, key "${String(decoded.header.kid)}" from jwks_uri)`,
          rule: 'The token came through the browser, so only its signature shows who made it: oauth4webapi fetched the key set (see the HTTP below) and verified it with the key whose kid is in the header.',
          spec: hybridValidation,
        }
        const cHash: IdTokenCheck = {
          id: 'c_hash',
          outcome: decoded.claims.c_hash === computed ? 'pass' : 'fail',
          detail: `${claim(decoded.claims, 'c_hash')} = ${computed}`,
          rule: `Required with a code in the fragment: BASE64URL(left half of ${hashFor(alg)}(code)), computed here from the code in the fragment, so a swapped code is caught before it is redeemed.`,
          spec: oidc('Core', '3.3.2.10', 'CodeValidation'),
        }
        const contents = await checkIdTokenContents(idToken, {
          as,
          client,
          receivedAt,
          nonce,
          channel: 'front-channel',
        })
        const outcome = idTokenOutcome(
          ctx,
          [...inSpecOrder(contents, signature), cHash],
          idToken,
          'Front-channel ID token',
        )
        if (outcome.status === 'error') return outcome
        return {
          status: 'ok',
          summary:
            'The ID token in the fragment is genuine: signed by the server, minted for our nonce, and bound to the code by c_hash.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Address the browser came back to', value: returned.href },
            ...fragmentValues(returned),
            ...checklistValues(outcome.checks),
            {
              label: 'Check: state and iss (response)',
              value: `✓ state matches; iss = ${params.get('iss') ?? claim(decoded.claims, 'iss')}`,
              note: 'The response parameters themselves: state is ours, and the iss parameter names the issuer (RFC 9207).',
            },
          ],
          tokens: [
            {
              ...outcome.token,
              signatureNote:
                'Verified by oauth4webapi with the public key from jwks_uri whose kid is in the header: required here, because the token travelled through the browser.',
            },
          ],
          save: { code, frontIdToken: idToken },
        }
      },
    },
    {
      id: 'token',
      label: 'POST /token (code, Basic auth)',
      title: 'Exchange the code for tokens',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: oidc('Core', '3.3.3.1', 'HybridTokenRequest'),
      moreSpecs: [
        rfc(6749, '4.1.3'),
        rfc(6749, '2.3.1'),
        rfc(7636, '4.5'),
        oidc('Core', '3.3.3.7', 'HybridIDTValidation2'),
      ],
      explanation:
        'The code is redeemed as in the code flow, on the back channel: the client authenticates with its secret (HTTP Basic, client_secret_basic) and sends the code verifier. A real hybrid client does this from its server, where the secret lives; this page plays that server. oauth4webapi wants the checked fragment parameters, which cannot be saved across steps, so the client validates the fragment again first. The new ID token is checked like any other, with the same nonce, and its signature verified against the key set: OpenID Connect would let a client skip that for a token straight from the token endpoint over TLS, and this demo has none.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const nonce = need(ctx.data.nonce, 'The nonce')
        const params = await oauth.validateCodeIdTokenResponse(
          as,
          client,
          new URL(need(ctx.returnUrl, 'The authorization response')),
          nonce,
          need(ctx.data.state, 'The state'),
          undefined,
          oauthOptions(ctx),
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
        const receivedAt = ctx.now()
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: nonce,
          requireIdToken: true,
        })
        const idToken = need(tokens.id_token, 'The ID token')
        const verified = await verifyIdToken(ctx, response, idToken, {
          as,
          client,
          receivedAt,
          nonce,
          accessToken: tokens.access_token,
          label: 'Token-endpoint ID token',
        })
        if (verified.status === 'error') return verified
        const shown: ShownToken[] = [
          verified.token,
          {
            label: 'Access token',
            value: tokens.access_token,
            signature: 'not-checked',
            subject: 'user',
            signatureNote: 'For the resource server to validate; the client treats it as opaque.',
          },
        ]
        return {
          status: 'ok',
          summary: 'The server accepted the code, the client secret and the verifier.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'token_type', value: tokens.token_type },
            { label: 'scope granted', value: tokens.scope ?? '(as requested)' },
            ...checklistValues(verified.checks),
          ],
          tokens: shown,
          save: { backIdToken: idToken, accessToken: tokens.access_token },
        }
      },
    },
    {
      id: 'compare',
      label: 'compare the two ID tokens',
      title: 'Compare the two ID tokens',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: oidc('Core', '3.3.3.6', 'HybridIDToken2'),
      moreSpecs: [oidc('Core', '3.3.2.11', 'HybridIDToken')],
      explanation:
        'The client now holds two ID tokens about the same sign-in. OpenID Connect requires their iss and sub to be identical; if they differ, something was swapped and the client must not trust either. Both carry our nonce. They differ where their channels differ: the front-channel one must carry c_hash (it rode along with the code); at_hash, the hash of the access token, is optional at the token endpoint, and this server includes it there.',
      async run(ctx) {
        const front = need(decodeJwt(need(ctx.data.frontIdToken, 'The front ID token')), 'JWT')
        const back = need(decodeJwt(need(ctx.data.backIdToken, 'The token ID token')), 'JWT')
        const rows = ['iss', 'sub', 'aud', 'nonce', 'auth_time', 'c_hash', 'at_hash'].map(
          (name) => {
            const a = claim(front.claims, name)
            const b = claim(back.claims, name)
            return {
              label: name,
              value: a === b ? `${a} (same in both)` : `front: ${a} · token endpoint: ${b}`,
            }
          },
        )
        const same = (name: string) => front.claims[name] === back.claims[name]
        if (!same('iss') || !same('sub')) {
          return {
            status: 'error',
            message: 'The two ID tokens disagree on iss or sub: the client must reject them.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: 'Same issuer, same user, same nonce: both ID tokens describe this sign-in.',
          exchanges: ctx.exchanges(),
          values: rows,
          notes: [
            'Today the authorization code flow with PKCE gives the same protection with one ID token; the hybrid flow remains where an ecosystem requires it.',
          ],
        }
      },
    },
  ],
})
