import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import type { Keys, SigningAlgorithm, SigningKey, Store } from './deps'

const keysKind = 'keys'
const keysId = 'signing'
/** The same keys as JWKs, private parts included: for stores that write to disk. */
const jwkKeysId = 'signing-jwk'

const algorithms: readonly SigningAlgorithm[] = ['ES256', 'RS256']

async function generateSigningKey(alg: SigningAlgorithm, extractable = false): Promise<SigningKey> {
  // The private key never leaves WebCrypto; the public half is always exportable.
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable,
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
  })
  const jwk = await exportJWK(publicKey)
  // The RFC 7638 thumbprint is unique per key and stable, which makes a good `kid`.
  const kid = await calculateJwkThumbprint(jwk)
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { ...(jwk as JsonWebKey), kid, alg, use: 'sig' },
  }
}

/** A signing key as a store that writes to disk keeps it: plain JSON, the private JWK included. */
interface StoredJwkKey {
  kid: string
  alg: SigningAlgorithm
  privateJwk: JWK
  publicJwk: SigningKey['publicJwk']
}

async function fromStoredJwk(stored: StoredJwkKey): Promise<SigningKey> {
  // Imported back as a non-extractable CryptoKey: from here on it is used, never read.
  const privateKey = await importJWK(stored.privateJwk, stored.alg, { extractable: false })
  if (!(privateKey instanceof CryptoKey)) throw new Error('A signing key did not import.')
  return { kid: stored.kid, alg: stored.alg, privateKey, publicJwk: stored.publicJwk }
}

async function generateStoredJwk(alg: SigningAlgorithm): Promise<StoredJwkKey> {
  const key = await generateSigningKey(alg, true)
  const privateJwk = await exportJWK(key.privateKey)
  return { kid: key.kid, alg, privateJwk, publicJwk: key.publicJwk }
}

/**
 * Signing keys made on first use and kept in the store. `crypto-key` (the default): as
 * CryptoKeys, even non-extractable ones, which structured-clone into IndexedDB and the memory
 * store. `jwk`: as JWKs, for a store that writes plain data to disk (`npm run as -- --data`), so the
 * keys survive a restart; there the private keys are in the data directory, which must be kept
 * private (docs/decisions/115). Concurrent first calls on one instance share one generation; a
 * second instance that finds keys in the store uses those instead of making its own.
 */
export function createStoredKeys(
  store: Store,
  options: { format?: 'crypto-key' | 'jwk' } = {},
): Keys {
  let pending: Promise<SigningKey[]> | undefined
  const loadJwk = async (): Promise<SigningKey[]> => {
    let stored = await store.get<StoredJwkKey[]>(keysKind, jwkKeysId)
    if (!stored || stored.length === 0) {
      const generated = await Promise.all(algorithms.map((alg) => generateStoredJwk(alg)))
      // Atomic: of two instances generating at once, the first to write wins for both.
      stored = await store.update<StoredJwkKey[]>(keysKind, jwkKeysId, (current) =>
        current && current.length > 0 ? undefined : { put: generated },
      )
    }
    return Promise.all((stored ?? []).map(fromStoredJwk))
  }
  const load = async (): Promise<SigningKey[]> => {
    if (options.format === 'jwk') return loadJwk()
    const existing = await store.get<SigningKey[]>(keysKind, keysId)
    if (existing && existing.length > 0) return existing
    const generated = await Promise.all(algorithms.map((alg) => generateSigningKey(alg)))
    // Another instance may have finished first while we were generating: keep its keys.
    const raced = await store.get<SigningKey[]>(keysKind, keysId)
    if (raced && raced.length > 0) return raced
    await store.put(keysKind, keysId, generated)
    return generated
  }
  return {
    signingKeys() {
      if (!pending) {
        pending = load().catch((error: unknown) => {
          pending = undefined
          throw error
        })
      }
      return pending
    },
  }
}

/** The key for one algorithm. */
export async function signingKeyFor(keys: Keys, alg: SigningAlgorithm): Promise<SigningKey> {
  const key = (await keys.signingKeys()).find((candidate) => candidate.alg === alg)
  if (!key) throw new Error(`No ${alg} signing key is configured.`)
  return key
}
