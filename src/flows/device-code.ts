/**
 * The device authorization grant (RFC 8628) for a public client without a browser or keyboard
 * (`grantlab-device`, a "TV app"). oauth4webapi makes every request; the polling loop is the
 * client's own job, so this flow's polling step asks the walkthrough to run it again after the
 * interval (`repeat`), and the learner can poll sooner on purpose to see `slow_down`.
 * @see [RFC 8628](https://www.rfc-editor.org/rfc/rfc8628)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { discover, need } from './code-flow-steps.ts'
import { commonActors, defineFlow, type ShownToken } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'
import { checklistValues, verifyIdToken } from './id-token-checks.ts'
import { callResourceServer } from './resource-server-call.ts'

export const deviceCodeFlowId = 'device-code'

const client: oauth.Client = { client_id: 'grantlab-device', token_endpoint_auth_method: 'none' }
const clientAuth = oauth.None()
const scope = 'openid profile offline_access orders:read'

/** One poll of the token endpoint, as the device saw it. */
type PollEntry = { at: number; outcome: string; interval: number }

type DeviceCodeData = {
  as?: oauth.AuthorizationServer
  deviceCode?: string
  userCode?: string
  verificationUri?: string
  verificationUriComplete?: string
  /** Seconds the device waits between polls; starts at the server's `interval`. */
  interval?: number
  /** Milliseconds since the epoch when the codes expire (from `expires_in`). */
  expiresAt?: number
  polls?: PollEntry[]
  accessToken?: string
}

const actors = {
  device: {
    id: 'device',
    label: 'Device (TV app)',
    description:
      'The client: an app on a device with no browser or keyboard, here the walkthrough page.',
  },
  user: {
    id: 'user',
    label: 'User & phone',
    description: 'The person, with a second device that has a browser (the phone pane).',
  },
  as: commonActors.as,
  rs: commonActors.rs,
} as const

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

