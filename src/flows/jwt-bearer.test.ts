import { expect, test } from 'vitest'
import { testAppOrigin } from '../mock-as/core/test-server.ts'
import type { InputContext } from './flow-model.ts'
import { createRun, type FlowRun } from './flow-runner.ts'
import { resultOf, setUpFlow } from './flow-test-support.ts'
import { jwtBearerFlow } from './jwt-bearer.ts'

const editorStep = jwtBearerFlow.steps.find((step) => step.id === 'editor')
const input = editorStep?.input

function setUp() {
  const { t, step: runStep } = setUpFlow(jwtBearerFlow, { serverClock: true })
  const step = (run: FlowRun, text?: string) =>
    runStep(run, text === undefined ? {} : { input: text })
  const inputContext = (run: FlowRun): InputContext<typeof run.data> => ({
    data: run.data,
    appOrigin: testAppOrigin,
    issuer: `${testAppOrigin}/as`,
    now: () => t.clock.now(),
  })
  return { t, step, inputContext }
}

function preset(label: string) {
  const found = input?.presets?.find((candidate) => candidate.label === label)
  if (!found) throw new Error(`no preset ${label}`)
  return found
}

/** Runs discover, key, registration and the first token. */
async function upToEditor(step: (run: FlowRun, text?: string) => Promise<FlowRun>) {
  let run = createRun(jwtBearerFlow)
  for (let i = 0; i < 4; i++) run = await step(run)
  for (const id of ['discover', 'make-key', 'register', 'first-token']) {
    const result = resultOf(run, id)
    if (result.status === 'error') throw new Error(`${id}: ${result.message} ${result.detail}`)
  }
  return run
}

test('jwt bearer walkthrough: key, registration, a token for alice, then the editor and the API', async () => {
  const { step, inputContext } = setUp()
  let run = await upToEditor(step)
  expect(run.data.clientId).toMatch(/^client-/)
  const first = resultOf(run, 'first-token')
  expect(first.status === 'ok' && first.tokens?.map((token) => token.label)).toEqual([
    'Assertion (signed by this page)',
    'Access token',
  ])
  expect(first.exchanges.map((exchange) => new URL(exchange.request.url).pathname)).toEqual([
    '/as/token',
  ])

  const initial = input?.initial(inputContext(run)) ?? ''
  expect(JSON.parse(initial)).toMatchObject({
    sign_with: 'registered-key',
    // The issuer identifier alone (draft-ietf-oauth-rfc7523bis), not the token endpoint URL.
    claims: { iss: run.data.clientId, sub: 'alice', aud: `${testAppOrigin}/as` },
  })
  run = await step(run, initial)
  const editor = resultOf(run, 'editor')
  expect(editor.status).toBe('ok')
  expect(
    editor.status === 'ok' && editor.values?.every((value) => value.value === '✓ passed'),
  ).toBe(true)
  run = await step(run)
  const api = resultOf(run, 'call-api')
  expect(api.status === 'ok' && JSON.parse(api.values?.[0]?.value ?? '{}')).toMatchObject({
    sub: 'user-alice',
  })
  expect(run.next).toBe(jwtBearerFlow.steps.length)
})

test.each([
  ['Expired', 'exp'],
  ['Wrong audience', 'aud'],
  ['Token endpoint as aud', 'aud'],
  ['Not yet valid', 'nbf'],
  ['Issued long ago', 'iat'],
  ['Unknown subject', 'sub'],
  ['Unknown issuer', 'iss'],
  ['Replayed jti', 'jti'],
  ['Bad signature', 'signature'],
])(
  'the "%s" preset fails the %s check with invalid_grant, and the step can be run again',
  async (label, check) => {
    const { step, inputContext } = setUp()
    let run = await upToEditor(step)
    run = await step(run, preset(label).value(inputContext(run)))
    const failed = resultOf(run, 'editor')
    expect(failed).toMatchObject({ status: 'error', code: 'invalid_grant' })
    if (failed.status !== 'error') return
    expect(failed.detail).toMatch(new RegExp(`^${check}: `))
    const rows = failed.values ?? []
    const at = rows.findIndex((row) => row.label === check)
    expect(rows[at]?.value).toMatch(/^✗ failed: /)
    expect(rows.slice(0, at).every((row) => row.value === '✓ passed')).toBe(true)
    expect(rows.slice(at + 1).every((row) => row.value.startsWith('– not checked'))).toBe(true)
    expect(run.next).toBe(jwtBearerFlow.steps.findIndex((s) => s.id === 'editor'))

    // Fixing it (the Valid preset) gets a token and moves on.
    run = await step(run, preset('Valid').value(inputContext(run)))
    expect(resultOf(run, 'editor').status).toBe('ok')
  },
)

test('the editor reports broken JSON without sending anything', async () => {
  const { step } = setUp()
  let run = await upToEditor(step)
  run = await step(run, '{ "claims": ')
  const result = resultOf(run, 'editor')
  expect(result).toMatchObject({ status: 'error', message: expect.stringMatching(/valid JSON/) })
  expect(result.exchanges).toEqual([])
  run = await step(run, JSON.stringify({ sign_with: 'registered-key', claims: [] }))
  expect(resultOf(run, 'editor')).toMatchObject({
    status: 'error',
    message: '"claims" must be a JSON object.',
  })
})
