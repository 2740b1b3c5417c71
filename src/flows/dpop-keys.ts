/**
 * The DPoP key pairs the walkthroughs make (RFC 9449 §2, §11.4). The private key is made
 * non-extractable: no script, this page's included, can read it out of the browser; it can only
 * sign with it. Flow data must be JSON, which a non-extractable key cannot become, so the key pair
 * is kept in IndexedDB (CryptoKeys structured-clone there, unreadable still) under an id the run
 * saves, and survives the trip to the authorization server and a reload. A key is deleted by the
 * walkthrough's last step, and any key unused for a run's secrets lifetime is purged whenever the
 * store is opened (docs/decisions/103).
 */
import { type IDBPDatabase, openDB } from 'idb'
import { calculateJwkThumbprint } from 'jose'
import * as oauth from 'oauth4webapi'
import { secretsLifetimeMs } from './run-secrets.ts'

const databaseName = 'grantlab-dpop-keys'
const storeName = 'keys'

interface StoredKey {
  id: string
  keyPair: CryptoKeyPair
  createdAt: number
  /** When a step last signed with it: a key unused for a run's secrets lifetime is purged. */
  usedAt?: number
}

/** What a run keeps about its key: JSON only, nothing secret. */
export interface DpopKeyInfo {
  keyId: string
  /** The public key as a JWK (what every proof's header carries). */
  publicJwk: { [member: string]: string }
  /** Its RFC 7638 SHA-256 thumbprint (the `jkt` of RFC 9449 §6.1). */
  jkt: string
}

let database: Promise<IDBPDatabase> | undefined

function open(): Promise<IDBPDatabase> {
  if (typeof indexedDB === 'undefined') {
    throw new Error('This browser has no IndexedDB, where the walkthrough keeps its DPoP key.')
  }
  database ??= openDB(databaseName, 1, {
    upgrade(db) {
      db.createObjectStore(storeName, { keyPath: 'id' })
    },
  }).then(async (db) => {
    const cutoff = Date.now() - secretsLifetimeMs
    for (const stored of (await db.getAll(storeName)) as StoredKey[]) {
      if ((stored.usedAt ?? stored.createdAt) < cutoff) await db.delete(storeName, stored.id)
    }
    return db
  })
  return database
}

/**
 * Makes an ES256 key pair whose private key cannot be exported, keeps it, and returns what the
 * run may save about it. oauth4webapi's own generator makes it; `DPoP()` needs only the public
 * key to be exportable, which it always is.
 */
export async function createDpopKey(): Promise<DpopKeyInfo> {
  const keyPair = await oauth.generateKeyPair('ES256', { extractable: false })
  const exported = await crypto.subtle.exportKey('jwk', keyPair.publicKey)
  const publicJwk = {
    kty: String(exported.kty),
    crv: String(exported.crv),
    x: String(exported.x),
    y: String(exported.y),
  }
  const id = crypto.randomUUID()
  const db = await open()
  await db.put(storeName, { id, keyPair, createdAt: Date.now() } satisfies StoredKey)
  const jkt = await calculateJwkThumbprint(publicJwk, 'sha256')
  return { keyId: id, publicJwk, jkt }
}

/** The key pair saved under `keyId`, or an error a learner can act on. */
export async function loadDpopKey(keyId: string): Promise<CryptoKeyPair> {
  const db = await open()
  const stored = (await db.get(storeName, keyId)) as StoredKey | undefined
  if (!stored) {
    throw new Error(
      'The DPoP key pair of this run is gone (deleted, or this browser’s site data was cleared). Start over to make a new one.',
    )
  }
  await db.put(storeName, { ...stored, usedAt: Date.now() } satisfies StoredKey)
  return stored.keyPair
}

export async function deleteDpopKey(keyId: string): Promise<void> {
  await (await open()).delete(storeName, keyId)
}

/** Whether the private key really cannot be read out: the point of making it non-extractable. */
export async function privateKeyIsExtractable(keyId: string): Promise<boolean> {
  return (await loadDpopKey(keyId)).privateKey.extractable
}
