import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { allFlows, findFlow } from './all-flows.ts'
import { defineFlow } from './flow-model.ts'
import { createRun, isFinished, parseRun, recordReturn, runNextStep } from './flow-runner.ts'
import { oauthOptions } from './http-capture.ts'

type Data = { greeting?: string; seenReturn?: string }

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

const actors = [
  { id: 'client', label: 'Client', description: 'c' },
  { id: 'as', label: 'Server', description: 's' },
]

const demoFlow = defineFlow<Data>({
  id: 'demo',
  title: 'Demo',
  summary: 's',
  whenToUse: 'w',
  specs: [],
  actors,
  steps: [
    {
      id: 'hello',
      title: 'Say hello',
      from: 'client',
      to: 'as',
      kind: 'request',
      explanation: 'e',
      spec: { label: 'x', href: 'https://example.test' },
      async run(ctx) {
        const response = await ctx.fetch(`${ctx.issuer}/hello`, { method: 'POST', body: 'hi' })
        const body = (await response.json()) as { greeting: string }
        return {
          status: 'ok',
          summary: 'greeted',
          exchanges: ctx.exchanges(),
          save: { greeting: body.greeting },
          destination: { url: `${ctx.issuer}/away`, how: 'navigate', label: 'Go' },
        }
      },
    },
    {
      id: 'back',
      title: 'Come back',
      from: 'as',
      to: 'client',
      kind: 'redirect',
      explanation: 'e',
      spec: { label: 'x', href: 'https://example.test' },
      async run(ctx) {
        return {
          status: 'ok',
          summary: `${ctx.data.greeting} from ${ctx.returnUrl}`,
          exchanges: [],
          save: { seenReturn: ctx.returnUrl },
        }
      },
    },
    {
      id: 'token',
      title: 'Fails with an OAuth error',
      from: 'client',
      to: 'as',
      kind: 'request',
      explanation: 'e',
      spec: { label: 'x', href: 'https://example.test' },
      async run(ctx) {
        const as = { issuer: ctx.issuer, token_endpoint: `${ctx.issuer}/token` }
        const client = { client_id: 'c' }
        const response = await oauth.refreshTokenGrantRequest(
          as,
          client,
          oauth.None(),
          'rt',
          oauthOptions(ctx),
        )
        await oauth.processRefreshTokenResponse(as, client, response)
        return { status: 'ok', summary: 'unexpected', exchanges: ctx.exchanges() }
      },
    },
  ],
})

const env = {
  appOrigin: 'http://127.0.0.1:4173',
  now: () => 1_000,
  transport: async (request: Request) => {
    const path = new URL(request.url).pathname
    if (path === '/as/hello') return json({ greeting: `hello ${await request.text()}` })
    return json({ error: 'invalid_grant', error_description: 'used twice' }, 400)
  },
}

test('a step saves data, records its HTTP exchange, and can send the browser away', async () => {
  const run = await runNextStep(demoFlow, createRun(demoFlow, 5), env)
  expect(run.next).toBe(1)
  expect(run.data).toEqual({ greeting: 'hello hi' })
  expect(run.awaitingReturn).toEqual({
    stepId: 'hello',
    leftAt: 1_000,
    url: 'http://127.0.0.1:4173/as/away',
  })
  const record = run.records.hello
  expect(record?.result.status).toBe('ok')
  expect(record?.result).not.toHaveProperty('save')
  expect(record?.result.exchanges).toEqual([
    expect.objectContaining({
      request: expect.objectContaining({
        method: 'POST',
        url: 'http://127.0.0.1:4173/as/hello',
        body: 'hi',
      }),
      response: expect.objectContaining({ status: 200, body: '{"greeting":"hello hi"}' }),
    }),
  ])
})

test('the run survives JSON and the return address reaches the next step', async () => {
  const flow = demoFlow
  let run = await runNextStep(flow, createRun(flow), env)
  run =
    parseRun(JSON.stringify(recordReturn(run, 'http://127.0.0.1:4173/cb?code=1', 2)), flow) ?? run
  expect(run.awaitingReturn).toBeUndefined()
  expect(run.returned).toEqual({
    url: 'http://127.0.0.1:4173/cb?code=1',
    at: 2,
    stepId: 'hello',
    leftAt: 1_000,
  })
  run = await runNextStep(flow, run, env)
  expect(run.data.seenReturn).toBe('http://127.0.0.1:4173/cb?code=1')
  expect(run.records.back?.result.status === 'ok' && run.records.back.result.summary).toBe(
    'hello hi from http://127.0.0.1:4173/cb?code=1',
  )
})

