import { createLocalJWKSet, jwtVerify } from 'jose'
import { expect, test } from 'vitest'
import { signJwt } from '../core/jws'
import { createStoredKeys } from '../core/keys'
import { createMemoryStore } from '../core/memory-store'
import { createNodeSigner } from './signer'

test.each([
  ['crypto-key', 'ES256'],
  ['crypto-key', 'RS256'],
  ['jwk', 'ES256'],
  ['jwk', 'RS256'],
] as const)(
  'node:crypto signs with the %s store’s non-extractable %s key, and WebCrypto verifies it',
  async (format, alg) => {
    const keys = await createStoredKeys(createMemoryStore(), { format }).signingKeys()
    const key = keys.find((candidate) => candidate.alg === alg)
    if (!key) throw new Error(`no ${alg} key`)
    expect(key.privateKey.extractable).toBe(false)
    const signer = createNodeSigner()
    const claims = { iss: 'https://as.example/as', sub: 'alice', iat: 1, exp: 4_000_000_000 }
    const jwks = createLocalJWKSet({ keys: keys.map((candidate) => candidate.publicJwk) })
    // Twice: the second time from the cached KeyObject.
    for (const sub of ['alice', 'bob']) {
      const token = await signJwt({ signer }, key, 'JWT', { ...claims, sub })
      const { payload } = await jwtVerify(token, jwks, { algorithms: [alg] })
      expect(payload.sub).toBe(sub)
    }
  },
)
