import 'fake-indexeddb/auto'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { createIndexedDbStore } from './indexeddb-store.ts'

let databaseCount = 0
const freshStore = () => createIndexedDbStore(`grantlab-test-${++databaseCount}`)

test('a record put under a kind and id comes back, and is gone once deleted', async () => {
  const store = freshStore()
  await store.put('codes', 'abc', { clientId: 'grantlab-spa', expiresAt: 5 })
  expect(await store.get('codes', 'abc')).toEqual({ clientId: 'grantlab-spa', expiresAt: 5 })
  await store.delete('codes', 'abc')
  expect(await store.get('codes', 'abc')).toBeUndefined()
})

test('list returns every record of one kind and none of the neighbouring kinds', async () => {
  const store = freshStore()
  await store.put('code', 'x', 'not me')
  await store.put('codes', '', 'empty id')
  await store.put('codes', 'b', 'second')
  await store.put('codes', '\uffff\uffff', 'high id')
  await store.put('codesx', 'a', 'not me either')
  expect((await store.list<string>('codes')).sort()).toEqual(['empty id', 'high id', 'second'])
  expect(await store.list('nothing')).toEqual([])
})

test('a second store on the same database sees what the first wrote (a restarted worker)', async () => {
  const name = `grantlab-test-${++databaseCount}`
  await createIndexedDbStore(name).put('refresh_tokens', 'rt1', { family: 'f1', used: false })
  const afterRestart = createIndexedDbStore(name)
  expect(await afterRestart.get('refresh_tokens', 'rt1')).toEqual({ family: 'f1', used: false })
})

test('CryptoKeys survive the structured clone into IndexedDB', async () => {
  const store = freshStore()
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])
  await store.put('keys', 'k1', { privateKey: pair.privateKey })
  const back = await store.get<{ privateKey: CryptoKey }>('keys', 'k1')
  expect(back?.privateKey.type).toBe('private')
})

/**
 * The service worker's mode (docs/decisions/131): one commit per request, reads from a cache.
 * A second store on the same database stands for the worker after a restart.
 */
describe('batched store', () => {
  const batched = () => {
    const name = `grantlab-batched-${++databaseCount}`
    return { name, store: createIndexedDbStore(name, { batched: true }) }
  }
  afterEach(() => {
    vi.restoreAllMocks()
  })

  test("a request's writes reach the database at its flush, all in one readwrite transaction", async () => {
    const { name, store } = batched()
    await store.put('grants', 'g1', { scope: 'openid' }, { expiresAt: 100 })
    await store.flush()
    const transactions = vi.spyOn(IDBDatabase.prototype, 'transaction')
    const unit = store.begin()
    await store.put('access-tokens', 't1', { jti: 't1' }, { expiresAt: 50 })
    await store.update<{ scope: string; until?: number }>('grants', 'g1', (grant) =>
      grant ? { put: { ...grant, until: 50 } } : undefined,
    )
    await store.delete('codes', 'c1')
    // The same store sees its writes at once; the database has none of them yet.
    expect(await store.get('access-tokens', 't1')).toEqual({ jti: 't1' })
    expect(await createIndexedDbStore(name).get('access-tokens', 't1')).toBeUndefined()
    transactions.mockClear()
    await store.flush(unit)
    expect(transactions.mock.calls.map((call) => call[1])).toEqual(['readwrite'])
    const afterRestart = createIndexedDbStore(name)
    expect(await afterRestart.get('access-tokens', 't1')).toEqual({ jti: 't1' })
    expect(await afterRestart.get('grants', 'g1')).toEqual({ scope: 'openid', until: 50 })
    // The update kept the grant's expiry: a purge at 100 removes it.
    expect(await afterRestart.purgeExpired(100)).toBe(2)
  })

  test('a record read once is served from memory, and a changed copy changes nothing stored', async () => {
    const { store } = batched()
    await store.put('clients', 'spa', { redirect_uris: ['https://a.example/cb'] })
    await store.flush()
    const transactions = vi.spyOn(IDBDatabase.prototype, 'transaction')
    const first = await store.get<{ redirect_uris: string[] }>('clients', 'spa')
    first?.redirect_uris.push('https://evil.example/cb')
    expect(await store.get('clients', 'spa')).toEqual({ redirect_uris: ['https://a.example/cb'] })
    expect(await store.get('clients', 'unknown')).toBeUndefined()
    expect(await store.get('clients', 'unknown')).toBeUndefined()
    // Only the first read of the unknown client went to the database.
    expect(transactions).toHaveBeenCalledTimes(1)
  })

  test('listBy and purgeExpired see the writes not yet flushed; a purged record leaves the cache', async () => {
    const { name, store } = batched()
    await store.put(
      'sessions',
      's1',
      { sub: 'alice' },
      { indexes: { sub: 'alice' }, expiresAt: 10 },
    )
    expect(await store.listBy('sessions', 'sub', 'alice')).toEqual([{ sub: 'alice' }])
    expect(await store.get('sessions', 's1')).toEqual({ sub: 'alice' })
    expect(await store.purgeExpired(10)).toBe(1)
    expect(await store.get('sessions', 's1')).toBeUndefined()
    expect(await createIndexedDbStore(name).get('sessions', 's1')).toBeUndefined()
  })

  test('a failed commit fails every unit of work it may have held, and the cache forgets it', async () => {
    const { name, store } = batched()
    await store.put('codes', 'kept', { n: 1 })
    await store.flush()
    const unitA = store.begin()
    const unitB = store.begin()
    await store.put('codes', 'lost', { n: 2 })
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementationOnce(() => {
      throw new DOMException('The disk is full.', 'QuotaExceededError')
    })
    await expect(store.flush(unitA)).rejects.toThrow()
    // B's writes could have been in that commit: B must not answer as if they were stored.
    await expect(store.flush(unitB)).rejects.toThrow()
    expect(await store.get('codes', 'lost')).toBeUndefined()
    expect(await store.get('codes', 'kept')).toEqual({ n: 1 })
    // A unit begun after the failure commits normally.
    const unitC = store.begin()
    await store.put('codes', 'later', { n: 3 })
    await store.flush(unitC)
    expect(await createIndexedDbStore(name).get('codes', 'later')).toEqual({ n: 3 })
  })
})
