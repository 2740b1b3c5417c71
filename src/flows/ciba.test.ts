import { expect, test } from 'vitest'
import { driveAuthenticationDevice } from '../mock-as/core/test-authentication-device.ts'
import { cibaFlow } from './ciba.ts'
import { createRun, type FlowRun } from './flow-runner.ts'
import {
  forgeIdToken,
  replaceTokenEndpointIdToken,
  resultOf,
  setUpFlow,
} from './flow-test-support.ts'

// The CIBA walkthrough in Node: oauth4webapi (unmocked) talks to the server core; the phone's
// part (sign-in, Allow or Deny) is driven through the server's /as/ciba pages. The runner's clock
// is the server's settable clock, so waiting for the interval or for expiry takes no real time.
const setUp = () => setUpFlow(cibaFlow, { serverClock: true })

async function untilPolling(step: (run: FlowRun) => Promise<FlowRun>) {
  let run = createRun(cibaFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  expect(cibaFlow.steps[run.next]?.id).toBe('poll')
  return run
}

test('the CIBA walkthrough: binding message on both screens, pending, slow_down (+5 s), approval on the phone, tokens and the API', async () => {
  const { t, step } = setUp()
  let run = await untilPolling(step)
  const bindingMessage = String(run.data.bindingMessage)
  expect(bindingMessage).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-\d{4}$/)
  const request = resultOf(run, 'backchannel-request')
  // The request really carried the binding message and the hint, authenticated with Basic.
  const sent = request.exchanges[0]?.request
  expect(new URL(sent?.url ?? '').pathname).toBe('/as/bc-authorize')
  const body = new URLSearchParams(sent?.body ?? '')
  expect(body.get('binding_message')).toBe(bindingMessage)
  expect(body.get('login_hint')).toBe('alice')
  expect(body.get('scope')).toBe('openid profile orders:read')
  expect(sent?.headers.authorization).toMatch(/^Basic /)
  const show = resultOf(run, 'show-binding-message')
  expect(show.status === 'ok' && show.destination).toMatchObject({
    how: 'pane',
    url: `${t.deps.issuer}/ciba`,
    paneTitle: 'Phone: authentication device',
  })

  run = await step(run)
  let poll = resultOf(run, 'poll')
  expect(poll.status === 'ok' && poll.summary).toMatch(/authorization_pending/)
  expect(poll.status === 'ok' && poll.repeat).toMatchObject({
    afterSeconds: 5,
    runNowLabel: 'Poll too fast',
  })

  // "Poll too fast": at once, without waiting for the interval.
  t.clock.advance(1000)
  run = await step(run)
  poll = resultOf(run, 'poll')
  expect(poll.status === 'ok' && poll.summary).toMatch(/slow_down/)
  expect(poll.status === 'ok' && poll.repeat?.afterSeconds).toBe(10)
  expect(run.data.interval).toBe(10)

  // The phone shows the same binding message; alice allows it.
  const phone = await driveAuthenticationDevice(t.server, t.deps.issuer, { bindingMessage })
  expect(phone.requestsHtml).toContain(`class="binding">${bindingMessage}<`)
  expect(await phone.last.text()).toContain('Request allowed')

  t.clock.advance(10_000)
  run = await step(run)
  poll = resultOf(run, 'poll')
  if (poll.status === 'error') throw new Error(poll.message)
  expect(poll.repeat).toBeUndefined()
  expect(poll.tokens?.map((token) => [token.label, token.signature])).toEqual([
    ['ID token', 'verified'],
    ['Access token', 'not-checked'],
  ])
  expect(poll.values?.find((value) => value.label === 'Check: signature')?.value).toMatch(/^✓/)
  expect(JSON.parse(poll.values?.[0]?.value ?? '[]')).toEqual([
    { poll: 1, seconds_after_first: 0, answer: 'authorization_pending', interval_afterwards: 5 },
    { poll: 2, seconds_after_first: 1, answer: 'slow_down', interval_afterwards: 10 },
    { poll: 3, seconds_after_first: 11, answer: 'tokens', interval_afterwards: 10 },
  ])
  expect(poll.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
    '/as/token',
    '/as/jwks',
  ])
  const tokenRequest = new URLSearchParams(poll.exchanges[0]?.request.body ?? '')
  expect(tokenRequest.get('grant_type')).toBe('urn:openid:params:grant-type:ciba')
  expect(tokenRequest.get('auth_req_id')).toBe(run.data.authReqId)

  run = await step(run)
  expect(resultOf(run, 'call-api').status).toBe('ok')
  expect(run.next).toBe(cibaFlow.steps.length)
})

test('denying on the phone ends the polling with access_denied as an error result', async () => {
  const { t, step } = setUp()
  let run = await untilPolling(step)
  await driveAuthenticationDevice(t.server, t.deps.issuer, { decision: 'deny' })
  run = await step(run)
  expect(resultOf(run, 'poll')).toMatchObject({ status: 'error', code: 'access_denied' })
  expect(cibaFlow.steps[run.next]?.id).toBe('poll')
  expect(run.data.accessToken).toBeUndefined()
})

test('a request that expires before the user answers ends the polling with expired_token', async () => {
  const { t, step } = setUp()
  let run = await untilPolling(step)
  run = await step(run)
  t.clock.advance(601_000)
  run = await step(run)
  expect(resultOf(run, 'poll')).toMatchObject({ status: 'error', code: 'expired_token' })
})

test('a forged ID token in the CIBA token response is refused', async () => {
  const { t, step } = setUpFlow(cibaFlow, {
    serverClock: true,
    intercept: replaceTokenEndpointIdToken(forgeIdToken),
  })
  let run = await untilPolling(step)
  await driveAuthenticationDevice(t.server, t.deps.issuer)
  run = await step(run)
  const poll = resultOf(run, 'poll')
  expect(poll).toMatchObject({ status: 'error', code: 'id_token_rejected' })
  expect(run.data.accessToken).toBeUndefined()
})
