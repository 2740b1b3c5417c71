import 'fake-indexeddb/auto'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { expect, test } from 'vitest'
import { driveAuthorization, testAppOrigin } from '../mock-as/core/test-server.ts'
import { dpopFlow } from './dpop.ts'
import { loadDpopKey } from './dpop-keys.ts'
import type { StepResult } from './flow-model.ts'
import { createRun, recordReturn } from './flow-runner.ts'
import { resultOf, runRemainingSteps, setUpFlow } from './flow-test-support.ts'

// The whole DPoP walkthrough in Node: oauth4webapi's DPoP handle against the server core, the
// key pair in (fake) IndexedDB, the run saved and reloaded between steps.

function value(result: StepResult, label: string): string | undefined {
  return result.values?.find((shown) => shown.label === label)?.value
}

async function untilBack() {
  const setup = setUpFlow(dpopFlow)
  let run = createRun(dpopFlow)
  for (let i = 0; i < 3; i++) run = await setup.step(run)
  const away = new URL(run.awaitingReturn?.url ?? '')
  expect(away.searchParams.get('dpop_jkt')).toBe(run.data.dpopJkt)
  expect(away.searchParams.get('client_id')).toBe('grantlab-dpop')
  const driven = await driveAuthorization(setup.t.server, away.href)
  expect(driven.location).toMatch(/\/walkthrough\/dpop\/callback\?/)
  return { ...setup, run: recordReturn(run, driven.location ?? '') }
}

test('the DPoP walkthrough: non-extractable key, nonce retry, bound tokens, two thefts refused, refresh, key deleted', async () => {
  const { step, run: back } = await untilBack()
  // The key pair made in the make-key step: its private key cannot be exported.
  const keyId = String(back.data.dpopKeyId)
  expect((await loadDpopKey(keyId)).privateKey.extractable).toBe(false)
  expect(JSON.stringify(back.data)).not.toMatch(/"d":/)
  const run = await runRemainingSteps(dpopFlow, step, back)

  const token = resultOf(run, 'token')
  if (token.status !== 'ok') throw new Error(token.message)
  // The first token request was refused with use_dpop_nonce, the retry carried the nonce.
  expect(token.exchanges.map((exchange) => exchange.response.status).slice(0, 2)).toEqual([
    400, 200,
  ])
  const nonce = token.exchanges[0]?.response.headers['dpop-nonce']
  expect(nonce).toBeTruthy()
  expect(value(token, 'First answer')).toBe('400 use_dpop_nonce')
  expect(value(token, 'DPoP-Nonce header')).toBe(nonce)
  const [first, retry] = token.tokens ?? []
  expect(first?.label).toBe('DPoP proof, first try (no nonce)')
  expect(decodeJwt(first?.value ?? '').nonce).toBeUndefined()
  expect(retry?.label).toBe('DPoP proof, retry (with the server’s nonce)')
  expect(decodeJwt(retry?.value ?? '')).toMatchObject({
    htm: 'POST',
    htu: `${testAppOrigin}/as/token`,
    nonce,
  })
  expect(decodeProtectedHeader(retry?.value ?? '')).toMatchObject({
    typ: 'dpop+jwt',
    alg: 'ES256',
    jwk: run.data.dpopPublicJwk,
  })
  expect(first?.signature).toBe('verified')
  expect(value(token, 'token_type')).toBe('dpop')
  expect(value(token, 'cnf.jkt in the access token')).toBe(run.data.dpopJkt)
  expect(value(token, 'Thumbprint of this page’s public key, computed here')).toBe(run.data.dpopJkt)
  expect(value(token, 'Binding')).toMatch(/^✓/)
  expect(token.tokens?.find((shown) => shown.label === 'ID token')?.signature).toBe('verified')

  const api = resultOf(run, 'call-api')
  expect(api.status).toBe('ok')
  // The saved nonce went into the API call's proof: no second challenge was needed.
  expect(api.exchanges.map((exchange) => exchange.response.status)).toEqual([200])
  expect(api.exchanges[0]?.request.headers.authorization).toMatch(/^DPoP /)
  expect(value(api, 'ath in the proof')).toBe(
    value(api, 'base64url(SHA-256(access token)), computed here'),
  )
  expect(JSON.parse(value(api, 'API answer from /api/profile') ?? '{}')).toMatchObject({
    sub: 'user-alice',
  })

  const bearer = resultOf(run, 'steal-bearer')
  expect(bearer.status === 'ok' && bearer.summary).toMatch(/401 invalid_token/)
  expect(value(bearer, 'WWW-Authenticate')).toMatch(
    /^Bearer realm="grantlab-api", error="invalid_token".*DPoP algs=/,
  )
  expect(bearer.exchanges[0]?.request.headers.dpop).toBeUndefined()

  const otherKey = resultOf(run, 'steal-other-key')
  expect(otherKey.status === 'ok' && otherKey.summary).toMatch(/401 invalid_token/)
  expect(value(otherKey, 'Server answer')).toMatch(/another key than the one the access token/)
  expect(value(otherKey, 'Thumbprint of the attacker’s key')).not.toBe(run.data.dpopJkt)

  const refresh = resultOf(run, 'refresh')
  expect(refresh.status === 'ok' && refresh.summary).toMatch(/thief was refused \(invalid_grant\)/)
  expect(value(refresh, 'token_type of the new tokens')).toBe('dpop')
  expect(decodeJwt(String(run.data.accessToken)).cnf).toEqual({ jkt: run.data.dpopJkt })

  expect(resultOf(run, 'forget-key').status).toBe('ok')
  await expect(loadDpopKey(keyId)).rejects.toThrow(/gone/)
})

test('a forged token response that is not bound to the key is refused by the walkthrough', async () => {
  // The server's answer replaced with a bearer token of the same client: the client notices.
  const setup = setUpFlow(dpopFlow, {
    intercept: async (request, response) => {
      if (!request.url.endsWith('/as/token') || response.status !== 200) return response
      const body = await response.clone().json()
      return new Response(JSON.stringify({ ...body, token_type: 'Bearer' }), {
        status: 200,
        headers: response.headers,
      })
    },
  })
  let run = createRun(dpopFlow)
  for (let i = 0; i < 3; i++) run = await setup.step(run)
  const driven = await driveAuthorization(setup.t.server, run.awaitingReturn?.url ?? '')
  run = await setup.step(recordReturn(run, driven.location ?? ''))
  run = await setup.step(run)
  const token = resultOf(run, 'token')
  expect(token.status).toBe('error')
  expect(run.data.accessToken).toBeUndefined()
})

test('a run whose key pair was deleted says so instead of failing obscurely', async () => {
  const { step, run: back } = await untilBack()
  const { deleteDpopKey } = await import('./dpop-keys.ts')
  await deleteDpopKey(String(back.data.dpopKeyId))
  const run = await step(await step(back))
  const token = resultOf(run, 'token')
  expect(token).toMatchObject({
    status: 'error',
    message: expect.stringMatching(/key pair .* is gone/),
  })
})
