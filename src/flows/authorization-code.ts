/**
 * Authorization code + PKCE, with OpenID Connect and refresh-token rotation, for a public
 * browser client (`grantlab-spa`). Every protocol step is done by oauth4webapi; only the
 * authorization URL is assembled here, because the library has no builder for it.
 * @see [RFC 6749 §4.1](https://www.rfc-editor.org/rfc/rfc6749#section-4.1)
 * @see [RFC 7636](https://www.rfc-editor.org/rfc/rfc7636)
 */
import * as oauth from 'oauth4webapi'
import { oidc, rfc } from '../shared/spec-links.ts'
import {
  authorizeStep,
  type CodeFlowData,
  type CodeFlowOptions,
  callbackStep,
  checkRefreshedIdToken,
  discoverStep,
  need,
  opaqueRefreshToken,
  prepareStep,
  refreshGrant,
  refuses,
  tokenStep,
} from './code-flow-steps.ts'
import { commonActors, defineFlow, type ShownToken } from './flow-model.ts'
import { checklistValues } from './id-token-checks.ts'
import { callResourceServer } from './resource-server-call.ts'

export const authorizationCodeFlowId = 'authorization-code'

const client: oauth.Client = { client_id: 'grantlab-spa', token_endpoint_auth_method: 'none' }
const clientAuth = oauth.None()

/** The opening steps are shared with the refresh-token walkthrough (code-flow-steps.ts). */
const options: CodeFlowOptions = {
  flowId: authorizationCodeFlowId,
  client,
  clientAuth,
  scope: 'openid profile email offline_access',
}

type AuthorizationCodeData = CodeFlowData & {
  previousRefreshToken?: string
}

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
    discoverStep(),
    prepareStep(),
    authorizeStep(options),
    callbackStep(options),
    tokenStep(options),
    {
      id: 'call-api',
      label: 'GET /api/profile (Bearer)',
      title: 'Call the API with the access token',
      from: 'client',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      moreSpecs: [rfc(6750, '2.2'), rfc(6750, '2.3'), rfc(9068, '4')],
      explanation:
        'The client sends the access token in the Authorization header with the "Bearer" scheme, the method every resource server must support. RFC 6750 also allows it in a form-encoded request body, and, discouraged, in the query string, where it ends up in logs and history. The resource server validates the token (signature, issuer, audience, expiry) and checks that its scope covers the request; /api/profile needs the "profile" scope. A bearer token works for whoever holds it, which is why it is kept short-lived and out of URLs, and why a key-bound (DPoP) token is safer.',
      async run(ctx) {
        return callResourceServer(ctx, need(ctx.data.accessToken, 'The access token'), {
          path: '/api/profile',
          summary: 'The API accepted the access token and answered.',
        })
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
      moreSpecs: [rfc(9700, '4.14.2'), oidc('Core', '12.2', 'RefreshTokenResponse')],
      explanation:
        'Access tokens are short-lived. Instead of sending the user through the login again, the client posts its refresh token to the token endpoint and gets a fresh access token. For a public client the server must either bind refresh tokens to a key or rotate them; this server rotates: every use returns a new refresh token and retires the old one. The answer may carry a new ID token too (this server sends one when openid is in scope); the client checks it like the first one, and that it names the same user as at sign-in.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const oldRefreshToken = need(ctx.data.refreshToken, 'The refresh token')
        const result = await refreshGrant(ctx, as, options, oldRefreshToken)
        const { tokens } = result
        const idToken = await checkRefreshedIdToken(ctx, as, client, result, ctx.data.idToken)
        if (idToken?.status === 'error') return idToken
        const rotated =
          tokens.refresh_token !== undefined && tokens.refresh_token !== oldRefreshToken
        const shown: ShownToken[] = [
          {
            label: 'New access token',
            value: tokens.access_token,
            signature: 'not-checked',
            subject: 'user',
            signatureNote: 'For the resource server to validate, as before.',
          },
        ]
        if (idToken) shown.unshift(idToken.token)
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
          values: [
            { label: 'Old refresh token (retired)', value: oldRefreshToken },
            ...(idToken ? checklistValues(idToken.checks) : []),
          ],
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
        'Here we play the attacker who copied the old refresh token. The server sees a retired token come back: either the attacker or the real client is replaying it, and it cannot tell which. So it refuses with invalid_grant and revokes the whole family of tokens descending from the original grant; the newest refresh token, which the real client still holds, stops working too. (RFC 9700 asks the server to revoke the active refresh token; revoking the grant’s access tokens as well is this server’s choice.) The user has to sign in again, and the stolen token is worthless.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const replayed = need(ctx.data.previousRefreshToken, 'The old refresh token')
        const newest = need(ctx.data.refreshToken, 'The newest refresh token')
        const replay = await refuses(() => refreshGrant(ctx, as, options, replayed))
        if (!replay) {
          return {
            status: 'error',
            message:
              'The server accepted a refresh token it had already rotated away. A server should refuse it.',
            exchanges: ctx.exchanges(),
          }
        }
        const newestAfter = await refuses(() => refreshGrant(ctx, as, options, newest))
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
