/**
 * Client-Initiated Backchannel Authentication (OpenID Connect CIBA Core 1.0) in poll mode, for a
 * confidential client that the user does not sit in front of: a call-centre agent's application
 * (`grantlab-ciba`). oauth4webapi makes every request; the user answers on the second pane, the
 * server's authentication device page (`/as/ciba`), while the client polls as in the device flow
 * (docs/decisions/053, 112).
 * @see [CIBA Core](https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html)
 */
import * as oauth from 'oauth4webapi'
import { ciba, oidc, rfc } from '../shared/spec-links.ts'
import { discover, need } from './code-flow-steps.ts'
import { commonActors, defineFlow, type ShownToken } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'
import { checklistValues, verifyIdToken } from './id-token-checks.ts'
import { callResourceServer } from './resource-server-call.ts'

export const cibaFlowId = 'ciba'

const cibaGrantType = 'urn:openid:params:grant-type:ciba'
const client: oauth.Client = {
  client_id: 'grantlab-ciba',
  token_endpoint_auth_method: 'client_secret_basic',
}
/** A demo secret, published in the README like the demo passwords. */
const clientAuth = oauth.ClientSecretBasic('grantlab-ciba-secret')
const scope = 'openid profile orders:read'
/** The caller's username, as the agent types it in. */
const loginHint = 'alice'

/** One poll of the token endpoint, as the client saw it. */
type PollEntry = { at: number; outcome: string; interval: number }

type CibaData = {
  as?: oauth.AuthorizationServer
  bindingMessage?: string
  authReqId?: string
  /** Seconds the client waits between polls; starts at the server's `interval`. */
  interval?: number
  /** Milliseconds since the epoch when the request expires (from `expires_in`). */
  expiresAt?: number
  polls?: PollEntry[]
  accessToken?: string
}

const actors = {
  client: {
    id: 'client',
    label: 'Call-centre app',
    description:
      'The client: the agent’s application, run by the company on its servers (here the walkthrough page, with the demo secret).',
  },
  user: {
    id: 'user',
    label: 'User & phone',
    description:
      'The caller, with their own phone: its authenticator app is the authentication device (the phone pane).',
  },
  as: commonActors.as,
  rs: commonActors.rs,
} as const

const codeLetters = 'BCDFGHJKLMNPQRSTVWXZ'

/**
 * A fresh binding message: four letters and four digits, such as `KQTB-4817`. Random, so the
 * caller can tell this request from any other one on their phone (CIBA Core §7.1).
 */
function newBindingMessage(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  const letters = [...bytes.slice(0, 4)].map((byte) => codeLetters[byte % codeLetters.length])
  const digits = [...bytes.slice(4)].map((byte) => String(byte % 10))
  return `${letters.join('')}-${digits.join('')}`
}

/** The polls so far, one JSON object each: seconds since the first poll, answer, interval. */
function pollLog(polls: PollEntry[]): string {
  const start = polls[0]?.at ?? 0
  return JSON.stringify(
    polls.map((poll, index) => ({
      poll: index + 1,
      seconds_after_first: Number(((poll.at - start) / 1000).toFixed(1)),
      answer: poll.outcome,
      interval_afterwards: poll.interval,
    })),
  )
}

