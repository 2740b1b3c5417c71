/**
 * `npm run bench` (second part): does the mock server's state stay bounded, and do requests stay
 * fast when the store is large? Measured, not asserted (docs/decisions/072).
 *   1. Node heap and RSS after 50,000 client_credentials token requests against the core with an
 *      in-memory store, the clock moving one second per request (about 14 hours of use), so
 *      tokens expire along the way and the purge has something to do.
 *   2. `GET /api/orders` for alice while the store holds 20,000 orders placed by a service.
 * Runs against whatever core it is given, so the same script measures the code before a change.
 * Run with `node --expose-gc` (as `npm run bench` does) for heap figures after a full GC.
 */
import {
  createTestAuthorizationServer,
  driveAuthorization,
} from '../src/mock-as/core/test-server.ts'

const basic = `Basic ${btoa('grantlab-m2m:grantlab-m2m-secret')}`
const gc = (globalThis as { gc?: () => void }).gc

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

function memory(): { heap: number; rss: number } {
  gc?.()
  const usage = process.memoryUsage()
  return { heap: usage.heapUsed, rss: usage.rss }
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

async function tokenRequests(count: number): Promise<void> {
  const t = createTestAuthorizationServer()
  const token = () =>
    t.server.handle(
      new Request(`${t.deps.issuer}/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=orders%3Aread',
      }),
    )
  await token()
  const before = memory()
  const started = performance.now()
  for (let index = 0; index < count; index += 1) {
    t.clock.advance(1000)
    const response = await token()
    if (response.status !== 200) throw new Error(`token request failed: ${response.status}`)
  }
  const seconds = (performance.now() - started) / 1000
  const after = memory()
  const records = (await t.deps.store.list('access-tokens')).length
  console.log(
    `${count} token requests (${seconds.toFixed(1)} s): heap ${megabytes(before.heap)} → ${megabytes(after.heap)} (+${megabytes(after.heap - before.heap)}), RSS ${megabytes(before.rss)} → ${megabytes(after.rss)} (+${megabytes(after.rss - before.rss)}); access-token records kept: ${records}${gc ? '' : ' (no --expose-gc: heap figures include garbage)'}`,
  )
}

async function ordersLatency(orderCount: number): Promise<void> {
  const t = createTestAuthorizationServer()
  const driven = await driveAuthorization(
    t.server,
    `${t.deps.issuer}/authorize?${new URLSearchParams({
      client_id: 'grantlab-web',
      redirect_uri: `${t.deps.appOrigin}/walkthrough/authorization-code/callback`,
      response_type: 'code',
      scope: 'orders:read',
      state: 's',
    })}`,
  )
  const code = new URL(driven.location ?? 'x:/').searchParams.get('code') ?? ''
  const aliceToken = (
    (await (
      await t.server.handle(
        new Request(`${t.deps.issuer}/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${btoa('grantlab-web:grantlab-web-secret')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            redirect_uri: `${t.deps.appOrigin}/walkthrough/authorization-code/callback`,
          }),
        }),
      )
    ).json()) as { access_token: string }
  ).access_token
  const service = (
    (await (
      await t.server.handle(
        new Request(`${t.deps.issuer}/token`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&scope=orders%3Aread%20orders%3Awrite',
        }),
      )
    ).json()) as { access_token: string }
  ).access_token
  const list = async () => {
    const started = performance.now()
    const response = await t.server.handle(
      new Request(`${t.deps.appOrigin}/api/orders`, {
        headers: { authorization: `Bearer ${aliceToken}` },
      }),
    )
    if (response.status !== 200) throw new Error(`orders failed: ${response.status}`)
    await response.arrayBuffer()
    return performance.now() - started
  }
  const samples = async () => {
    for (let index = 0; index < 5; index += 1) await list()
    const taken: number[] = []
    for (let index = 0; index < 50; index += 1) taken.push(await list())
    return median(taken)
  }
  const empty = await samples()
  for (let index = 0; index < orderCount; index += 1) {
    await t.server.handle(
      new Request(`${t.deps.appOrigin}/api/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${service}`, 'content-type': 'application/json' },
        body: JSON.stringify({ item: `Crate ${index}` }),
      }),
    )
  }
  const full = await samples()
  console.log(
    `GET /api/orders as alice: median ${empty.toFixed(2)} ms with no extra orders, ${full.toFixed(2)} ms with ${orderCount} orders of a service in the store`,
  )
}

await tokenRequests(50_000)
await ordersLatency(20_000)
