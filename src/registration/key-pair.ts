import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair } from 'jose'
import type { Jwk } from './client-metadata.ts'

/**
 * A key pair for private_key_jwt, made in this browser with WebCrypto (through jose). Only the
 * public JWK goes into the metadata; the private key is handed to the user once, as a PKCS#8
 * PEM download, and is never stored, persisted or put in a link.
 *
 * @see [RFC 7523 §2.2](https://www.rfc-editor.org/rfc/rfc7523#section-2.2)
 */
export type GeneratedKeyPair = { publicJwk: Jwk; privatePem: string }

export const keyAlgorithm = 'ES256'

export async function generateClientKeyPair(): Promise<GeneratedKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(keyAlgorithm, { extractable: true })
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  const publicJwk: Jwk = { ...jwk, kty: jwk.kty ?? 'EC', kid, alg: keyAlgorithm, use: 'sig' }
  return { publicJwk, privatePem: await exportPKCS8(privateKey) }
}
