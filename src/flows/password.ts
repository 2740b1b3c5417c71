/**
 * The resource owner password credentials grant (RFC 6749 §4.3), deprecated: the app collects
 * the user's username and password and sends them to the token endpoint. Run with the demo
 * client `grantlab-legacy`, the only one the mock server lets use it, through oauth4webapi's
 * `genericTokenEndpointRequest`.
 * @see [RFC 6749 §4.3](https://www.rfc-editor.org/rfc/rfc6749#section-4.3)
 * @see [RFC 9700 §2.4](https://www.rfc-editor.org/rfc/rfc9700#section-2.4)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { authorizationCodeFlowId } from './authorization-code.ts'
import { discover, need } from './code-flow-steps.ts'
import { type Actor, commonActors, defineFlow, type ShownValue } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'
import { callResourceServer } from './resource-server-call.ts'

export const passwordFlowId = 'password'

const client: oauth.Client = { client_id: 'grantlab-legacy' }
const clientAuth = oauth.None()
const scope = 'profile orders:read'
/** The demo user the learner "types into the app". */
const user = { username: 'alice', password: 'alice-password' }
/** The demo user whose password someone tries to guess (so alice is never locked out). */
const victim = 'bob'
const guesses = ['123456', 'password', 'bob', 'qwerty', 'letmein', 'bob-password']

const guesser: Actor = {
  id: 'guesser',
  label: 'Password guesser',
  description: 'Someone who posts username and password guesses to the token endpoint.',
}

type PasswordData = {
  as?: oauth.AuthorizationServer
  accessToken?: string
}

/** The form body of the last request the step made, parameter by parameter. */
function sentBody(body: string | null | undefined): ShownValue[] {
  return [...new URLSearchParams(body ?? '')].map(([name, value]) => ({
    label: `body: ${name}`,
    value,
    ...(name === 'password'
      ? { note: 'The user’s real password, in a request the app wrote and could log or keep.' }
      : {}),
  }))
}

