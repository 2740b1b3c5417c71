import { expect, test } from 'vitest'
import { driveAuthorization } from '../mock-as/core/test-server.ts'
import { authorizationCodeFlow } from './authorization-code.ts'
import { createRun, recordReturn } from './flow-runner.ts'
import {
  alterIdToken,
  forgeIdToken,
  replaceTokenEndpointIdToken,
  resultOf,
  runRemainingSteps,
  setUpFlow,
} from './flow-test-support.ts'

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
  if (token.status !== 'ok') throw new Error(token.message)
  expect(token.tokens?.map((shown) => [shown.label, shown.signature])).toEqual([
    ['ID token', 'verified'],
    ['Access token', 'not-checked'],
    ['Refresh token', 'not-applicable'],
  ])
  // The signature is verified against the key set: the step fetched jwks_uri after the token.
  expect(token.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
    '/as/token',
    '/as/jwks',
  ])
  const checklist = Object.fromEntries(
    (token.values ?? [])
      .filter((value) => value.label.startsWith('Check: '))
      .map((value) => [value.label.slice('Check: '.length), value.value]),
  )
  expect(Object.keys(checklist)).toEqual([
    'iss',
    'aud',
    'azp',
    'signature',
    'alg',
    'exp',
    'iat',
    'nonce',
    'at_hash',
  ])
  expect(checklist.signature).toMatch(/^✓ valid \(RS256, key "/)
  expect(checklist.iat).toMatch(/^✓ issued \d+ s before it arrived/)
  expect(checklist.azp).toMatch(/^– absent; with one audience/)
  expect(checklist.at_hash).toMatch(/^✓ /)
  for (const value of token.values ?? []) {
    if (value.label.startsWith('Check: ')) expect(value.spec?.label).toMatch(/^OIDC Core §/)
  }
  const api = resultOf(run, 'call-api')
  expect(api.status === 'ok' && JSON.parse(api.values?.[0]?.value ?? '{}')).toMatchObject({
    sub: expect.any(String),
  })
  const refresh = resultOf(run, 'refresh')
  expect(refresh.status === 'ok' && refresh.summary).toMatch(/old one is now retired/)
  // The refresh brought a new ID token, checked too, and against the sign-in's (OIDC Core §12.2).
  expect(refresh.status === 'ok' && refresh.tokens?.[0]).toMatchObject({
    label: 'New ID token',
    signature: 'verified',
  })
  expect(refresh.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
    '/as/token',
    '/as/jwks',
  ])
  expect(
    refresh.status === 'ok' &&
      refresh.values?.find((v) => v.label === 'Check: same sign-in')?.value,
  ).toMatch(/^✓ iss, sub, aud, azp and auth_time as at sign-in/)
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

/** Runs the walkthrough up to the browser's return, through the server's pages. */
async function untilTokenStep(setup: ReturnType<typeof setUpFlow>) {
  const { t, step } = setup
  let run = createRun(authorizationCodeFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  const driven = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '')
  run = await step(recordReturn(run, driven.location ?? ''))
  expect(authorizationCodeFlow.steps[run.next]?.id).toBe('token')
  return run
}

test('an ID token signed by a key the server never published is refused, and nothing is kept', async () => {
  const setup = setUpFlow(authorizationCodeFlow, {
    intercept: replaceTokenEndpointIdToken(forgeIdToken),
  })
  const run = await setup.step(await untilTokenStep(setup))
  const token = resultOf(run, 'token')
  expect(token).toMatchObject({ status: 'error', code: 'id_token_rejected' })
  expect(token.status === 'error' && token.message).toMatch(/the signature check failed/)
  const signature = token.values?.find((value) => value.label === 'Check: signature')
  expect(signature?.value).toMatch(/^✗ does not verify/)
  // The claims were fine: only the signature gives the forgery away.
  expect(token.values?.filter((value) => value.value.startsWith('✗'))).toHaveLength(1)
  expect(run.next).toBe(authorizationCodeFlow.steps.findIndex((s) => s.id === 'token'))
  expect(run.data.accessToken).toBeUndefined()
  expect(run.data.idToken).toBeUndefined()
})

test('an ID token whose claims were changed after signing is refused by its signature', async () => {
  const setup = setUpFlow(authorizationCodeFlow, {
    intercept: replaceTokenEndpointIdToken((idToken) => alterIdToken(idToken, { sub: 'user-bob' })),
  })
  const run = await setup.step(await untilTokenStep(setup))
  const token = resultOf(run, 'token')
  expect(token).toMatchObject({ status: 'error', code: 'id_token_rejected' })
  expect(token.values?.find((value) => value.label === 'Check: signature')?.value).toMatch(/^✗/)
})

test('a forged ID token in a refresh response is refused even though the first one was genuine', async () => {
  const setup = setUpFlow(authorizationCodeFlow, {
    // The first token response (the code exchange) is genuine; the second (the refresh) is not.
    intercept: replaceTokenEndpointIdToken(forgeIdToken, { only: (count) => count === 2 }),
  })
  let run = await untilTokenStep(setup)
  while (authorizationCodeFlow.steps[run.next]?.id !== 'refresh') run = await setup.step(run)
  expect(resultOf(run, 'token').status).toBe('ok')
  run = await setup.step(run)
  const refresh = resultOf(run, 'refresh')
  expect(refresh).toMatchObject({ status: 'error', code: 'id_token_rejected' })
  expect(refresh.values?.find((value) => value.label === 'Check: signature')?.value).toMatch(/^✗/)
})
