import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { expect, test } from 'vitest'
import { signJwt } from './jws'
import { createStoredKeys } from './keys'
import { createMemoryStore } from './memory-store'

const claims = {
  iss: 'https://as.example/as',
  sub: 'grantlab-m2m',
  aud: 'https://as.example/api',
  scope: 'orders:read ünïcode',
  iat: 1_700_000_000,
  exp: 4_000_000_000,
  jti: 'abc',
}

test.each(['ES256', 'RS256'] as const)(
  'a %s JWT from signJwt verifies against the published key, with exactly the header and claims given',
  async (alg) => {
    const keys = await createStoredKeys(createMemoryStore()).signingKeys()
    const key = keys.find((candidate) => candidate.alg === alg)
    if (!key) throw new Error(`no ${alg} key`)
    const token = await signJwt({}, key, 'at+jwt', claims)
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid: key.kid, typ: 'at+jwt' })
    const jwks = createLocalJWKSet({ keys: keys.map((candidate) => candidate.publicJwk) })
    const { payload } = await jwtVerify(token, jwks, { algorithms: [alg], typ: 'at+jwt' })
    expect(payload).toEqual(claims)
    // The cached header is per typ: an ID token's says JWT.
    expect(decodeProtectedHeader(await signJwt({}, key, 'JWT', claims)).typ).toBe('JWT')
    // A changed payload no longer verifies: the signature covers it.
    const [header, , signature] = token.split('.')
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${signature}`
    await expect(jwtVerify(forged, jwks, { algorithms: [alg] })).rejects.toThrow()
  },
)

test('a host signer signs what signJwt hands it: header and payload, and nothing else', async () => {
  const [key] = await createStoredKeys(createMemoryStore()).signingKeys()
  if (!key) throw new Error('no key')
  const inputs: string[] = []
  const token = await signJwt(
    {
      signer: (_key, input) => {
        inputs.push(input)
        return new Uint8Array([1, 2, 3])
      },
    },
    key,
    'at+jwt',
    claims,
  )
  const [header, payload, signature] = token.split('.')
  expect(inputs).toEqual([`${header}.${payload}`])
  expect(signature).toBe('AQID')
})
