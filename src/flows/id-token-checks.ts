/**
 * What a client checks before it trusts an ID token, as a checklist the walkthrough shows: each
 * line names the rule and the section of OpenID Connect Core it comes from. oauth4webapi checks
 * the claims while it processes the token response; the signature of an ID token from the token
 * endpoint it verifies only when asked (`validateApplicationLevelSignature`). OpenID Connect lets
 * a client skip that check for a token it received from the token endpoint over TLS; this demo
 * runs on plain http, so every walkthrough asks.
 * @see [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
 */
import * as oauth from 'oauth4webapi'
import { decodeJwt } from '../shared/jwt.ts'
import { oidc, type SpecRef } from '../shared/spec-links.ts'
import type { HttpExchange, ShownToken, ShownValue, StepError } from './flow-model.ts'
import { type HasFetch, oauthOptions } from './http-capture.ts'

/** Seconds two clocks may disagree: oauth4webapi's default tolerance, used here too. */
export const clockToleranceSeconds = 30
/**
 * How long before its arrival an ID token may have been issued. OpenID Connect leaves the range
 * to the client (§3.1.3.7, item 10); these walkthroughs receive tokens the moment they are made.
 */
export const maxIdTokenAgeSeconds = 120

export type CheckOutcome = 'pass' | 'fail' | 'skip'

/** One line of the checklist. */
export interface IdTokenCheck {
  /** The claim or property checked: `iss`, `signature`, `azp`… */
  id: string
  outcome: CheckOutcome
  /** What was found, in a few words. */
  detail: string
  /** The rule, in our words. */
  rule: string
  spec: SpecRef
}

export interface IdTokenExpectations {
  as: oauth.AuthorizationServer
  client: oauth.Client
  /** When the response carrying the token arrived (ms since the epoch). */
  receivedAt: number
  /** The nonce sent in the authorization request; absent when none was sent (refresh, device). */
  nonce?: string
  /** The access token issued with it, to check `at_hash` against. */
  accessToken?: string
  /** The ID token issued at sign-in, when this one comes from a refresh (OIDC Core §12.2). */
  original?: string
  /** `front-channel`: it came through the browser with a code (hybrid), not from the token endpoint. */
  channel?: 'token-endpoint' | 'front-channel'
}

const validation = oidc('Core', '3.1.3.7', 'IDTokenValidation')
const accessTokenValidation = oidc('Core', '3.1.3.8', 'CodeFlowTokenValidation')
const refreshRules = oidc('Core', '12.2', 'RefreshTokenResponse')

/** OIDC Core §3.1.3.6: the hash behind `at_hash` and `c_hash` is the one of the token's `alg`. */
export function hashFor(alg: string): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  if (/384$/.test(alg)) return 'SHA-384'
  // Ed25519 (RFC 9864), and EdDSA, the name it replaces, both sign with SHA-512 inside.
  if (/512$/.test(alg) || alg === 'Ed25519' || alg === 'EdDSA') return 'SHA-512'
  return 'SHA-256'
}

