/**
 * Logout: OpenID Connect RP-Initiated Logout 1.0 and Back-Channel Logout 1.0, for the server-side
 * web app `grantlab-logout`. It signs in (the code flow's steps), sends the browser to the
 * end-session endpoint with its ID token, checks the `state` that comes back, reads the logout
 * token the server sent to its back end, and proves that the server's session ended: the refresh
 * token is revoked and the next authorization request asks for the password again. oauth4webapi
 * has no end-session helper, so the logout URL is built here by hand.
 * @see [RP-Initiated Logout 1.0](https://openid.net/specs/openid-connect-rpinitiated-1_0.html)
 * @see [Back-Channel Logout 1.0](https://openid.net/specs/openid-connect-backchannel-1_0.html)
 */
import * as oauth from 'oauth4webapi'
import { decodeJwt } from '../shared/jwt.ts'
import { oidc, rfc } from '../shared/spec-links.ts'
import {
  authorizeStep,
  type CodeFlowData,
  type CodeFlowOptions,
  callbackStep,
  discover,
  need,
  notBackYet,
  prepareStep,
  refreshGrant,
  refuses,
  tokenStep,
} from './code-flow-steps.ts'
import { commonActors, defineFlow, type ShownValue, type StepResult } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'
import { checklistValues, verifyIdToken } from './id-token-checks.ts'

export const logoutFlowId = 'logout'

/** Where the demo client's back end receives logout tokens (served by the worker). */
export const demoBackchannelLogoutPath = '/demo-client/backchannel-logout'

const client: oauth.Client = {
  client_id: 'grantlab-logout',
  token_endpoint_auth_method: 'client_secret_basic',
}
/** A demo secret: a real web app keeps it on its server; this page plays that server. */
const clientAuth = oauth.ClientSecretBasic('grantlab-logout-secret')

const options: CodeFlowOptions = {
  flowId: logoutFlowId,
  client,
  clientAuth,
  scope: 'openid profile offline_access',
}

type LogoutData = CodeFlowData & {
  endSessionEndpoint?: string
  logoutState?: string
  /** The second sign-in, after the logout. */
  again?: { state: string; nonce: string; codeVerifier: string }
}

const rpLogout = oidc('RP-Initiated Logout', '2', 'RPLogout')
const redirectAfterLogout = oidc('RP-Initiated Logout', '3', 'RedirectionAfterLogout')
const backchannel = (section: string, anchor: string) =>
  oidc('Back-Channel Logout', section, anchor)

/** The claims of a JWT, for display and comparison (the signature was checked elsewhere). */
const claimsOf = (token: string): Record<string, unknown> => decodeJwt(token)?.claims ?? {}

/** One check the demo client's back end made on the logout token, as the back end recorded it. */
interface RecordedCheck {
  name: string
  ok: boolean
  detail: string
  spec: string
}

interface RecordedLogout {
  receivedAt: number
  status: number
  logoutToken?: string
  claims?: Record<string, unknown>
  checks: RecordedCheck[]
  refusal?: string
}

const backEnd = {
  id: 'backend',
  label: 'Client back end',
  description:
    'The web app’s server side: its back-channel logout endpoint (here a route that the mock server’s worker serves for the demo client).',
}

