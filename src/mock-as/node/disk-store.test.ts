import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open } from 'lmdb'
import { afterAll, expect, test, vi } from 'vitest'
import { createStoredKeys } from '../core/keys.ts'
import { DataDirError, type DiskStore, dataFileName, openDiskStore } from './disk-store.ts'

// Opening a data file starts a check process; with the whole suite running that takes a while.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

/**
 * What only the disk store has to get right (the Store contract itself runs in store.test.ts):
 * records, expiries and indexes survive closing and reopening; keys of any length and content;
 * plain data only; and a damaged or foreign data file is refused with a clear error instead of
 * crashing the process.
 */
const root = mkdtempSync(join(tmpdir(), 'grantlab-disk-store-'))
let count = 0
const opened: DiskStore[] = []
const freshDir = () => join(root, `dir-${++count}`)
function openStore(dir: string): DiskStore {
  const store = openDiskStore(dir)
  opened.push(store)
  return store
}
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close().catch(() => undefined)))
  rmSync(root, { recursive: true, force: true })
})

test('records, their expiries and their indexes survive closing and reopening', async () => {
  const dir = freshDir()
  const first = openDiskStore(dir)
  await first.put('tokens', 't1', { scope: 'openid' }, { expiresAt: 100 })
  await first.put('tokens', 't2', { scope: 'profile' }, { expiresAt: 200 })
  await first.put('orders', 'o1', { id: 'o1' }, { indexes: { owner: 'alice' } })
  await first.update<{ n: number }>('counters', 'c', (current) => ({
    put: { n: (current?.n ?? 0) + 1 },
  }))
  await first.close()

  const second = openStore(dir)
  expect(await second.get('tokens', 't1')).toEqual({ scope: 'openid' })
  expect(await second.listBy('orders', 'owner', 'alice')).toEqual([{ id: 'o1' }])
  expect(await second.get('counters', 'c')).toEqual({ n: 1 })
  expect(await second.purgeExpired(150)).toBe(1)
  expect(await second.get('tokens', 't1')).toBeUndefined()
  expect(await second.get('tokens', 't2')).toEqual({ scope: 'profile' })
})

test('signing keys kept as JWKs on disk are the same keys after a restart', async () => {
  const dir = freshDir()
  const first = openDiskStore(dir)
  const before = await createStoredKeys(first, { format: 'jwk' }).signingKeys()
  await first.close()
  const after = await createStoredKeys(openStore(dir), { format: 'jwk' }).signingKeys()
  expect(after.map((key) => key.kid)).toEqual(before.map((key) => key.kid))
})

test('a CryptoKey (or any class instance) is refused, not silently written as {}', async () => {
  const store = openStore(freshDir())
  await expect(createStoredKeys(store).signingKeys()).rejects.toThrow(/plain data only/)
  await expect(store.put('things', 'd', { when: new Map() })).rejects.toThrow(/Map/)
  expect(await store.list('keys')).toEqual([])
})

test('ids of any length and content are kept apart: long ones, separators, percent signs', async () => {
  const store = openStore(freshDir())
  const long = 'j'.repeat(10_000)
  const ids = [long, `${long}x`, 'a\u0000b', 'a', 'a%00b', 'a b/c?d', '\u00e9\u{1F511}']
  for (const [index, id] of ids.entries()) {
    await store.put('jtis', id, { index }, { expiresAt: 10 + index, indexes: { owner: id } })
  }
  for (const [index, id] of ids.entries()) {
    expect(await store.get('jtis', id)).toEqual({ index })
    expect(await store.listBy('jtis', 'owner', id)).toEqual([{ index }])
  }
  expect(await store.list('jtis')).toHaveLength(ids.length)
  expect(await store.purgeExpired(10 + ids.length)).toBe(ids.length)
})

test('a data file of random bytes is refused with a clear error, the process lives, and the file is left as it was', () => {
  const dir = freshDir()
  mkdirSync(dir)
  const file = join(dir, dataFileName)
  writeFileSync(file, createHash('sha512').update('not lmdb').digest().toString('hex').repeat(80))
  const before = readFileSync(file)
  expect(() => openDiskStore(dir)).toThrow(DataDirError)
  expect(() => openDiskStore(dir)).toThrow(/damaged or is not a Grantlab data store/)
  expect(readFileSync(file).equals(before)).toBe(true)
})

test('a record that no longer decodes is found when the store opens, not on some later request', async () => {
  const dir = freshDir()
  const store = openDiskStore(dir)
  await store.put('clients', 'c1', { client_id: 'c1' })
  await store.close()
  // Overwrite the record with bytes that are not MessagePack (0xc1 is never used).
  const env = open({ path: join(dir, dataFileName), noSubdir: true, maxDbs: 8 })
  const raw = env.openDB('records', { encoding: 'binary' })
  for (const { key } of raw.getRange()) raw.putSync(key, Buffer.from([0xc1, 0xc1]))
  await env.close()
  expect(() => openDiskStore(dir)).toThrow(/damaged/)
})

test('an LMDB file with records this server did not write is refused', async () => {
  const dir = freshDir()
  mkdirSync(dir)
  const env = open({ path: join(dir, dataFileName), noSubdir: true, maxDbs: 8 })
  env.openDB('records', { encoding: 'msgpack' }).putSync('someone', { else: true })
  await env.close()
  expect(() => openDiskStore(dir)).toThrow(/did not write/)
})

test('a path that is a file, not a directory, is refused', () => {
  const file = join(root, `plain-file-${++count}`)
  writeFileSync(file, 'x')
  expect(() => openDiskStore(file)).toThrow(/is not a directory/)
})
