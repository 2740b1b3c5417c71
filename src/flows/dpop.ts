/**
 * DPoP (RFC 9449): the authorization code flow of a public browser app (`grantlab-dpop`) whose
 * tokens are bound to a key pair the page makes and cannot read out. Every request to the server
 * and the API carries a proof signed with that key; the server asks for a nonce first; then the
 * learner steals the token and finds it useless without the key. oauth4webapi makes every proof.
 * @see [RFC 9449](https://www.rfc-editor.org/rfc/rfc9449)
 */
import * as oauth from 'oauth4webapi'
import { oidc, rfc } from '../shared/spec-links.ts'
import {
  type CodeFlowData,
  type CodeFlowOptions,
  callbackStep,
  discover,
  need,
  opaqueRefreshToken,
} from './code-flow-steps.ts'
import { createDpopKey, deleteDpopKey, loadDpopKey } from './dpop-keys.ts'
import {
  athValues,
  bindingValues,
  dpopHandle,
  handleFor,
  latestNonce,
  proofsSent,
  refusalOf,
  refusalValues,
  withNonceRetry,
} from './dpop-support.ts'
import { commonActors, defineFlow, type ShownToken, type ShownValue } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'
import { checklistValues, verifyIdToken } from './id-token-checks.ts'

export const dpopFlowId = 'dpop'

const client: oauth.Client = { client_id: 'grantlab-dpop', token_endpoint_auth_method: 'none' }
const clientAuth = oauth.None()
const scope = 'openid profile orders:read'

const options: CodeFlowOptions = { flowId: dpopFlowId, client, clientAuth, scope }

type DpopData = CodeFlowData & {
  dpopKeyId?: string
  dpopPublicJwk?: { [member: string]: string }
  dpopJkt?: string
  /** The server's latest DPoP-Nonce: a new handle sends it (see dpopHandle). */
  dpopNonce?: string
}

const apiPath = '/api/profile'

function keyOf(data: Partial<DpopData>) {
  return {
    keyId: need(data.dpopKeyId, 'The DPoP key pair'),
    publicJwk: need(data.dpopPublicJwk, 'The public key'),
  }
}

