import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { accessTokenHash, jwkThumbprint } from './dpop'
import { base64url } from './http'
import type { TestAuthorizationServer } from './test-server'

/** DPoP proofs made by hand for the core's unit tests (RFC 9449 §4.2), every part overridable. */

export interface ProofKey {
  privateKey: CryptoKey
  publicJwk: JWK
  jkt: string
  alg: string
}

export async function makeProofKey(
  alg: 'ES256' | 'Ed25519' | 'RS256' | 'PS256' = 'ES256',
  options: { modulusLength?: number } = {},
): Promise<ProofKey> {
  // WebCrypto directly for a short RSA key, which jose refuses to make (a key an attacker might send).
  const { privateKey, publicKey } = options.modulusLength
    ? await crypto.subtle.generateKey(
        {
          name: alg === 'PS256' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5',
          modulusLength: options.modulusLength,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        },
        true,
        ['sign', 'verify'],
      )
    : await generateKeyPair(alg, { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  return { privateKey, publicJwk, jkt: await jwkThumbprint(publicJwk), alg }
}

export interface ProofInit {
  htm: string
  htu: string
  /** Seconds since the epoch; defaults to the server's clock. */
  iat?: number
  jti?: string
  /** The access token to hash into `ath`. */
  accessToken?: string
  nonce?: string
  /** Claims to add, replace or (with `undefined`) remove. */
  claims?: Record<string, unknown>
  /** Header parameters to add, replace or (with `undefined`) remove. */
  header?: Record<string, unknown>
  /** Sign with this key instead of the one whose public half is in `jwk`. */
  signWith?: CryptoKey
}

export async function makeProof(
  t: TestAuthorizationServer,
  key: ProofKey,
  init: ProofInit,
): Promise<string> {
  const claims: Record<string, unknown> = {
    jti: init.jti ?? crypto.randomUUID(),
    htm: init.htm,
    htu: init.htu,
    iat: init.iat ?? Math.floor(t.clock.now() / 1000),
    ...(init.accessToken === undefined ? {} : { ath: await accessTokenHash(init.accessToken) }),
    ...(init.nonce === undefined ? {} : { nonce: init.nonce }),
    ...init.claims,
  }
  const header: Record<string, unknown> = {
    typ: 'dpop+jwt',
    alg: key.alg,
    jwk: key.publicJwk,
    ...init.header,
  }
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name]
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name]
  return signCompact(header, claims, init.signWith ?? key.privateKey)
}

const encoder = new TextEncoder()

/**
 * A compact JWS signed with WebCrypto itself: it signs whatever it is given (a 1024-bit RSA key,
 * a header naming another alg), as an attacker's tool would, where jose would refuse.
 */
export async function signCompact(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: CryptoKey,
): Promise<string> {
  const input = `${base64url(encoder.encode(JSON.stringify(header)))}.${base64url(encoder.encode(JSON.stringify(claims)))}`
  const algorithm =
    key.algorithm.name === 'ECDSA'
      ? { name: 'ECDSA', hash: 'SHA-256' }
      : key.algorithm.name === 'RSA-PSS'
        ? { name: 'RSA-PSS', saltLength: 32 }
        : { name: key.algorithm.name }
  const signature = await crypto.subtle.sign(algorithm, key, encoder.encode(input))
  return `${input}.${base64url(new Uint8Array(signature))}`
}

/** A token-endpoint proof for this test server. */
export function tokenProof(
  t: TestAuthorizationServer,
  key: ProofKey,
  init: Partial<ProofInit> = {},
): Promise<string> {
  return makeProof(t, key, { htm: 'POST', htu: `${t.deps.issuer}/token`, ...init })
}
