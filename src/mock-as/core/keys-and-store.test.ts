import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose'
import { expect, test } from 'vitest'
import { createStoredKeys } from './keys'
import { createMemoryStore } from './memory-store'

test('the memory store clones values in and out, like IndexedDB', async () => {
  const store = createMemoryStore()
  const value = { list: [1, 2] }
  await store.put('things', 'a', value)
  value.list.push(3)
  const read = await store.get<typeof value>('things', 'a')
  expect(read).toEqual({ list: [1, 2] })
  read?.list.push(4)
  expect(await store.get('things', 'a')).toEqual({ list: [1, 2] })
  expect(await store.list('things')).toEqual([{ list: [1, 2] }])
  await store.delete('things', 'a')
  expect(await store.get('things', 'a')).toBeUndefined()
  expect(await store.list('nothing')).toEqual([])
})

test('two concurrent first calls generate the keys once, and a second instance reuses the stored keys', async () => {
  const store = createMemoryStore()
  const keys = createStoredKeys(store)
  const [first, second] = await Promise.all([keys.signingKeys(), keys.signingKeys()])
  expect(first).toBe(second)
  expect(first.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256'])
  expect(first.every((key) => key.privateKey.extractable === false)).toBe(true)
  expect(first.every((key) => key.publicJwk.kid === key.kid)).toBe(true)
  const reloaded = await createStoredKeys(store).signingKeys()
  expect(reloaded.map((key) => key.kid)).toEqual(first.map((key) => key.kid))
  const rsa = first.find((key) => key.alg === 'RS256')
  expect(rsa?.privateKey.algorithm).toMatchObject({ modulusLength: 2048 })
})

test('jwk format: the keys are kept as plain JSON, and a fresh instance signs with the same keys', async () => {
  const store = createMemoryStore()
  const first = await createStoredKeys(store, { format: 'jwk' }).signingKeys()
  const [stored] = await store.list<unknown>('keys')
  // Plain data all the way down: what a store that writes to disk can keep.
  expect(JSON.parse(JSON.stringify(stored))).toEqual(stored)
  const second = await createStoredKeys(store, { format: 'jwk' }).signingKeys()
  expect(second.map((key) => key.kid)).toEqual(first.map((key) => key.kid))
  expect(second.every((key) => key.privateKey.extractable === false)).toBe(true)
  const rsa = second.find((key) => key.alg === 'RS256')
  const rsaBefore = first.find((key) => key.alg === 'RS256')
  if (!rsa || !rsaBefore) throw new Error('no RS256 key')
  const jwt = await new SignJWT({ sub: 'x' })
    .setProtectedHeader({ alg: 'RS256', kid: rsa.kid })
    .sign(rsa.privateKey)
  await expect(
    jwtVerify(jwt, createLocalJWKSet({ keys: [rsaBefore.publicJwk] })),
  ).resolves.toBeTruthy()
})
