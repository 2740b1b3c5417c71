import { expect, test } from 'vitest'
import { driveAuthorization } from '../mock-as/core/test-server.ts'
import { createRun, type FlowRun, recordReturn } from './flow-runner.ts'
import { resultOf, setUpFlow } from './flow-test-support.ts'
import { parFlow, readServerPage } from './par.ts'

// The whole PAR walkthrough in Node: oauth4webapi (unmocked) pushes to the server core; the
// browser's part is driven through the server's pages.

const setUp = () => setUpFlow(parFlow, { serverClock: true })

function ok(run: FlowRun, stepId: string) {
  const result = resultOf(run, stepId)
  if (result.status !== 'ok') throw new Error(`${stepId}: ${result.message} ${result.detail ?? ''}`)
  return result
}

const value = (run: FlowRun, stepId: string, label: string | RegExp) =>
  ok(run, stepId).values?.find((shown) =>
    typeof label === 'string' ? shown.label === label : label.test(shown.label),
  )?.value

test('the PAR walkthrough: a plain request is refused, a pushed one signs in, and its request_uri works once and expires', async () => {
  const { t, step } = setUp()
  let run = createRun(parFlow, t.clock.now())
  for (let i = 0; i < 3; i++) run = await step(run)
  expect(value(run, 'discover', 'pushed_authorization_request_endpoint')).toBe(
    `${t.deps.issuer}/par`,
  )

  // The plain request: every parameter in the URL, refused straight back.
  const plainUrl = new URL(run.awaitingReturn?.url ?? '')
  expect(plainUrl.searchParams.get('code_challenge')).toBe(run.data.codeChallenge)
  const plain = await driveAuthorization(t.server, plainUrl.href)
  expect(plain.pages).toHaveLength(0)
  run = await step(recordReturn(run, plain.location ?? ''))
  expect(value(run, 'plain-refused', 'error')).toBe('invalid_request')
  expect(value(run, 'plain-refused', 'state')).toBe(run.data.plainState)

  run = await step(run)
  const push = ok(run, 'push')
  expect(
    push.exchanges.map((exchange) => [
      new URL(exchange.request.url).pathname,
      exchange.response.status,
    ]),
  ).toEqual([['/as/par', 201]])
  expect(push.exchanges[0]?.request.headers.authorization).toMatch(/^Basic /)
  expect(value(run, 'push', 'expires_in')).toBe('60 seconds')
  const short = new URL(value(run, 'push', /^Front-channel URL with PAR/) ?? '')
  expect([...short.searchParams.keys()]).toEqual(['client_id', 'request_uri'])
  expect(short.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/)
  const long = value(run, 'push', /^The URL it replaces/) ?? ''
  expect(long.length).toBeGreaterThan(short.href.length)

  run = await step(run)
  expect(run.awaitingReturn?.url).toBe(short.href)
  const signIn = await driveAuthorization(t.server, short.href)
  expect(signIn.pages[0]).toContain('name="password"')
  run = recordReturn(run, signIn.location ?? '')
  run = await step(run)
  run = await step(run)
  expect(ok(run, 'token').tokens?.[0]).toMatchObject({ label: 'ID token', signature: 'verified' })

  run = await step(run)
  expect(value(run, 'reuse', 'Answer')).toMatch(
    /^400 invalid_request: request_uri is unknown or was already used/,
  )

  // Expiry: pushed and kept; the step is repeated after expires_in + 1 seconds.
  run = await step(run)
  const pushedAgain = ok(run, 'expire')
  expect(pushedAgain.repeat?.afterSeconds).toBe(61)
  expect(run.next).toBe(parFlow.steps.length - 1)
  t.clock.advance(61_000)
  run = await step(run)
  expect(ok(run, 'expire').summary).toMatch(
    /^61 seconds after the push, the server refused the request_uri as expired/,
  )
  expect(value(run, 'expire', 'Answer')).toMatch(/^400 invalid_request: request_uri has expired/)
  expect(run.next).toBe(parFlow.steps.length)
})

test('using the kept request_uri early shows it still works, spends it, and the step pushes a new one', async () => {
  const { t, step } = setUp()
  let run = createRun(parFlow, t.clock.now())
  while (parFlow.steps[run.next]?.id !== 'expire') {
    run = await step(run)
    if (run.awaitingReturn) {
      const driven = await driveAuthorization(t.server, run.awaitingReturn.url)
      run = recordReturn(run, driven.location ?? '')
    }
  }
  run = await step(run)
  const expiringUrl = (r: FlowRun) => (r.data.expiring as { url?: string } | undefined)?.url
  const firstUrl = expiringUrl(run)
  t.clock.advance(5_000)
  run = await step(run)
  expect(ok(run, 'expire').summary).toMatch(
    /^Still valid 55 seconds before it expires: the server accepted it/,
  )
  expect(run.data.expiring).toBeUndefined()
  run = await step(run)
  expect(expiringUrl(run)).not.toBe(firstUrl)
  expect(ok(run, 'expire').repeat?.afterSeconds).toBe(61)
})

test('the reuse step fails when a server accepts a used request_uri', async () => {
  const { t, step } = setUpFlow(parFlow, {
    // An attacker-friendly server: it answers every authorization request with its sign-in page.
    intercept: async (request, response) =>
      new URL(request.url).pathname.endsWith('/authorize') &&
      request.method === 'GET' &&
      response.status === 400
        ? new Response('<form><input name="password"></form>', {
            status: 200,
            headers: { 'content-type': 'text/html' },
          })
        : response,
  })
  let run = createRun(parFlow)
  while (parFlow.steps[run.next]?.id !== 'reuse') {
    run = await step(run)
    if (run.awaitingReturn) {
      const driven = await driveAuthorization(t.server, run.awaitingReturn.url)
      run = recordReturn(run, driven.location ?? '')
    }
  }
  run = await step(run)
  expect(resultOf(run, 'reuse')).toMatchObject({
    status: 'error',
    message: expect.stringMatching(/answered a used request_uri with the sign-in page/),
  })
})

test('readServerPage reads the error code and description of the server’s page, unescaped', () => {
  expect(
    readServerPage(
      '<p class="error" role="alert"><code>invalid_request</code>: it&#39;s &quot;used&quot; &amp; gone</p>',
    ),
  ).toEqual({ error: 'invalid_request', description: 'it\'s "used" & gone', signIn: false })
  expect(readServerPage('<input id="password" name="password">')).toEqual({ signIn: true })
})
