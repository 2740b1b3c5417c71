import { base64url, timingSafeEqual } from './http'

/**
 * The verifier alphabet and length: 43–128 unreserved characters.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export const codeVerifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/

/**
 * An S256 challenge is base64url(SHA-256(verifier)) without padding: exactly 43 characters.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export const s256ChallengePattern = /^[A-Za-z0-9_-]{43}$/

/** @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2 */
export async function computeS256Challenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return base64url(new Uint8Array(digest))
}

/**
 * Recomputes the challenge from the verifier and compares it without stopping at the first
 * differing character.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
export async function verifyS256(verifier: string, challenge: string): Promise<boolean> {
  if (!codeVerifierPattern.test(verifier)) return false
  return timingSafeEqual(await computeS256Challenge(verifier), challenge)
}