export const logoutFlow = defineFlow<LogoutData>({
  id: logoutFlowId,
  title: 'Logout (RP-initiated and back-channel)',
  summary:
    'The app signs the user out at the authorization server too: it sends the browser to the end-session endpoint with its ID token, the server ends its session, tells the app’s back end with a signed logout token, and sends the browser back with the app’s state.',
  whenToUse:
    'Every app where a person signs in with OpenID Connect: signing out of the app alone leaves the server’s session alive, and the next sign-in happens without a password.',
  specs: [
    rpLogout,
    redirectAfterLogout,
    backchannel('2.4', 'LogoutToken'),
    backchannel('2.6', 'Validation'),
  ],
  actors: [commonActors.user, commonActors.client, commonActors.as, backEnd],
  steps: [
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the authorization server and its logout support',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: oidc('RP-Initiated Logout', '2.1', 'OPMetadata'),
      moreSpecs: [backchannel('2.1', 'BCSupport'), rfc(8414, '3')],
      explanation:
        'Besides the usual endpoints, the metadata names the end_session_endpoint, where a client sends the browser to sign the user out, and says whether the server notifies clients over the back channel (backchannel_logout_supported) and puts the session id sid into ID tokens and logout tokens (backchannel_logout_session_supported). Libraries such as openid-client and oidc-client-ts refuse to build a logout request when end_session_endpoint is missing.',
      async run(ctx) {
        const as = await discover(ctx, 'oidc')
        const endSessionEndpoint = as.end_session_endpoint
        if (typeof endSessionEndpoint !== 'string') {
          return {
            status: 'error',
            message: 'The server metadata has no end_session_endpoint: it offers no logout.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `Found the server's metadata; its end-session endpoint is ${endSessionEndpoint}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'end_session_endpoint', value: endSessionEndpoint },
            {
              label: 'backchannel_logout_supported',
              value: String(as.backchannel_logout_supported ?? false),
            },
            {
              label: 'backchannel_logout_session_supported',
              value: String(as.backchannel_logout_session_supported ?? false),
              note: 'So ID tokens carry sid, the id of the server’s session, and logout tokens name it.',
            },
          ],
          save: { as, endSessionEndpoint },
        }
      },
    },
    prepareStep(),
    authorizeStep(options),
    callbackStep(options),
    tokenStep(options),
    {
      id: 'logout',
      label: 'redirect to /logout',
      title: 'Send the browser to the end-session endpoint',
      from: 'client',
      to: 'as',
      kind: 'redirect',
      spec: rpLogout,
      moreSpecs: [redirectAfterLogout, oidc('RP-Initiated Logout', '3.1', 'ClientMetadata')],
      explanation:
        'The app has forgotten its own tokens; now it asks the server to end the user’s session there too. It sends the browser to the end-session endpoint with id_token_hint (the ID token it got: it proves which session and which client this is), post_logout_redirect_uri (where to come back; the server redirects only to a URI the client registered, compared exactly) and a fresh state. Because the hint belongs to the server’s current session, the server ends it without asking; without a hint, or with one from another session, it would ask the user first. oauth4webapi has no helper for this request, so the client builds the URL itself.',
      async run(ctx) {
        const endpoint = need(ctx.data.endSessionEndpoint, 'The end-session endpoint')
        const idToken = need(ctx.data.idToken, 'The ID token')
        const logoutState = oauth.generateRandomState()
        const url = new URL(endpoint)
        url.searchParams.set('id_token_hint', idToken)
        url.searchParams.set('client_id', client.client_id)
        url.searchParams.set(
          'post_logout_redirect_uri',
          `${ctx.appOrigin}/walkthrough/${logoutFlowId}/callback`,
        )
        url.searchParams.set('state', logoutState)
        const sid = claimsOf(idToken).sid
        return {
          status: 'ok',
          summary: 'The logout request is ready. The browser now leaves this page.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Logout request', value: url.href, format: 'url' },
            {
              label: 'sid of the ID token',
              value: typeof sid === 'string' ? sid : '(none)',
              note: 'The session the server is asked to end.',
            },
          ],
          notes: [
            'Built by hand: oauth4webapi has no end-session helper (the parameters are those of RP-Initiated Logout 1.0 §2).',
          ],
          save: { logoutState },
          destination: {
            url: url.href,
            how: 'navigate',
            label: 'Continue to the end-session endpoint',
            hint: 'The server ends its session at once (the ID token shows which one), tells the app’s back end, and sends the browser straight back here.',
          },
        }
      },
    },
    {
      id: 'logout-return',
      label: 'redirect back: state',
      title: 'Check the post-logout redirect and its state',
      from: 'as',
      to: 'client',
      kind: 'redirect',
      spec: redirectAfterLogout,
      moreSpecs: [rpLogout],
      explanation:
        'The server sent the browser to the registered post_logout_redirect_uri with the state the client sent, and nothing else: a logout response carries no code and no tokens, and RP-Initiated Logout defines no iss parameter for it. The client checks that state is the one it made, so that it knows this return ends the logout it started, not one that another site sent the browser through.',
      async run(ctx): Promise<StepResult<LogoutData>> {
        if (!ctx.returnUrl) return notBackYet(ctx)
        const returned = new URL(ctx.returnUrl)
        const state = returned.searchParams.get('state')
        const expected = need(ctx.data.logoutState, 'The logout state')
        if (state !== expected) {
          return {
            status: 'error',
            message: `The browser came back with ${state === null ? 'no state' : `the state ${state}`}, not the one the client sent: this return does not belong to its logout request.`,
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: 'The browser is back at the registered post-logout URI with the client’s state.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Address the browser came back to', value: returned.href, format: 'url' },
            { label: 'state', value: state, note: 'Matches what the client sent.' },
          ],
        }
      },
    },
    {
      id: 'backchannel',
      label: 'POST logout_token (back channel)',
      title: 'Read the logout token the back end received',
      from: 'as',
      to: 'backend',
      kind: 'request',
      spec: backchannel('2.5', 'BCRequest'),
      moreSpecs: [
        backchannel('2.4', 'LogoutToken'),
        backchannel('2.6', 'Validation'),
        backchannel('2.8', 'BCResponse'),
      ],
      explanation:
        'While the browser was at the server, the server POSTed a logout token to the back-channel logout URI the app registered, server to server: no browser is needed, so it works even when the user closed the app’s tab. The token is a signed JWT typed logout+jwt with iss, aud, iat, exp, jti, sid and sub, an events claim naming the back-channel logout event, and never a nonce (so it cannot pass for an ID token). The back end checked it as Back-Channel Logout §2.6 asks, answered 200 and kept a record; here the client reads that record from its back end and compares sid and sub with the ID token it got at sign-in.',
      async run(ctx): Promise<StepResult<LogoutData>> {
        const idToken = claimsOf(need(ctx.data.idToken, 'The ID token'))
        const response = await ctx.fetch(`${ctx.appOrigin}${demoBackchannelLogoutPath}`)
        const record = response.ok ? ((await response.json()) as { received?: unknown }) : undefined
        if (!Array.isArray(record?.received)) {
          return {
            status: 'error',
            message: `The back end’s record of logout tokens could not be read (it answered ${response.status}).`,
            exchanges: ctx.exchanges(),
          }
        }
        const received = record.received as RecordedLogout[]
        const entry = received.find(
          (candidate) => candidate.status === 200 && candidate.claims?.sid === idToken.sid,
        )
        if (!entry?.logoutToken) {
          return {
            status: 'error',
            message: `The back end has no accepted logout token for this session (sid ${String(idToken.sid)}).`,
            exchanges: ctx.exchanges(),
          }
        }
        const checks: ShownValue[] = entry.checks.map((check) => ({
          label: `Back end checked: ${check.name}`,
          value: `${check.ok ? '✓' : '✗'} ${check.detail}`,
          note: check.spec,
        }))
        const sameSid = entry.claims?.sid === idToken.sid
        const sameSub = entry.claims?.sub === idToken.sub
        return {
          status: 'ok',
          summary:
            'The back end received a logout token for this very session, checked it and logged the session out.',
          exchanges: ctx.exchanges(),
          tokens: [
            {
              label: 'Logout token',
              value: entry.logoutToken,
              signature: 'verified',
              subject: 'user',
              signatureNote:
                'Verified by the app’s back end against the server’s key set (jwks_uri), as for ID tokens (Back-Channel Logout §2.6).',
            },
          ],
          values: [
            {
              label: 'Back end answered',
              value: `${entry.status} at ${new Date(entry.receivedAt).toISOString()}`,
              note: '200 tells the server the logout succeeded; a refused token gets 400 (§2.8).',
            },
            ...checks,
            {
              label: 'Check: sid',
              value: sameSid
                ? `✓ ${String(entry.claims?.sid)}, the sid of the ID token from sign-in`
                : '✗ not the sid of the ID token from sign-in',
              note: 'Optional in §2.6: the session it ends is one this app has.',
            },
            {
              label: 'Check: sub',
              value: sameSub
                ? `✓ ${String(entry.claims?.sub)}, the user who signed in`
                : '✗ another user',
            },
          ],
        }
      },
    },
    {
      id: 'refresh-after',
      label: 'POST /token (refresh, after logout)',
      title: 'Try the refresh token after the logout',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: backchannel('2.7', 'BCActions'),
      moreSpecs: [rfc(6749, '6')],
      explanation:
        'Back-Channel Logout §2.7 says a logout SHOULD revoke the session’s refresh tokens issued without offline_access, and normally not those with it, since offline access is meant to outlive the login. This client asked for offline_access, and it registered grantlab_logout_revokes_offline_tokens: true, this server’s own client metadata field for asking that a logout revoke those too. So the refresh token is refused with invalid_grant. Without that field it would still work after the logout.',
      async run(ctx): Promise<StepResult<LogoutData>> {
        const as = need(ctx.data.as, 'The server metadata')
        const refused = await refuses(() =>
          refreshGrant(ctx, as, options, need(ctx.data.refreshToken, 'The refresh token')),
        )
        if (!refused) {
          return {
            status: 'error',
            message:
              'The server still accepted the refresh token after the logout, although this client asked for it to be revoked.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `The server refused the refresh token with ${refused.error}: the logout revoked it.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'Server error',
              value: `${refused.error}${refused.error_description ? `: ${refused.error_description}` : ''}`,
            },
          ],
        }
      },
    },
    {
      id: 'sign-in-again',
      label: 'redirect to /authorize (again)',
      title: 'Start a new authorization request',
      from: 'client',
      to: 'as',
      kind: 'redirect',
      spec: rpLogout,
      moreSpecs: [rfc(6749, '4.1.1'), oidc('Core', '3.1.2.1', 'AuthRequest')],
      explanation:
        'The proof that the server’s session ended: a new authorization request from this browser, with no prompt parameter. Before the logout the server would have answered at once from its session; now it has none, so it shows the sign-in form and asks for the password. Sign in as alice again (alice-password); the consent you gave is remembered, so no consent page follows.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const again = {
          state: oauth.generateRandomState(),
          nonce: oauth.generateRandomNonce(),
          codeVerifier: oauth.generateRandomCodeVerifier(),
        }
        const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
        url.search = new URLSearchParams({
          response_type: 'code',
          client_id: client.client_id,
          redirect_uri: need(ctx.data.redirectUri, 'The redirect URI'),
          scope: options.scope,
          state: again.state,
          nonce: again.nonce,
          code_challenge: await oauth.calculatePKCECodeChallenge(again.codeVerifier),
          code_challenge_method: 'S256',
        }).toString()
        return {
          status: 'ok',
          summary:
            'A new authorization request is ready, with a new state, nonce and PKCE verifier.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'Authorization request', value: url.href, format: 'url' }],
          save: { again },
          destination: {
            url: url.href,
            how: 'navigate',
            label: 'Sign in again',
            hint: 'The server asks for the password again: its session ended. Sign in as alice with alice-password.',
          },
        }
      },
    },
    {
      id: 'new-session',
      label: 'POST /token, compare sid and auth_time',
      title: 'Check that the server made a new session',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: oidc('Core', '2', 'IDToken'),
      moreSpecs: [oidc('Core', '3.1.3.7', 'IDTokenValidation'), rpLogout],
      explanation:
        'The client checks the response and redeems the new code as before. The new ID token tells what happened at the server: its auth_time, when the user last entered a password, is later than the first one’s, and its sid names a new session. The old session is gone for good.',
      async run(ctx): Promise<StepResult<LogoutData>> {
        const as = need(ctx.data.as, 'The server metadata')
        const again = need(ctx.data.again, 'The new authorization request')
        if (!ctx.returnUrl) return notBackYet(ctx)
        const params = oauth.validateAuthResponse(as, client, new URL(ctx.returnUrl), again.state)
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          clientAuth,
          params,
          need(ctx.data.redirectUri, 'The redirect URI'),
          again.codeVerifier,
          oauthOptions(ctx),
        )
        const receivedAt = ctx.now()
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: again.nonce,
          requireIdToken: true,
        })
        const idToken = need(tokens.id_token, 'The ID token')
        const verified = await verifyIdToken(ctx, response, idToken, {
          as,
          client,
          receivedAt,
          nonce: again.nonce,
          accessToken: tokens.access_token,
          label: 'New ID token',
        })
        if (verified.status === 'error') return verified
        const before = claimsOf(need(ctx.data.idToken, 'The first ID token'))
        const after = claimsOf(idToken)
        const newSid = typeof after.sid === 'string' && after.sid !== before.sid
        const later =
          typeof after.auth_time === 'number' &&
          typeof before.auth_time === 'number' &&
          after.auth_time >= before.auth_time
        const values: ShownValue[] = [
          {
            label: 'sid',
            value: `${newSid ? '✓ new' : '✗ the same'}: ${String(after.sid)} (before: ${String(before.sid)})`,
          },
          {
            label: 'auth_time',
            value: `${later ? '✓' : '✗'} ${String(after.auth_time)} (before: ${String(before.auth_time)})`,
            note: 'When the user last entered a password at the server.',
          },
          ...checklistValues(verified.checks),
        ]
        if (!newSid || !later) {
          return {
            status: 'error',
            message: 'The new ID token names the old session: the server did not end it.',
            values,
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary:
            'The user signed in again with a password, into a new session: the logout ended the old one.',
          exchanges: ctx.exchanges(),
          tokens: [verified.token],
          values,
          save: {
            idToken,
            accessToken: tokens.access_token,
            refreshToken: tokens.refresh_token,
          },
        }
      },
    },
  ],
})
