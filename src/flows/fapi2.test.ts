import 'fake-indexeddb/auto'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { expect, test } from 'vitest'
import { driveAuthorization, testIssuer } from '../mock-as/core/test-server.ts'
import { loadDpopKey } from './dpop-keys.ts'
import { fapi2Flow } from './fapi2.ts'
import { fapi2Requirements } from './fapi2-checklist.ts'
import type { StepResult } from './flow-model.ts'
import { createRun, recordReturn } from './flow-runner.ts'
import { resultOf, runRemainingSteps, setUpFlow } from './flow-test-support.ts'

// The FAPI 2.0 walkthrough in Node: oauth4webapi against the server core, every request real.

function ticks(result: StepResult): string[] {
  return (result.values ?? [])
    .filter((shown) => shown.label.startsWith('FAPI 2.0 §') && shown.value.startsWith('✓'))
    .map((shown) => shown.label)
}

/** Runs the steps up to `until`, following each navigation through the server's pages. */
async function runUntil(
  setup: ReturnType<typeof setUpFlow>,
  until: string,
  start = createRun(fapi2Flow),
) {
  let run = start
  while (fapi2Flow.steps[run.next]?.id !== until) {
    const id = fapi2Flow.steps[run.next]?.id ?? ''
    run = await setup.step(run)
    const result = resultOf(run, id)
    if (result.status === 'error') throw new Error(`${id}: ${result.message} ${result.detail}`)
    if (run.awaitingReturn) {
      const driven = await driveAuthorization(setup.t.server, run.awaitingReturn.url)
      run = recordReturn(run, driven.location ?? '')
    }
  }
  return run
}

async function untilBack(setup = setUpFlow(fapi2Flow)) {
  return { ...setup, run: await runUntil(setup, 'callback') }
}