export const cibaFlow = defineFlow<CibaData>({
  id: cibaFlowId,
  title: 'CIBA: approval on the user’s own phone (backchannel authentication)',
  summary:
    'An application the user does not sit in front of — a call-centre agent’s screen, a kiosk, a shop till — names the user to the server; the server asks the user on their own phone, and the application polls the token endpoint until the user has answered.',
  whenToUse:
    'Call centres, point-of-sale terminals and kiosks: someone else (or a shared screen) starts the sign-in, and the user must approve on a device of their own, with a message on both screens that ties the two together.',
  specs: [ciba('7'), ciba('10.1'), ciba('11')],
  actors: [actors.client, actors.user, actors.as, actors.rs],
  steps: [
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the authorization server',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: ciba('4'),
      moreSpecs: [oidc('Discovery', '3', 'ProviderMetadata')],
      explanation:
        'The client reads the server’s OpenID metadata. CIBA adds backchannel_authentication_endpoint, where a request starts, and backchannel_token_delivery_modes_supported, which says how the client may learn the result: poll (it asks the token endpoint), ping (the server calls it back, then it asks) or push (the server sends the tokens to it). This server supports poll only, and lists the grant urn:openid:params:grant-type:ciba among its grant types.',
      async run(ctx) {
        const as = await discover(ctx, 'oidc')
        return {
          status: 'ok',
          summary: `Found the server's metadata; its issuer is ${as.issuer}.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'Backchannel authentication endpoint',
              value: String(as.backchannel_authentication_endpoint ?? '(not offered)'),
            },
            {
              label: 'Token delivery modes',
              value: JSON.stringify(as.backchannel_token_delivery_modes_supported ?? []),
              note: 'backchannel_token_delivery_modes_supported',
            },
            {
              label: 'CIBA grant supported',
              value: (as.grant_types_supported ?? []).includes(cibaGrantType)
                ? 'yes (listed in grant_types_supported)'
                : 'not listed',
            },
          ],
          save: { as },
        }
      },
    },
    {
      id: 'backchannel-request',
      label: 'POST /bc-authorize',
      title: 'Ask the server to get the user’s approval',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: ciba('7.1'),
      moreSpecs: [ciba('7.3'), ciba('7.2'), ciba('13')],
      explanation:
        'The agent asked the caller for their username and typed it in; the client now posts it to the backchannel authentication endpoint as login_hint, together with the scope (openid is required: CIBA is an OpenID Connect flow) and a binding_message, a short random text that both screens will show. The client is confidential and authenticates as it would at the token endpoint (here with its client secret, HTTP Basic): no user is present on this channel, so the server must know which application asks before it bothers anyone’s phone, and anonymous callers cannot start requests. There is no browser and no redirect: the server answers at once with auth_req_id, the handle the client polls with, expires_in, and interval, the seconds to wait between polls. It may accept requested_expiry to set expires_in. The user is asked on their own device, not here.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const bindingMessage = newBindingMessage()
        const response = await oauth.backchannelAuthenticationRequest(
          as,
          client,
          clientAuth,
          { scope, login_hint: loginHint, binding_message: bindingMessage },
          oauthOptions(ctx),
        )
        const result = await oauth.processBackchannelAuthenticationResponse(as, client, response)
        const interval = result.interval ?? 5
        return {
          status: 'ok',
          summary: `The server accepted the request for ${loginHint}; it lives ${result.expires_in} seconds.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'binding_message (on both screens)',
              value: bindingMessage,
              note: 'The client made it up for this request. The caller compares it with what their phone shows.',
            },
            {
              label: 'auth_req_id',
              value: result.auth_req_id,
              note: 'Kept by the client; never shown to the user. With the client’s credentials it redeems the tokens.',
            },
            { label: 'interval', value: `${interval} seconds between polls` },
            {
              label: 'expires_in',
              value: `${result.expires_in} seconds`,
              note: 'After that the next poll answers expired_token, and the client must start a new request.',
            },
          ],
          save: {
            bindingMessage,
            authReqId: result.auth_req_id,
            interval,
            expiresAt: ctx.now() + result.expires_in * 1000,
            polls: [],
          },
        }
      },
    },
    {
      id: 'show-binding-message',
      label: 'show binding_message',
      title: 'Show the binding message; the user answers on their phone',
      from: 'client',
      to: 'user',
      kind: 'local',
      spec: ciba('7.1'),
      moreSpecs: [ciba('8'), ciba('14')],
      explanation:
        'The agent’s screen shows the binding message and the agent reads it out (a kiosk would show it to the person in front of it). Meanwhile the server has asked the user’s authentication device — in real life a push notification to an authenticator app; here the server’s page /as/ciba in the phone pane. The user signs in there (alice, alice-password), sees who asks for what and the same binding message, and chooses Allow or Deny. The binding message is what ties the two screens together: a request that shows another message, or that the user did not expect at all, should be denied, or a stranger who knows the username could get approval for their own session. Nothing is sent back to the client: it finds out by polling.',
      async run(ctx) {
        const bindingMessage = need(ctx.data.bindingMessage, 'The binding message')
        const device = `${ctx.issuer}/ciba`
        return {
          status: 'ok',
          summary: `The agent tells the caller: your phone shows ${bindingMessage}; allow it if it matches.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Binding message on the agent’s screen', value: bindingMessage },
            {
              label: 'Authentication device (the phone)',
              value: device,
              note: 'Not a URL the client sends anywhere: the server reaches the user’s device itself. The walkthrough opens it in the phone pane.',
            },
          ],
          destination: {
            url: device,
            how: 'pane',
            paneTitle: 'Phone: authentication device',
            label: 'Open the authentication device on the phone',
            hint: `The phone pane shows the server’s page for the caller. Sign in as alice (alice-password), check that the request shows ${bindingMessage}, and choose Allow or Deny. Then start polling.`,
          },
        }
      },
    },
    {
      id: 'poll',
      label: 'POST /token (auth_req_id), repeated',
      title: 'Poll the token endpoint until the user answers',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: ciba('10.1'),
      moreSpecs: [ciba('11'), ciba('7.3'), ciba('10.1.1')],
      explanation:
        'In poll mode the client asks the token endpoint with grant_type urn:openid:params:grant-type:ciba and its auth_req_id, authenticating again. Until the user has answered, the answer is the error authorization_pending and the client waits interval seconds before asking again. A client that asks sooner gets slow_down and must add at least 5 seconds to its interval for that poll and every later one — the same rule as the device flow. If the user chose Deny, the answer is access_denied; if the request expired first, expired_token; once the user chose Allow, the next poll returns the tokens, and the auth_req_id is spent. The ID token is checked as in the code flow, signature included; there is no nonce in CIBA. The walkthrough polls by itself at the interval; “Poll too fast” polls at once.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const interval = ctx.data.interval ?? 5
        const polls = [...(ctx.data.polls ?? [])]
        const at = ctx.now()
        try {
          const response = await oauth.backchannelAuthenticationGrantRequest(
            as,
            client,
            clientAuth,
            need(ctx.data.authReqId, 'The auth_req_id'),
            oauthOptions(ctx),
          )
          const receivedAt = ctx.now()
          const tokens = await oauth.processBackchannelAuthenticationGrantResponse(
            as,
            client,
            response,
          )
          polls.push({ at, outcome: 'tokens', interval })
          const shown: ShownToken[] = [
            {
              label: 'Access token',
              value: tokens.access_token,
              signature: 'not-checked',
              subject: 'user',
              signatureNote: 'The client treats it as opaque; the resource server validates it.',
            },
          ]
          const verified = tokens.id_token
            ? await verifyIdToken(ctx, response, tokens.id_token, {
                as,
                client,
                receivedAt,
                accessToken: tokens.access_token,
                label: 'ID token',
              })
            : undefined
          if (verified?.status === 'error') return verified
          if (verified) shown.unshift(verified.token)
          return {
            status: 'ok',
            summary: `Poll ${polls.length}: the user had allowed it on the phone, so this poll returned the tokens. The auth_req_id is now spent.`,
            exchanges: ctx.exchanges(),
            values: [
              { label: 'Polls so far', value: pollLog(polls), format: 'json' },
              { label: 'scope granted', value: tokens.scope ?? scope },
              ...(verified ? checklistValues(verified.checks) : []),
            ],
            tokens: shown,
            save: { polls, accessToken: tokens.access_token },
          }
        } catch (error) {
          if (!(error instanceof oauth.ResponseBodyError)) throw error
          if (error.error === 'authorization_pending' || error.error === 'slow_down') {
            const slowDown = error.error === 'slow_down'
            const next = slowDown ? interval + 5 : interval
            polls.push({ at, outcome: error.error, interval: next })
            return {
              status: 'ok',
              summary: slowDown
                ? `Poll ${polls.length}: slow_down — the client asked before ${interval} seconds had passed. Its interval is now ${next} seconds, for this and every later poll.`
                : `Poll ${polls.length}: authorization_pending — the user has not answered yet. The client asks again in ${next} seconds.`,
              exchanges: ctx.exchanges(),
              values: [
                {
                  label: 'Interval now',
                  value: `${next} seconds`,
                  ...(slowDown ? { note: `Was ${interval} seconds: slow_down adds 5.` } : {}),
                },
                { label: 'Polls so far', value: pollLog(polls), format: 'json' },
              ],
              save: { polls, interval: next },
              repeat: {
                afterSeconds: next,
                runNowLabel: 'Poll too fast',
                waitingLabel: 'Next poll',
              },
            }
          }
          polls.push({ at, outcome: error.error, interval })
          if (error.error === 'access_denied') {
            return {
              status: 'error',
              message:
                'The user chose Deny on the phone, and this poll is how the client found out: access_denied. The client stops polling; the agent must find another way to confirm who is calling (start over to try again).',
              code: error.error,
              detail: error.error_description,
              exchanges: ctx.exchanges(),
            }
          }
          if (error.error === 'expired_token') {
            return {
              status: 'error',
              message:
                'The request expired before the user answered: expired_token. The client stops polling and must start a new backchannel request (start over).',
              code: error.error,
              detail: error.error_description,
              exchanges: ctx.exchanges(),
            }
          }
          throw error
        }
      },
    },
    {
      id: 'call-api',
      label: 'GET /api/orders (Bearer)',
      title: 'Look up the caller’s orders with the access token',
      from: 'client',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation:
        'With the caller’s approval in hand, the agent’s application calls the API for them, with the access token in the Authorization header (Bearer). /api/orders needs the orders:read scope that the caller allowed on their phone, and answers with their orders only.',
      async run(ctx) {
        return callResourceServer(ctx, need(ctx.data.accessToken, 'The access token'), {
          path: '/api/orders',
          summary: 'The API accepted the access token and answered with the caller’s orders.',
        })
      },
    },
  ],
})
