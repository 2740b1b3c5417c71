import 'fake-indexeddb/auto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDB } from 'idb'
import { afterAll, describe, expect, test } from 'vitest'
import type { Store } from './core/deps.ts'
import { createMemoryStore } from './core/memory-store.ts'
import { createIndexedDbStore } from './indexeddb-store.ts'
import { type DiskStore, openDiskStore } from './node/disk-store.ts'

/**
 * The Store contract, run against every store: the memory store (Node, tests), the IndexedDB store
 * (fake-indexeddb here), on its own and batched as the service worker uses it (docs/decisions/131),
 * and the disk store (`npm run as -- --data`).
 */
let databaseCount = 0
const diskStores: DiskStore[] = []
const dataRoot = mkdtempSync(join(tmpdir(), 'grantlab-store-test-'))
afterAll(async () => {
  await Promise.all(diskStores.map((store) => store.close()))
  rmSync(dataRoot, { recursive: true, force: true })
})
const stores: Array<[string, () => Store]> = [
  ['memory', () => createMemoryStore()],
  ['IndexedDB', () => createIndexedDbStore(`grantlab-store-test-${++databaseCount}`)],
  [
    'IndexedDB, batched',
    () => createIndexedDbStore(`grantlab-store-test-${++databaseCount}`, { batched: true }),
  ],
  [
    'disk',
    () => {
      const store = openDiskStore(join(dataRoot, `store-${++databaseCount}`))
      diskStores.push(store)
      return store
    },
  ],
]

describe.each(stores)('%s store', (_name, freshStore) => {
  test('update reads, decides and writes atomically: 50 concurrent increments all count', async () => {
    const store = freshStore()
    await store.put('counters', 'c', { count: 0 })
    await Promise.all(
      Array.from({ length: 50 }, () =>
        store.update<{ count: number }>('counters', 'c', (current) => ({
          put: { count: (current?.count ?? 0) + 1 },
        })),
      ),
    )
    expect(await store.get('counters', 'c')).toEqual({ count: 50 })
  })

  test('of 20 concurrent consumers of one record, exactly one gets it', async () => {
    const store = freshStore()
    await store.put('pending', 'p1', { id: 'p1' })
    const taken = await Promise.all(
      Array.from({ length: 20 }, async () => {
        let mine: unknown
        await store.update<{ id: string }>('pending', 'p1', (current) => {
          mine = current
          return current ? { delete: true } : undefined
        })
        return mine
      }),
    )
    expect(taken.filter((value) => value !== undefined)).toEqual([{ id: 'p1' }])
    expect(await store.get('pending', 'p1')).toBeUndefined()
  })

  test('update that answers undefined leaves the record, and resolves to the stored value', async () => {
    const store = freshStore()
    await store.put('codes', 'a', { n: 1 }, { expiresAt: 100 })
    expect(await store.update('codes', 'a', () => undefined)).toEqual({ n: 1 })
    expect(await store.update('codes', 'missing', () => undefined)).toBeUndefined()
    // A put without options keeps the record's expiry: it is still purged at 100.
    await store.update<{ n: number }>('codes', 'a', (current) => ({
      put: { n: (current?.n ?? 0) + 1 },
    }))
    expect(await store.purgeExpired(100)).toBe(1)
    expect(await store.get('codes', 'a')).toBeUndefined()
  })

  test('purgeExpired removes exactly the records due, of every kind, and keeps the rest', async () => {
    const store = freshStore()
    await store.put('codes', 'old', 'o', { expiresAt: 10 })
    await store.put('tokens', 'due', 'd', { expiresAt: 20 })
    await store.put('tokens', 'later', 'l', { expiresAt: 21 })
    await store.put('clients', 'forever', 'f')
    // Rescheduled: the old expiry no longer applies.
    await store.put('codes', 'extended', 'e', { expiresAt: 5 })
    await store.put('codes', 'extended', 'e', { expiresAt: 500 })
    // Rewritten without an expiry: kept.
    await store.put('codes', 'kept', 'k', { expiresAt: 5 })
    await store.put('codes', 'kept', 'k')
    expect(await store.purgeExpired(20)).toBe(2)
    expect((await store.list<string>('codes')).sort()).toEqual(['e', 'k'])
    expect(await store.list<string>('tokens')).toEqual(['l'])
    expect(await store.get('clients', 'forever')).toBe('f')
    expect(await store.purgeExpired(20)).toBe(0)
  })

  test('listBy finds records by a secondary key, follows rewrites and deletes', async () => {
    const store = freshStore()
    await store.put('orders', 'o1', { id: 'o1' }, { indexes: { owner: 'alice' } })
    await store.put('orders', 'o2', { id: 'o2' }, { indexes: { owner: 'bob' } })
    await store.put('orders', 'o3', { id: 'o3' }, { indexes: { owner: 'alice' } })
    await store.put('other', 'o4', { id: 'o4' }, { indexes: { owner: 'alice' } })
    const ids = async (owner: string) =>
      (await store.listBy<{ id: string }>('orders', 'owner', owner)).map((order) => order.id).sort()
    expect(await ids('alice')).toEqual(['o1', 'o3'])
    await store.put('orders', 'o3', { id: 'o3' }, { indexes: { owner: 'bob' } })
    await store.delete('orders', 'o1')
    expect(await ids('alice')).toEqual([])
    expect(await ids('bob')).toEqual(['o2', 'o3'])
  })

  test('values are copies: changing what was read does not change the store', async () => {
    const store = freshStore()
    await store.put('codes', 'a', { used: false })
    const read = await store.get<{ used: boolean }>('codes', 'a')
    if (read) read.used = true
    expect(await store.get('codes', 'a')).toEqual({ used: false })
  })
})

test('IndexedDB: a version 1 database is upgraded and keeps its records', async () => {
  const name = `grantlab-store-test-${++databaseCount}`
  const legacy = await openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore('records')
    },
  })
  await legacy.put('records', { kid: 'k1' }, ['keys', 'signing'])
  legacy.close()
  const store = createIndexedDbStore(name)
  expect(await store.get('keys', 'signing')).toEqual({ kid: 'k1' })
  await store.put('codes', 'c', 'x', { expiresAt: 1 })
  expect(await store.purgeExpired(1)).toBe(1)
  expect(await store.get('keys', 'signing')).toEqual({ kid: 'k1' })
})
