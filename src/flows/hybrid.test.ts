import { expect, test } from 'vitest'
import { driveAuthorization } from '../mock-as/core/test-server.ts'
import { createRun, recordReturn } from './flow-runner.ts'
import {
  forgeIdToken,
  replaceTokenEndpointIdToken,
  resultOf,
  runRemainingSteps,
  setUpFlow,
} from './flow-test-support.ts'
import { hybridFlow } from './hybrid.ts'

// The whole hybrid walkthrough in Node: real oauth4webapi against the server core, the login and
// consent pages driven through their forms.
const setUp = () => setUpFlow(hybridFlow)

async function toCallback(
  t: ReturnType<typeof setUp>['t'],
  step: ReturnType<typeof setUp>['step'],
) {
  let run = createRun(hybridFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  const away = run.awaitingReturn
  expect(away?.stepId).toBe('authorize')
  const url = new URL(away?.url ?? '')
  expect(url.searchParams.get('response_type')).toBe('code id_token')
  expect(url.searchParams.get('nonce')).toBe(run.data.nonce)
  expect(url.searchParams.has('response_mode')).toBe(false)
  const driven = await driveAuthorization(t.server, away?.url ?? '')
  return { run, location: driven.location ?? '' }
}

test('every step of the hybrid walkthrough succeeds: fragment, front ID token checks, exchange, comparison', async () => {
  const { t, step } = setUp()
  const { run: away, location } = await toCallback(t, step)
  expect(location).toMatch(/\/walkthrough\/hybrid\/callback#/)
  let run = recordReturn(away, location)
  run = await runRemainingSteps(hybridFlow, step, run)
  const callback = resultOf(run, 'callback')
  if (callback.status !== 'ok') throw new Error('callback failed')
  expect(callback.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
    '/as/jwks',
  ])
  const checks = Object.fromEntries(
    (callback.values ?? []).map((value) => [value.label, value.value]),
  )
  expect(checks['#code']).toBeTruthy()
  expect(checks['#id_token']).toBeTruthy()
  expect(checks['Check: signature']).toMatch(/^✓ valid \(RS256, key "/)
  const [claimed, computed] = String(checks['Check: c_hash']).replace(/^✓ /, '').split(' = ')
  expect(claimed).toBe(computed)
  expect(checks['Check: nonce']).toBe(`✓ ${run.data.nonce}, the one this client made`)
  expect(checks['Check: iat']).toMatch(/^✓ issued \d+ s before it arrived/)
  expect(checks['Check: azp']).toMatch(/^– absent/)
  expect(callback.tokens?.[0]?.signature).toBe('verified')

  const token = resultOf(run, 'token')
  if (token.status !== 'ok') throw new Error(token.message)
  const tokenRequest = token.exchanges.find((e) => new URL(e.request.url).pathname === '/as/token')
  expect(tokenRequest?.request.headers.authorization).toMatch(/^Basic /)
  // The token-endpoint ID token is verified too, with the key set the step fetched (oauth4webapi
  // keeps it for the step, so the second verification needs no second fetch).
  expect(token.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
    '/as/jwks',
    '/as/token',
  ])
  expect(token.tokens?.[0]).toMatchObject({
    label: 'Token-endpoint ID token',
    signature: 'verified',
  })
  expect(token.values?.find((value) => value.label === 'Check: signature')?.value).toMatch(/^✓/)
  const compare = resultOf(run, 'compare')
  expect(compare.status === 'ok' && compare.values?.map((value) => value.value)).toEqual([
    expect.stringMatching(/same in both/),
    expect.stringMatching(/^user-alice \(same in both\)$/),
    expect.stringMatching(/same in both/),
    expect.stringMatching(/same in both/),
    expect.stringMatching(/same in both/),
    expect.stringMatching(/^front: .+ · token endpoint: \(absent\)$/),
    expect.stringMatching(/^front: \(absent\) · token endpoint: /),
  ])
})

test('a code swapped into the fragment fails the c_hash check before any exchange', async () => {
  const { t, step } = setUp()
  const { run: away, location } = await toCallback(t, step)
  const forged = new URL(location)
  const params = new URLSearchParams(forged.hash.slice(1))
  params.set('code', 'a-code-from-someone-else')
  forged.hash = params.toString()
  const run = await step(recordReturn(away, forged.href))
  const result = resultOf(run, 'callback')
  expect(result.status).toBe('error')
  expect(result.status === 'error' && `${result.message} ${result.detail}`).toMatch(/c_hash/)
  expect(run.next).toBe(3)
})

test('a return without a fragment is explained, not thrown', async () => {
  const { t, step } = setUp()
  const { run: away, location } = await toCallback(t, step)
  const run = await step(recordReturn(away, location.split('#')[0] ?? ''))
  expect(resultOf(run, 'callback')).toMatchObject({
    status: 'error',
    message: expect.stringMatching(/no fragment/),
  })
})

test('a front-channel ID token signed by an unknown key is refused before the code is redeemed', async () => {
  const { t, step } = setUp()
  const { run: away, location } = await toCallback(t, step)
  const forged = new URL(location)
  const params = new URLSearchParams(forged.hash.slice(1))
  params.set('id_token', await forgeIdToken(params.get('id_token') ?? ''))
  forged.hash = params.toString()
  const run = await step(recordReturn(away, forged.href))
  const result = resultOf(run, 'callback')
  expect(result.status).toBe('error')
  expect(result.status === 'error' && `${result.message} ${result.detail}`).toMatch(/signature/i)
  expect(result.exchanges.map((e) => new URL(e.request.url).pathname)).not.toContain('/as/token')
  expect(run.next).toBe(3)
})

test('a forged ID token from the token endpoint is refused, though the front-channel one was genuine', async () => {
  const setup = setUpFlow(hybridFlow, { intercept: replaceTokenEndpointIdToken(forgeIdToken) })
  const { run: away, location } = await toCallback(setup.t, setup.step)
  let run = await setup.step(recordReturn(away, location))
  expect(resultOf(run, 'callback').status).toBe('ok')
  run = await setup.step(run)
  const token = resultOf(run, 'token')
  expect(token).toMatchObject({ status: 'error', code: 'id_token_rejected' })
  expect(token.values?.find((value) => value.label === 'Check: signature')?.value).toMatch(/^✗/)
  expect(run.data.backIdToken).toBeUndefined()
})
