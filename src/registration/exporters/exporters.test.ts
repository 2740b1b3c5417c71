import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js'
import { expect, test } from 'vitest'
import type { ClientMetadata } from '../client-metadata.ts'
import { importClientText } from '../importers.ts'
import { presets } from '../presets.ts'
import { exportEnvFile, parseEnvFile } from './env-file.ts'
import { everyFieldClient } from './export-samples.ts'
import { exportFormats } from './formats.ts'
import { fromKeycloakClient, type KeycloakClient, toKeycloakClient } from './keycloak.ts'
import { exportOidcProviderModule } from './oidc-provider.ts'
import { exportRfc7591 } from './rfc7591.ts'
import { exportStarterSnippet, pickStarterGrant } from './starter-snippet.ts'

const full = everyFieldClient

const sortedGrants = (metadata: ClientMetadata) => ({
  ...metadata,
  ...(metadata.grant_types ? { grant_types: [...metadata.grant_types].sort() } : {}),
})

const samples: [string, ClientMetadata][] = [
  ['every field', full],
  ...presets.map((preset): [string, ClientMetadata] => [preset.id, preset.metadata]),
]

for (const [name, metadata] of samples) {
  test(`RFC 7591 export of ${name} imports back to the same configuration`, () => {
    const result = importClientText(exportRfc7591(metadata))
    expect(result.format).toBe('rfc7591')
    expect(result.ok && result.metadata).toEqual(metadata)
    expect(result.warnings).toEqual([])
  })

  test(`Keycloak export of ${name} imports back to the same configuration`, () => {
    const text = exportFormats
      .find((format) => format.id === 'keycloak')
      ?.render(metadata, {
        issuer: 'https://id.example.com',
      })
    const result = importClientText(text ?? '')
    expect(result.format).toBe('keycloak')
    expect(result.ok && sortedGrants(result.metadata)).toEqual(sortedGrants(metadata))
  })
}

test('RFC 7591 export puts fields in a stable order and leaves empty ones out', () => {
  const text = exportRfc7591({ scope: 'openid', client_name: 'A', logo_uri: '' })
  expect(text).toBe('{\n  "client_name": "A",\n  "scope": "openid"\n}\n')
})

test('Keycloak export type-checks as a ClientRepresentation and has what a realm import needs', () => {
  const client: ClientRepresentation = toKeycloakClient(full)
  const allowed = new Set<keyof ClientRepresentation>([
    'clientId',
    'name',
    'protocol',
    'enabled',
    'publicClient',
    'bearerOnly',
    'standardFlowEnabled',
    'implicitFlowEnabled',
    'directAccessGrantsEnabled',
    'serviceAccountsEnabled',
    'redirectUris',
    'webOrigins',
    'defaultClientScopes',
    'attributes',
    'clientAuthenticatorType',
    'baseUrl',
    'secret',
  ])
  for (const key of Object.keys(client))
    expect(allowed.has(key as keyof ClientRepresentation), key).toBe(true)
  expect(client).toMatchObject({
    clientId: 'orders-web',
    name: 'Orders web',
    protocol: 'openid-connect',
    publicClient: false,
    clientAuthenticatorType: 'client-jwt',
    standardFlowEnabled: true,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: true,
    redirectUris: full.redirect_uris,
    defaultClientScopes: ['profile', 'orders:read'],
  })
  const attributes = (client as KeycloakClient).attributes
  expect(attributes).toMatchObject({
    'pkce.code.challenge.method': 'S256',
    'use.refresh.tokens': 'true',
    'oauth2.device.authorization.grant.enabled': 'false',
    'token.endpoint.auth.signing.alg': 'ES256',
    'post.logout.redirect.uris': 'https://orders.example.com/',
    'dpop.bound.access.tokens': 'true',
    'use.jwks.string': 'true',
  })
  for (const value of Object.values(attributes)) expect(typeof value).toBe('string')
})

test('Keycloak export of a public SPA allows its origin for CORS and has no authenticator', () => {
  const spa = presets.find((preset) => preset.id === 'spa')?.metadata ?? {}
  const client = toKeycloakClient(spa)
  expect(client.publicClient).toBe(true)
  expect(client.webOrigins).toEqual(['https://app.example.com'])
  expect(client.clientAuthenticatorType).toBeUndefined()
})

