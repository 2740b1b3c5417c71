import 'fake-indexeddb/auto'
import { afterEach, expect, test, vi } from 'vitest'
import { secretsLifetimeMs } from './run-secrets.ts'

// The key store opens once per page load, and then purges keys nobody signed with for a run's
// secrets lifetime; each "page load" here is a fresh import of the module.
async function freshStore() {
  vi.resetModules()
  return import('./dpop-keys.ts')
}

afterEach(() => {
  vi.restoreAllMocks()
})

test('the private key cannot be exported, and the run gets only the public key and its thumbprint', async () => {
  const store = await freshStore()
  const key = await store.createDpopKey()
  expect(Object.keys(key.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y'])
  expect(key.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/)
  const { privateKey } = await store.loadDpopKey(key.keyId)
  expect(privateKey.extractable).toBe(false)
  await expect(crypto.subtle.exportKey('jwk', privateKey)).rejects.toThrow()
})

test('a key unused for a run’s secrets lifetime is purged at the next page load; a used one stays', async () => {
  const start = Date.now()
  const first = await freshStore()
  const stale = await first.createDpopKey()
  const used = await first.createDpopKey()
  vi.spyOn(Date, 'now').mockReturnValue(start + secretsLifetimeMs - 1000)
  await first.loadDpopKey(used.keyId)

  vi.spyOn(Date, 'now').mockReturnValue(start + secretsLifetimeMs + 1000)
  const later = await freshStore()
  await expect(later.loadDpopKey(stale.keyId)).rejects.toThrow(/is gone/)
  expect((await later.loadDpopKey(used.keyId)).privateKey.type).toBe('private')
})
