/**
 * The Node host's JWS signer (deps.signer): node:crypto's one-shot `sign` on the KeyObject behind
 * each CryptoKey, synchronous, about half the CPU of a `crypto.subtle.sign` call (issue 14). The
 * signing input is ASCII, so its Latin-1 bytes are its bytes: a copy, no UTF-8 encoder. The
 * signature is the same: ES256 as `R || S` (IEEE P1363, what JWS wants), RS256 as PKCS #1 v1.5.
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.4
 */
import { KeyObject, sign } from 'node:crypto'
import type { JwsSigner } from '../core/jws'

export function createNodeSigner(): JwsSigner {
  const keyObjects = new WeakMap<CryptoKey, KeyObject>()
  return (key, input) => {
    let keyObject = keyObjects.get(key.privateKey)
    if (!keyObject) {
      keyObject = KeyObject.from(key.privateKey)
      keyObjects.set(key.privateKey, keyObject)
    }
    const bytes = Buffer.from(input, 'latin1')
    return key.alg === 'ES256'
      ? sign('sha256', bytes, { key: keyObject, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', bytes, keyObject)
  }
}
