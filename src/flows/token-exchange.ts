/**
 * Token exchange: a back-end service that received alice's access token trades it for a token
 * meant for another service, with a narrower scope, first impersonating alice, then acting for
 * her (delegation, an `act` claim), and is refused a token for an unknown audience.
 * @see [RFC 8693 §2](https://www.rfc-editor.org/rfc/rfc8693#section-2)
 * @see [RFC 8693 §4.1](https://www.rfc-editor.org/rfc/rfc8693#section-4.1)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { need, refuses } from './code-flow-steps.ts'
import { defineFlow, type ShownToken } from './flow-model.ts'
import { type HasFetch, oauthOptions } from './http-capture.ts'
import {
  discoverGrantStep,
  freshClaims,
  makeAssertionKey,
  registerAssertionIssuer,
  requestWithAssertion,
  signAssertion,
} from './jwt-assertion.ts'

export const tokenExchangeFlowId = 'token-exchange'

export const tokenExchangeGrantType = 'urn:ietf:params:oauth:grant-type:token-exchange'
const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token'
const ordersAudience = 'https://orders.grantlab.example'
const unknownAudience = 'https://payments.example.com'

/** The exchanging service: a confidential demo client (the page plays its back end). */
const service: oauth.Client = { client_id: 'grantlab-exchanger' }
const serviceAuth = oauth.ClientSecretBasic('grantlab-exchanger-secret')

type TokenExchangeData = {
  as?: oauth.AuthorizationServer
  subjectToken?: string
  actorToken?: string
  impersonationToken?: string
  delegationToken?: string
}

function exchange(
  ctx: HasFetch,
  as: oauth.AuthorizationServer,
  parameters: Record<string, string>,
): Promise<oauth.TokenEndpointResponse> {
  return oauth
    .genericTokenEndpointRequest(
      as,
      service,
      serviceAuth,
      tokenExchangeGrantType,
      parameters,
      oauthOptions(ctx),
    )
    .then((response) => oauth.processGenericTokenEndpointResponse(as, service, response))
}

const inspect = (
  label: string,
  value: string,
  note: string,
  subject: ShownToken['subject'] = 'user',
): ShownToken => ({
  label,
  value,
  signature: 'not-checked',
  subject,
  signatureNote: note,
})

