import { expect, test } from 'vitest'
import { createTestAuthorizationServer } from './test-server'

test('openid discovery and RFC 8414 metadata return the same issuer-bound document', async () => {
  const { server, deps } = createTestAuthorizationServer()
  const oidc = await server.handle(new Request(`${deps.issuer}/.well-known/openid-configuration`))
  const oauth = await server.handle(
    new Request('http://127.0.0.1:4173/.well-known/oauth-authorization-server/as'),
  )
  expect(oidc.status).toBe(200)
  expect(oidc.headers.get('cache-control')).toBe('no-store')
  const metadata = await oidc.json()
  expect(metadata.issuer).toBe(deps.issuer)
  expect(metadata.code_challenge_methods_supported).toEqual(['S256'])
  expect(metadata.authorization_response_iss_parameter_supported).toBe(true)
  expect(await oauth.json()).toEqual(metadata)
})

test('jwks lists an ES256 and an RS256 public key, each with a unique kid', async () => {
  const { server, deps } = createTestAuthorizationServer()
  const response = await server.handle(new Request(`${deps.issuer}/jwks`))
  expect(response.status).toBe(200)
  const { keys } = await response.json()
  expect(keys.map((key: { alg: string }) => key.alg).sort()).toEqual(['ES256', 'RS256'])
  expect(new Set(keys.map((key: { kid: string }) => key.kid)).size).toBe(2)
  for (const key of keys) {
    expect(key.use).toBe('sig')
    expect(key.d).toBeUndefined()
  }
})

test('an unknown path answers 404 JSON and a wrong method 405 with Allow', async () => {
  const { server, deps } = createTestAuthorizationServer()
  const missing = await server.handle(new Request(`${deps.issuer}/nope`))
  expect(missing.status).toBe(404)
  expect((await missing.json()).error).toBe('not_found')
  const wrong = await server.handle(new Request(`${deps.issuer}/jwks`, { method: 'DELETE' }))
  expect(wrong.status).toBe(405)
  expect(wrong.headers.get('allow')).toBe('GET')
})