/** Base64url of the left half of the hash of the ASCII value: how `at_hash` and `c_hash` are made. */
export async function leftHalfHash(value: string, alg: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest(hashFor(alg), new TextEncoder().encode(value)),
  )
  let binary = ''
  for (const byte of digest.slice(0, digest.length / 2)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

/**
 * The checks on the token's contents (everything but the signature), as this client makes them.
 * Pure apart from hashing: the same token and expectations always give the same list.
 */
export async function checkIdTokenContents(
  idToken: string,
  expected: IdTokenExpectations,
): Promise<IdTokenCheck[]> {
  const decoded = decodeJwt(idToken)
  if (!decoded) {
    return [
      {
        id: 'format',
        outcome: 'fail',
        detail: 'not a compact JWS (header.claims.signature)',
        rule: 'An ID token is a signed JWT.',
        spec: oidc('Core', '2', 'IDToken'),
      },
    ]
  }
  const { header, claims } = decoded
  const clientId = expected.client.client_id
  const arrived = Math.floor(expected.receivedAt / 1000)
  const checks: IdTokenCheck[] = []

  checks.push({
    id: 'iss',
    outcome: claims.iss === expected.as.issuer ? 'pass' : 'fail',
    detail:
      claims.iss === expected.as.issuer
        ? `${text(claims.iss)}, the issuer we discovered`
        : `${text(claims.iss)}, not ${expected.as.issuer}`,
    rule: 'Item 2: iss is exactly the issuer identifier the client talks to.',
    spec: validation,
  })

  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  checks.push({
    id: 'aud',
    outcome: audiences.includes(clientId) ? 'pass' : 'fail',
    detail: audiences.includes(clientId)
      ? `${text(claims.aud)}, our client_id`
      : `${text(claims.aud)} does not contain ${clientId}`,
    rule: 'Item 3: aud contains this client’s client_id (and no audience the client does not trust).',
    spec: validation,
  })

  const several = audiences.length > 1
  let azp: Pick<IdTokenCheck, 'outcome' | 'detail'>
  if (claims.azp === undefined) {
    azp = several
      ? { outcome: 'fail', detail: `missing, though aud names ${audiences.length} audiences` }
      : { outcome: 'skip', detail: 'absent; with one audience there is nothing to check' }
  } else {
    azp =
      claims.azp === clientId
        ? { outcome: 'pass', detail: `${text(claims.azp)}, our client_id` }
        : { outcome: 'fail', detail: `${text(claims.azp)}, not our client_id ${clientId}` }
  }
  checks.push({
    id: 'azp',
    ...azp,
    rule: 'Items 4 and 5: with several audiences an azp must be present, and an azp must name this client.',
    spec: validation,
  })

  const alg = String(header.alg)
  const allowed = expected.client.id_token_signed_response_alg
    ? [expected.client.id_token_signed_response_alg]
    : (expected.as.id_token_signing_alg_values_supported ?? ['RS256'])
  const algOk = allowed.includes(alg) && alg !== 'none' && !alg.startsWith('HS')
  checks.push({
    id: 'alg',
    outcome: algOk ? 'pass' : 'fail',
    detail: algOk
      ? `${alg}, one the server publishes`
      : `${alg} is not among ${allowed.join(', ')} (or is unsigned or a MAC)`,
    rule: 'Item 7: the signing algorithm is the one registered for the client, or one the server publishes (RS256 by default).',
    spec: validation,
  })

  const exp = claims.exp
  const expOk = typeof exp === 'number' && exp > arrived - clockToleranceSeconds
  checks.push({
    id: 'exp',
    outcome: expOk ? 'pass' : 'fail',
    detail: typeof exp === 'number' ? `${exp - arrived} s after it arrived` : 'missing',
    rule: `Item 9: the token has not expired (with ${clockToleranceSeconds} s of clock tolerance).`,
    spec: validation,
  })

  const iat = claims.iat
  let iatCheck: Pick<IdTokenCheck, 'outcome' | 'detail'>
  if (typeof iat !== 'number') iatCheck = { outcome: 'fail', detail: 'missing or not a number' }
  else if (iat > arrived + clockToleranceSeconds) {
    iatCheck = { outcome: 'fail', detail: `${iat - arrived} s in the future` }
  } else if (arrived - iat > maxIdTokenAgeSeconds + clockToleranceSeconds) {
    iatCheck = {
      outcome: 'fail',
      detail: `issued ${arrived - iat} s before it arrived; this client accepts at most ${maxIdTokenAgeSeconds} s`,
    }
  } else {
    iatCheck = {
      outcome: 'pass',
      detail: `issued ${Math.max(0, arrived - iat)} s before it arrived (at most ${maxIdTokenAgeSeconds} s accepted)`,
    }
  }
  checks.push({
    id: 'iat',
    ...iatCheck,
    rule: `Item 10: reject tokens issued too far from now; the range is the client's choice: here not in the future and at most ${maxIdTokenAgeSeconds} s old.`,
    spec: validation,
  })

  let nonce: Pick<IdTokenCheck, 'outcome' | 'detail'>
  if (expected.nonce !== undefined) {
    nonce =
      claims.nonce === expected.nonce
        ? { outcome: 'pass', detail: `${expected.nonce}, the one this client made` }
        : { outcome: 'fail', detail: `${text(claims.nonce)}, not ${expected.nonce}` }
  } else {
    nonce = {
      outcome: 'skip',
      detail:
        claims.nonce === undefined
          ? 'this request carried no nonce, and none came back'
          : 'this request carried no nonce, so there is nothing to compare with',
    }
  }
  checks.push({
    id: 'nonce',
    ...nonce,
    rule: 'Item 11: when the authorization request sent a nonce, the token carries that same value.',
    spec: validation,
  })

  if (claims.at_hash === undefined) {
    checks.push({
      id: 'at_hash',
      outcome: 'skip',
      detail:
        expected.channel === 'front-channel'
          ? 'absent: no access token came with it'
          : 'absent: optional for an ID token from the token endpoint',
      rule: 'OpenID Connect makes at_hash optional at the token endpoint; when present, the client may check it against the access token.',
      spec: accessTokenValidation,
    })
  } else if (expected.accessToken !== undefined) {
    const computed = await leftHalfHash(expected.accessToken, alg)
    checks.push({
      id: 'at_hash',
      outcome: claims.at_hash === computed ? 'pass' : 'fail',
      detail: `${text(claims.at_hash)} ${claims.at_hash === computed ? '=' : '≠'} ${computed}, the left half of ${hashFor(alg)}(access token)`,
      rule: 'At the token endpoint at_hash is optional (this server includes it); when present, the client may check that it matches the access token that came with it.',
      spec: accessTokenValidation,
    })
  }

  if (expected.original !== undefined) {
    const first = decodeJwt(expected.original)?.claims ?? {}
    const same = (name: string) => JSON.stringify(first[name]) === JSON.stringify(claims[name])
    const changed = ['iss', 'sub', 'aud', 'azp', 'auth_time'].filter((name) => !same(name))
    const newer = typeof iat === 'number' && typeof first.iat === 'number' && iat >= first.iat
    checks.push({
      id: 'same sign-in',
      outcome: changed.length === 0 && newer ? 'pass' : 'fail',
      detail:
        changed.length > 0
          ? `${changed.join(', ')} differ from the sign-in’s ID token`
          : newer
            ? 'iss, sub, aud, azp and auth_time as at sign-in; iat is the new issue time'
            : 'iat is older than the sign-in’s ID token',
      rule: 'A refreshed ID token keeps the iss, sub, aud, azp and auth_time of the one issued at sign-in; only its iat is new.',
      spec: refreshRules,
    })
  }
  return checks
}

/**
 * Verifies the signature of an ID token that oauth4webapi took from a token response it has
 * processed (`response`): it fetches `jwks_uri` and checks the JWS with the key named by `kid`.
 */
export async function checkIdTokenSignature(
  ctx: HasFetch,
  as: oauth.AuthorizationServer,
  response: Response,
  idToken: string,
): Promise<IdTokenCheck> {
  const header = decodeJwt(idToken)?.header ?? {}
  const rule =
    'Item 6: verify the JWS with the server’s key from jwks_uri. A client may skip this only for a token it got from the token endpoint over TLS; this demo has no TLS, so it verifies.'
  try {
    await oauth.validateApplicationLevelSignature(as, response, oauthOptions(ctx))
    return {
      id: 'signature',
      outcome: 'pass',
      detail: `valid (${String(header.alg)}, key "${String(header.kid)}" from jwks_uri)`,
      rule,
      spec: validation,
    }
  } catch (error) {
    return {
      id: 'signature',
      outcome: 'fail',
      detail: `does not verify with the key "${String(header.kid)}" from jwks_uri (${error instanceof Error ? error.message : String(error)})`,
      rule,
      spec: validation,
    }
  }
}

const marks: Record<CheckOutcome, string> = { pass: '✓', fail: '✗', skip: '–' }

/** The checklist as the step shows it: one value per check, with its rule and section. */
export function checklistValues(checks: readonly IdTokenCheck[]): ShownValue[] {
  return checks.map((check) => ({
    label: `Check: ${check.id}`,
    value: `${marks[check.outcome]} ${check.detail}`,
    note: check.rule,
    spec: check.spec,
  }))
}

/** Puts the signature after the claims OIDC Core lists before it (items 2–5), as §3.1.3.7 does. */
export function inSpecOrder(contents: IdTokenCheck[], signature: IdTokenCheck): IdTokenCheck[] {
  const before = contents.filter((check) => ['iss', 'aud', 'azp', 'format'].includes(check.id))
  const after = contents.filter((check) => !before.includes(check))
  return [...before, signature, ...after]
}

export interface VerifiedIdToken {
  status: 'ok'
  checks: IdTokenCheck[]
  token: ShownToken
}

/**
 * Everything a client checks on an ID token from the token endpoint: signature against the JWKS
 * and the claims. Returns the checklist and the token to show, or the step's error when a check
 * fails (the client must then not use the token, nor the tokens that came with it).
 */
export async function verifyIdToken(
  ctx: HasFetch & { exchanges(): HttpExchange[] },
  response: Response,
  idToken: string,
  expected: IdTokenExpectations & { label: string },
): Promise<VerifiedIdToken | StepError> {
  const contents = await checkIdTokenContents(idToken, expected)
  const signature = await checkIdTokenSignature(ctx, expected.as, response, idToken)
  const checks = inSpecOrder(contents, signature)
  return idTokenOutcome(ctx, checks, idToken, expected.label)
}

/** The result of a finished checklist: the verified token, or an error listing what failed. */
export function idTokenOutcome(
  ctx: { exchanges(): HttpExchange[] },
  checks: IdTokenCheck[],
  idToken: string,
  label: string,
): VerifiedIdToken | StepError {
  const failed = checks.filter((check) => check.outcome === 'fail')
  if (failed.length > 0) {
    return {
      status: 'error',
      message: `The client rejects the ID token: the ${failed.map((check) => check.id).join(', ')} check${failed.length > 1 ? 's' : ''} failed. It must not use this token, nor the tokens that came with it.`,
      code: 'id_token_rejected',
      values: checklistValues(checks),
      exchanges: ctx.exchanges(),
    }
  }
  return {
    status: 'ok',
    checks,
    token: {
      label,
      value: idToken,
      signature: 'verified',
      subject: 'user',
      signatureNote:
        'Verified by this client against the server’s key set (jwks_uri), with the key whose kid is in the header; every check in the list above passed.',
    },
  }
}
