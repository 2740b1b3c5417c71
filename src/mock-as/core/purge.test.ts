import { expect, test } from 'vitest'
import type { Store } from './deps'
import { createMemoryStore } from './memory-store'
import {
  createTestAuthorizationServer,
  driveAuthorization,
  type TestAuthorizationServer,
} from './test-server'
import { authorizeUrl, basic, callApi, obtainTokens, postForm } from './test-support'

/** A store that counts how often `list` (which reads every record of a kind) is called. */
function countingStore(): { store: Store; lists: string[] } {
  const inner = createMemoryStore()
  const lists: string[] = []
  return {
    lists,
    store: {
      ...inner,
      list<T>(kind: string) {
        lists.push(kind)
        return inner.list<T>(kind)
      },
    },
  }
}

async function m2mToken(t: TestAuthorizationServer, scope = 'orders:read orders:write') {
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', scope },
    { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
  )
  return ((await response.json()) as { access_token: string }).access_token
}

const recordKinds = [
  'access-tokens',
  'refresh-tokens',
  'grants',
  'authorization-codes',
  'pending-authorizations',
  'login-sessions',
  'device-codes',
  'device-user-codes',
  'device-verifications',
  'pushed-authorization-requests',
  'client-assertion-jtis',
  'password-attempts',
]

async function countRecords(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const kind of recordKinds) counts[kind] = (await store.list(kind)).length
  return counts
}

test('expired codes, tokens, grants, pending requests, device codes, sessions and counters are purged', async () => {
  const { store } = countingStore()
  const t = createTestAuthorizationServer({ store })
  await obtainTokens(t)
  // Client-credentials tokens leave no record (docs/decisions/141) until they are revoked: the
  // revocations' records must go once the tokens expire.
  for (let index = 0; index < 5; index += 1) {
    const token = await m2mToken(t)
    if (index < 2) {
      const revoked = await postForm(
        t,
        '/revoke',
        { token },
        { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
      )
      expect(revoked.status).toBe(200)
    }
  }
  await get(t, await authorizeUrl(t, { state: 'left-waiting' }))
  await postForm(t, '/device_authorization', { client_id: 'grantlab-device', scope: 'openid' })
  await postForm(t, '/par', { client_id: 'grantlab-spa', response_type: 'code', scope: 'openid' })
  await driveAuthorization(t.server, await authorizeUrl(t), { password: 'wrong' })
  const before = await countRecords(store)
  expect(before['access-tokens']).toBe(3)
  expect(before.grants).toBe(1)
  expect(before['pending-authorizations']).toBe(2)
  expect(before['login-sessions']).toBe(1)
  expect(before['device-codes']).toBe(1)
  expect(before['password-attempts']).toBe(1)

  // A day and more later, the first request purges on its way; nothing is left of any kind.
  t.clock.advance(25 * 60 * 60 * 1000)
  await get(t, `${t.deps.issuer}/.well-known/openid-configuration`)
  expect(Object.values(await countRecords(store)).every((count) => count === 0)).toBe(true)
})

test('a purge keeps what is still in use: a live refresh token and its grant, and a used code within its tokens’ lifetime', async () => {
  const t = createTestAuthorizationServer()
  const { tokens, code } = await obtainTokens(t)
  t.clock.advance(60 * 60 * 1000)
  expect(await t.server.purgeExpired()).toBeGreaterThan(0)
  const refreshed = await postForm(t, '/token', {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token,
    client_id: 'grantlab-spa',
  })
  expect(refreshed.status).toBe(200)
  const { access_token } = (await refreshed.json()) as { access_token: string }
  // The code was redeemed an hour ago: a replay still revokes what it issued.
  const replay = await postForm(t, '/token', {
    grant_type: 'authorization_code',
    code,
    client_id: 'grantlab-spa',
  })
  expect(replay.status).toBe(400)
  expect((await callApi(t, '/api/profile', access_token)).status).toBe(401)
})

test('no request reads every record of a kind: orders come through the owner index', async () => {
  const { store, lists } = countingStore()
  const t = createTestAuthorizationServer({ store })
  const { tokens } = await obtainTokens(t)
  const service = await m2mToken(t)
  for (let index = 0; index < 3; index += 1) {
    await callApi(t, '/api/orders', service, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: `Crate ${index}` }),
    })
  }
  await callApi(t, '/api/orders', tokens.access_token)
  await callApi(t, '/api/orders', service)
  await postForm(t, '/device_authorization', { client_id: 'grantlab-device', scope: 'openid' })
  await get(t, `${t.deps.issuer}/device`)
  expect(lists).toEqual([])
})

test('a client-credentials token lists only the orders its own service placed, never a user’s', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const service = await m2mToken(t)
  const before = (await (await callApi(t, '/api/orders', service)).json()) as {
    orders: Array<{ owner: string; item: string }>
  }
  expect(before.orders).toEqual([])
  await callApi(t, '/api/orders', service, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ item: 'Pallet' }),
  })
  const after = (await (await callApi(t, '/api/orders', service)).json()) as {
    orders: Array<{ owner: string; item: string }>
  }
  expect(after.orders.map((order) => [order.owner, order.item])).toEqual([
    ['grantlab-m2m', 'Pallet'],
  ])
  // alice's token sees alice's orders, not the service's.
  const alice = (await (await callApi(t, '/api/orders', tokens.access_token)).json()) as {
    orders: Array<{ owner: string }>
  }
  expect(alice.orders.length).toBeGreaterThan(0)
  expect(alice.orders.every((order) => order.owner === 'user-alice')).toBe(true)
})

function get(t: TestAuthorizationServer, url: string) {
  return t.server.handle(new Request(url))
}