export const tokenExchangeFlow = defineFlow<TokenExchangeData>({
  id: tokenExchangeFlowId,
  title: 'Token exchange (RFC 8693)',
  summary:
    'A service that received alice’s access token trades it at the token endpoint for a token meant for another service, with less scope: first standing in for alice (impersonation), then acting on her behalf with its own identity recorded in the token (delegation).',
  whenToUse:
    'An API that must call another API for the user who called it: instead of forwarding the user’s token (wrong audience, too much scope), it exchanges it for a token made for the next hop.',
  specs: [rfc(8693, '2.1'), rfc(8693, '2.2'), rfc(8693, '4.1')],
  actors: [
    {
      id: 'client',
      label: 'Client app',
      description: 'The app alice uses; it holds her access token and calls the profile service.',
    },
    {
      id: 'service',
      label: 'Profile service',
      description:
        'A back-end API (confidential client grantlab-exchanger) that must call the orders service for alice.',
    },
    {
      id: 'as',
      label: 'Authorization server',
      description: 'Issues and exchanges tokens (the mock server in a service worker).',
    },
  ],
  steps: [
    discoverGrantStep<TokenExchangeData>({
      grantType: tokenExchangeGrantType,
      from: 'service',
      explanation:
        'The service reads the server’s metadata to find the token endpoint and to check that token exchange is supported: grant_types_supported lists urn:ietf:params:oauth:grant-type:token-exchange.',
    }),
    {
      id: 'subject-token',
      label: 'alice’s token (jwt-bearer)',
      title: 'Get an access token for alice (the subject token)',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(7523, '2.1'),
      moreSpecs: [rfc(7591, '3.1')],
      explanation:
        'Token exchange starts from a token someone already holds. To get one for alice without sending this tab through a login page, the client uses the approach of the JWT bearer walkthrough: it makes a key pair, registers itself with the public key (with the demo administrator’s initial access token, the demo shortcut that makes the server trust the key), signs an assertion for alice and trades it for an access token. In real life this would be whatever token alice’s app got from its usual login; the app then calls the profile service with it.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const key = await makeAssertionKey()
        const scope = 'profile orders:read orders:write'
        const { clientId } = await registerAssertionIssuer(ctx, as, {
          name: 'Grantlab token exchange walkthrough (alice’s app)',
          publicJwk: key.publicJwk,
          scope,
        })
        const claims = freshClaims({
          clientId,
          sub: 'alice',
          audience: as.issuer,
          nowMs: ctx.now(),
        })
        const tokens = await requestWithAssertion(
          ctx,
          as,
          clientId,
          await signAssertion(claims, key),
          scope,
        )
        return {
          status: 'ok',
          summary: `Alice’s access token, for the audience ${ctx.appOrigin}/api with scope ${tokens.scope ?? scope}.`,
          exchanges: ctx.exchanges(),
          tokens: [
            inspect(
              'Subject token (alice’s access token)',
              tokens.access_token,
              'The service will not validate it itself here; the authorization server checks it during the exchange.',
            ),
          ],
          save: { subjectToken: tokens.access_token },
        }
      },
    },
    {
      id: 'impersonation',
      label: 'POST /token (token-exchange)',
      title: 'Exchange it for an orders-service token (impersonation)',
      from: 'service',
      to: 'as',
      kind: 'request',
      spec: rfc(8693, '2.1'),
      moreSpecs: [rfc(8693, '2.2.1'), rfc(8693, '1.1'), rfc(8693, '5'), rfc(8707, '2')],
      explanation:
        'The profile service must call the orders service for alice. Forwarding alice’s token would be wrong: it was made for the profile API (aud) and carries more scope than needed. So the service, authenticating with its own credentials, posts alice’s token as subject_token (with subject_token_type …:access_token) and asks for audience https://orders.grantlab.example and scope orders:read. The new token has sub = alice and no act claim: nothing in it says that someone else is acting, which is impersonation. (Its client_id claim names grantlab-exchanger, the client it was issued to, as in any JWT access token: that says who holds the token, not that anyone acts for alice.) The answer names what was issued in issued_token_type; the token itself always comes in access_token. RFC 8693 leaves the policy to the server; this one lets a client exchange only a token meant for it (the profile service serves the API alice’s token was made for) or issued to it, keeps the scope within both the token’s and the service’s registered scope, never lets the new token outlive alice’s, and revokes it when alice’s grant is revoked. (The page plays the back-end service here, secret included; a real client secret never lives in a browser.)',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const subjectToken = need(ctx.data.subjectToken, 'The subject token')
        const tokens = await exchange(ctx, as, {
          subject_token: subjectToken,
          subject_token_type: accessTokenType,
          requested_token_type: accessTokenType,
          audience: ordersAudience,
          scope: 'orders:read',
        })
        return {
          status: 'ok',
          summary: `A new token for ${ordersAudience}, scope ${tokens.scope ?? '(not given)'}, still about alice.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'issued_token_type', value: String(tokens.issued_token_type ?? '(missing)') },
            { label: 'token_type', value: tokens.token_type },
            { label: 'refresh_token', value: tokens.refresh_token ?? '(none, as expected)' },
          ],
          tokenLayout: 'side-by-side',
          tokens: [
            inspect('Before: subject token', subjectToken, 'Audience: the profile API.'),
            inspect(
              'After: exchanged token',
              tokens.access_token,
              'Audience: the orders service; narrower scope; same sub; no act; client_id: the exchanging service.',
            ),
          ],
          save: { impersonationToken: tokens.access_token },
        }
      },
    },
    {
      id: 'actor-token',
      label: 'POST /token (client_credentials)',
      title: 'Get the service’s own token (the actor token)',
      from: 'service',
      to: 'as',
      kind: 'request',
      spec: rfc(8693, '2.1'),
      moreSpecs: [rfc(6749, '4.4'), rfc(8693, '4.1')],
      explanation:
        'actor_token is optional in RFC 8693. A service that wants the new token to say that it acts for alice sends a token of its own as actor_token; without one, the answer is impersonation, as before. The service gets its own token with the client credentials grant: its sub is the service’s client_id, not a user.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const response = await oauth.clientCredentialsGrantRequest(
          as,
          service,
          serviceAuth,
          new URLSearchParams({ scope: 'orders:read' }),
          oauthOptions(ctx),
        )
        const tokens = await oauth.processClientCredentialsResponse(as, service, response)
        return {
          status: 'ok',
          summary: 'The service has a token of its own (sub = grantlab-exchanger).',
          exchanges: ctx.exchanges(),
          tokens: [
            inspect(
              'Actor token (the service’s token)',
              tokens.access_token,
              'For the exchange only. Its sub is the service’s client_id: no user is behind it.',
              'client',
            ),
          ],
          save: { actorToken: tokens.access_token },
        }
      },
    },
    {
      id: 'delegation',
      label: 'POST /token (token-exchange + actor)',
      title: 'Exchange again with the actor token (delegation)',
      from: 'service',
      to: 'as',
      kind: 'request',
      spec: rfc(8693, '4.1'),
      moreSpecs: [rfc(8693, '1.1'), rfc(8693, '2.1')],
      explanation:
        'Same request, plus actor_token and actor_token_type. Now the new token still has sub = alice, but also an "act" claim naming the service: the orders service can see that the profile service is acting for alice, not alice herself, and can log or limit it. That is delegation. If alice’s token already had an act claim, the server would nest it inside the new one, keeping the chain of actors.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const tokens = await exchange(ctx, as, {
          subject_token: need(ctx.data.subjectToken, 'The subject token'),
          subject_token_type: accessTokenType,
          actor_token: need(ctx.data.actorToken, 'The actor token'),
          actor_token_type: accessTokenType,
          audience: ordersAudience,
          scope: 'orders:read',
        })
        return {
          status: 'ok',
          summary:
            'A token about alice, for the orders service, that names the service as its actor.',
          exchanges: ctx.exchanges(),
          tokenLayout: 'side-by-side',
          tokens: [
            inspect(
              'Impersonation token',
              need(ctx.data.impersonationToken, 'The impersonation token'),
              'No act: the holder simply is alice.',
            ),
            inspect(
              'Delegation token',
              tokens.access_token,
              'act.sub names the service acting for alice.',
            ),
          ],
          save: { delegationToken: tokens.access_token },
        }
      },
    },
    {
      id: 'unknown-audience',
      label: 'POST /token → invalid_target',
      title: 'Ask for an audience the server does not know',
      from: 'service',
      to: 'as',
      kind: 'request',
      spec: rfc(8693, '2.2.2'),
      moreSpecs: [rfc(8693, '5'), rfc(8707, '2')],
      explanation: `RFC 8693 defines the messages of token exchange and leaves the policy to each server: which clients may exchange, which subject and actor tokens they may present, for which audiences and scopes. Asking this server for a token for ${unknownAudience}, a service it has no policy for, gets the error invalid_target (and the service learns it must not call that service for alice this way).`,
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const refused = await refuses(() =>
          exchange(ctx, as, {
            subject_token: need(ctx.data.subjectToken, 'The subject token'),
            subject_token_type: accessTokenType,
            audience: unknownAudience,
          }),
        )
        if (!refused) {
          return {
            status: 'error',
            message: `The server issued a token for ${unknownAudience}; it should have refused.`,
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `The server refused with ${refused.error}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'error', value: refused.error },
            { label: 'error_description', value: refused.error_description ?? '(none)' },
          ],
        }
      },
    },
  ],
})
