/**
 * What the authorization server core needs from its host. Everything that is not pure — state,
 * time, randomness, keys — comes in here, so the same core runs in the service worker
 * (IndexedDB, real clock) and in Node or Vitest (a Map, a fixed clock).
 */

import type { CorsPolicy } from './cors'
import type { Directory } from './directory'
import type { Faults } from './faults'
import type { JwsSigner } from './jws'

/**
 * What a store keeps beside a record's value, so that it can drop and find records without
 * reading them all.
 */
export interface RecordOptions {
  /**
   * Seconds since the epoch from which the record is of no use: `purgeExpired(now)` removes it
   * once `expiresAt <= now`. A record without one is kept until it is deleted.
   */
  expiresAt?: number
  /** Secondary keys to find the record by with `listBy`, e.g. `{ owner: 'user-alice' }`. */
  indexes?: Record<string, string>
}

/**
 * What `update` does with a record: store a new value (with new options, or, when `options` is
 * left out, the ones the record had), delete it, or leave it as it is (`undefined`).
 */
export type StoreChange<T> = { put: T; options?: RecordOptions } | { delete: true } | undefined

/**
 * A key-value store of structured-cloneable records, grouped by kind ("codes", "tokens", …).
 * The browser may stop the service worker at any moment, so the core keeps no state of its
 * own in memory: every record it needs later goes through this interface.
 *
 * Every operation is atomic on its own. `update` is the read-modify-write: the `change` function
 * is called with the current value and its answer is written in the same transaction, so no other
 * write to that record can land in between (one IndexedDB transaction; one synchronous step in
 * memory). `change` must therefore be synchronous and must not call the store. An adapter that
 * later groups a whole request into one transaction, or keeps the records on disk, implements
 * these same operations.
 */
export interface Store {
  get<T>(kind: string, id: string): Promise<T | undefined>
  put<T>(kind: string, id: string, value: T, options?: RecordOptions): Promise<void>
  delete(kind: string, id: string): Promise<void>
  /** Reads, decides and writes one record atomically; resolves to the value stored afterwards. */
  update<T>(
    kind: string,
    id: string,
    change: (current: T | undefined) => StoreChange<T>,
  ): Promise<T | undefined>
  /** The records of one kind whose `indexes[index]` is `value`, read through an index. */
  listBy<T>(kind: string, index: string, value: string): Promise<T[]>
  /**
   * Every record of one kind. It reads them all, so no request handler may call it: it is for
   * tests and tools.
   */
  list<T>(kind: string): Promise<T[]>
  /** Removes every record whose `expiresAt` is at or before `nowSeconds`; resolves to how many. */
  purgeExpired(nowSeconds: number): Promise<number>
}

/** Milliseconds since the Unix epoch. */
export interface Clock {
  now(): number
}

/** Cryptographically strong random bytes (crypto.getRandomValues in every host). */
export interface Random {
  bytes(length: number): Uint8Array
}

export type SigningAlgorithm = 'ES256' | 'RS256'

/** A signing key: the private CryptoKey and the public JWK published at /as/jwks. */
export interface SigningKey {
  kid: string
  alg: SigningAlgorithm
  privateKey: CryptoKey
  publicJwk: JsonWebKey & { kid: string; alg: SigningAlgorithm; use: 'sig' }
}

/** Where the signing keys come from (made on first start and kept in the store). */
export interface Keys {
  signingKeys(): Promise<SigningKey[]>
}

export interface AuthorizationServerDeps {
  /** The issuer identifier, byte-identical everywhere (metadata, `iss` parameter, token `iss`). */
  issuer: string
  /** The origin of the Grantlab app, used for the demo clients' redirect URIs. */
  appOrigin: string
  store: Store
  clock: Clock
  random: Random
  keys: Keys
  /**
   * How the server's JWTs are signed with its keys. Left out: WebCrypto's `crypto.subtle.sign`
   * (the service worker). Node passes node:crypto's, which costs half as much (jws.ts).
   */
  signer?: JwsSigner
  /**
   * How the login session is found again. `cookie` (the default) reads the session cookie, as
   * any server does. A service worker cannot use it: browsers drop `Set-Cookie` from responses a
   * worker builds. But a worker serves exactly one browser profile, so `this-browser` keeps the
   * session as one store record for the whole browser — what the cookie would have meant.
   */
  sessionMode?: 'cookie' | 'this-browser'
  /**
   * How the server sends its own requests to clients: the back-channel logout POSTs (OpenID
   * Connect Back-Channel Logout 1.0 §2.5). The core builds the request and reads the status; the
   * host sends it (Node: fetch; the service worker: to the demo client's route it serves, since a
   * worker's own fetch never reaches its own fetch handler). It must settle within a few seconds
   * (the hosts bound it with a timeout) and may reject: a failed delivery never fails a logout.
   * Without it no logout token is sent.
   */
  deliver?: (request: Request) => Promise<Response>
  /**
   * The users and clients set up before the server started. Left out: the demo users and clients
   * (what the service worker and `npm run as` without a configuration file serve).
   */
  directory?: Directory
  /** Token, code and session lifetimes in seconds, where a configuration changes them. */
  lifetimes?: Partial<ConfigurableLifetimes>
  /**
   * Which other origins may call the server's API endpoints from a browser (CORS). Left out: none,
   * and no CORS headers at all; the service worker serves the app's own origin and needs none
   * (docs/decisions/116).
   */
  cors?: CorsPolicy
  /** Errors a test asked for (`injectError` of the Node API); left out everywhere else. */
  faults?: Faults
  /**
   * How `client_id` URLs are resolved (Client ID Metadata Documents, docs/decisions/122). Without
   * it the server does not support them and says so in its metadata.
   */
  clientMetadataDocuments?: ClientMetadataDocumentPolicy
}

/** The lifetimes a configuration may set, in seconds. */
export interface ConfigurableLifetimes {
  accessToken: number
  idToken: number
  refreshToken: number
  authorizationCode: number
  loginSession: number
}

/**
 * Where and how the server may fetch a client's metadata document. The core checks the URL, the
 * size, the time, the status and the content; the host's `fetch` makes the request and, in Node,
 * refuses names that resolve to private addresses (the core has no DNS).
 */
export interface ClientMetadataDocumentPolicy {
  /**
   * Fetches a document. It must not follow redirects (`redirect: 'manual'` or the equivalent) and
   * should stop when `signal` aborts.
   */
  fetch(
    url: string,
    init: { signal: AbortSignal; redirect: 'manual'; headers: Record<string, string> },
  ): Promise<Response>
  /** The only origins whose documents may be fetched (the worker: its own). Absent: any. */
  allowedOrigins?: readonly string[]
  /**
   * Origins whose `http:` URLs are accepted as client_ids even though not https, and whose
   * loopback or private addresses may be reached: the demo app's own origin, a loopback origin
   * in Node. Everything else must be https to a public host.
   */
  trustedOrigins?: readonly string[]
  /** How long a fetch may take, in milliseconds (default 3000). */
  timeoutMs?: number
}
