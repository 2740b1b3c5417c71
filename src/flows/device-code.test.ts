import { expect, test } from 'vitest'
import { driveDeviceVerification } from '../mock-as/core/test-device-verification.ts'
import { deviceCodeFlow } from './device-code.ts'
import { createRun, type FlowRun } from './flow-runner.ts'
import {
  forgeIdToken,
  replaceTokenEndpointIdToken,
  resultOf,
  setUpFlow,
} from './flow-test-support.ts'

// The device walkthrough in Node: oauth4webapi (unmocked) talks to the server core; the phone's
// part (code form, sign-in, consent) is driven through the server's pages. The runner's clock is
// the server's settable clock, so waiting for the interval or for expiry takes no real time.
const setUp = () => setUpFlow(deviceCodeFlow, { serverClock: true })

async function untilPolling(step: (run: FlowRun) => Promise<FlowRun>) {
  let run = createRun(deviceCodeFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  expect(deviceCodeFlow.steps[run.next]?.id).toBe('poll')
  return run
}

test('the device walkthrough: pending, slow_down (+5 s), approval on the phone, tokens and the API', async () => {
  const { t, step } = setUp()
  let run = await untilPolling(step)
  const show = resultOf(run, 'show-code')
  expect(show.status === 'ok' && show.destination).toMatchObject({
    how: 'pane',
    paneTitle: 'Phone: verification page',
  })
  const qr = show.status === 'ok' ? show.values?.find((value) => value.format === 'qr') : undefined
  expect(new URL(qr?.value ?? '').searchParams.get('user_code')).toBe(run.data.userCode)

  run = await step(run)
  let poll = resultOf(run, 'poll')
  expect(poll.status === 'ok' && poll.summary).toMatch(/authorization_pending/)
  expect(poll.status === 'ok' && poll.repeat?.afterSeconds).toBe(5)
  expect(deviceCodeFlow.steps[run.next]?.id).toBe('poll')

  // "Poll too fast": at once, without waiting for the interval.
  t.clock.advance(1000)
  run = await step(run)
  poll = resultOf(run, 'poll')
  expect(poll.status === 'ok' && poll.summary).toMatch(/slow_down/)
  expect(poll.status === 'ok' && poll.repeat?.afterSeconds).toBe(10)
  expect(run.data.interval).toBe(10)

  const phone = await driveDeviceVerification(t.server, String(run.data.verificationUriComplete))
  expect(await phone.last.text()).toContain('You may return to your device')

  t.clock.advance(10_000)
  run = await step(run)
  poll = resultOf(run, 'poll')
  if (poll.status === 'error') throw new Error(poll.message)
  expect(poll.repeat).toBeUndefined()
  expect(poll.tokens?.map((token) => [token.label, token.signature])).toEqual([
    ['ID token', 'verified'],
    ['Access token', 'not-checked'],
    ['Refresh token', 'not-applicable'],
  ])
  expect(poll.values?.find((value) => value.label === 'Check: signature')?.value).toMatch(/^✓/)
  expect(poll.values?.find((value) => value.label === 'Check: nonce')?.value).toMatch(/^– /)
  expect(JSON.parse(poll.values?.[0]?.value ?? '[]')).toEqual([
    { poll: 1, seconds_after_first: 0, answer: 'authorization_pending', interval_afterwards: 5 },
    { poll: 2, seconds_after_first: 1, answer: 'slow_down', interval_afterwards: 10 },
    { poll: 3, seconds_after_first: 11, answer: 'tokens', interval_afterwards: 10 },
  ])
  // The token response, then the key set that verifies the ID token's signature.
  expect(poll.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
    '/as/token',
    '/as/jwks',
  ])

  run = await step(run)
  const api = resultOf(run, 'call-api')
  expect(api.status).toBe('ok')
  expect(run.next).toBe(deviceCodeFlow.steps.length)
})

test('denying on the phone ends the polling with access_denied as an error value', async () => {
  const { t, step } = setUp()
  let run = await untilPolling(step)
  await driveDeviceVerification(t.server, String(run.data.verificationUriComplete), {
    decision: 'deny',
  })
  run = await step(run)
  expect(resultOf(run, 'poll')).toMatchObject({ status: 'error', code: 'access_denied' })
  expect(deviceCodeFlow.steps[run.next]?.id).toBe('poll')
})

test('codes that expire before the user acts end the polling with expired_token', async () => {
  const { t, step } = setUp()
  let run = await untilPolling(step)
  run = await step(run)
  t.clock.advance(601_000)
  run = await step(run)
  expect(resultOf(run, 'poll')).toMatchObject({ status: 'error', code: 'expired_token' })
})

test('a forged ID token in the token response of the device grant is refused', async () => {
  const { t, step } = setUpFlow(deviceCodeFlow, {
    serverClock: true,
    intercept: replaceTokenEndpointIdToken(forgeIdToken),
  })
  let run = await untilPolling(step)
  await driveDeviceVerification(t.server, String(run.data.verificationUriComplete))
  run = await step(run)
  const poll = resultOf(run, 'poll')
  expect(poll).toMatchObject({ status: 'error', code: 'id_token_rejected' })
  expect(poll.values?.find((value) => value.label === 'Check: signature')?.value).toMatch(/^✗/)
  expect(run.data.accessToken).toBeUndefined()
})