export const passwordFlow = defineFlow<PasswordData>({
  id: passwordFlowId,
  title: 'Resource owner password credentials (deprecated)',
  summary:
    'The app shows its own sign-in form, takes the user’s username and password, and posts them to the token endpoint for a token. The user never sees a page of the authorization server: no consent screen, no second factor, only a password the app passes on. This walkthrough runs it against a client kept only for this demo, and shows what goes wrong.',
  whenToUse:
    'Never for new apps. RFC 6749 §4.3 meant it for clients the user trusts with their password, such as the device’s operating system or a highly privileged app, when no redirect-based grant is possible, and for moving clients that stored passwords (HTTP Basic or Digest) to tokens. Use the authorization code flow with PKCE instead (or client credentials when no user is involved).',
  specs: [rfc(6749, '4.3'), rfc(9700, '2.4'), rfc(6749, '10.7')],
  deprecated: {
    reason:
      'RFC 9700 (OAuth 2.0 Security Best Current Practice) says the password grant MUST NOT be used, and the OAuth 2.1 draft leaves it out. It is still part of RFC 6749, so old clients and servers still have it.',
    spec: rfc(9700, '2.4'),
    useInstead: {
      flowId: authorizationCodeFlowId,
      why: 'The user types the password only into the authorization server’s page, which can ask for consent and a second factor.',
    },
  },
  actors: [commonActors.user, commonActors.client, commonActors.as, commonActors.rs, guesser],
  steps: [
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the authorization server',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(8414, '2'),
      explanation:
        'The client reads the server metadata to find the token endpoint. This server lists "password" among its grant types because it still supports it, but only for one legacy demo client; registering a new client for it is refused.',
      async run(ctx) {
        const as = await discover(ctx, 'oauth2')
        return {
          status: 'ok',
          summary: `Found the metadata of ${as.issuer}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Token endpoint', value: String(as.token_endpoint) },
            {
              label: 'grant_types_supported',
              value: (as.grant_types_supported ?? []).join(', '),
            },
          ],
          save: { as },
        }
      },
    },
    {
      id: 'ask',
      label: 'user types password into the app',
      title: 'The app asks for the password itself',
      from: 'user',
      to: 'client',
      kind: 'local',
      spec: rfc(6749, '4.3.1'),
      moreSpecs: [rfc(9700, '2.4'), rfc(6749, '10.7')],
      explanation:
        'There is no redirect and no page of the authorization server: the app shows its own form, and the user types their password into it. From here on the app holds the password in the clear. It could store it, log it, or use it for more than the user meant, and the user cannot tell. No consent screen lists what the app asks for. The server cannot add a second factor or a passkey, since the app only forwards a password. And users learn to type their password wherever an app asks for it, which is what phishing pages count on.',
      async run(ctx) {
        return {
          status: 'ok',
          summary: 'The user typed their username and password into the app.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'username (typed into the app)', value: user.username },
            {
              label: 'password (typed into the app)',
              value: user.password,
              note: 'Shown here because it is a demo password. In a real app this is the user’s actual password, now in the app’s memory.',
            },
          ],
        }
      },
    },
    {
      id: 'token',
      label: 'POST /token (username, password)',
      title: 'Send the password to the token endpoint',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(6749, '4.3.2'),
      moreSpecs: [rfc(6749, '4.3.1'), rfc(6749, '4.3.3')],
      explanation:
        'The app posts grant_type=password with the username and the password in the form body. oauth4webapi has no dedicated function for this grant; its generic token request sends any grant type, and the generic response check validates the answer. Look at the request body: the password is in it, sent by the app. Once it has the access token, RFC 6749 §4.3.1 says the client MUST discard the credentials: it may not keep the password for later.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const response = await oauth.genericTokenEndpointRequest(
          as,
          client,
          clientAuth,
          'password',
          { ...user, scope },
          oauthOptions(ctx),
        )
        const tokens = await oauth.processGenericTokenEndpointResponse(as, client, response)
        const request = ctx.exchanges().at(-1)?.request
        return {
          status: 'ok',
          summary:
            'The server checked the password and issued an access token, without the user ever seeing a page of the server.',
          exchanges: ctx.exchanges(),
          values: [
            ...sentBody(request?.body),
            { label: 'token_type', value: tokens.token_type },
            { label: 'scope granted', value: tokens.scope ?? '(as requested)' },
            {
              label: 'refresh_token',
              value: tokens.refresh_token ? 'issued' : '(none for this client)',
              note: 'Without one, the app needs the password again later. Apps that use this grant tend to keep the password for that, which RFC 6749 §4.3.1 forbids: the client must discard the credentials once it has an access token.',
            },
          ],
          tokens: [
            {
              label: 'Access token',
              value: tokens.access_token,
              signature: 'not-checked',
              subject: 'user',
              signatureNote: 'For the resource server to validate; the client treats it as opaque.',
            },
          ],
          save: { accessToken: tokens.access_token },
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
      explanation:
        'The token works like any other access token. Nothing at the API tells that it was obtained by handing the app a password.',
      async run(ctx) {
        return callResourceServer(ctx, need(ctx.data.accessToken, 'The access token'), {
          path: '/api/profile',
          summary: 'The API accepted the token.',
        })
      },
    },
    {
      id: 'guess',
      label: 'POST /token × 6 (guesses for bob)',
      title: 'Someone guesses a password at the token endpoint',
      from: 'guesser',
      to: 'as',
      kind: 'request',
      spec: rfc(6749, '4.3.2'),
      moreSpecs: [rfc(6749, '10.7')],
      explanation: `The token endpoint now checks passwords, so anyone can try passwords there, with no sign-in page in the way. RFC 6749 requires the server to protect it against guessing. This server locks a username for five minutes after five failures. Here someone tries six passwords for ${victim}, the right one last. The lock stops the guesser, but it also locks out the real ${victim}, and anyone can trigger it.`,
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const values: ShownValue[] = []
        for (const [index, guess] of guesses.entries()) {
          try {
            const response = await oauth.genericTokenEndpointRequest(
              as,
              client,
              clientAuth,
              'password',
              { username: victim, password: guess },
              oauthOptions(ctx),
            )
            await oauth.processGenericTokenEndpointResponse(as, client, response)
            values.push({ label: `Guess ${index + 1}: ${guess}`, value: 'accepted: tokens issued' })
          } catch (error) {
            if (!(error instanceof oauth.ResponseBodyError)) throw error
            values.push({
              label: `Guess ${index + 1}: ${guess}`,
              value: `${error.error}: ${error.error_description ?? ''}`,
            })
          }
        }
        const last = values.at(-1)?.value ?? ''
        return {
          status: 'ok',
          summary: last.startsWith('accepted')
            ? `The right password got through: ${victim} was not locked.`
            : `After five failures the server refused even ${victim}’s right password: the username is locked.`,
          exchanges: ctx.exchanges(),
          values,
        }
      },
    },
    {
      id: 'instead',
      label: 'use code + PKCE instead',
      title: 'What to use instead',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: rfc(9700, '2.4'),
      moreSpecs: [rfc(9700, '2.1.1'), rfc(6749, '4.1')],
      explanation:
        'Apps where a person signs in use the authorization code grant with PKCE: the user types the password only into the authorization server’s own page, which can add a second factor or a passkey and shows a consent screen; the app receives a code and then tokens, never the password. A service with no user uses client credentials.',
      async run(ctx) {
        return {
          status: 'ok',
          summary: `Use the authorization code grant with PKCE: /walkthrough/${authorizationCodeFlowId}.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'Who sees the password?',
              value: 'password grant: the app · code + PKCE: only the authorization server',
            },
            { label: 'Consent screen?', value: 'password grant: no · code + PKCE: yes' },
            {
              label: 'Second factor or passkey?',
              value: 'password grant: no · code + PKCE: whatever the server offers',
            },
          ],
        }
      },
    },
  ],
})
