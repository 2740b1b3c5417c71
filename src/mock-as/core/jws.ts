import type { JWTPayload } from 'jose'
import type { AuthorizationServerDeps, SigningKey } from './deps'
import { base64url } from './http'

/**
 * Signs the JWS signing input (`header.payload`, ASCII only) with a server key and resolves to the
 * raw signature: for ES256 the 64-byte `R || S`, for RS256 the PKCS #1 v1.5 signature (RFC 7518
 * §3.3, §3.4). A host may give its own (Node: node:crypto, which costs half of WebCrypto's call
 * and takes the string as it is); left out, WebCrypto's.
 */
export type JwsSigner = (key: SigningKey, input: string) => Promise<Uint8Array> | Uint8Array

/** @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1 */
const webCryptoParameters = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
} as const

const encoder = new TextEncoder()

export const webCryptoSigner: JwsSigner = async (key, input) =>
  new Uint8Array(
    await crypto.subtle.sign(webCryptoParameters[key.alg], key.privateKey, encoder.encode(input)),
  )

/** Each key's encoded protected headers, by `typ`: serialised once, not per token. */
const encodedHeaders = new WeakMap<SigningKey, Map<string, string>>()

function encodedHeader(key: SigningKey, typ: string): string {
  let byTyp = encodedHeaders.get(key)
  if (!byTyp) {
    byTyp = new Map()
    encodedHeaders.set(key, byTyp)
  }
  let header = byTyp.get(typ)
  if (header === undefined) {
    header = base64url(encoder.encode(JSON.stringify({ alg: key.alg, kid: key.kid, typ })))
    byTyp.set(typ, header)
  }
  return header
}

/**
 * A JWT in JWS compact serialisation, signed with one of the server's own keys: the protected
 * header `{ alg, kid, typ }`, the claims as given, the signature over both (RFC 7515 §5.1,
 * RFC 7519 §7.1). The server's keys and headers are its own, so none of a general library's
 * checks of foreign input apply; the result is what jose's `SignJWT` makes of the same input.
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-5.1
 */
export async function signJwt(
  deps: Pick<AuthorizationServerDeps, 'signer'>,
  key: SigningKey,
  typ: string,
  claims: JWTPayload,
): Promise<string> {
  const input = `${encodedHeader(key, typ)}.${base64url(encoder.encode(JSON.stringify(claims)))}`
  const signature = await (deps.signer ?? webCryptoSigner)(key, input)
  return `${input}.${base64url(signature)}`
}
