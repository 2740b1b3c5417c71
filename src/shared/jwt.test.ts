import { expect, test } from 'vitest'
import { decodeJwt, describeExpiry } from './jwt.ts'

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

test('decodeJwt reads the header and claims of a compact JWS, unicode included', () => {
  const token = `${encode({ alg: 'ES256', kid: 'k1' })}.${encode({ sub: 'alice', name: 'Älice' })}.c2ln`
  expect(decodeJwt(token)).toEqual({
    header: { alg: 'ES256', kid: 'k1' },
    claims: { sub: 'alice', name: 'Älice' },
    signature: 'c2ln',
  })
})

test('decodeJwt returns undefined for opaque tokens and broken segments', () => {
  expect(decodeJwt('opaque-refresh-token')).toBeUndefined()
  expect(decodeJwt('a.b.c')).toBeUndefined()
  expect(decodeJwt(`${encode([1])}.${encode({})}.x`)).toBeUndefined()
})

test('describeExpiry says how long is left, or how long ago it ran out, in plain words', () => {
  const now = 1_700_000_000_000
  expect(describeExpiry(1_700_000_000 + 299, now)).toBe('expires in 4 minutes')
  expect(describeExpiry(1_700_000_000 + 3600, now)).toBe('expires in 1 hour')
  expect(describeExpiry(1_700_000_000 + 1, now)).toBe('expires in 1 second')
  expect(describeExpiry(1_700_000_000, now)).toBe('expires now')
  expect(describeExpiry(1_700_000_000 - 120, now)).toBe('expired 2 minutes ago')
})
