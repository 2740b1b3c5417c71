import { decodeJwt } from 'jose'
import { expect, test } from 'vitest'
import { createTestAuthorizationServer, testAppOrigin } from '../mock-as/core/test-server.ts'
import { createRun, type FlowRun, parseRun, runNextStep } from './flow-runner.ts'
import { tokenExchangeFlow } from './token-exchange.ts'

function resultOf(run: FlowRun, stepId: string) {
  const result = run.records[stepId]?.result
  if (!result) throw new Error(`step ${stepId} did not run`)
  return result
}

test('token exchange walkthrough: subject token, impersonation, actor token, delegation with act, invalid_target', async () => {
  const t = createTestAuthorizationServer()
  const env = {
    transport: (request: Request) => t.server.handle(request),
    appOrigin: testAppOrigin,
  }
  let run = createRun(tokenExchangeFlow)
  while (run.next < tokenExchangeFlow.steps.length) {
    const stepId = tokenExchangeFlow.steps[run.next]?.id ?? ''
    const next = await runNextStep(tokenExchangeFlow, run, env)
    run = parseRun(JSON.stringify(next), tokenExchangeFlow) ?? next
    const result = resultOf(run, stepId)
    if (result.status === 'error') throw new Error(`${stepId}: ${result.message} ${result.detail}`)
  }

  const subject = decodeJwt(String(run.data.subjectToken))
  expect(subject).toMatchObject({ sub: 'user-alice', aud: `${testAppOrigin}/api` })

  const impersonation = resultOf(run, 'impersonation')
  expect(impersonation.status === 'ok' && impersonation.tokenLayout).toBe('side-by-side')
  expect(impersonation.status === 'ok' && impersonation.values?.[0]?.value).toBe(
    'urn:ietf:params:oauth:token-type:access_token',
  )
  const impersonated = decodeJwt(String(run.data.impersonationToken))
  expect(impersonated).toMatchObject({
    sub: 'user-alice',
    aud: 'https://orders.grantlab.example',
    scope: 'orders:read',
    client_id: 'grantlab-exchanger',
  })
  expect(impersonated.act).toBeUndefined()

  const delegated = decodeJwt(String(run.data.delegationToken))
  expect(delegated).toMatchObject({ sub: 'user-alice', act: { sub: 'grantlab-exchanger' } })
  const delegation = resultOf(run, 'delegation')
  expect(delegation.status === 'ok' && delegation.tokens?.map((token) => token.label)).toEqual([
    'Impersonation token',
    'Delegation token',
  ])

  const refused = resultOf(run, 'unknown-audience')
  expect(refused.status === 'ok' && refused.values?.[0]?.value).toBe('invalid_target')
  expect(refused.exchanges.map((exchange) => exchange.response.status)).toEqual([400])
  // Every exchange authenticated the service with Basic, as a confidential client must.
  for (const stepId of ['impersonation', 'delegation', 'unknown-audience']) {
    const headers = resultOf(run, stepId).exchanges[0]?.request.headers ?? {}
    expect(JSON.stringify(headers)).toMatch(/Basic /)
  }
})
