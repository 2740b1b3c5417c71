import { expect, test } from 'vitest'
import { demoClientIds } from './demo-data'
import { createTestAuthorizationServer } from './test-server'
import { basic, postForm } from './test-support'

/**
 * The demo confidential clients take their secret in the Authorization header
 * (`client_secret_basic`) and in the body (`client_secret_post`, openid-client's default), RFC 6749
 * §2.3.1; a failed authentication says which methods the client is registered for.
 */
const confidential = [
  ['grantlab-m2m', 'grantlab-m2m-secret'],
  ['grantlab-exchanger', 'grantlab-exchanger-secret'],
] as const

test.each(confidential)(
  '%s gets a token with Basic and with the secret in the body',
  async (id, secret) => {
    const t = createTestAuthorizationServer()
    const params = { grant_type: 'client_credentials', scope: 'orders:read' }
    const viaBasic = await postForm(t, '/token', params, { authorization: basic(id, secret) })
    expect(viaBasic.status).toBe(200)
    const viaBody = await postForm(t, '/token', { ...params, client_id: id, client_secret: secret })
    expect(viaBody.status).toBe(200)
    expect((await viaBody.json()).token_type).toBe('Bearer')
  },
)

test('every demo client with a secret accepts both secret methods at introspection', async () => {
  const t = createTestAuthorizationServer()
  const withSecrets = ['grantlab-web', 'grantlab-hybrid', 'grantlab-api']
  expect(demoClientIds).toEqual(expect.arrayContaining(withSecrets))
  for (const id of withSecrets) {
    const response = await postForm(t, '/introspect', {
      token: 'unknown',
      client_id: id,
      client_secret: `${id}-secret`,
    })
    expect(response.status, id).toBe(200)
    expect(await response.json()).toEqual({ active: false })
  }
})

test.each([
  [
    'a wrong secret in the body',
    { client_id: 'grantlab-m2m', client_secret: 'nope' },
    {},
    'Client authentication failed: the client_secret is wrong (grantlab-m2m is registered for client_secret_basic or client_secret_post).',
  ],
  [
    'a wrong secret with Basic',
    {},
    { authorization: basic('grantlab-m2m', 'nope') },
    'Client authentication failed: the client_secret is wrong (grantlab-m2m is registered for client_secret_basic or client_secret_post).',
  ],
  [
    'no credentials for a confidential client',
    { client_id: 'grantlab-m2m' },
    {},
    'Client authentication failed: grantlab-m2m is registered for client_secret_basic or client_secret_post, and the request sent no credentials.',
  ],
  [
    'a secret for a public client',
    { client_id: 'grantlab-spa', client_secret: 'anything' },
    {},
    'Client authentication failed: grantlab-spa is registered for none, and the request used client_secret_post.',
  ],
  [
    'an unknown client',
    { client_id: 'ghost', client_secret: 'x' },
    {},
    'Client authentication failed: no client ghost is registered here.',
  ],
])('%s: the description names the registered methods', async (_, params, headers, description) => {
  const t = createTestAuthorizationServer()
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', ...params },
    headers,
  )
  expect((await response.json()).error_description).toBe(description)
})