test('a Keycloak client made in Keycloak itself (no grantlab attributes) maps to RFC 7591', () => {
  const result = fromKeycloakClient({
    clientId: 'shop',
    name: 'Shop',
    protocol: 'openid-connect',
    publicClient: true,
    standardFlowEnabled: true,
    directAccessGrantsEnabled: false,
    redirectUris: ['https://shop.example.com/*'],
    defaultClientScopes: ['profile', 'email'],
    attributes: {
      'use.refresh.tokens': 'true',
      'oauth2.device.authorization.grant.enabled': 'true',
    },
  })
  expect(result.ok && result.metadata).toEqual({
    client_id: 'shop',
    client_name: 'Shop',
    redirect_uris: ['https://shop.example.com/*'],
    grant_types: [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'openid profile email',
  })
  expect(result.warnings.map((warning) => warning.field)).toEqual([
    'attributes.pkce.code.challenge.method',
  ])
})

test('a Keycloak export with wrong types or another protocol is refused', () => {
  expect(fromKeycloakClient({ clientId: 'x', protocol: 'saml' }).ok).toBe(false)
  const result = fromKeycloakClient({
    clientId: 'x',
    publicClient: 'yes',
    redirectUris: 'https://a',
  })
  expect(result.ok).toBe(false)
  if (!result.ok) expect(result.errors.map((error) => error.field)).toEqual(['publicClient'])
  const types = fromKeycloakClient({ clientId: 'x', redirectUris: 'https://a' })
  expect(!types.ok && types.errors[0]?.field).toBe('redirect_uris')
})

test('node-oidc-provider module reads a secret it does not hold from the environment', () => {
  const web = presets.find((preset) => preset.id === 'web')?.metadata ?? {}
  const text = exportOidcProviderModule(web)
  expect(text).toContain('client_secret: process.env.OAUTH_CLIENT_SECRET,')
  expect(text).toContain('export const client = {')
  expect(exportOidcProviderModule(full)).not.toContain('client_secret')
})

test('.env export carries issuer, client, redirect and scope, and the secret only when held', () => {
  const web = presets.find((preset) => preset.id === 'web')?.metadata ?? {}
  const env = parseEnvFile(
    exportEnvFile({ ...web, client_id: 'c-1' }, { issuer: 'http://127.0.0.1:4173/as' }),
  )
  expect(env).toMatchObject({
    OAUTH_ISSUER: 'http://127.0.0.1:4173/as',
    OAUTH_CLIENT_ID: 'c-1',
    OAUTH_CLIENT_SECRET: '',
    OAUTH_REDIRECT_URI: 'https://app.example.com/callback',
    OAUTH_SCOPE: 'openid profile email',
    OAUTH_TOKEN_ENDPOINT_AUTH_METHOD: 'client_secret_basic',
  })
  const withSecret = parseEnvFile(exportEnvFile({ ...web, client_secret: 'a"b' }, { issuer: 'x' }))
  expect(withSecret.OAUTH_CLIENT_SECRET).toBe('a"b')
  const jwt = parseEnvFile(exportEnvFile(full, { issuer: 'x' }))
  expect(jwt.OAUTH_PRIVATE_KEY_KID).toBe('key-1')
  expect(jwt.OAUTH_CLIENT_SECRET).toBeUndefined()
})

test('starter snippet follows the main grant and the authentication method', () => {
  const spa = presets.find((preset) => preset.id === 'spa')?.metadata ?? {}
  const device = presets.find((preset) => preset.id === 'device')?.metadata ?? {}
  const service = presets.find((preset) => preset.id === 'service')?.metadata ?? {}
  expect(pickStarterGrant(spa)).toBe('authorization_code')
  expect(exportStarterSnippet(spa)).toMatch(
    /oauth\.None\(\)[\s\S]*calculatePKCECodeChallenge[\s\S]*authorizationCodeGrantRequest/,
  )
  expect(exportStarterSnippet(device)).toMatch(/deviceAuthorizationRequest[\s\S]*slow_down/)
  expect(exportStarterSnippet(service)).toMatch(
    /ClientSecretBasic[\s\S]*clientCredentialsGrantRequest/,
  )
  expect(exportStarterSnippet(full)).toMatch(/importPKCS8[\s\S]*PrivateKeyJwt/)
})

test('every export format renders every preset without throwing', () => {
  for (const format of exportFormats) {
    for (const preset of presets) {
      expect(
        format.render(preset.metadata, { issuer: 'http://127.0.0.1/as' }).length,
      ).toBeGreaterThan(20)
    }
  }
})
