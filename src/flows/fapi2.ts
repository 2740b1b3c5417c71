/**
 * The FAPI 2.0 Security Profile in one run: a confidential client registered with
 * `private_key_jwt`, `require_pushed_authorization_requests` and `dpop_bound_access_tokens`
 * pushes its request (PAR, RFC 9126) with PKCE (S256) and a DPoP proof, checks `iss` (RFC 9207),
 * and gets DPoP-bound tokens. A checklist ticks each requirement when a real answer of the server
 * shows it, and says which ones this local http demo cannot meet. oauth4webapi for every step.
 * @see [FAPI 2.0 Security Profile](https://openid.net/specs/fapi-security-profile-2_0-final.html)
 */
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { fapi2, rfc } from '../shared/spec-links.ts'
import { discover, need, notBackYet } from './code-flow-steps.ts'
import { createDpopKey, deleteDpopKey } from './dpop-keys.ts'
import {
  bindingValues,
  dpopHandle,
  handleFor,
  latestNonce,
  proofsSent,
  refusalOf,
  refusalValues,
  withNonceRetry,
} from './dpop-support.ts'
import {
  checklistSummary,
  type Fapi2RequirementId,
  type Fapi2Ticks,
  tickValues,
  withTicks,
} from './fapi2-checklist.ts'
import {
  commonActors,
  defineFlow,
  type HttpExchange,
  type ShownToken,
  type ShownValue,
} from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'
import { checklistValues, verifyIdToken } from './id-token-checks.ts'

export const fapi2FlowId = 'fapi2'

const scope = 'openid profile orders:read'
const apiPath = '/api/profile'

type Fapi2Data = {
  as?: oauth.AuthorizationServer
  /** The client's signing key as a JWK, kept for the run as the client credentials walkthrough does. */
  signingJwk?: { [member: string]: string | undefined }
  kid?: string
  dpopKeyId?: string
  dpopPublicJwk?: { [member: string]: string }
  dpopJkt?: string
  dpopNonce?: string
  clientId?: string
  redirectUri?: string
  requestUri?: string
  /** The state of the request sent without PAR, to check the refusal that comes back. */
  probeState?: string
  codeVerifier?: string
  state?: string
  nonce?: string
  accessToken?: string
  idToken?: string
  ticks?: Fapi2Ticks
}

type Ticks = Partial<Record<Fapi2RequirementId, string>>

function clientOf(data: Partial<Fapi2Data>): oauth.Client {
  return {
    client_id: need(data.clientId, 'The client_id'),
    // FAPI 2.0 §5.4: ES256, which the client registered for its ID tokens.
    id_token_signed_response_alg: 'ES256',
  }
}

async function clientAuthOf(
  data: Partial<Fapi2Data>,
  modify?: oauth.ModifyAssertionFunction,
): Promise<oauth.ClientAuth> {
  const key = await crypto.subtle.importKey(
    'jwk',
    need(data.signingJwk, 'The client’s private key') as JsonWebKey,
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  )
  return oauth.PrivateKeyJwt(
    { key, kid: need(data.kid, 'The key id') },
    modify ? { [oauth.modifyAssertion]: modify } : undefined,
  )
}

/** The client assertion a request carried, decoded for the token inspector. */
function assertionsSent(exchanges: HttpExchange[], label: string): ShownToken[] {
  return exchanges.flatMap((exchange): ShownToken[] => {
    const assertion = new URLSearchParams(exchange.request.body ?? '').get('client_assertion')
    if (!assertion) return []
    return [
      {
        label,
        value: assertion,
        signature: 'not-checked',
        subject: 'client',
        signatureNote:
          'Signed by the client with its private key; the server verifies it with the public key the client registered.',
      },
    ]
  })
}

