import { expect, test } from 'vitest'
import { driveAuthorization } from '../mock-as/core/test-server.ts'
import type { Flow } from './flow-model.ts'
import { createRun, type FlowRun, recordReturn } from './flow-runner.ts'
import { resultOf, setUpFlow } from './flow-test-support.ts'
import { implicitFlow } from './implicit.ts'
import { passwordFlow } from './password.ts'

// The implicit and password walkthroughs in Node, against the server core.
const setUp = (flow: Flow) => setUpFlow(flow)

function valuesOf(run: FlowRun, stepId: string): Record<string, string> {
  const result = resultOf(run, stepId)
  if (result.status === 'error') throw new Error(`${stepId}: ${result.message} ${result.detail}`)
  return Object.fromEntries((result.values ?? []).map((value) => [value.label, value.value]))
}

async function runToEnd(flow: Flow, step: (run: FlowRun) => Promise<FlowRun>, start: FlowRun) {
  let run = start
  while (run.next < flow.steps.length && !run.awaitingReturn) {
    const stepId = flow.steps[run.next]?.id ?? ''
    run = await step(run)
    valuesOf(run, stepId)
  }
  return run
}

test('both deprecated flows say so up front, with the RFC 9700 section', () => {
  expect(implicitFlow.deprecated?.spec.label).toBe('RFC 9700 §2.1.2')
  expect(passwordFlow.deprecated?.spec.label).toBe('RFC 9700 §2.4')
  for (const flow of [implicitFlow, passwordFlow]) {
    expect(flow.deprecated?.reason).toMatch(/OAuth 2\.1/)
    expect(flow.deprecated?.reason).toMatch(/still part of RFC 6749/)
    expect(flow.steps.at(-1)?.id).toBe('instead')
    expect(flow.deprecated?.useInstead?.flowId).toBe('authorization-code')
  }
})

test('implicit: the token arrives in the address, is readable, works from anywhere, and no refresh token', async () => {
  const { t, step } = setUp(implicitFlow)
  let run = await runToEnd(implicitFlow, step, createRun(implicitFlow))
  const away = run.awaitingReturn
  expect(away?.stepId).toBe('authorize')
  const authorizeUrl = new URL(away?.url ?? '')
  expect(authorizeUrl.searchParams.get('response_type')).toBe('token')
  expect(authorizeUrl.searchParams.has('code_challenge')).toBe(false)
  const driven = await driveAuthorization(t.server, away?.url ?? '')
  expect(driven.location).toMatch(/\/walkthrough\/implicit\/callback#access_token=/)
  run = await runToEnd(implicitFlow, step, recordReturn(run, driven.location ?? ''))
  expect(run.next).toBe(implicitFlow.steps.length)

  const callback = valuesOf(run, 'callback')
  expect(callback['location.href as it arrived']).toBe(driven.location)
  expect(callback['What any script on the page reads (location.hash)']).toMatch(/^#access_token=/)
  expect(callback['#access_token']).toBeTruthy()
  expect(callback['#token_type']).toBe('Bearer')
  expect(callback['#iss']).toBe(t.deps.issuer)
  expect(callback['#refresh_token']).toBeUndefined()
  expect(callback.refresh_token).toMatch(/none/)
  const replay = resultOf(run, 'replay')
  expect(replay.exchanges).toHaveLength(1)
  expect(replay.exchanges[0]?.response.status).toBe(200)
  expect(replay.status === 'ok' && replay.summary).toMatch(/whoever holds it/)
  expect(resultOf(run, 'instead')).toMatchObject({
    summary: expect.stringContaining('/walkthrough/authorization-code'),
  })
})

test('implicit: a forged state in the fragment is rejected by the hand-written check', async () => {
  const { t, step } = setUp(implicitFlow)
  const run = await runToEnd(implicitFlow, step, createRun(implicitFlow))
  const driven = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '')
  const forged = (driven.location ?? '').replace(/state=[^&]+/, 'state=forged')
  const after = await step(recordReturn(run, forged))
  expect(resultOf(after, 'callback')).toMatchObject({
    status: 'error',
    message: expect.stringMatching(/state/),
  })
})

test('implicit: a denied consent comes back as an access_denied error value', async () => {
  const { t, step } = setUp(implicitFlow)
  const run = await runToEnd(implicitFlow, step, createRun(implicitFlow))
  const driven = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '', {
    decision: 'deny',
  })
  const after = await step(recordReturn(run, driven.location ?? ''))
  expect(resultOf(after, 'callback')).toMatchObject({ status: 'error', code: 'access_denied' })
})

test('password: the request body carries the password, the API answers, guessing locks bob', async () => {
  const { step } = setUp(passwordFlow)
  const run = await runToEnd(passwordFlow, step, createRun(passwordFlow))
  expect(run.next).toBe(passwordFlow.steps.length)
  expect(valuesOf(run, 'discover').grant_types_supported).toMatch(/\bpassword\b/)
  const token = valuesOf(run, 'token')
  expect(token['body: grant_type']).toBe('password')
  expect(token['body: password']).toBe('alice-password')
  expect(token['body: username']).toBe('alice')
  expect(token.refresh_token).toMatch(/none/)
  const sent = resultOf(run, 'token').exchanges[0]?.request.body ?? ''
  expect(new URLSearchParams(sent).get('password')).toBe('alice-password')
  const guesses = Object.values(valuesOf(run, 'guess'))
  expect(guesses).toHaveLength(6)
  expect(
    guesses.slice(0, 5).every((value) => /^invalid_grant: The username or password/.test(value)),
  ).toBe(true)
  expect(guesses[5]).toMatch(/^invalid_grant: Too many failed attempts/)
  expect(resultOf(run, 'guess')).toMatchObject({ summary: expect.stringMatching(/locked/) })
})