export const dpopFlow = defineFlow<DpopData>({
  id: dpopFlowId,
  title: 'DPoP: tokens bound to a key (RFC 9449)',
  summary:
    'The app makes a key pair in the browser and signs a short proof with it for every request. The server binds the tokens to the public key, so a copied token is useless to anyone without the private key.',
  whenToUse:
    'Any client whose tokens could leak: browser apps and mobile apps above all, since they cannot keep a client secret, and any API that wants more than bearer tokens (FAPI 2.0 requires sender-constrained tokens).',
  specs: [rfc(9449), rfc(9449, '4.3'), rfc(9449, '7.1'), rfc(7638), rfc(9700, '2.2.1')],
  actors: [
    commonActors.user,
    commonActors.client,
    commonActors.as,
    commonActors.rs,
    {
      id: 'attacker',
      label: 'Attacker',
      description: 'Someone who copied the access token (from a log, a proxy, an XSS payload).',
    },
  ],
  steps: [
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the server and its DPoP algorithms',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9449, '5.1'),
      moreSpecs: [rfc(8414, '3')],
      explanation:
        'The client reads the server’s metadata. dpop_signing_alg_values_supported lists the algorithms the server accepts for proofs; all are asymmetric, since the server must verify a proof with the public key in it and never shares a secret with the client. This client will sign with ES256.',
      async run(ctx) {
        const as = await discover(ctx, 'oidc')
        const algs = (as.dpop_signing_alg_values_supported as string[] | undefined) ?? []
        if (!algs.includes('ES256')) {
          return {
            status: 'error',
            message: 'The server does not list ES256 in dpop_signing_alg_values_supported.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `The server accepts DPoP proofs signed with ${algs.join(', ')}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Token endpoint', value: String(as.token_endpoint) },
            { label: 'dpop_signing_alg_values_supported', value: algs.join(', ') },
          ],
          save: { as },
        }
      },
    },
    {
      id: 'make-key',
      label: 'make a key pair (private key not extractable)',
      title: 'Make the key pair, and the PKCE verifier, state and nonce',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: rfc(9449, '4.2'),
      moreSpecs: [rfc(7638, '3'), rfc(9449, '11.4'), rfc(7636, '4.1')],
      explanation:
        'The page makes an ES256 key pair with WebCrypto and asks for the private key to be non-extractable: the page can sign with it but nobody, not even this page, can read it out, so injected script cannot carry it away. The key pair is kept in IndexedDB (the browser stores the key without revealing it) so it survives the trip to the sign-in page. The public key goes into every proof, and its thumbprint (RFC 7638: a SHA-256 hash of the key’s members) names the key in short. As in any code flow, the client also makes a PKCE verifier, a state and a nonce.',
      async run(ctx) {
        const key = await createDpopKey()
        const extractable = (await loadDpopKey(key.keyId)).privateKey.extractable
        const codeVerifier = oauth.generateRandomCodeVerifier()
        const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier)
        const state = oauth.generateRandomState()
        const nonce = oauth.generateRandomNonce()
        return {
          status: 'ok',
          summary: 'A key pair was made; its private key cannot be read by any script.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Public key (JWK)', value: JSON.stringify(key.publicJwk), format: 'json' },
            {
              label: 'Private key extractable',
              value: String(extractable),
              note: 'WebCrypto refuses to export it: only signing with it is possible.',
              spec: rfc(9449, '11.4'),
            },
            {
              label: 'JWK thumbprint (jkt)',
              value: key.jkt,
              note: 'The name of the key from now on: the server will put it in the token.',
              spec: rfc(7638, '3'),
            },
            { label: 'code_verifier', value: codeVerifier },
            { label: 'state', value: state },
          ],
          save: {
            dpopKeyId: key.keyId,
            dpopPublicJwk: key.publicJwk,
            dpopJkt: key.jkt,
            codeVerifier,
            codeChallenge,
            state,
            nonce,
          },
        }
      },
    },
    {
      id: 'authorize',
      label: 'redirect to /authorize (dpop_jkt)',
      title: 'Send the browser to the authorization endpoint, naming the key',
      from: 'client',
      to: 'as',
      kind: 'redirect',
      spec: rfc(9449, '10'),
      moreSpecs: [rfc(6749, '4.1.1'), rfc(7636, '4.3'), rfc(9449, '11.9')],
      explanation:
        'The authorization request is the usual one plus dpop_jkt, the key’s thumbprint. The server binds the code it issues to that key: whoever intercepts the code on its way back cannot redeem it without the private key, on top of not knowing the PKCE verifier. Sign in as alice (password alice-password) and allow.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const redirectUri = `${ctx.appOrigin}/walkthrough/${dpopFlowId}/callback`
        const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
        url.searchParams.set('response_type', 'code')
        url.searchParams.set('client_id', client.client_id)
        url.searchParams.set('redirect_uri', redirectUri)
        url.searchParams.set('scope', scope)
        url.searchParams.set('state', need(ctx.data.state, 'The state'))
        url.searchParams.set('nonce', need(ctx.data.nonce, 'The nonce'))
        url.searchParams.set('code_challenge', need(ctx.data.codeChallenge, 'The code challenge'))
        url.searchParams.set('code_challenge_method', 'S256')
        url.searchParams.set('dpop_jkt', need(ctx.data.dpopJkt, 'The thumbprint'))
        return {
          status: 'ok',
          summary: 'The authorization request names the key by its thumbprint (dpop_jkt).',
          exchanges: ctx.exchanges(),
          values: [{ label: 'Authorization request', value: url.href, format: 'url' }],
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
      ...callbackStep(options),
      moreSpecs: [rfc(9207, '2'), rfc(9449, '10')],
      explanation:
        'The server sends the browser back with a code, the state and iss. The client checks state and iss as in any code flow. The code itself is now bound to the key named in dpop_jkt: the server will redeem it only with a proof made by that key.',
    },
    {
      id: 'token',
      label: 'POST /token + DPoP proof → use_dpop_nonce, retry',
      title: 'Exchange the code with a DPoP proof, and retry with the server’s nonce',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9449, '5'),
      moreSpecs: [rfc(9449, '8'), rfc(9449, '4.2'), rfc(9449, '6.1'), rfc(7638, '3')],
      explanation:
        'oauth4webapi signs a proof for the token request: a small JWT whose header carries the public key (jwk) and whose claims name this request (htm POST, htu the token endpoint), a fresh jti and the time (iat). This server wants each proof of this client to carry a nonce it issued, so it refuses the first try with use_dpop_nonce and a DPoP-Nonce header (a server does this to limit how long a proof made in advance stays usable). The client tries once more; oauth4webapi puts the nonce in the new proof. The server checks the proof, that its key is the one the code is bound to, and issues tokens of type DPoP: the access token carries cnf.jkt, the key’s thumbprint, and the refresh token is bound to the key too.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const { keyId, publicJwk } = keyOf(ctx.data)
        const DPoP = await dpopHandle(client, keyId, ctx.data.dpopNonce)
        const params = oauth.validateAuthResponse(
          as,
          client,
          new URL(need(ctx.returnUrl, 'The authorization response')),
          need(ctx.data.state, 'The state'),
        )
        const nonce = need(ctx.data.nonce, 'The nonce')
        const { result, challenge } = await withNonceRetry(ctx, async () => {
          const response = await oauth.authorizationCodeGrantRequest(
            as,
            client,
            clientAuth,
            params,
            need(ctx.data.redirectUri, 'The redirect URI'),
            need(ctx.data.codeVerifier, 'The code verifier'),
            { ...oauthOptions(ctx), DPoP },
          )
          const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
            expectedNonce: nonce,
            requireIdToken: true,
          })
          return { tokens, response }
        })
        const { tokens, response } = result
        const receivedAt = ctx.now()
        const idToken = need(tokens.id_token, 'The ID token')
        const verified = await verifyIdToken(ctx, response, idToken, {
          as,
          client,
          receivedAt,
          nonce,
          accessToken: tokens.access_token,
          label: 'ID token',
        })
        if (verified.status === 'error') return verified
        const binding = await bindingValues(tokens.access_token, publicJwk)
        const tokenRequests = ctx
          .exchanges()
          .filter((exchange) => exchange.request.headers.dpop !== undefined)
        const proofs = await proofsSent(tokenRequests, (index) =>
          tokenRequests.length > 1
            ? index === 0
              ? 'DPoP proof, first try (no nonce)'
              : 'DPoP proof, retry (with the server’s nonce)'
            : 'DPoP proof',
        )
        const shown: ShownToken[] = [
          ...proofs,
          {
            label: 'Access token (DPoP-bound)',
            value: tokens.access_token,
            signature: 'not-checked',
            subject: 'user',
            signatureNote:
              'For the resource server to validate. Its cnf claim names the key it is bound to.',
          },
          verified.token,
        ]
        if (tokens.refresh_token) {
          shown.push(opaqueRefreshToken(tokens.refresh_token, 'Refresh token (bound to the key)'))
        }
        const values: ShownValue[] = [
          ...(challenge
            ? [
                {
                  label: 'First answer',
                  value: `${challenge.status} use_dpop_nonce`,
                  note: 'The server wants a nonce of its own in the proof.',
                  spec: rfc(9449, '8'),
                },
                { label: 'DPoP-Nonce header', value: challenge.nonce ?? '(missing)' },
              ]
            : [{ label: 'Nonce', value: 'The server did not ask for one this time.' }]),
          {
            label: 'token_type',
            value: tokens.token_type,
            note: 'oauth4webapi writes it in lower case; the server sent DPoP.',
          },
          ...binding.values,
          ...checklistValues(verified.checks),
        ]
        if (!binding.bound || tokens.token_type !== 'dpop') {
          return {
            status: 'error',
            message: 'The server issued a token that is not bound to this page’s key.',
            values,
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: challenge
            ? 'The server asked for a nonce, then accepted the proof that carried it and issued DPoP-bound tokens.'
            : 'The server accepted the proof and issued DPoP-bound tokens.',
          exchanges: ctx.exchanges(),
          values,
          tokens: shown,
          save: {
            accessToken: tokens.access_token,
            idToken,
            refreshToken: tokens.refresh_token,
            dpopNonce: latestNonce(ctx.exchanges(), ctx.data.dpopNonce),
          },
        }
      },
    },
    {
      id: 'call-api',
      label: `GET ${apiPath} (DPoP + proof with ath)`,
      title: 'Call the API with the token and a proof',
      from: 'client',
      to: 'rs',
      kind: 'request',
      spec: rfc(9449, '7.1'),
      moreSpecs: [rfc(9449, '4.2'), rfc(9449, '4.3'), rfc(9449, '9')],
      explanation:
        'The client sends the token with the DPoP scheme (Authorization: DPoP …) and a new proof for this request: htm GET, htu the API’s URL, and ath, the hash of the access token, so the proof covers this very token. The API checks the proof as the server did, that ath matches, and that the proof’s key is the one named in the token’s cnf.jkt. The client sends the nonce it got from the token endpoint: the server and the API share an origin and one nonce here (RFC 9449 §9 lets an API ask for its own).',
      async run(ctx) {
        const accessToken = need(ctx.data.accessToken, 'The access token')
        const { keyId } = keyOf(ctx.data)
        const DPoP = await dpopHandle(client, keyId, ctx.data.dpopNonce)
        const { result: response, challenge } = await withNonceRetry(ctx, () =>
          oauth.protectedResourceRequest(
            accessToken,
            'GET',
            new URL(apiPath, ctx.appOrigin),
            undefined,
            undefined,
            { ...oauthOptions(ctx), DPoP },
          ),
        )
        const body = await response.text()
        const last = ctx.exchanges().at(-1)
        const proof = last?.request.headers.dpop ?? ''
        return {
          status: 'ok',
          summary: 'The API checked the proof and the binding, and answered.',
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'Authorization header sent',
              value: `DPoP ${accessToken.slice(0, 16)}…`,
              note: 'The DPoP scheme, not Bearer.',
            },
            ...(await athValues(proof, accessToken)),
            ...(challenge
              ? [{ label: 'First answer', value: `${challenge.status} use_dpop_nonce (§9)` }]
              : []),
            { label: `API answer from ${apiPath}`, value: body, format: 'json' as const },
          ],
          tokens: await proofsSent(ctx.exchanges(), () => 'DPoP proof for the API call'),
          save: { dpopNonce: latestNonce(ctx.exchanges(), ctx.data.dpopNonce) },
        }
      },
    },
    {
      id: 'steal-bearer',
      label: `GET ${apiPath} as Bearer → 401`,
      title: 'Steal the token, and replay it as a bearer token',
      from: 'attacker',
      to: 'rs',
      kind: 'request',
      spec: rfc(9449, '7.2'),
      moreSpecs: [rfc(6750, '2.1'), rfc(6750, '3.1')],
      explanation:
        'Now play the attacker who copied the access token. The simplest use of a stolen token is to send it as a bearer token, with no proof at all. An API that accepts both schemes must not let a DPoP-bound token through that way, else binding would protect nothing. This API sees cnf.jkt in the token and refuses it with 401 invalid_token, naming both schemes in WWW-Authenticate.',
      async run(ctx) {
        const accessToken = need(ctx.data.accessToken, 'The access token')
        const refusal = await refusalOf(() =>
          oauth.protectedResourceRequest(
            accessToken,
            'GET',
            new URL(apiPath, ctx.appOrigin),
            undefined,
            undefined,
            oauthOptions(ctx),
          ),
        )
        if (!refusal) {
          return {
            status: 'error',
            message:
              'The API accepted a DPoP-bound token sent as a bearer token. It must refuse it.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `Refused as expected: the API answered ${refusal.status} ${refusal.error}.`,
          exchanges: ctx.exchanges(),
          values: refusalValues(refusal),
        }
      },
    },
    {
      id: 'steal-other-key',
      label: `GET ${apiPath} with another key → 401`,
      title: 'Replay it with a proof from another key',
      from: 'attacker',
      to: 'rs',
      kind: 'request',
      spec: rfc(9449, '7.1'),
      moreSpecs: [rfc(9449, '4.3'), rfc(9449, '6.1'), rfc(9449, '11.1')],
      explanation:
        'A better-equipped attacker makes a key pair of their own and signs a perfectly valid proof for the request, ath included, even with the server’s current nonce (nonces are not secret). The proof verifies, but with the attacker’s key: its thumbprint is not the one in the token’s cnf.jkt, so the API refuses with 401 invalid_token. Without the private key that stayed in the victim’s browser, the token is worthless.',
      async run(ctx) {
        const accessToken = need(ctx.data.accessToken, 'The access token')
        const { publicJwk } = keyOf(ctx.data)
        const attackerKey = await oauth.generateKeyPair('ES256')
        const DPoP = handleFor(client, attackerKey, ctx.data.dpopNonce)
        const refusal = await refusalOf(async () =>
          withNonceRetry(ctx, () =>
            oauth.protectedResourceRequest(
              accessToken,
              'GET',
              new URL(apiPath, ctx.appOrigin),
              undefined,
              undefined,
              { ...oauthOptions(ctx), DPoP },
            ),
          ),
        )
        if (!refusal) {
          return {
            status: 'error',
            message: 'The API accepted the token with a proof from another key. It must refuse it.',
            exchanges: ctx.exchanges(),
          }
        }
        const attackerJkt = await DPoP.calculateThumbprint()
        const binding = await bindingValues(accessToken, publicJwk)
        return {
          status: 'ok',
          summary: `Refused as expected: the API answered ${refusal.status} ${refusal.error}.`,
          exchanges: ctx.exchanges(),
          values: [
            ...refusalValues(refusal),
            binding.values[0] as ShownValue,
            {
              label: 'Thumbprint of the attacker’s key',
              value: attackerJkt,
              note: 'Not the one in the token: the proof is valid, but from the wrong key.',
            },
          ],
          tokens: await proofsSent(
            ctx.exchanges(),
            () => 'The attacker’s DPoP proof',
            'Signed with the attacker’s own key, which is valid but not the one the token is bound to',
          ),
        }
      },
    },
    {
      id: 'refresh',
      label: 'POST /token (refresh): other key → refused; own key → new tokens',
      title: 'Refresh: the stolen refresh token fails too, the client’s own succeeds',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9449, '5'),
      moreSpecs: [rfc(9700, '2.2.2'), rfc(6749, '6')],
      explanation:
        'A public client’s refresh token is bound to the key as well: the server accepts it only with a proof from that key. First the attacker tries the copied refresh token with their own key and is refused with invalid_grant. That refusal does not spend or revoke anything: only the key’s holder can use the token anyway. Then the client refreshes with its own key and gets new tokens, bound to the same key. (This server also rotates the refresh token on every use; RFC 9700 asks for binding or rotation for public clients, and binding alone would do.)',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const refreshToken = need(ctx.data.refreshToken, 'The refresh token')
        const { keyId, publicJwk } = keyOf(ctx.data)
        const thief = handleFor(client, await oauth.generateKeyPair('ES256'), ctx.data.dpopNonce)
        const refusal = await refusalOf(() =>
          withNonceRetry(ctx, async () =>
            oauth.processRefreshTokenResponse(
              as,
              client,
              await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, {
                ...oauthOptions(ctx),
                DPoP: thief,
              }),
            ),
          ),
        )
        if (!refusal) {
          return {
            status: 'error',
            message: 'The server accepted the refresh token with another key. It must refuse it.',
            exchanges: ctx.exchanges(),
          }
        }
        const DPoP = await dpopHandle(
          client,
          keyId,
          latestNonce(ctx.exchanges(), ctx.data.dpopNonce),
        )
        const { result: tokens } = await withNonceRetry(ctx, async () =>
          oauth.processRefreshTokenResponse(
            as,
            client,
            await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, {
              ...oauthOptions(ctx),
              DPoP,
            }),
          ),
        )
        const binding = await bindingValues(tokens.access_token, publicJwk)
        const shown: ShownToken[] = [
          {
            label: 'New access token (bound to the same key)',
            value: tokens.access_token,
            signature: 'not-checked',
            subject: 'user',
          },
        ]
        if (tokens.refresh_token)
          shown.push(opaqueRefreshToken(tokens.refresh_token, 'New refresh token'))
        return {
          status: 'ok',
          summary: `The thief was refused (${refusal.error}); the client refreshed with its own key.`,
          exchanges: ctx.exchanges(),
          values: [
            ...refusalValues(refusal, 'Answer to the thief'),
            { label: 'token_type of the new tokens', value: tokens.token_type },
            ...binding.values,
          ],
          tokens: shown,
          save: {
            accessToken: tokens.access_token,
            refreshToken: tokens.refresh_token ?? refreshToken,
            dpopNonce: latestNonce(ctx.exchanges(), ctx.data.dpopNonce),
          },
        }
      },
    },
    {
      id: 'forget-key',
      label: 'delete the key pair',
      title: 'Forget the key pair',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: rfc(9449, '11.4'),
      moreSpecs: [oidc('Core', '3.1', 'CodeFlowAuth')],
      explanation:
        'The tokens are worth something only together with the key, so the key lives exactly as long as the session: when the user signs out (here: the walkthrough ends), the client deletes the key pair, and every token bound to it becomes useless even to this browser. The walkthrough deletes it from IndexedDB now.',
      async run(ctx) {
        const { keyId } = keyOf(ctx.data)
        await deleteDpopKey(keyId)
        const gone = await loadDpopKey(keyId).then(
          () => false,
          () => true,
        )
        if (!gone) {
          return {
            status: 'error',
            message: 'The key pair is still in IndexedDB.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: 'The key pair is deleted; the tokens bound to it can no longer be used.',
          exchanges: ctx.exchanges(),
        }
      },
    },
  ],
})
