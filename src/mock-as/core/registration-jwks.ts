import { OAuthError } from './errors'

/** A client has no use for more keys than this (one per algorithm, plus one being rotated in). */
export const maxRegisteredKeys = 10

/** base64url members: an RSA modulus of 8192 bits is 1366 characters; nothing is longer. */
const maxKeyMemberLength = 1400

const base64url = /^[A-Za-z0-9_-]+$/

/** Public-key members this server keeps, by key type; everything else in a JWK is dropped. */
const keyMembers = {
  EC: ['crv', 'x', 'y'],
  RSA: ['n', 'e'],
  OKP: ['crv', 'x'],
} as const

/** Short string members kept for every key type. */
const commonMembers = ['kid', 'alg', 'use'] as const

/** Members that only a private or a symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

function invalidJwks(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', `jwks: ${description}`)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Checks a registered JWK Set and rebuilds it from the members this server understands, so
 * nothing nested or unexpected reaches the store (a 20,000-deep array once overflowed the
 * structured clone and answered 500):
 * - `{"keys": [...]}` with 1 to {@link maxRegisteredKeys} objects;
 * - each a public EC, RSA or OKP key with its members as base64url strings (no `d`, no `oct`);
 * - `kid`, `alg` and `use` short strings, `key_ops` an array of short strings.
 * Unknown members are dropped, as RFC 7517 §4 lets a reader ignore what it does not understand.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function validateJwks(value: unknown): { keys: JsonWebKey[] } {
  if (!isPlainObject(value) || !Array.isArray(value.keys)) {
    throw invalidJwks('must be a JWK Set: {"keys": [ ... ]}.')
  }
  const keys: unknown[] = value.keys
  if (keys.length === 0 || keys.length > maxRegisteredKeys) {
    throw invalidJwks(`must hold 1 to ${maxRegisteredKeys} keys, not ${keys.length}.`)
  }
  return { keys: keys.map((key, index) => validateKey(key, index)) }
}

function validateKey(key: unknown, index: number): JsonWebKey {
  const at = `keys[${index}]`
  if (!isPlainObject(key)) throw invalidJwks(`${at} must be a JSON object.`)
  const present = privateMembers.filter((member) => Object.hasOwn(key, member))
  if (present.length > 0) {
    throw invalidJwks(
      `${at} has ${present.join(', ')}: register public keys only, never a private or shared secret.`,
    )
  }
  const kty = key.kty
  if (kty !== 'EC' && kty !== 'RSA' && kty !== 'OKP') {
    throw invalidJwks(`${at}.kty must be EC, RSA or OKP.`)
  }
  const kept: Record<string, unknown> = { kty }
  for (const member of keyMembers[kty]) {
    const memberValue = key[member]
    if (
      typeof memberValue !== 'string' ||
      memberValue.length > maxKeyMemberLength ||
      (member !== 'crv' && !base64url.test(memberValue))
    ) {
      throw invalidJwks(`${at}.${member} must be a base64url string (RFC 7518 section 6).`)
    }
    kept[member] = memberValue
  }
  for (const member of commonMembers) {
    const memberValue = key[member]
    if (memberValue === undefined) continue
    if (typeof memberValue !== 'string' || memberValue.length > 256) {
      throw invalidJwks(`${at}.${member} must be a string of at most 256 characters.`)
    }
    kept[member] = memberValue
  }
  const keyOps = key.key_ops
  if (keyOps !== undefined) {
    if (
      !Array.isArray(keyOps) ||
      keyOps.length > 8 ||
      !keyOps.every((op) => typeof op === 'string' && op.length <= 32)
    ) {
      throw invalidJwks(`${at}.key_ops must be an array of at most 8 short strings.`)
    }
    kept.key_ops = [...keyOps]
  }
  return kept as JsonWebKey
}
