import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import type { Keys, SigningAlgorithm, SigningKey, Store } from './deps'

const keysKind = 'keys'
const keysId = 'signing'

const algorithms: readonly SigningAlgorithm[] = ['ES256', 'RS256']

async function generateSigningKey(alg: SigningAlgorithm): Promise<SigningKey> {
  // The private key never leaves WebCrypto; the public half is always exportable.
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: false,
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

/**
 * Signing keys made on first use and kept in the store (CryptoKeys, even non-extractable ones,
 * structured-clone into IndexedDB). Concurrent first calls on one instance share one generation;
 * a second instance that finds keys in the store uses those instead of making its own.
 */
export function createStoredKeys(store: Store): Keys {
  let pending: Promise<SigningKey[]> | undefined
  const load = async (): Promise<SigningKey[]> => {
    const existing = await store.get<SigningKey[]>(keysKind, keysId)
    if (existing && existing.length > 0) return existing
    const generated = await Promise.all(algorithms.map(generateSigningKey))
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
