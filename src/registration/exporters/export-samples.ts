import type { ClientMetadata } from '../client-metadata.ts'

/** A client with every field the page knows set, for the export tests. */
export const everyFieldClient: ClientMetadata = {
  client_name: 'Orders web',
  application_type: 'web',
  redirect_uris: ['https://orders.example.com/callback', 'https://orders.example.com/cb2'],
  post_logout_redirect_uris: ['https://orders.example.com/'],
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  response_types: ['code'],
  token_endpoint_auth_method: 'private_key_jwt',
  token_endpoint_auth_signing_alg: 'ES256',
  scope: 'openid profile orders:read',
  contacts: ['ops@example.com', 'security@example.com'],
  logo_uri: 'https://orders.example.com/logo.png',
  client_uri: 'https://orders.example.com/',
  policy_uri: 'https://orders.example.com/privacy',
  tos_uri: 'https://orders.example.com/terms',
  jwks: {
    keys: [
      {
        kty: 'EC',
        crv: 'P-256',
        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
        kid: 'key-1',
        alg: 'ES256',
        use: 'sig',
      },
    ],
  },
  id_token_signed_response_alg: 'ES256',
  dpop_bound_access_tokens: true,
  require_pushed_authorization_requests: true,
  software_id: '4NRB1-0XZABZI9E6-5SM3R',
  software_version: '2.1',
}
