import { expect, test } from 'vitest'
import { driveAuthorization, testAppOrigin } from '../mock-as/core/test-server.ts'
import { createRun, recordReturn } from './flow-runner.ts'
import {
  forgeIdToken,
  replaceTokenEndpointIdToken,
  resultOf,
  runRemainingSteps,
  setUpFlow,
} from './flow-test-support.ts'
import { refreshTokenFlow } from './refresh-token.ts'

// The whole walkthrough in Node: oauth4webapi (unmocked) against the server core, the login and
// consent pages driven through their forms, the run saved and reloaded between steps.
const setUp = () => setUpFlow(refreshTokenFlow)

test('refresh twice, replay RT1, and watch the whole family die: RT3, the access token, introspection', async () => {
  const { t, step } = setUp()
  let run = createRun(refreshTokenFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  const away = run.awaitingReturn
  expect(away?.stepId).toBe('authorize')
  const authorizeUrl = new URL(away?.url ?? '')
  expect(authorizeUrl.searchParams.get('client_id')).toBe('grantlab-spa')
  expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(
    `${testAppOrigin}/walkthrough/refresh-token/callback`,
  )
  const driven = await driveAuthorization(t.server, away?.url ?? '')
  expect(driven.location).toMatch(/\/walkthrough\/refresh-token\/callback\?/)
  run = recordReturn(run, driven.location ?? '')

  run = await runRemainingSteps(refreshTokenFlow, step, run)

  const chain = (run.data.refreshTokens ?? []) as string[]
  expect(chain).toHaveLength(3)
  expect(new Set(chain).size).toBe(3)
  const second = resultOf(run, 'refresh-2')
  expect(second.status === 'ok' && second.summary).toMatch(/accepted RT2 .* RT3/)
  // Each refresh brought a new ID token, verified and compared with the sign-in's.
  for (const id of ['token', 'refresh-1', 'refresh-2']) {
    const result = resultOf(run, id)
    expect(result.status === 'ok' && result.tokens?.[0]?.signature).toBe('verified')
  }
  expect(
    second.status === 'ok' && second.values?.find((v) => v.label === 'Check: same sign-in')?.value,
  ).toMatch(/^✓ /)

  const replay = resultOf(run, 'replay')
  expect(replay.status === 'ok' && replay.values?.[0]?.value).toBe('invalid_grant')
  expect(replay.exchanges.map((exchange) => exchange.response.status)).toEqual([400])
  const newest = resultOf(run, 'newest-refresh-fails')
  expect(newest.status === 'ok' && newest.values?.[0]?.value).toBe('invalid_grant')
  const api = resultOf(run, 'api-fails')
  expect(api.exchanges.map((exchange) => exchange.response.status)).toEqual([401])
  expect(api.status === 'ok' && api.values?.[1]?.value).toMatch(/error="invalid_token"/)
  const introspection = resultOf(run, 'introspect')
  expect(
    introspection.status === 'ok' && JSON.parse(introspection.values?.[0]?.value ?? ''),
  ).toEqual({ active: false })
  expect(new URL(introspection.exchanges[0]?.request.url ?? '').pathname).toBe('/as/introspect')
})

test('the replay step reports an error value if the server accepted a rotated token', async () => {
  const { t, step } = setUp()
  let run = createRun(refreshTokenFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  const driven = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '')
  run = recordReturn(run, driven.location ?? '')
  for (let i = 0; i < 4; i++) run = await step(run)
  // Pretend the "old" token is the live one: a server would accept it, and the step must say so.
  const chain = (run.data.refreshTokens ?? []) as string[]
  run = { ...run, data: { ...run.data, refreshTokens: [chain[2] ?? '', ...chain.slice(1)] } }
  run = await step(run)
  const replay = resultOf(run, 'replay')
  expect(replay.status).toBe('error')
  expect(run.next).toBe(refreshTokenFlow.steps.findIndex((s) => s.id === 'replay'))
})

test('a refreshed ID token naming another user is refused, however it is signed', async () => {
  const { t, step } = setUpFlow(refreshTokenFlow, {
    intercept: replaceTokenEndpointIdToken(forgeIdToken, { only: (count) => count === 2 }),
  })
  let run = createRun(refreshTokenFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  const driven = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '')
  run = recordReturn(run, driven.location ?? '')
  for (let i = 0; i < 3; i++) run = await step(run)
  const refresh = resultOf(run, 'refresh-1')
  expect(refresh).toMatchObject({ status: 'error', code: 'id_token_rejected' })
  expect(refresh.values?.find((value) => value.label === 'Check: signature')?.value).toMatch(/^✗/)
  // The rotation did not go through on the client's side: it still holds RT1 only.
  expect(run.data.refreshTokens).toBeUndefined()
})
