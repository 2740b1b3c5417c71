import { expect, test } from 'vitest'
import { driveAuthorization } from '../mock-as/core/test-server.ts'
import { authorizationCodeFlow } from './authorization-code.ts'
import { createRun, recordReturn } from './flow-runner.ts'
import { resultOf, runRemainingSteps, setUpFlow } from './flow-test-support.ts'

// The whole walkthrough in Node: oauth4webapi (unmocked) talks to the server core through the
// runner's transport; the browser's part (login and consent pages) is driven through the forms.
const setUp = () => setUpFlow(authorizationCodeFlow)

test('every step of authorization code + PKCE + OIDC + refresh succeeds against the core', async () => {
  const { t, step } = setUp()
  let run = createRun(authorizationCodeFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  const away = run.awaitingReturn
  expect(away?.stepId).toBe('authorize')
  const authorizeUrl = new URL(away?.url ?? '')
  expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256')
  expect(authorizeUrl.searchParams.get('code_challenge')).toBe(run.data.codeChallenge)
  expect(authorizeUrl.searchParams.has('code_verifier')).toBe(false)

  const driven = await driveAuthorization(t.server, away?.url ?? '')
  expect(driven.location).toMatch(/\/walkthrough\/authorization-code\/callback\?/)
  run = recordReturn(run, driven.location ?? '')

  run = await runRemainingSteps(authorizationCodeFlow, step, run)

  const token = resultOf(run, 'token')
  expect(token.status === 'ok' && token.tokens?.map((shown) => shown.label)).toEqual([
    'ID token',
    'Access token',
    'Refresh token',
  ])
  const signature = resultOf(run, 'id-token-signature')
  expect(signature.status === 'ok' && signature.tokens?.[0]?.signature).toBe('verified')
  expect(signature.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
    '/as/jwks',
  ])
  const api = resultOf(run, 'call-api')
  expect(api.status === 'ok' && JSON.parse(api.values?.[0]?.value ?? '{}')).toMatchObject({
    sub: expect.any(String),
  })
  const refresh = resultOf(run, 'refresh')
  expect(refresh.status === 'ok' && refresh.summary).toMatch(/old one is now retired/)
  const replay = resultOf(run, 'replay')
  expect(replay.status).toBe('ok')
  expect(replay.status === 'ok' && replay.values?.map((value) => value.value)).toEqual([
    expect.stringMatching(/^invalid_grant/),
    expect.stringMatching(/^refused too \(invalid_grant\)/),
  ])
  expect(replay.exchanges.map((exchange) => exchange.response.status)).toEqual([400, 400])
})

test('a denied consent comes back as an access_denied error value, not a throw', async () => {
  const { t, step } = setUp()
  let run = createRun(authorizationCodeFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  const driven = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '', {
    decision: 'deny',
  })
  run = await step(recordReturn(run, driven.location ?? ''))
  expect(run.next).toBe(3)
  expect(resultOf(run, 'callback')).toMatchObject({ status: 'error', code: 'access_denied' })
})

test('a tampered state is refused before any code is exchanged', async () => {
  const { t, step } = setUp()
  let run = createRun(authorizationCodeFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  const driven = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '')
  const forged = new URL(driven.location ?? '')
  forged.searchParams.set('state', 'forged')
  run = await step(recordReturn(run, forged.href))
  const result = resultOf(run, 'callback')
  expect(result.status).toBe('error')
  expect(result.status === 'error' && result.message).toMatch(/state/)
})

test('the callback step says so when the browser has not come back yet', async () => {
  const { step } = setUp()
  let run = createRun(authorizationCodeFlow)
  for (let i = 0; i < 4; i++) run = await step(run)
  expect(resultOf(run, 'callback')).toMatchObject({
    status: 'error',
    message: expect.stringMatching(/has not come back/),
  })
})
