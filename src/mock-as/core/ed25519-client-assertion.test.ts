import { exportJWK, generateKeyPair } from 'jose'
import * as oauth from 'oauth4webapi'
import { expect, test } from 'vitest'
import { createTestAuthorizationServer } from './test-server'

// RFC 9864 replaces the polymorphic JOSE name "EdDSA" with "Ed25519". The metadata advertises the
// new name, and a client that follows it (oauth4webapi signs Ed25519 keys as "Ed25519") must be
// able to authenticate with private_key_jwt.
test('the metadata advertises Ed25519, not EdDSA, and an Ed25519 client assertion authenticates', async () => {
  const { server, deps } = createTestAuthorizationServer()
  const http = {
    [oauth.customFetch]: (url: string, init?: RequestInit) => server.handle(new Request(url, init)),
    [oauth.allowInsecureRequests]: true,
  }
  const issuer = new URL(deps.issuer)
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' }),
  )
  expect(as.token_endpoint_auth_signing_alg_values_supported).toContain('Ed25519')
  expect(as.token_endpoint_auth_signing_alg_values_supported).not.toContain('EdDSA')

  const { privateKey, publicKey } = await generateKeyPair('Ed25519')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'ed-key', alg: 'Ed25519', use: 'sig' }
  const registered = await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(
      as,
      {
        client_name: 'Ed25519 service',
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'Ed25519',
        grant_types: ['client_credentials'],
        response_types: [],
        jwks: { keys: [jwk] },
        scope: 'orders:read',
      },
      http,
    ),
  )
  const client: oauth.Client = { client_id: registered.client_id }
  const result = await oauth.processClientCredentialsResponse(
    as,
    client,
    await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.PrivateKeyJwt({ key: privateKey, kid: 'ed-key' }),
      {},
      http,
    ),
  )
  expect(result.token_type).toBe('bearer')
})
