// The DPoP and FAPI 2.0 walkthroughs keep their key pair in IndexedDB.
import 'fake-indexeddb/auto'
import { decodeJwt } from 'jose'
import { expect, test } from 'vitest'
import { driveAuthenticationDevice } from '../mock-as/core/test-authentication-device.ts'
import { driveDeviceVerification } from '../mock-as/core/test-device-verification.ts'
import {
  createTestAuthorizationServer,
  driveAuthorization,
  type TestAuthorizationServer,
} from '../mock-as/core/test-server.ts'
import { redactedMarker } from '../mock-as/redaction.ts'
import { createTestDemoHost } from '../mock-as/test-demo-host.ts'
import { dropExpiredSecrets, runStorageKey } from '../walkthrough/saved-runs.ts'
import { allFlows, findFlow } from './all-flows.ts'
import type { Flow } from './flow-model.ts'
import { createRun, type FlowRun, recordReturn, runNextStep } from './flow-runner.ts'
import { setUpFlow } from './flow-test-support.ts'
import { readStoredRun, secretsLifetimeMs, storableRun, withoutSecrets } from './run-secrets.ts'

/*
 * Every walkthrough, run to its end against the server core. The test notes every credential
 * and token that crossed the wire on its own (a plain reading of the requests and responses, not
 * the redaction code), then checks that the run without secrets holds none of them, while its
 * history (steps, outcomes, requests, token claims) is still there.
 */

const credentialFields = [
  'password',
  'client_secret',
  'client_assertion',
  'assertion',
  'code_verifier',
  'subject_token',
  'actor_token',
  'refresh_token',
  'token',
  'device_code',
  'auth_req_id',
]
const tokenFields = [
  'access_token',
  'id_token',
  'refresh_token',
  'device_code',
  'auth_req_id',
  'client_secret',
  'registration_access_token',
]

interface Wire {
  secrets: Set<string>
}

function noteJwtParts(wire: Wire, value: string) {
  wire.secrets.add(value)
  const parts = value.split('.')
  if (parts.length === 3 && parts[2]) wire.secrets.add(parts[2])
}

/** Wraps the server so that every credential sent and every token answered is noted. */
function watchWire(t: TestAuthorizationServer): Wire {
  const wire: Wire = { secrets: new Set(['alice-password']) }
  const handle = t.server.handle.bind(t.server)
  t.server.handle = async (request: Request) => {
    const body = request.method === 'GET' ? '' : await request.clone().text()
    const sent = new URLSearchParams(body)
    for (const field of credentialFields) {
      const value = sent.get(field)
      if (value) noteJwtParts(wire, value)
    }
    const authorization = request.headers.get('authorization')
    if (authorization) {
      const credential = authorization.split(' ')[1] ?? ''
      noteJwtParts(wire, credential)
      if (/^basic$/i.test(authorization.split(' ')[0] ?? '')) {
        const secret = atob(credential).split(':')[1] ?? ''
        wire.secrets.add(secret)
        wire.secrets.add(decodeURIComponent(secret))
      }
    }
    const response = await handle(request)
    const location = response.headers.get('location') ?? ''
    const params = new URLSearchParams(location.split('#')[1] ?? '')
    for (const field of tokenFields) {
      const value = params.get(field)
      if (value) noteJwtParts(wire, value)
    }
    if (response.headers.get('content-type')?.includes('json')) {
      const answer = (await response.clone().json()) as Record<string, unknown>
      for (const field of tokenFields) {
        const value = answer[field]
        if (typeof value === 'string') noteJwtParts(wire, value)
      }
    }
    return response
  }
  return wire
}

