import { decodeJwt } from 'jose'
import { expect, test } from 'vitest'
import { testAppOrigin } from '../mock-as/core/test-server.ts'
import { createRun } from './flow-runner.ts'
import { resultOf, runRemainingSteps, setUpFlow } from './flow-test-support.ts'
import { tokenExchangeFlow } from './token-exchange.ts'

test('token exchange walkthrough: subject token, impersonation, actor token, delegation with act, invalid_target', async () => {
  const { step } = setUpFlow(tokenExchangeFlow)
  const run = await runRemainingSteps(tokenExchangeFlow, step, createRun(tokenExchangeFlow))

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
