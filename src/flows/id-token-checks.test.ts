import type * as oauth from 'oauth4webapi'
import { describe, expect, test } from 'vitest'
import {
  checkIdTokenContents,
  type IdTokenCheck,
  type IdTokenExpectations,
  leftHalfHash,
  maxIdTokenAgeSeconds,
} from './id-token-checks.ts'

// The content checks run on a decoded token (the signature is the next check's job), so these
// tokens carry a dummy signature.
const b64 = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const token = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT', ...header })}.${b64(claims)}.c2ln`

const issuer = 'http://127.0.0.1:4173/as'
const now = 1_800_000_000
const as = { issuer, id_token_signing_alg_values_supported: ['RS256', 'ES256'] } as const
const client: oauth.Client = { client_id: 'grantlab-spa' }
const expected: IdTokenExpectations = {
  as: as as unknown as oauth.AuthorizationServer,
  client,
  receivedAt: now * 1000,
  nonce: 'n-1',
}
const good = {
  iss: issuer,
  sub: 'user-alice',
  aud: 'grantlab-spa',
  iat: now,
  exp: now + 300,
  nonce: 'n-1',
}

async function outcomes(claims: Record<string, unknown>, more: Partial<IdTokenExpectations> = {}) {
  const checks = await checkIdTokenContents(token(claims), { ...expected, ...more })
  return Object.fromEntries(checks.map((check: IdTokenCheck) => [check.id, check.outcome]))
}

test('a well-formed ID token passes every content check; checks without data are skipped', async () => {
  expect(await outcomes(good)).toEqual({
    iss: 'pass',
    aud: 'pass',
    azp: 'skip',
    alg: 'pass',
    exp: 'pass',
    iat: 'pass',
    nonce: 'pass',
    at_hash: 'skip',
  })
})

describe('iat (OIDC Core §3.1.3.7, item 10)', () => {
  test.each([
    ['issued a minute in the future', now + 60, 'fail'],
    ['issued 20 s in the future (within the clock tolerance)', now + 20, 'pass'],
    ['issued at the acceptable limit', now - maxIdTokenAgeSeconds, 'pass'],
    ['issued an hour before it arrived', now - 3600, 'fail'],
    ['not a number', 'yesterday', 'fail'],
  ])('%s → %s', async (_name, iat, outcome) => {
    expect((await outcomes({ ...good, iat })).iat).toBe(outcome)
  })
})

describe('azp (OIDC Core §3.1.3.7, items 4 and 5)', () => {
  test('present and naming this client: passes', async () => {
    expect((await outcomes({ ...good, azp: 'grantlab-spa' })).azp).toBe('pass')
  })
  test('present and naming another client: fails, even with a single audience', async () => {
    expect((await outcomes({ ...good, azp: 'someone-else' })).azp).toBe('fail')
  })
  test('several audiences and no azp: fails', async () => {
    expect((await outcomes({ ...good, aud: ['grantlab-spa', 'other-api'] })).azp).toBe('fail')
  })
  test('several audiences, azp this client: passes', async () => {
    const result = await outcomes({ ...good, aud: ['grantlab-spa', 'x'], azp: 'grantlab-spa' })
    expect(result.azp).toBe('pass')
    expect(result.aud).toBe('pass')
  })
})

test.each([
  ['another issuer', { iss: 'http://127.0.0.1:4173/as/' }, 'iss'],
  ['another audience', { aud: 'grantlab-web' }, 'aud'],
  ['expired two minutes ago', { exp: now - 120 }, 'exp'],
  ['another nonce', { nonce: 'n-2' }, 'nonce'],
])('an ID token with %s fails that check', async (_name, changes, id) => {
  expect((await outcomes({ ...good, ...changes }))[id]).toBe('fail')
})

test('an unsigned or MAC-signed ID token fails the alg check', async () => {
  for (const alg of ['none', 'HS256', 'PS512']) {
    const checks = await checkIdTokenContents(token(good, { alg }), expected)
    expect(checks.find((check) => check.id === 'alg')?.outcome).toBe('fail')
  }
})

test('at_hash, when present, must match the access token that came with it', async () => {
  const accessToken = 'an-access-token'
  const right = await leftHalfHash(accessToken, 'RS256')
  expect((await outcomes({ ...good, at_hash: right }, { accessToken })).at_hash).toBe('pass')
  expect((await outcomes({ ...good, at_hash: 'AAAA' }, { accessToken })).at_hash).toBe('fail')
})

test('no nonce was sent (a refresh, the device grant): the nonce check is skipped, not passed', async () => {
  const { nonce: _nonce, ...withoutNonce } = good
  const result = await checkIdTokenContents(token(withoutNonce), { ...expected, nonce: undefined })
  expect(result.find((check) => check.id === 'nonce')).toMatchObject({ outcome: 'skip' })
})

describe('a refreshed ID token (OIDC Core §12.2)', () => {
  const original = token({ ...good, iat: now - 60, auth_time: now - 90 })
  test('same iss, sub, aud, auth_time and a new iat: passes', async () => {
    const result = await outcomes({ ...good, auth_time: now - 90 }, { original, nonce: undefined })
    expect(result['same sign-in']).toBe('pass')
  })
  test.each([
    ['another user', { sub: 'user-bob' }],
    ['another authentication time', { auth_time: now }],
    ['an issue time older than the sign-in', { iat: now - 120 }],
  ])('%s: fails', async (_name, changes) => {
    const result = await outcomes(
      { ...good, auth_time: now - 90, ...changes },
      { original, nonce: undefined },
    )
    expect(result['same sign-in']).toBe('fail')
  })
})

test('each check names its rule and links its section of OpenID Connect Core', async () => {
  const checks = await checkIdTokenContents(token(good), expected)
  for (const check of checks) {
    expect(check.rule.length).toBeGreaterThan(20)
    expect(check.spec.href).toMatch(/^https:\/\/openid\.net\/specs\/openid-connect-core-1_0\.html#/)
  }
})
