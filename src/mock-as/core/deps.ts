/**
 * What the authorization server core needs from its host. Everything that is not pure — state,
 * time, randomness, keys — comes in here, so the same core runs in the service worker
 * (IndexedDB, real clock) and in Node or Vitest (a Map, a fixed clock).
 */

/**
 * A key-value store of structured-cloneable records, grouped by kind ("codes", "tokens", …).
 * The browser may stop the service worker at any moment, so the core keeps no state of its
 * own in memory: every record it needs later goes through this interface.
 */
export interface Store {
  get<T>(kind: string, id: string): Promise<T | undefined>
  put<T>(kind: string, id: string, value: T): Promise<void>
  delete(kind: string, id: string): Promise<void>
  list<T>(kind: string): Promise<T[]>
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
   * How the login session is found again. `cookie` (the default) reads the session cookie, as
   * any server does. A service worker cannot use it: browsers drop `Set-Cookie` from responses a
   * worker builds. But a worker serves exactly one browser profile, so `this-browser` keeps the
   * session as one store record for the whole browser — what the cookie would have meant.
   */
  sessionMode?: 'cookie' | 'this-browser'
}
