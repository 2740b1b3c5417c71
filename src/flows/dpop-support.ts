/**
 * What the DPoP and FAPI 2.0 walkthroughs share (RFC 9449): oauth4webapi's DPoP handle for the
 * run's key, the one retry a client makes when the server asks for a nonce, and the pieces that
 * show a proof, a binding and a refusal as the server sent them.
 * @see [RFC 9449](https://www.rfc-editor.org/rfc/rfc9449)
 */
import { calculateJwkThumbprint, compactVerify, decodeJwt, EmbeddedJWK, type JWK } from 'jose'
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { loadDpopKey } from './dpop-keys.ts'
import type { HttpExchange, ShownToken, ShownValue } from './flow-model.ts'

/**
 * A DPoP handle for the run's key. oauth4webapi keeps the server's nonce in the handle, which
 * lives only as long as one step; the run saves the latest nonce and the handle puts it in a
 * proof that has none yet (oauth4webapi's `modifyAssertion` hook), as a client that keeps its
 * handle would send it.
 */
export async function dpopHandle(
  client: oauth.Client,
  keyId: string,
  savedNonce: string | undefined,
): Promise<oauth.DPoPHandle> {
  return handleFor(client, await loadDpopKey(keyId), savedNonce)
}

export function handleFor(
  client: oauth.Client,
  keyPair: CryptoKeyPair,
  savedNonce: string | undefined,
): oauth.DPoPHandle {
  return oauth.DPoP(client, keyPair, {
    [oauth.modifyAssertion]: (_header, payload) => {
      if (payload.nonce === undefined && savedNonce !== undefined) payload.nonce = savedNonce
    },
  })
}

/** The server's answer that asked for a nonce (RFC 9449 §8 at the server, §9 at a resource). */
export interface NonceChallenge {
  status: number
  error: string
  nonce: string | undefined
}

/**
 * Runs a request, and runs it once more if the server answered `use_dpop_nonce`: the handle has
 * cached the `DPoP-Nonce` by then, so the second proof carries it. oauth4webapi tells the case
 * apart (`isDPoPNonceError`) but leaves the retry to the client.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 */
export async function withNonceRetry<T>(
  ctx: { exchanges(): HttpExchange[] },
  attempt: () => Promise<T>,
): Promise<{ result: T; challenge?: NonceChallenge }> {
  try {
    return { result: await attempt() }
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error
    const last = ctx.exchanges().at(-1)
    const challenge: NonceChallenge = {
      status: last?.response.status ?? 0,
      error: 'use_dpop_nonce',
      nonce: last?.response.headers['dpop-nonce'],
    }
    return { result: await attempt(), challenge }
  }
}

/** The newest `DPoP-Nonce` the server sent in these exchanges, else `fallback`. */
export function latestNonce(exchanges: HttpExchange[], fallback?: string): string | undefined {
  for (const exchange of [...exchanges].reverse()) {
    const nonce = exchange.response.headers['dpop-nonce']
    if (nonce) return nonce
  }
  return fallback
}

const proofMeanings = {
  nonce: 'The server’s nonce (from its DPoP-Nonce header), sent back',
  jti: 'Unique id of this proof: the server accepts it once',
  iat: 'When the proof was made: the server accepts it for a minute',
}

/**
 * The DPoP proofs these exchanges carried, decoded, each checked here with the public key in its
 * own header: the first thing the server checks too (RFC 9449 §4.3).
 */
export async function proofsSent(
  exchanges: HttpExchange[],
  label: (index: number, exchange: HttpExchange) => string,
  /** Who signed it, when it is not this page's own key. */
  signedBy?: string,
): Promise<ShownToken[]> {
  const shown: ShownToken[] = []
  for (const exchange of exchanges) {
    const proof = exchange.request.headers.dpop
    if (!proof) continue
    const verified = await compactVerify(proof, EmbeddedJWK).then(
      () => true,
      () => false,
    )
    shown.push({
      label: label(shown.length, exchange),
      value: proof,
      signature: verified ? 'verified' : 'not-checked',
      signatureNote: verified
        ? `${signedBy ?? 'Signed with the private key that never leaves this browser'}; checked here with the public key in its own header (jwk), as the server checks it first.`
        : 'The signature did not verify with the key in its header.',
      claimMeanings: proofMeanings,
    })
  }
  return shown
}

/** The thumbprint the access token is bound to, beside the one computed from our public key. */
export async function bindingValues(
  accessToken: string,
  publicJwk: { [member: string]: string },
): Promise<{ values: ShownValue[]; bound: boolean }> {
  const cnf = decodeJwt(accessToken).cnf as { jkt?: unknown } | undefined
  const jkt = typeof cnf?.jkt === 'string' ? cnf.jkt : undefined
  const computed = await calculateJwkThumbprint(publicJwk as JWK, 'sha256')
  const bound = jkt === computed
  return {
    bound,
    values: [
      {
        label: 'cnf.jkt in the access token',
        value: jkt ?? '(none: a bearer token)',
        note: 'The server put the thumbprint of the proof’s key in the token.',
        spec: rfc(9449, '6.1'),
      },
      {
        label: 'Thumbprint of this page’s public key, computed here',
        value: computed,
        note: 'base64url(SHA-256) of the key’s required members in lexicographic order (RFC 7638).',
        spec: rfc(7638, '3'),
      },
      {
        label: 'Binding',
        value: bound
          ? '✓ the same: the token works only with proofs made by this key'
          : '✗ they differ: the token is not bound to this key',
      },
    ],
  }
}

/** The `ath` a proof carried, beside the hash of the access token computed here (RFC 9449 §4.2). */
export async function athValues(proof: string, accessToken: string): Promise<ShownValue[]> {
  const ath = decodeJwt(proof).ath
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))
  let binary = ''
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte)
  const computed = btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  return [
    { label: 'ath in the proof', value: String(ath ?? '(none)'), spec: rfc(9449, '4.2') },
    {
      label: 'base64url(SHA-256(access token)), computed here',
      value: computed,
      note: ath === computed ? '✓ the same: this proof covers this very token' : '✗ they differ',
    },
  ]
}

/** What a refusing server said: status, error, and the WWW-Authenticate challenge if any. */
export interface Refusal {
  status: number
  error: string
  description?: string
  challenge?: string
}

/**
 * Runs a request that should be refused, and returns what the server answered, or undefined if
 * it was accepted. oauth4webapi throws on a token error (`ResponseBodyError`) and on a
 * resource's challenge (`WWWAuthenticateChallengeError`); anything else is a real failure.
 */
export async function refusalOf(attempt: () => Promise<unknown>): Promise<Refusal | undefined> {
  try {
    await attempt()
    return undefined
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) {
      return {
        status: error.status,
        error: error.error,
        ...(error.error_description ? { description: error.error_description } : {}),
      }
    }
    if (error instanceof oauth.WWWAuthenticateChallengeError) {
      const first = error.cause[0]
      return {
        status: error.response.status,
        error: first?.parameters.error ?? '(no error code)',
        ...(first?.parameters.error_description
          ? { description: first.parameters.error_description }
          : {}),
        challenge: error.response.headers.get('www-authenticate') ?? '',
      }
    }
    throw error
  }
}

/** A refusal as the values a step shows. */
export function refusalValues(refusal: Refusal, label = 'Server answer'): ShownValue[] {
  return [
    {
      label,
      value: `${refusal.status} ${refusal.error}${refusal.description ? `: ${refusal.description}` : ''}`,
    },
    ...(refusal.challenge ? [{ label: 'WWW-Authenticate', value: refusal.challenge }] : []),
  ]
}