export const fapi2Flow = defineFlow<Fapi2Data>({
  id: fapi2FlowId,
  title: 'FAPI 2.0 Security Profile (PAR, PKCE, private_key_jwt, DPoP)',
  summary:
    'A high-security profile of the code flow in one run: the client registers with a key pair, pushes its authorization request over the back channel, signs an assertion with that key for every request, and gets tokens bound to a second key. A checklist ticks each requirement as the server’s answers show it.',
  whenToUse:
    'APIs that move money or expose sensitive data (open banking, health, e-government), where the ecosystem asks for FAPI 2.0. Its requirements are also a good target for any confidential client.',
  specs: [fapi2('5.3.2.1'), fapi2('5.3.2.2'), fapi2('5.3.3'), rfc(9126), rfc(9449), rfc(9207)],
  actors: [commonActors.user, commonActors.client, commonActors.as, commonActors.rs],
  steps: [
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the server, and what it offers for FAPI 2.0',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: fapi2('5.3.2.1'),
      moreSpecs: [fapi2('5.3.3.1'), rfc(8414, '3'), rfc(9126, '5'), rfc(9449, '5.1')],
      explanation:
        'FAPI 2.0 clients take every endpoint from the server’s metadata, and only from a document whose issuer is exactly the one they asked for (oauth4webapi refuses any other). The metadata also tells whether the server has what the profile needs: a PAR endpoint, PKCE with S256, private_key_jwt, DPoP algorithms, and iss in authorization responses.',
      async run(ctx) {
        const as = await discover(ctx, 'oidc')
        const has = {
          par: typeof as.pushed_authorization_request_endpoint === 'string',
          s256:
            JSON.stringify(as.code_challenge_methods_supported ?? []) === JSON.stringify(['S256']),
          pkjwt: (as.token_endpoint_auth_methods_supported ?? []).includes('private_key_jwt'),
          dpop: ((as.dpop_signing_alg_values_supported as string[] | undefined) ?? []).includes(
            'ES256',
          ),
          iss: as.authorization_response_iss_parameter_supported === true,
        }
        const missing = Object.entries(has)
          .filter(([, present]) => !present)
          .map(([name]) => name)
        if (missing.length > 0) {
          return {
            status: 'error',
            message: `The server’s metadata lacks what FAPI 2.0 needs: ${missing.join(', ')}.`,
            exchanges: ctx.exchanges(),
          }
        }
        const ticks: Ticks = {
          metadata: `Served at ${ctx.issuer}/.well-known/openid-configuration.`,
          'issuer-match': `The document’s issuer is ${as.issuer}, the one asked for; oauth4webapi checked it.`,
        }
        return {
          status: 'ok',
          summary: 'The metadata lists a PAR endpoint, S256 only, private_key_jwt, DPoP and iss.',
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'pushed_authorization_request_endpoint',
              value: String(as.pushed_authorization_request_endpoint),
            },
            {
              label: 'code_challenge_methods_supported',
              value: (as.code_challenge_methods_supported ?? []).join(', '),
            },
            {
              label: 'dpop_signing_alg_values_supported',
              value: ((as.dpop_signing_alg_values_supported as string[]) ?? []).join(', '),
            },
            ...tickValues(ticks),
          ],
          save: { as, ticks: withTicks(ctx.data.ticks, ticks) },
        }
      },
    },
    {
      id: 'keys',
      label: 'make two key pairs, PKCE, state',
      title: 'Make the client’s key pair, the DPoP key pair, and PKCE',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: fapi2('5.3.3.1'),
      moreSpecs: [rfc(7523, '2.2'), rfc(9449, '11.4'), rfc(7636, '4.1')],
      explanation:
        'Two key pairs with two jobs. The client’s signing key (ES256) authenticates the client: its public half is registered, its private half signs a client assertion per request (private_key_jwt). The walkthrough keeps it for the run, as the client credentials walkthrough does; a real client keeps it in a key store. The DPoP key (ES256, private key not extractable, kept in IndexedDB) binds the tokens. FAPI 2.0 also wants PKCE with S256, so the client makes a verifier, and a state.',
      async run(ctx) {
        const signing = await oauth.generateKeyPair('ES256', { extractable: true })
        const exported = await crypto.subtle.exportKey('jwk', signing.privateKey)
        const kid = `fapi-${crypto.randomUUID().slice(0, 8)}`
        const dpop = await createDpopKey()
        const codeVerifier = oauth.generateRandomCodeVerifier()
        const state = oauth.generateRandomState()
        const nonce = oauth.generateRandomNonce()
        return {
          status: 'ok',
          summary: 'Two ES256 key pairs were made: one to sign client assertions, one for DPoP.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Client signing key id (kid)', value: kid },
            {
              label: 'DPoP public key (JWK)',
              value: JSON.stringify(dpop.publicJwk),
              format: 'json',
            },
            { label: 'DPoP key thumbprint (jkt)', value: dpop.jkt, spec: rfc(7638, '3') },
            { label: 'code_verifier', value: codeVerifier },
          ],
          save: {
            signingJwk: exported as { [member: string]: string | undefined },
            kid,
            dpopKeyId: dpop.keyId,
            dpopPublicJwk: dpop.publicJwk,
            dpopJkt: dpop.jkt,
            codeVerifier,
            state,
            nonce,
          },
        }
      },
    },
    {
      id: 'register',
      label: 'POST /register (private_key_jwt, PAR, DPoP)',
      title: 'Register the FAPI client',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(7591, '3.1'),
      moreSpecs: [fapi2('5.3.2.1'), rfc(9126, '6'), rfc(9449, '5.2')],
      explanation:
        'The client registers itself (RFC 7591) with what FAPI 2.0 asks of it: token_endpoint_auth_method private_key_jwt with its public key in jwks (no shared secret is issued), require_pushed_authorization_requests so the server refuses any authorization request that was not pushed, dpop_bound_access_tokens so every token request must carry a proof, ES256 ID tokens, and no refresh_token grant (this server rotates refresh tokens, which FAPI 2.0 discourages).',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const signingJwk = need(ctx.data.signingJwk, 'The client’s key')
        const redirectUri = `${ctx.appOrigin}/walkthrough/${fapi2FlowId}/callback`
        const jwk = {
          kty: signingJwk.kty,
          crv: signingJwk.crv,
          x: signingJwk.x,
          y: signingJwk.y,
          kid: need(ctx.data.kid, 'The key id'),
          alg: 'ES256',
          use: 'sig',
        }
        const registered = await oauth.processDynamicClientRegistrationResponse(
          await oauth.dynamicClientRegistrationRequest(
            as,
            {
              client_name: 'Grantlab FAPI 2.0 client',
              redirect_uris: [redirectUri],
              grant_types: ['authorization_code'],
              response_types: ['code'],
              scope,
              token_endpoint_auth_method: 'private_key_jwt',
              token_endpoint_auth_signing_alg: 'ES256',
              id_token_signed_response_alg: 'ES256',
              require_pushed_authorization_requests: true,
              dpop_bound_access_tokens: true,
              jwks: { keys: [jwk] },
            },
            oauthOptions(ctx),
          ),
        )
        return {
          status: 'ok',
          summary: `Registered ${registered.client_id}: private_key_jwt, PAR required, DPoP-bound tokens.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'client_id', value: registered.client_id },
            {
              label: 'client_secret',
              value: registered.client_secret === undefined ? 'none' : 'issued (unexpected)',
              note: 'private_key_jwt needs no shared secret.',
            },
            {
              label: 'dpop_bound_access_tokens',
              value: String(registered.dpop_bound_access_tokens),
            },
            {
              label: 'require_pushed_authorization_requests',
              value: String(registered.require_pushed_authorization_requests),
            },
          ],
          save: { clientId: registered.client_id, redirectUri },
        }
      },
    },
    {
      id: 'no-par',
      label: 'redirect to /authorize without PAR',
      title: 'Try the front channel without PAR',
      from: 'client',
      to: 'as',
      kind: 'redirect',
      spec: fapi2('5.3.2.2'),
      moreSpecs: [rfc(9126, '6'), rfc(6749, '4.1.2.1')],
      explanation:
        'Before doing it right, see the server enforce PAR: the browser goes to the authorization endpoint with an ordinary request, every parameter in the URL, as if the client had skipped the push. The client registered require_pushed_authorization_requests, so the server must refuse. The redirect URI and client are valid, so the refusal comes back to the client at once, as an error on the redirect URI; nobody signs in.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const probeState = oauth.generateRandomState()
        const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
        url.searchParams.set('response_type', 'code')
        url.searchParams.set('client_id', need(ctx.data.clientId, 'The client_id'))
        url.searchParams.set('redirect_uri', need(ctx.data.redirectUri, 'The redirect URI'))
        url.searchParams.set('scope', scope)
        url.searchParams.set('state', probeState)
        url.searchParams.set(
          'code_challenge',
          await oauth.calculatePKCECodeChallenge(need(ctx.data.codeVerifier, 'The verifier')),
        )
        url.searchParams.set('code_challenge_method', 'S256')
        return {
          status: 'ok',
          summary:
            'An authorization request that was not pushed. The browser now leaves this page.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'Authorization request (not pushed)', value: url.href, format: 'url' }],
          save: { probeState },
          destination: {
            url: url.href,
            how: 'navigate',
            label: 'Send the browser without PAR',
            hint: 'The server answers at once: the browser comes straight back here with an error.',
          },
        }
      },
    },
    {
      id: 'no-par-refused',
      label: 'redirect back: error=invalid_request, iss',
      title: 'See the server refuse it',
      from: 'as',
      to: 'client',
      kind: 'redirect',
      spec: fapi2('5.3.2.2'),
      moreSpecs: [rfc(9126, '6'), rfc(9207, '2')],
      explanation:
        'The browser came back with error=invalid_request instead of a code. oauth4webapi reads it like any authorization response: it checks iss and state first (an error response carries them too), then reports the error.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        if (!ctx.returnUrl) return notBackYet(ctx)
        const returned = new URL(ctx.returnUrl)
        let error: oauth.AuthorizationResponseError | undefined
        try {
          oauth.validateAuthResponse(
            as,
            clientOf(ctx.data),
            returned,
            need(ctx.data.probeState, 'The state'),
          )
        } catch (thrown) {
          if (!(thrown instanceof oauth.AuthorizationResponseError)) throw thrown
          error = thrown
        }
        if (!error) {
          return {
            status: 'error',
            message:
              'The server answered a request that was not pushed. FAPI 2.0 wants it refused.',
            exchanges: ctx.exchanges(),
          }
        }
        const ticks: Ticks =
          error.error === 'invalid_request'
            ? {
                'par-required': `The browser came back with invalid_request: ${error.error_description ?? ''}`,
              }
            : {}
        return {
          status: 'ok',
          summary: `Refused as expected: the server sent the browser back with ${error.error}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Address the browser came back to', value: returned.href, format: 'url' },
            {
              label: 'error',
              value: `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`,
            },
            ...tickValues(ticks),
          ],
          save: { ticks: withTicks(ctx.data.ticks, ticks) },
        }
      },
    },
    {
      id: 'wrong-audience',
      label: 'POST /par, assertion aud = token endpoint → refused',
      title: 'Send an assertion addressed to the token endpoint, and be refused',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: fapi2('5.3.2.1'),
      moreSpecs: [fapi2('5.3.3.1'), rfc(7523, '3')],
      explanation:
        'RFC 7523 let a client put the token endpoint’s URL in its assertion’s aud, and RFC 9126 the PAR endpoint’s. That made an assertion meant for one endpoint usable elsewhere, so the RFC 7523 update and FAPI 2.0 allow only the issuer identifier, as a plain string. To see the server enforce it, the client sends one pushed request whose assertion names the token endpoint (oauth4webapi’s modifyAssertion changes the aud just before signing).',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const client = clientOf(ctx.data)
        const auth = await clientAuthOf(ctx.data, (_header, payload) => {
          payload.aud = String(as.token_endpoint)
        })
        const refusal = await refusalOf(async () =>
          oauth.processPushedAuthorizationResponse(
            as,
            client,
            await oauth.pushedAuthorizationRequest(
              as,
              client,
              auth,
              {
                response_type: 'code',
                scope,
                redirect_uri: need(ctx.data.redirectUri, 'The redirect URI'),
              },
              oauthOptions(ctx),
            ),
          ),
        )
        if (!refusal) {
          return {
            status: 'error',
            message:
              'The server accepted an assertion addressed to its token endpoint. FAPI 2.0 wants it refused.',
            exchanges: ctx.exchanges(),
          }
        }
        const ticks: Ticks =
          refusal.error === 'invalid_client'
            ? {
                'aud-issuer': `Refused with ${refusal.status} invalid_client: ${refusal.description ?? ''}`,
              }
            : {}
        return {
          status: 'ok',
          summary: `Refused as expected: ${refusal.status} ${refusal.error}.`,
          exchanges: ctx.exchanges(),
          values: [...refusalValues(refusal), ...tickValues(ticks)],
          tokens: assertionsSent(ctx.exchanges(), 'Client assertion with aud = the token endpoint'),
          save: { ticks: withTicks(ctx.data.ticks, ticks) },
        }
      },
    },
    {
      id: 'par',
      label: 'POST /par (private_key_jwt + DPoP) → request_uri',
      title: 'Push the authorization request, with PKCE and a DPoP proof',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9126, '2.1'),
      moreSpecs: [fapi2('5.3.2.2'), fapi2('5.3.3.2'), rfc(9449, '10.1'), rfc(9449, '8')],
      explanation:
        'The client posts every authorization parameter to the PAR endpoint, over the back channel, authenticated with a fresh client assertion (aud: the issuer) and carrying a DPoP proof: the server binds the code it will issue to the proof’s key, as dpop_jkt would (RFC 9449 §10.1). This client must send a server nonce in its proofs, so the first push is refused with use_dpop_nonce and the second carries the nonce. The answer is a request_uri, valid for a short while.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const client = clientOf(ctx.data)
        const auth = await clientAuthOf(ctx.data)
        const DPoP = await dpopHandle(
          client,
          need(ctx.data.dpopKeyId, 'The DPoP key'),
          ctx.data.dpopNonce,
        )
        const codeVerifier = need(ctx.data.codeVerifier, 'The code verifier')
        const { result: pushed, challenge } = await withNonceRetry(ctx, async () =>
          oauth.processPushedAuthorizationResponse(
            as,
            client,
            await oauth.pushedAuthorizationRequest(
              as,
              client,
              auth,
              {
                response_type: 'code',
                scope,
                redirect_uri: need(ctx.data.redirectUri, 'The redirect URI'),
                state: need(ctx.data.state, 'The state'),
                nonce: need(ctx.data.nonce, 'The nonce'),
                code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
                code_challenge_method: 'S256',
              },
              { ...oauthOptions(ctx), DPoP },
            ),
          ),
        )
        const assertions = assertionsSent(ctx.exchanges(), 'Client assertion (private_key_jwt)')
        const lastAssertion = assertions.at(-1)?.value
        const aud = lastAssertion ? decodeJwt(lastAssertion).aud : undefined
        const ticks: Ticks = {
          'par-client-auth': `201 with a request_uri, after the private_key_jwt assertion was accepted.`,
          'client-auth':
            'The server authenticated the client by its signed assertion; the client has no secret.',
        }
        if (pushed.expires_in < 600) {
          ticks['par-lifetime'] = `expires_in is ${pushed.expires_in} seconds.`
        }
        if (aud === as.issuer) {
          ticks['aud-sent'] = `The assertion’s aud is the string ${String(aud)}.`
        }
        if (challenge) {
          ticks['dpop-nonce'] =
            `The first push was refused with ${challenge.status} use_dpop_nonce; the retry carried the DPoP-Nonce value.`
        }
        const values: ShownValue[] = [
          { label: 'request_uri', value: pushed.request_uri },
          { label: 'expires_in', value: `${pushed.expires_in} seconds` },
          ...(challenge
            ? [
                {
                  label: 'First answer',
                  value: `${challenge.status} use_dpop_nonce`,
                  spec: rfc(9449, '8'),
                },
              ]
            : []),
          ...tickValues(ticks),
        ]
        return {
          status: 'ok',
          summary: `The server took the request and answered with a request_uri valid for ${pushed.expires_in} seconds.`,
          exchanges: ctx.exchanges(),
          values,
          tokens: [
            ...(assertions.at(-1) ? [assertions.at(-1) as ShownToken] : []),
            ...(await proofsSent(ctx.exchanges(), (index) =>
              index === 0 && challenge ? 'DPoP proof, first push (no nonce)' : 'DPoP proof',
            )),
          ],
          save: {
            requestUri: pushed.request_uri,
            dpopNonce: latestNonce(ctx.exchanges(), ctx.data.dpopNonce),
            ticks: withTicks(ctx.data.ticks, ticks),
          },
        }
      },
    },
    {
      id: 'authorize',
      label: 'redirect to /authorize (client_id, request_uri)',
      title: 'Send the browser with the request_uri only',
      from: 'client',
      to: 'as',
      kind: 'redirect',
      spec: rfc(9126, '4'),
      moreSpecs: [fapi2('5.3.2.2'), fapi2('5.3.3.2')],
      explanation:
        'The front channel now carries nothing but client_id and the request_uri: no scope, no redirect_uri, no PKCE challenge that someone could read or change on the way. The server looks the pushed request up and shows its sign-in page. Sign in as alice (password alice-password) and allow.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
        url.searchParams.set('client_id', need(ctx.data.clientId, 'The client_id'))
        url.searchParams.set('request_uri', need(ctx.data.requestUri, 'The request_uri'))
        return {
          status: 'ok',
          summary:
            'The authorization request is two parameters long. The browser now leaves this page.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'Authorization request', value: url.href, format: 'url' }],
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
      title: 'Check the authorization response, iss included',
      from: 'as',
      to: 'client',
      kind: 'redirect',
      spec: rfc(9207, '2.4'),
      moreSpecs: [fapi2('5.3.2.2'), fapi2('5.3.3.2'), rfc(6749, '4.1.2')],
      explanation:
        'The server sends the browser back with a code, the state and iss, its issuer identifier. FAPI 2.0 requires the server to send iss and the client to check it: a client that talks to several servers would otherwise not notice a code sent by the wrong one (a mix-up attack). oauth4webapi compares iss with the issuer and state with the one saved.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        if (!ctx.returnUrl) return notBackYet(ctx)
        const returned = new URL(ctx.returnUrl)
        const params = oauth.validateAuthResponse(
          as,
          clientOf(ctx.data),
          returned,
          need(ctx.data.state, 'The state'),
        )
        const iss = returned.searchParams.get('iss') ?? ''
        const ticks: Ticks = {
          iss: `The response carried iss=${iss}.`,
          'iss-checked':
            'oauth4webapi compared iss with the issuer (and state with the saved one), after a pushed request with PKCE.',
        }
        return {
          status: 'ok',
          summary: 'The response carries a code, and its state and iss are the expected ones.',
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'code',
              value: params.get('code') ?? '',
              note: 'Single use, valid for 60 seconds at most.',
            },
            { label: 'iss', value: iss, note: 'The issuer identifier this client talks to.' },
            ...tickValues(ticks),
          ],
          save: { ticks: withTicks(ctx.data.ticks, ticks) },
        }
      },
    },
    {
      id: 'token',
      label: 'POST /token: another key → refused; own key → DPoP tokens',
      title: 'Exchange the code: only with the key it is bound to',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: fapi2('5.3.2.1'),
      moreSpecs: [rfc(9449, '10.1'), rfc(9449, '5'), rfc(9449, '6.1'), rfc(6749, '4.1.3')],
      explanation:
        'First a check that the code really is bound to the DPoP key of the pushed request: the same client sends it with a proof from a fresh key and is refused with invalid_grant (the code stays unspent: only the right key can redeem it). Then the real exchange: a new client assertion, the PKCE verifier and a proof from the DPoP key. The server issues a DPoP-bound access token (cnf.jkt is the key’s thumbprint) and an ES256 ID token, which the client verifies.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const client = clientOf(ctx.data)
        const returned = new URL(need(ctx.returnUrl, 'The authorization response'))
        const state = need(ctx.data.state, 'The state')
        const redirectUri = need(ctx.data.redirectUri, 'The redirect URI')
        const codeVerifier = need(ctx.data.codeVerifier, 'The code verifier')
        const exchange = async (DPoP: oauth.DPoPHandle) => {
          const response = await oauth.authorizationCodeGrantRequest(
            as,
            client,
            await clientAuthOf(ctx.data),
            oauth.validateAuthResponse(as, client, returned, state),
            redirectUri,
            codeVerifier,
            { ...oauthOptions(ctx), DPoP },
          )
          const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
            expectedNonce: need(ctx.data.nonce, 'The nonce'),
            requireIdToken: true,
          })
          return { tokens, response }
        }
        const stranger = handleFor(client, await oauth.generateKeyPair('ES256'), ctx.data.dpopNonce)
        const refused = await refusalOf(() => withNonceRetry(ctx, () => exchange(stranger)))
        if (!refused) {
          return {
            status: 'error',
            message:
              'The server redeemed the code with a proof from another key than the pushed request’s.',
            exchanges: ctx.exchanges(),
          }
        }
        const DPoP = await dpopHandle(
          client,
          need(ctx.data.dpopKeyId, 'The DPoP key'),
          latestNonce(ctx.exchanges(), ctx.data.dpopNonce),
        )
        const { result } = await withNonceRetry(ctx, () => exchange(DPoP))
        const { tokens, response } = result
        const idToken = need(tokens.id_token, 'The ID token')
        const verified = await verifyIdToken(ctx, response, idToken, {
          as,
          client,
          receivedAt: ctx.now(),
          nonce: need(ctx.data.nonce, 'The nonce'),
          accessToken: tokens.access_token,
          label: 'ID token (ES256)',
        })
        if (verified.status === 'error') return verified
        const binding = await bindingValues(
          tokens.access_token,
          need(ctx.data.dpopPublicJwk, 'The DPoP public key'),
        )
        const ticks: Ticks = {}
        if (refused.error === 'invalid_grant') {
          ticks['code-binding'] =
            `With another key: ${refused.status} invalid_grant (${(refused.description ?? '').replace(/\.$/, '')}); with the pushed request’s key: tokens.`
        }
        if (binding.bound && tokens.token_type === 'dpop') {
          ticks['sender-constrained'] =
            'token_type DPoP, and cnf.jkt is the thumbprint of this run’s DPoP key.'
        }
        return {
          status: 'ok',
          summary:
            'Refused with another key; with the bound key the server issued DPoP-bound tokens.',
          exchanges: ctx.exchanges(),
          values: [
            ...refusalValues(refused, 'Answer with another key'),
            { label: 'token_type', value: tokens.token_type },
            {
              label: 'refresh_token',
              value: tokens.refresh_token === undefined ? 'none' : 'issued',
              note: 'No refresh_token grant was registered.',
            },
            ...binding.values,
            ...checklistValues(verified.checks),
            ...tickValues(ticks),
          ],
          tokens: [
            {
              label: 'Access token (DPoP-bound)',
              value: tokens.access_token,
              signature: 'not-checked',
              subject: 'user',
              signatureNote:
                'For the resource server to validate; cnf names the key it is bound to.',
            },
            verified.token,
          ],
          save: {
            accessToken: tokens.access_token,
            idToken,
            dpopNonce: latestNonce(ctx.exchanges(), ctx.data.dpopNonce),
            ticks: withTicks(ctx.data.ticks, ticks),
          },
        }
      },
    },
    {
      id: 'call-api',
      label: `GET ${apiPath} with DPoP; as Bearer → 401`,
      title: 'Call the API with a proof, then without one',
      from: 'client',
      to: 'rs',
      kind: 'request',
      spec: fapi2('5.3.4'),
      moreSpecs: [rfc(9449, '7.1'), rfc(9449, '7.2')],
      explanation:
        'The resource server must check the sender constraint. The client calls it with Authorization: DPoP and a proof for the request (with ath, the token’s hash): it answers. Then the same token is sent as a plain bearer token, as a thief would: it refuses with 401.',
      async run(ctx) {
        const accessToken = need(ctx.data.accessToken, 'The access token')
        const client = clientOf(ctx.data)
        const DPoP = await dpopHandle(
          client,
          need(ctx.data.dpopKeyId, 'The DPoP key'),
          ctx.data.dpopNonce,
        )
        const url = new URL(apiPath, ctx.appOrigin)
        const { result: response } = await withNonceRetry(ctx, () =>
          oauth.protectedResourceRequest(accessToken, 'GET', url, undefined, undefined, {
            ...oauthOptions(ctx),
            DPoP,
          }),
        )
        const body = await response.text()
        const refusal = await refusalOf(() =>
          oauth.protectedResourceRequest(
            accessToken,
            'GET',
            url,
            undefined,
            undefined,
            oauthOptions(ctx),
          ),
        )
        if (!refusal) {
          return {
            status: 'error',
            message: 'The API accepted the DPoP-bound token as a bearer token.',
            exchanges: ctx.exchanges(),
          }
        }
        const ticks: Ticks = {
          'rs-sender-constraint': `With a proof: ${response.status}; as a bearer token: ${refusal.status} ${refusal.error}.`,
        }
        return {
          status: 'ok',
          summary: `The API answered the DPoP request and refused the bearer one (${refusal.status}).`,
          exchanges: ctx.exchanges(),
          values: [
            { label: `API answer from ${apiPath}`, value: body, format: 'json' },
            ...refusalValues(refusal, 'Answer to the bearer request'),
            ...tickValues(ticks),
          ],
          tokens: await proofsSent(ctx.exchanges(), () => 'DPoP proof for the API call'),
          save: {
            dpopNonce: latestNonce(ctx.exchanges(), ctx.data.dpopNonce),
            ticks: withTicks(ctx.data.ticks, ticks),
          },
        }
      },
    },
    {
      id: 'checklist',
      label: 'the checklist; delete the DPoP key',
      title: 'The FAPI 2.0 checklist, and what this demo cannot meet',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: fapi2('5'),
      moreSpecs: [fapi2('5.2.1'), fapi2('5.4'), rfc(9449, '11.4')],
      explanation:
        'Every requirement this run checked, each ticked by the answer that showed it, and the ones a demo on your own machine cannot meet, said plainly: above all there is no TLS, which FAPI 2.0 puts first. A deployment that wants to claim FAPI 2.0 passes the OpenID Foundation’s conformance tests; this walkthrough only shows the mechanisms at work. The DPoP key pair is deleted now: the tokens bound to it become useless.',
      async run(ctx) {
        const summary = checklistSummary(ctx.data.ticks)
        if (ctx.data.dpopKeyId) await deleteDpopKey(ctx.data.dpopKeyId)
        return {
          status: 'ok',
          summary: `${summary.ticked} requirements shown by this run, ${summary.notMet} not met by this local demo${summary.notShown > 0 ? `, ${summary.notShown} not shown` : ''}.`,
          exchanges: ctx.exchanges(),
          values: summary.values,
        }
      },
    },
  ],
})