/** Runs a flow to its end as the browser and the learner would: sign-in, consent, phone. */
async function runWholeFlow(flow: Flow) {
  // The worker's host, as in the browser: the server core plus the demo client's back-channel
  // route (the logout walkthrough reads what it received) and the demo agent's metadata document
  // (the MCP walkthrough), with the browser's session.
  const t = createTestDemoHost({ sessionMode: 'this-browser' })
  const wire = watchWire(t)
  const { step } = setUpFlow(flow, { t, serverClock: true })
  let run = createRun(flow, t.clock.now())
  let phoneDone = false
  for (let guard = 0; run.next < flow.steps.length && guard < 40; guard++) {
    if (run.awaitingReturn) {
      const driven = await driveAuthorization(t.server, run.awaitingReturn.url)
      run = recordReturn(run, driven.location ?? '', t.clock.now())
      continue
    }
    const stepId = flow.steps[run.next]?.id ?? ''
    run = await step(run)
    const result = run.records[stepId]?.result
    if (result?.status === 'error') throw new Error(`${flow.id} ${stepId}: ${result.message}`)
    if (result?.status === 'ok' && result.repeat) {
      // The device flow's and CIBA's polling; the PAR walkthrough's wait for a request_uri to expire.
      if (!phoneDone && (run.data.authReqId || run.data.verificationUriComplete !== undefined)) {
        // The second device: the device flow's verification page, or CIBA's authentication device.
        if (run.data.authReqId) await driveAuthenticationDevice(t.server, t.deps.issuer)
        else await driveDeviceVerification(t.server, String(run.data.verificationUriComplete))
        phoneDone = true
      }
      t.clock.advance(result.repeat.afterSeconds * 1000)
    }
  }
  expect(run.next).toBe(flow.steps.length)
  // Private keys never cross the wire; they sit in the flow's data.
  for (const key of [run.data.privateJwk].filter(Boolean) as { d?: string }[]) {
    if (key.d) wire.secrets.add(key.d)
  }
  // The password walkthrough's guesses for bob are its own fixed text, shown as labels.
  for (const guess of ['123456', 'password', 'bob', 'qwerty', 'letmein', 'bob-password']) {
    wire.secrets.delete(guess)
  }
  return { run, secrets: [...wire.secrets].filter((secret) => secret.length >= 8) }
}

test.each(allFlows.map((flow) => [flow.id, flow] as const))(
  '%s: the run without secrets holds no credential, key or token, and still tells what happened',
  async (_id, flow) => {
    const { run, secrets } = await runWholeFlow(flow)
    const before = JSON.stringify(run)
    // The check can fail: the finished run really holds secrets until they are dropped.
    expect(secrets.filter((secret) => before.includes(secret)).length).toBeGreaterThan(0)

    const dropped = withoutSecrets(run, 'finished', 123)
    const after = JSON.stringify(dropped)
    expect(secrets.filter((secret) => after.includes(secret))).toEqual([])
    expect(dropped.data).toEqual({})
    expect(dropped.secretsDropped).toEqual({ at: 123, reason: 'finished' })

    // The history: every step, its outcome and summary, its requests, the tokens' claims.
    expect(Object.keys(dropped.records)).toEqual(Object.keys(run.records))
    for (const [stepId, record] of Object.entries(run.records)) {
      const kept = dropped.records[stepId]
      expect(kept?.result.status).toBe(record.result.status)
      expect(kept?.result.exchanges.map((exchange) => exchange.request.url.split('?')[0])).toEqual(
        record.result.exchanges.map((exchange) => exchange.request.url.split('?')[0]),
      )
      expect(kept?.result.exchanges.map((exchange) => exchange.response.status)).toEqual(
        record.result.exchanges.map((exchange) => exchange.response.status),
      )
      if (record.result.status !== 'ok' || kept?.result.status !== 'ok') continue
      expect(kept.result.summary.length).toBeGreaterThan(0)
      expect(kept.result.values?.map((value) => value.label)).toEqual(
        record.result.values?.map((value) => value.label),
      )
      expect(kept.result.destination).toBeUndefined()
      for (const [index, token] of (record.result.tokens ?? []).entries()) {
        const stored = kept.result.tokens?.[index]
        expect(stored?.label).toBe(token.label)
        expect(stored?.value).toContain(redactedMarker)
        if (token.value.split('.').length === 3 && stored?.value !== redactedMarker) {
          const readable = String(stored?.value).replace(redactedMarker, 'x')
          expect(decodeJwt(readable)).toEqual(decodeJwt(token.value))
        }
      }
    }
    expect(withoutSecrets(dropped, 'finished', 456)).toBe(dropped)
  },
)

test('the authorization code walkthrough keeps the code, state and the address it came back to', async () => {
  const flow = findFlow('authorization-code') as Flow
  const { run } = await runWholeFlow(flow)
  const dropped = withoutSecrets(run, 'finished')
  expect(dropped.returned?.url).toBe(run.returned?.url)
  const callback = dropped.records.callback?.result
  const values = Object.fromEntries(
    (callback?.status === 'ok' ? (callback.values ?? []) : []).map((v) => [v.label, v.value]),
  )
  expect(values.code).toBe(run.data.code)
  expect(values.state).toBe(run.data.state)
  const token = dropped.records.token?.result
  const body = new URLSearchParams(token?.exchanges[0]?.request.body ?? '')
  expect(body.get('code')).toBe(run.data.code)
  expect(body.get('code_verifier')).toBe(redactedMarker)
})

