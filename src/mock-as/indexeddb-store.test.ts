import 'fake-indexeddb/auto'
import { expect, test } from 'vitest'
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
