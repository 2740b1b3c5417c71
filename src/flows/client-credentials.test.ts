import { decodeJwt, decodeProtectedHeader } from 'jose'
import { expect, test } from 'vitest'
import { testIssuer } from '../mock-as/core/test-server.ts'
import {
  type ClientAuthVariant,
  clientCredentialsFlow,
  formUrlEncode,
} from './client-credentials.ts'
import { createRun, type FlowRun } from './flow-runner.ts'
import { setUpFlow } from './flow-test-support.ts'

async function runAll(variant: ClientAuthVariant) {
  const { step } = setUpFlow(clientCredentialsFlow)
  let run: FlowRun = createRun(clientCredentialsFlow)
  while (run.next < clientCredentialsFlow.steps.length) {
    const stepId = clientCredentialsFlow.steps[run.next]?.id ?? ''
    run = await step(run, { choice: variant })
    const result = run.records[stepId]?.result
    if (result?.status !== 'ok') throw new Error(`${stepId}: ${JSON.stringify(result)}`)
  }
  const result = (stepId: string) => {
    const found = run.records[stepId]?.result
    if (found?.status !== 'ok') throw new Error(`step ${stepId} did not succeed`)
    return found
  }
  return { run, result }
}

test('form-urlencoding before Basic escapes everything but letters and digits, as oauth4webapi does', () => {
  expect(formUrlEncode('grantlab-m2m')).toBe('grantlab%2Dm2m')
  expect(formUrlEncode("a b.c_d!e~f*g'h(i)j")).toBe('a+b%2Ec%5Fd%21e%7Ef%2Ag%27h%28i%29j')
  expect(formUrlEncode('é:')).toBe('%C3%A9%3A')
})

test('client_secret_basic: the header the flow builds is the one oauth4webapi sends; no refresh token; the API answers; openid is refused', async () => {
  const { run, result } = await runAll('client_secret_basic')
  expect(run.data.variant).toBe('client_secret_basic')
  expect(result('credentials').exchanges).toEqual([])
  const token = result('token')
  const values = Object.fromEntries((token.values ?? []).map((value) => [value.label, value]))
  expect(values['Authorization header sent']?.value).toBe(
    `Basic ${btoa('grantlab%2Dm2m:grantlab%2Dm2m%2Dsecret')}`,
  )
  expect(values['Base64-decoded']?.note).toMatch(/^Exactly/)
  expect(values.refresh_token?.value).toBe('none')
  expect(token.tokens?.map((shown) => shown.label)).toEqual(['Access token'])
  expect(decodeJwt(token.tokens?.[0]?.value ?? '').sub).toBe('grantlab-m2m')
  expect(result('call-api').values?.[0]?.label).toBe('API answer from /api/orders')
  const refused = result('user-scope')
  expect(refused.summary).toMatch(/400 invalid_scope/)
  expect(refused.exchanges.map((exchange) => exchange.response.status)).toEqual([400])
})

test('private_key_jwt: registers a public key, sends a signed client assertion, gets a token without refresh token', async () => {
  const { run, result } = await runAll('private_key_jwt')
  expect(run.data.variant).toBe('private_key_jwt')
  const credentials = result('credentials')
  const [registration] = credentials.exchanges
  expect(registration?.request.url).toBe(`${testIssuer}/register`)
  expect(registration?.response.status).toBe(201)
  const sent = JSON.parse(registration?.request.body ?? '{}')
  expect(sent).toMatchObject({
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: ['client_credentials'],
  })
  expect(sent.jwks.keys).toHaveLength(1)
  expect(sent.jwks.keys[0].d).toBeUndefined()
  const clientId = String(run.data.clientId)
  expect(clientId).toMatch(/^client-/)

  const token = result('token')
  const assertion = token.tokens?.find((shown) => shown.label.startsWith('Client assertion'))
  const claims = decodeJwt(assertion?.value ?? '')
  expect(claims).toMatchObject({ iss: clientId, sub: clientId, aud: testIssuer })
  expect(typeof claims.jti).toBe('string')
  expect(decodeProtectedHeader(assertion?.value ?? '')).toMatchObject({
    alg: 'ES256',
    kid: run.data.kid,
  })
  const body = new URLSearchParams(token.exchanges[0]?.request.body ?? '')
  expect(body.get('client_assertion_type')).toBe(
    'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  )
  expect(token.exchanges[0]?.request.headers.authorization).toBeUndefined()
  expect(token.values?.find((value) => value.label === 'refresh_token')?.value).toBe('none')
  expect(decodeJwt(token.tokens?.at(-1)?.value ?? '').sub).toBe(clientId)
  expect(result('call-api').status).toBe('ok')
  expect(result('user-scope').summary).toMatch(/invalid_scope/)
})
