import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js'
import { expect, test } from 'vitest'
import { allAnswerCombinations } from '../../advisor/answer-space.ts'
import { recommend } from '../../advisor/recommend.ts'
import { grantTypes } from '../checks.ts'
import type { ClientMetadata } from '../client-metadata.ts'
import { importClientText } from '../importers.ts'
import { presets } from '../presets.ts'
import { exportEnvFile, parseEnvFile } from './env-file.ts'
import { everyFieldClient } from './export-samples.ts'
import { exportFormats } from './formats.ts'
import {
  fromKeycloakClient,
  type KeycloakClient,
  keycloakNotes,
  toKeycloakClient,
} from './keycloak.ts'
import { exportOidcProviderModule, oidcProviderNotes } from './oidc-provider.ts'
import { mayUsePlatformAssertion } from './platform-assertion.ts'
import { exportRfc7591 } from './rfc7591.ts'
import { exportStarterSnippet, pickStarterGrant, starterNotes } from './starter-snippet.ts'

const full = everyFieldClient

const sortedGrants = (metadata: ClientMetadata) => ({
  ...metadata,
  ...(metadata.grant_types ? { grant_types: [...metadata.grant_types].sort() } : {}),
})

const samples: [string, ClientMetadata][] = [
  ['every field', full],
  ...presets.map((preset): [string, ClientMetadata] => [preset.id, preset.metadata]),
]

/** Every setting a starter program reads, from its source text. */
function settingsRead(source: string): string[] {
  const names = new Set<string>()
  for (const match of source.matchAll(/\b(?:env|optionalEnv)\('([A-Z0-9_]+)'\)/g)) {
    names.add(match[1] as string)
  }
  for (const match of source.matchAll(/process\.env\.([A-Z0-9_]+)/g)) names.add(match[1] as string)
  return [...names].sort()
}

function uniqueDrafts(): ClientMetadata[] {
  const seen = new Map<string, ClientMetadata>()
  for (const answers of allAnswerCombinations()) {
    const { client } = recommend(answers)
    seen.set(JSON.stringify(client), client)
  }
  return [...seen.values()]
}