test('the FAPI 2.0 walkthrough ticks each requirement from a real answer, and names what it cannot meet', async () => {
  const { step, run: back } = await untilBack()
  // The front channel carried only client_id and request_uri (RFC 9126 §4).
  const authorize = resultOf(back, 'authorize')
  const url = new URL(authorize.values?.[0]?.value ?? '')
  expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])
  const run = await runRemainingSteps(fapi2Flow, step, back)

  // Sent straight to /as/authorize, the request came back refused, without any sign-in page.
  const refused = resultOf(run, 'no-par-refused')
  expect(refused.status === 'ok' && refused.summary).toMatch(/invalid_request/)
  expect(new URL(refused.values?.[0]?.value ?? '').searchParams.get('error')).toBe(
    'invalid_request',
  )

  const register = resultOf(run, 'register')
  expect(register.exchanges[0]?.response.status).toBe(201)
  const registered = JSON.parse(register.exchanges[0]?.response.body ?? '{}')
  expect(registered).toMatchObject({
    token_endpoint_auth_method: 'private_key_jwt',
    require_pushed_authorization_requests: true,
    dpop_bound_access_tokens: true,
  })
  expect(registered.client_secret).toBeUndefined()

  const wrongAudience = resultOf(run, 'wrong-audience')
  expect(wrongAudience.exchanges.map((exchange) => exchange.response.status)).toEqual([400])
  const sentAud = decodeJwt(
    new URLSearchParams(wrongAudience.exchanges[0]?.request.body ?? '').get('client_assertion') ??
      '',
  ).aud
  expect(sentAud).toBe(`${testIssuer}/token`)

  const par = resultOf(run, 'par')
  // use_dpop_nonce first, then 201 with the nonce.
  expect(par.exchanges.map((exchange) => exchange.response.status)).toEqual([400, 201])
  const assertion = new URLSearchParams(par.exchanges[1]?.request.body ?? '').get(
    'client_assertion',
  )
  expect(decodeJwt(assertion ?? '').aud).toBe(testIssuer)
  expect(decodeProtectedHeader(par.exchanges[1]?.request.headers.dpop ?? '')).toMatchObject({
    typ: 'dpop+jwt',
  })

  const token = resultOf(run, 'token')
  if (token.status !== 'ok') throw new Error(token.message)
  expect(token.exchanges.map((exchange) => exchange.response.status)).toEqual([400, 200, 200])
  expect(JSON.parse(token.exchanges[0]?.response.body ?? '{}').error).toBe('invalid_grant')
  expect(token.tokens?.find((shown) => shown.label === 'ID token (ES256)')?.signature).toBe(
    'verified',
  )
  expect(decodeProtectedHeader(String(run.data.idToken)).alg).toBe('ES256')
  expect(decodeJwt(String(run.data.accessToken)).cnf).toEqual({ jkt: run.data.dpopJkt })

  const api = resultOf(run, 'call-api')
  expect(api.exchanges.map((exchange) => exchange.response.status)).toEqual([200, 401])

  // Every requirement without a reason it cannot be met here was ticked, by the step that showed it.
  const shown = [
    ...ticks(resultOf(run, 'discover')),
    ...ticks(refused),
    ...ticks(wrongAudience),
    ...ticks(par),
    ...ticks(resultOf(run, 'callback')),
    ...ticks(token),
    ...ticks(api),
  ]
  const checklist = resultOf(run, 'checklist')
  const meetable = fapi2Requirements.filter((entry) => !('notMetHere' in entry))
  expect(checklist.status === 'ok' && checklist.summary).toBe(
    `${meetable.length} requirements shown by this run, ${fapi2Requirements.length - meetable.length} not met by this local demo.`,
  )
  expect(shown).toHaveLength(meetable.length)
  const finalValues = checklist.values ?? []
  expect(finalValues.filter((entry) => entry.value.startsWith('✓'))).toHaveLength(meetable.length)
  const tls = finalValues.find((entry) => entry.label.startsWith('FAPI 2.0 §5.2.1'))
  expect(tls?.value).toMatch(/^✗ offers only TLS-protected endpoints/)
  expect(tls?.note).toMatch(/^Not met by this demo: .*no TLS/)
  expect(finalValues.every((entry) => entry.spec?.label.startsWith('FAPI 2.0 §'))).toBe(true)

  // The DPoP key is gone at the end.
  await expect(loadDpopKey(String(run.data.dpopKeyId))).rejects.toThrow(/gone/)
})

test('a server that accepted a token-endpoint audience would leave aud-issuer unticked and fail the step', async () => {
  // Play a lax server: the PAR refusal of the wrong audience is replaced by a success.
  const setup = setUpFlow(fapi2Flow, {
    intercept: async (request, response) => {
      const body = await request.clone().text()
      const aud = new URLSearchParams(body).get('client_assertion')
      if (request.url.endsWith('/as/par') && aud && decodeJwt(aud).aud !== testIssuer) {
        return new Response(
          JSON.stringify({ request_uri: 'urn:ietf:params:oauth:request_uri:lax', expires_in: 60 }),
          { status: 201, headers: { 'content-type': 'application/json' } },
        )
      }
      return response
    },
  })
  let run = await runUntil(setup, 'wrong-audience')
  run = await setup.step(run)
  const result = resultOf(run, 'wrong-audience')
  expect(result.status).toBe('error')
  expect((run.data.ticks as Record<string, unknown> | undefined)?.['aud-issuer']).toBeUndefined()
})

test('a checklist run without the earlier steps shows nothing ticked, only the limits of the demo', async () => {
  const setup = setUpFlow(fapi2Flow)
  const run = createRun(fapi2Flow)
  const last = fapi2Flow.steps.length - 1
  const result = await setup.step({ ...run, next: last })
  const checklist = resultOf(result, 'checklist')
  expect(checklist.values?.some((entry) => entry.value.startsWith('✓'))).toBe(false)
  expect(checklist.values?.filter((entry) => entry.value.startsWith('✗')).length).toBe(5)
})