test('an oauth4webapi error becomes an error value with the exchange, and the step can be retried', async () => {
  const flow = demoFlow
  let run = createRun(flow)
  run = await runNextStep(flow, run, env)
  run = await runNextStep(flow, recordReturn(run, 'http://x/cb'), env)
  const failed = await runNextStep(flow, run, env)
  expect(failed.next).toBe(2)
  expect(isFinished(flow, failed)).toBe(false)
  const result = failed.records.token?.result
  expect(result).toMatchObject({
    status: 'error',
    code: 'invalid_grant',
    detail: 'used twice',
    message: 'The server answered 400 with the OAuth error "invalid_grant".',
  })
  expect(result?.exchanges[0]?.request.body).toContain('grant_type=refresh_token')
})

test('parseRun rejects corrupt, foreign and out-of-range saved runs', () => {
  const flow = demoFlow
  expect(parseRun(null, flow)).toBeUndefined()
  expect(parseRun('{not json', flow)).toBeUndefined()
  expect(parseRun(JSON.stringify({ ...createRun(flow), flowId: 'other' }), flow)).toBeUndefined()
  expect(parseRun(JSON.stringify({ ...createRun(flow), next: 9 }), flow)).toBeUndefined()
  expect(parseRun(JSON.stringify(createRun(flow)), flow)).toEqual(
    createRun(flow, expect.any(Number)),
  )
})

test('defineFlow refuses a step that names an unknown actor or repeats an id', () => {
  const step = demoFlow.steps[1] as (typeof demoFlow.steps)[number]
  expect(() => defineFlow({ ...demoFlow, steps: [{ ...step, to: 'rs' }] })).toThrow(/unknown|lacks/)
  expect(() => defineFlow({ ...demoFlow, steps: [step, step] })).toThrow(/twice/)
})

test('every registered flow has a unique id, known actors, and a spec link on each step', () => {
  expect(new Set(allFlows.map((flow) => flow.id)).size).toBe(allFlows.length)
  for (const flow of allFlows) {
    expect(findFlow(flow.id)).toBe(flow)
    expect(flow.whenToUse.length).toBeGreaterThan(10)
    for (const step of flow.steps) expect(step.spec.href).toMatch(/^https:\/\//)
  }
  expect(findFlow('nope')).toBeUndefined()
})

const pollFlow = defineFlow<{ polls?: number; picked?: string }>({
  id: 'poll-demo',
  title: 'Poll',
  summary: 's',
  whenToUse: 'w',
  specs: [],
  actors,
  steps: [
    {
      id: 'pick',
      title: 'Pick',
      from: 'client',
      to: 'client',
      kind: 'local',
      explanation: 'e',
      spec: { label: 'x', href: 'https://example.test' },
      choices: [
        { id: 'first', label: 'First' },
        { id: 'second', label: 'Second' },
      ],
      async run(ctx) {
        return { status: 'ok', summary: 'picked', exchanges: [], save: { picked: ctx.choice } }
      },
    },
    {
      id: 'poll',
      title: 'Poll',
      from: 'client',
      to: 'as',
      kind: 'request',
      explanation: 'e',
      spec: { label: 'x', href: 'https://example.test' },
      async run(ctx) {
        const polls = (ctx.data.polls ?? 0) + 1
        return {
          status: 'ok',
          summary: `poll ${polls}`,
          exchanges: [],
          save: { polls },
          repeat:
            polls < 3
              ? { afterSeconds: 5, runNowLabel: 'Poll now', waitingLabel: 'Next poll' }
              : undefined,
        }
      },
    },
  ],
})

test('a step with choices gets the picked option, or its first one by default', async () => {
  const picked = await runNextStep(pollFlow, createRun(pollFlow), env, { choice: 'second' })
  expect(picked.data.picked).toBe('second')
  const byDefault = await runNextStep(pollFlow, createRun(pollFlow), env)
  expect(byDefault.data.picked).toBe('first')
})

test('a step that asks to be repeated stays the next step until it stops asking', async () => {
  let run = await runNextStep(pollFlow, createRun(pollFlow), env)
  run = await runNextStep(pollFlow, run, env)
  expect(run.next).toBe(1)
  run = await runNextStep(pollFlow, run, env)
  expect(run.next).toBe(1)
  expect(run.data.polls).toBe(2)
  run = await runNextStep(pollFlow, run, env)
  expect(run.next).toBe(2)
  expect(isFinished(pollFlow, run)).toBe(true)
})