const everyClient: [string, ClientMetadata][] = [
  ...samples,
  ...uniqueDrafts().map((client, index): [string, ClientMetadata] => [
    `draft ${index + 1}`,
    client,
  ]),
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
    'optionalClientScopes',
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

test('Keycloak export: offline_access is an optional client scope, never a default one (review 2026-12, Factual 4)', () => {
  for (const [name, metadata] of everyClient) {
    const client = toKeycloakClient(metadata)
    expect(client.defaultClientScopes, name).not.toContain('offline_access')
    const asked = (metadata.scope ?? '').split(' ').includes('offline_access')
    expect(client.optionalClientScopes ?? [], name).toEqual(asked ? ['offline_access'] : [])
  }
  const native = toKeycloakClient(presets.find((preset) => preset.id === 'native')?.metadata ?? {})
  expect(native).toMatchObject({
    defaultClientScopes: ['profile'],
    optionalClientScopes: ['offline_access'],
  })
  // Read back (as from a client made in Keycloak, without grantlab attributes) it is asked for.
  const { attributes: _grantlabAttributes, ...plain } = native
  const result = fromKeycloakClient({ ...plain, attributes: {} })
  expect(result.ok && result.metadata.scope).toBe('openid profile offline_access')
})

test('Keycloak notes say what a JWT bearer client needs in the realm: an identity provider', () => {
  const workload = { grant_types: [grantTypes.jwtBearer], token_endpoint_auth_method: 'none' }
  const notes = keycloakNotes(workload).join('\n')
  expect(notes).toMatch(/identity provider/)
  expect(notes).toMatch(/Allowed Identity Providers for JWT Authorization Grant/)
  expect(notes).toMatch(/--features=jwt-authorization-grant/)
  expect(notes).toMatch(/only confidential clients/)
  const confidential = keycloakNotes({ ...workload, token_endpoint_auth_method: 'private_key_jwt' })
  expect(confidential.join('\n')).not.toMatch(/only confidential clients/)
  expect(keycloakNotes({ grant_types: [grantTypes.tokenExchange] }).join('\n')).toMatch(
    /in the token’s `aud`/,
  )
  expect(keycloakNotes({ scope: 'openid orders:read' }).join('\n')).toMatch(
    /Create the client scope `orders:read`/,
  )
  expect(keycloakNotes(presets[0]?.metadata ?? {})).toEqual([])
})

test('Keycloak export writes Keycloak’s name for Ed25519 and reads it back as Ed25519', () => {
  const metadata = { ...full, token_endpoint_auth_signing_alg: 'Ed25519' }
  const client = toKeycloakClient(metadata)
  expect(client.attributes['token.endpoint.auth.signing.alg']).toBe('EdDSA')
  expect(keycloakNotes(metadata).join('\n')).toMatch(/RFC 9864/)
  const back = fromKeycloakClient(client)
  expect(back.ok && back.metadata.token_endpoint_auth_signing_alg).toBe('Ed25519')
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

test('.env export holds exactly the starter settings, and the secret only when held', () => {
  const web = presets.find((preset) => preset.id === 'web')?.metadata ?? {}
  const text = exportEnvFile({ ...web, client_id: 'c-1' }, { issuer: 'http://127.0.0.1:4173/as' })
  expect(parseEnvFile(text)).toEqual({
    OAUTH_ISSUER: 'http://127.0.0.1:4173/as',
    OAUTH_CLIENT_ID: 'c-1',
    OAUTH_CLIENT_SECRET: '',
    OAUTH_REDIRECT_URI: 'https://app.example.com/callback',
    OAUTH_SCOPE: 'openid profile email',
    OAUTH_USE_DPOP: 'false',
    OAUTH_USE_PAR: 'false',
  })
  // The web preset's redirect URI is not on this machine: the file says what to register.
  expect(text).toMatch(
    /register a loopback redirect URI such as http:\/\/127\.0\.0\.1:8080\/callback/,
  )
  const withSecret = parseEnvFile(exportEnvFile({ ...web, client_secret: 'a"b' }, { issuer: 'x' }))
  expect(withSecret.OAUTH_CLIENT_SECRET).toBe('a"b')
  const jwt = parseEnvFile(exportEnvFile(full, { issuer: 'x' }))
  expect(jwt.OAUTH_PRIVATE_KEY_KID).toBe('key-1')
  expect(jwt.OAUTH_PRIVATE_KEY_FILE).toBe('./client-private-key.pem')
  expect(jwt.OAUTH_USE_DPOP).toBe('true')
  expect(jwt.OAUTH_USE_PAR).toBe('true')
  expect(jwt.OAUTH_CLIENT_SECRET).toBeUndefined()
  // A native client's loopback redirect is the one the starter can listen on.
  const native = parseEnvFile(
    exportEnvFile(
      { ...full, redirect_uris: ['com.example.app:/cb', 'http://127.0.0.1/callback'] },
      { issuer: 'x' },
    ),
  )
  expect(native.OAUTH_REDIRECT_URI).toBe('http://127.0.0.1/callback')
})

test.each(everyClient)(
  'the .env export of %s names every variable its starter reads, and no other',
  (_name, metadata) => {
    const source = exportStarterSnippet(metadata)
    const env = parseEnvFile(exportEnvFile(metadata, { issuer: 'https://id.example.com' }))
    expect(Object.keys(env).sort()).toEqual(settingsRead(source))
    // Settings are read only through the two helpers, so the list above is complete.
    expect(source.match(/process\.env\[/g)).toHaveLength(2)
  },
)

test('the starter runs the client’s own grant and authentication, never a code flow it cannot use', () => {
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
  expect(exportStarterSnippet(full)).toMatch(/importKey\('pkcs8'[\s\S]*PrivateKeyJwt/)
  // Review 2026-12, Factual 2: these fell back to authorization_code and read OAUTH_REDIRECT_URI.
  const jwtBearer = { grant_types: [grantTypes.jwtBearer], token_endpoint_auth_method: 'none' }
  const exchange = { grant_types: [grantTypes.tokenExchange] }
  expect(pickStarterGrant(jwtBearer)).toBe('jwt_bearer')
  expect(pickStarterGrant(exchange)).toBe('token_exchange')
  expect(exportStarterSnippet(jwtBearer)).toMatch(/'urn:ietf:params:oauth:grant-type:jwt-bearer'/)
  expect(exportStarterSnippet(exchange)).toMatch(/subject_token: subjectToken/)
  for (const source of [exportStarterSnippet(jwtBearer), exportStarterSnippet(exchange)]) {
    expect(settingsRead(source)).not.toContain('OAUTH_REDIRECT_URI')
  }
  // Only oauth4webapi and Node's own modules.
  for (const [, metadata] of everyClient) {
    const imports = [...exportStarterSnippet(metadata).matchAll(/from '([^']+)'/g)].map(
      (match) => match[1],
    )
    for (const name of imports) expect(name).toMatch(/^(oauth4webapi|node:[\w/]+)$/)
  }
})

test('Ed25519 is named Ed25519 (RFC 9864) in the starter and the oidc-provider module, even for an EdDSA import', () => {
  for (const alg of ['EdDSA', 'Ed25519']) {
    const metadata: ClientMetadata = {
      ...full,
      token_endpoint_auth_signing_alg: alg,
      id_token_signed_response_alg: alg,
    }
    const starter = exportStarterSnippet(metadata)
    expect(starter).toContain("{ name: 'Ed25519' }")
    expect(starter).not.toContain('EdDSA')
    const module = exportOidcProviderModule(metadata)
    expect(module).toContain("token_endpoint_auth_signing_alg: 'Ed25519'")
    expect(module).toContain("id_token_signed_response_alg: 'Ed25519'")
    expect(module).not.toContain('EdDSA')
  }
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

test('a CIBA client exports with its grant switched on everywhere and its delivery mode kept', () => {
  const ciba: ClientMetadata = {
    client_name: 'Call-centre app',
    grant_types: [grantTypes.ciba],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile orders:read',
    backchannel_token_delivery_mode: 'poll',
  }
  // Keycloak: the client's CIBA switch; the realm holds the mode, the notes say so.
  const keycloak = toKeycloakClient(ciba)
  expect(keycloak.attributes?.['oidc.ciba.grant.enabled']).toBe('true')
  expect(keycloakNotes(ciba).join(' ')).toMatch(/CIBA Policy.*poll/)
  const back = fromKeycloakClient(keycloak)
  expect(back.ok && back.metadata).toMatchObject({
    grant_types: [grantTypes.ciba],
    backchannel_token_delivery_mode: 'poll',
  })
  // A client made in Keycloak itself polls: the realm's CIBA policy defaults to poll.
  const { 'grantlab.backchannel.token.delivery.mode': _mode, ...plain } = keycloak.attributes ?? {}
  const made = fromKeycloakClient({ ...keycloak, attributes: plain })
  expect(made.ok && made.metadata.backchannel_token_delivery_mode).toBe('poll')
  // oidc-provider: the ciba feature in poll mode, and the hook the user's device calls.
  const module = exportOidcProviderModule(ciba)
  expect(module).toMatch(/ciba: \{\n\s+enabled: true,\n\s+deliveryModes: \['poll'\],/)
  expect(module).toContain(
    'export async function answerBackchannelRequest(provider, authReqId, allowed)',
  )
  expect(module).toContain("backchannel_token_delivery_mode: 'poll'")
  // The starter: a CIBA program that reads the user to ask, and no redirect URI.
  expect(pickStarterGrant(ciba)).toBe('ciba')
  const starter = exportStarterSnippet(ciba)
  expect(starter).toMatch(
    /backchannelAuthenticationRequest[\s\S]*backchannelAuthenticationGrantRequest[\s\S]*slow_down/,
  )
  expect(settingsRead(starter)).toContain('OAUTH_LOGIN_HINT')
  expect(settingsRead(starter)).not.toContain('OAUTH_REDIRECT_URI')
  expect(
    Object.keys(parseEnvFile(exportEnvFile(ciba, { issuer: 'https://id.example.com' }))),
  ).toContain('OAUTH_LOGIN_HINT')
})

test('a service on private_key_jwt may send its platform’s JWT, in the starter and the oidc-provider module (decision 135)', () => {
  const workload = recommend({ app: 'service', assertion: 'yes', assurance: 'standard' }).client
  expect(workload).toMatchObject({
    token_endpoint_auth_method: 'private_key_jwt',
    jwks_uri: 'https://platform.example.com/.well-known/jwks.json',
  })
  const job = recommend({ app: 'service', assertion: 'no', assurance: 'high' }).client
  const exchanger = recommend({ app: 'api', assertion: 'yes', assurance: 'high' }).client
  for (const service of [workload, job, exchanger]) {
    expect(mayUsePlatformAssertion(service)).toBe(true)
    const env = parseEnvFile(exportEnvFile(service, { issuer: 'https://id.example.com' }))
    // Both ways are offered: the platform's JWT (left empty to fill in) or the client's own key.
    expect(env).toMatchObject({
      OAUTH_CLIENT_ASSERTION_FILE: '',
      OAUTH_CLIENT_ASSERTION: '',
      OAUTH_PRIVATE_KEY_FILE: './client-private-key.pem',
    })
    expect(exportStarterSnippet(service)).toMatch(
      /platformAssertion\(assertionFile, assertionValue\)[\s\S]*oauth\.PrivateKeyJwt/,
    )
    expect(starterNotes(service).join('\n')).toMatch(/OAUTH_CLIENT_ASSERTION_FILE/)
    const module = exportOidcProviderModule(service)
    expect(module).toContain('export const assertionPlatform = null')
    expect(module).toMatch(/export async function setup\(provider\) \{[\s\S]*provider\.use\(/)
    expect(oidcProviderNotes(service).join('\n')).toMatch(/`assertionPlatform`/)
  }
  // A client with a user signs its own assertions at the PAR and token endpoints: no switch.
  for (const withUser of [full, recommend({ app: 'web', assurance: 'high' }).client]) {
    expect(mayUsePlatformAssertion(withUser)).toBe(false)
    expect(exportStarterSnippet(withUser)).not.toContain('OAUTH_CLIENT_ASSERTION')
    expect(exportOidcProviderModule(withUser)).not.toContain('assertionPlatform')
  }
  // Nor does a client that does not use private_key_jwt.
  const service = presets.find((preset) => preset.id === 'service')?.metadata ?? {}
  expect(mayUsePlatformAssertion(service)).toBe(false)
  expect(exportOidcProviderModule(service)).not.toContain('assertionPlatform')
})