test('the implicit walkthrough: the token in the address the browser came back to goes too', async () => {
  const flow = findFlow('implicit') as Flow
  const { run } = await runWholeFlow(flow)
  const accessToken = String(run.data.accessToken)
  expect(run.returned?.url).toContain(accessToken)
  const dropped = withoutSecrets(run, 'finished')
  expect(dropped.returned?.url).toMatch(/#access_token=ey[^.&]+\.ey[^.&]+\.\[redacted\]&/)
  expect(JSON.stringify(dropped)).not.toContain(accessToken.split('.')[2])
})

test('a run keeps its secrets while it needs them: until it is finished, or an hour after its last step', async () => {
  const flow = findFlow('authorization-code') as Flow
  const t = createTestAuthorizationServer()
  const { step } = setUpFlow(flow, { t })
  let run = createRun(flow)
  for (let i = 0; i < 3; i++) run = await step(run)
  expect(run.awaitingReturn).toBeDefined()
  const lastStep = Math.max(...Object.values(run.records).map((record) => record.finishedAt))
  // The browser is at the server: the verifier must survive the round trip.
  expect(storableRun(run, flow, lastStep + secretsLifetimeMs - 1)).toBe(run)
  const expired = storableRun(run, flow, lastStep + secretsLifetimeMs)
  expect(expired.secretsDropped?.reason).toBe('expired')
  expect(expired.awaitingReturn).toBeUndefined()
  expect(JSON.stringify(expired)).not.toContain(String(run.data.codeVerifier))
  // An expired run is read, not resumed: the next step refuses without a request.
  let requests = 0
  const resumed = await runNextStep(flow, expired, {
    transport: async (request) => {
      requests++
      return t.server.handle(request)
    },
    appOrigin: 'http://127.0.0.1:4173',
  })
  expect(requests).toBe(0)
  expect(resumed.next).toBe(expired.next)
  const refused = resumed.records[flow.steps[expired.next]?.id ?? '']?.result
  expect(refused).toMatchObject({ status: 'error', message: expect.stringMatching(/Start over/) })
})

class MemoryStorage implements Storage {
  private items = new Map<string, string>()
  get length() {
    return this.items.size
  }
  clear() {
    this.items.clear()
  }
  getItem(key: string) {
    return this.items.get(key) ?? null
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null
  }
  removeItem(key: string) {
    this.items.delete(key)
  }
  setItem(key: string, value: string) {
    this.items.set(key, value)
  }
}

test('the sweep drops the secrets of saved runs idle for an hour, and touches nothing else', async () => {
  const flow = findFlow('client-credentials') as Flow
  const { step } = setUpFlow(flow)
  let run: FlowRun = createRun(flow)
  for (let i = 0; i < 4; i++) run = await step(run, { choice: 'private_key_jwt' })
  const privateKey = (run.data.privateJwk as { d: string }).d
  const idle = { ...run, flowId: 'client-credentials' }
  const fresh = { ...run, flowId: 'other-flow' }
  const lastStep = Math.max(...Object.values(run.records).map((record) => record.finishedAt))
  const storage = new MemoryStorage()
  storage.setItem(runStorageKey('client-credentials'), JSON.stringify(idle))
  storage.setItem(
    runStorageKey('other-flow'),
    JSON.stringify({ ...fresh, startedAt: lastStep + secretsLifetimeMs }),
  )
  storage.setItem('grantlab.configuration', 'left alone')
  storage.setItem(runStorageKey('broken'), '{not json')

  expect(dropExpiredSecrets(storage, lastStep + secretsLifetimeMs - 1)).toBe(0)
  expect(storage.getItem(runStorageKey('client-credentials'))).toContain(privateKey)
  expect(dropExpiredSecrets(storage, lastStep + secretsLifetimeMs)).toBe(1)
  const swept = readStoredRun(storage.getItem(runStorageKey('client-credentials')))
  expect(swept?.secretsDropped?.reason).toBe('expired')
  expect(JSON.stringify(swept)).not.toContain(privateKey)
  expect(storage.getItem(runStorageKey('other-flow'))).toContain(privateKey)
  expect(storage.getItem('grantlab.configuration')).toBe('left alone')
  expect(storage.getItem(runStorageKey('broken'))).toBe('{not json')
})