export const deviceCodeFlow = defineFlow<DeviceCodeData>({
  id: deviceCodeFlowId,
  title: 'Device authorization grant (TV and CLI sign-in)',
  summary:
    'A device without a browser shows a short code and a web address; the user opens the address on a phone, signs in and approves, while the device keeps asking the token endpoint until the tokens are ready.',
  whenToUse:
    'Smart TVs, game consoles, printers and command-line tools: apps that cannot show a login page or have no comfortable keyboard, while the user has a phone or computer nearby.',
  specs: [rfc(8628), rfc(8628, '3.5'), rfc(8628, '5.4')],
  actors: [actors.device, actors.user, actors.as, actors.rs],
  steps: [
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the authorization server',
      from: 'device',
      to: 'as',
      kind: 'request',
      spec: rfc(8414, '3'),
      moreSpecs: [rfc(8628, '4')],
      explanation:
        'The device reads the server metadata. Besides the token endpoint it needs the device_authorization_endpoint, which RFC 8628 adds to the metadata; a server without it does not offer this grant.',
      async run(ctx) {
        const as = await discover(ctx, 'oidc')
        return {
          status: 'ok',
          summary: `Found the server's metadata; its issuer is ${as.issuer}.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'Device authorization endpoint',
              value: String(as.device_authorization_endpoint ?? '(not offered)'),
            },
            { label: 'Token endpoint', value: String(as.token_endpoint) },
            {
              label: 'Device grant supported',
              value: (as.grant_types_supported ?? []).includes(
                'urn:ietf:params:oauth:grant-type:device_code',
              )
                ? 'yes (listed in grant_types_supported)'
                : 'not listed',
            },
          ],
          save: { as },
        }
      },
    },
    {
      id: 'device-authorization',
      label: 'POST /device_authorization',
      title: 'Ask for a device code and a user code',
      from: 'device',
      to: 'as',
      kind: 'request',
      spec: rfc(8628, '3.1'),
      moreSpecs: [rfc(8628, '3.2'), rfc(8628, '6.1'), rfc(8628, '5.1')],
      explanation:
        'The device posts its client_id and the scopes it wants. It is a public client (nobody can hide a secret in a TV app), so it sends no secret. The server answers with two codes: the long device_code, which the device keeps to itself and later trades for tokens, and the short user_code for a person to type. It also says where the person should go (verification_uri, and verification_uri_complete with the code already in it), how long the codes live (expires_in) and, optionally, how many seconds the device should wait between two polls (interval; 5 when absent).',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const response = await oauth.deviceAuthorizationRequest(
          as,
          client,
          clientAuth,
          { scope },
          oauthOptions(ctx),
        )
        const result = await oauth.processDeviceAuthorizationResponse(as, client, response)
        const complete = result.verification_uri_complete ?? result.verification_uri
        return {
          status: 'ok',
          summary: `The server issued the user code ${result.user_code}; the codes live ${result.expires_in} seconds.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'device_code',
              value: result.device_code,
              note: 'Kept by the device; never shown to the user.',
            },
            {
              label: 'user_code',
              value: result.user_code,
              note: 'Eight letters from 20 consonants, the example set of RFC 8628 §6.1: a phone keyboard types them without switching case or to digits, and without vowels no words form by chance. That is 20⁸ ≈ 2.6 × 10¹⁰ codes; RFC 8628 §5.1 asks the server to rate-limit code entry so that, with the short lifetime, guessing a live code is infeasible.',
            },
            { label: 'interval', value: `${result.interval ?? 5} seconds between polls` },
            {
              label: 'expires_in',
              value: `${result.expires_in} seconds`,
              note: 'After that the device code is dead: the next poll answers expired_token, and the device must start over with a new request.',
            },
          ],
          save: {
            deviceCode: result.device_code,
            userCode: result.user_code,
            verificationUri: result.verification_uri,
            verificationUriComplete: complete,
            interval: result.interval ?? 5,
            expiresAt: ctx.now() + result.expires_in * 1000,
            polls: [],
          },
        }
      },
    },
    {
      id: 'show-code',
      label: 'show user_code, URL, QR code',
      title: 'Show the code and the address to the user',
      from: 'device',
      to: 'user',
      kind: 'local',
      spec: rfc(8628, '3.3'),
      moreSpecs: [rfc(8628, '3.3.1'), rfc(8628, '5.4')],
      explanation:
        'The device puts the user_code and the verification_uri on its screen, and may add a QR code of verification_uri_complete so a phone camera opens the page with the code filled in. That is all the device does for the user: it never sees the phone, the password or the consent. The user must still check that the code on the phone matches the one on the TV, because a code sent by someone else could trick them into signing in that person’s device (RFC 8628 §5.4). Open the phone pane beside the device, sign in as alice (password alice-password) and choose Allow — or Deny.',
      async run(ctx) {
        const userCode = need(ctx.data.userCode, 'The user code')
        const verificationUri = need(ctx.data.verificationUri, 'The verification URI')
        const complete = need(ctx.data.verificationUriComplete, 'The complete verification URI')
        return {
          status: 'ok',
          summary: `The device shows: go to ${verificationUri} and enter ${userCode}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Code on the device screen', value: userCode },
            { label: 'Address on the device screen (verification_uri)', value: verificationUri },
            {
              label: 'QR code for a phone camera',
              value: complete,
              format: 'qr',
              note: 'verification_uri_complete: the address with ?user_code=… added. Scanning it saves typing, but the user still confirms the code.',
            },
          ],
          destination: {
            url: complete,
            how: 'pane',
            paneTitle: 'Phone: verification page',
            label: 'Open the verification page on the phone',
            hint: 'The phone pane shows the server’s verification page. Check the code, continue, sign in as alice (alice-password) and choose Allow or Deny. Then start polling on the device.',
          },
        }
      },
    },
    {
      id: 'poll',
      label: 'POST /token (device_code), repeated',
      title: 'Poll the token endpoint until the user decides',
      from: 'device',
      to: 'as',
      kind: 'request',
      spec: rfc(8628, '3.4'),
      moreSpecs: [rfc(8628, '3.5'), rfc(8628, '3.2')],
      explanation:
        'The device cannot be told when the user is done: the server never pushes anything to it, and the phone’s browser only visits the verification page. So the device keeps asking — polling — by posting its device_code to the token endpoint with grant_type urn:ietf:params:oauth:grant-type:device_code. Until the user decides, the answer is the error authorization_pending and the device waits interval seconds before the next poll (RFC 8628 says it should; a server may enforce it). A device that polls sooner gets slow_down, and must then add 5 seconds to its interval for that poll and every later one. If the user denied, the answer is access_denied; if the codes expired first, expired_token; once the user approved, the next poll returns the tokens. An ID token among them is checked as in the code flow, signature included. The walkthrough polls by itself at the interval; “Poll too fast” polls at once, before the interval is over.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const interval = ctx.data.interval ?? 5
        const polls = [...(ctx.data.polls ?? [])]
        const at = ctx.now()
        try {
          const response = await oauth.deviceCodeGrantRequest(
            as,
            client,
            clientAuth,
            need(ctx.data.deviceCode, 'The device code'),
            oauthOptions(ctx),
          )
          const receivedAt = ctx.now()
          const tokens = await oauth.processDeviceCodeResponse(as, client, response)
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
          // No OpenID Connect spec covers an ID token from the device grant; the client checks
          // it by the code flow's rules, signature included (there is no TLS here to lean on).
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
          if (tokens.refresh_token) {
            shown.push({
              label: 'Refresh token',
              value: tokens.refresh_token,
              signature: 'not-applicable',
              signatureNote: 'Opaque: lets the device get new access tokens without a new code.',
            })
          }
          return {
            status: 'ok',
            summary: `Poll ${polls.length}: the user had approved, so this poll returned the tokens. The device code is now spent.`,
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
                ? `Poll ${polls.length}: slow_down — the device asked before ${interval} seconds had passed. Its interval is now ${next} seconds, for this and every later poll.`
                : `Poll ${polls.length}: authorization_pending — the user has not decided yet. The device asks again in ${next} seconds.`,
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
                'The user chose Deny on the phone, and this poll is how the device found out: access_denied. The device stops polling; start over to try again.',
              code: error.error,
              detail: error.error_description,
              exchanges: ctx.exchanges(),
            }
          }
          if (error.error === 'expired_token') {
            return {
              status: 'error',
              message:
                'The codes expired before the user approved: expired_token. The device stops polling and must ask for new codes (start over).',
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
      title: 'Call the API with the access token',
      from: 'device',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation:
        'With its access token the device calls the API like any other client, in the Authorization header with the Bearer scheme. /api/orders needs the orders:read scope that the user approved on the phone.',
      async run(ctx) {
        return callResourceServer(ctx, need(ctx.data.accessToken, 'The access token'), {
          path: '/api/orders',
          summary: 'The API accepted the access token and answered.',
        })
      },
    },
  ],
})
