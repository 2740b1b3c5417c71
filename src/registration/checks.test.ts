import { expect, test } from 'vitest'
import { checks, describeUri, grantTypes, runChecks } from './checks.ts'
import type { ClientMetadata } from './client-metadata.ts'
import { presets } from './presets.ts'

const web: ClientMetadata = {
  client_name: 'Web app',
  application_type: 'web',
  redirect_uris: ['https://app.example.com/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile',
}
const spa: ClientMetadata = { ...web, token_endpoint_auth_method: 'none' }
const native: ClientMetadata = {
  ...spa,
  application_type: 'native',
  redirect_uris: ['com.example.app:/callback', 'http://127.0.0.1/callback'],
}
const publicKey = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }
/** A call-centre app: the CIBA grant in poll mode (CIBA Core §4). */
const ciba: ClientMetadata = {
  client_name: 'Call-centre app',
  grant_types: ['urn:openid:params:grant-type:ciba'],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile',
  backchannel_token_delivery_mode: 'poll',
}
const pushed: ClientMetadata = {
  ...ciba,
  backchannel_token_delivery_mode: 'push',
  backchannel_client_notification_endpoint: 'https://app.example.com/ciba/notify',
}

/** For every check: an input where it fires, and a close one where it does not. */
const cases: Record<string, { fires: ClientMetadata; passes: ClientMetadata }> = {
  'code-response-needs-authorization-code-grant': {
    fires: { ...web, grant_types: ['refresh_token'] },
    passes: web,
  },
  'authorization-code-grant-needs-code-response': {
    fires: { ...web, response_types: [] },
    passes: web,
  },
  'front-channel-token-needs-implicit-grant': {
    fires: { ...web, response_types: ['code id_token'] },
    passes: {
      ...web,
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code id_token'],
    },
  },
  'implicit-grant-needs-token-response': {
    fires: { ...web, grant_types: ['authorization_code', 'implicit'] },
    passes: {
      ...web,
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code', 'id_token'],
    },
  },
  'grant-types-empty': {
    fires: { ...web, grant_types: [], response_types: [] },
    passes: web,
  },
  'implicit-deprecated': {
    fires: { ...spa, grant_types: ['implicit'], response_types: ['token'] },
    passes: {
      ...web,
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code id_token'],
    },
  },
  'password-deprecated': {
    fires: { ...web, grant_types: ['authorization_code', 'password'] },
    passes: web,
  },
  'public-client-has-secret': {
    fires: { ...spa, client_secret: 's3cret' },
    passes: { ...web, client_secret: 's3cret' },
  },
  'public-client-credentials-grant': {
    fires: { ...spa, grant_types: ['client_credentials'], response_types: [] },
    passes: { ...web, grant_types: ['client_credentials'], response_types: [] },
  },
  'public-client-pkce': { fires: spa, passes: web },
  'public-client-refresh-unbound': {
    fires: spa,
    passes: { ...spa, dpop_bound_access_tokens: true },
  },
  'auth-method-unknown': {
    fires: { ...web, token_endpoint_auth_method: 'client_secret' },
    passes: web,
  },
  'redirect-uris-missing': {
    fires: { ...web, redirect_uris: [] },
    passes: { ...web, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
  },
  'redirect-uri-invalid': {
    fires: { ...web, redirect_uris: ['/callback'] },
    passes: web,
  },
  'redirect-uri-fragment': {
    fires: { ...web, redirect_uris: ['https://app.example.com/callback#done'] },
    passes: web,
  },
  'redirect-uri-wildcard': {
    fires: { ...web, redirect_uris: ['https://*.example.com/callback'] },
    passes: web,
  },
  'redirect-uri-not-https': {
    fires: { ...web, redirect_uris: ['http://app.example.com/callback'] },
    passes: { ...native, redirect_uris: ['http://127.0.0.1:8400/callback'] },
  },
  'redirect-uri-web-loopback': {
    fires: {
      ...web,
      redirect_uris: ['http://localhost:5173/walkthrough/authorization-code/callback'],
    },
    passes: { ...native, redirect_uris: ['http://127.0.0.1/callback'] },
  },
  'redirect-uri-native-localhost': {
    fires: { ...native, redirect_uris: ['http://localhost:8400/callback'] },
    passes: native,
  },
  'redirect-uri-private-scheme-web': {
    fires: { ...web, redirect_uris: ['com.example.app:/callback'] },
    passes: native,
  },
  'redirect-uri-private-scheme-not-reverse-domain': {
    fires: { ...native, redirect_uris: ['myapp:/callback'] },
    passes: native,
  },
  'post-logout-redirect-uri-invalid': {
    fires: { ...web, post_logout_redirect_uris: ['https://app.example.com/#bye'] },
    passes: { ...web, post_logout_redirect_uris: ['https://app.example.com/'] },
  },
  'post-logout-redirect-uri-not-https': {
    fires: { ...web, post_logout_redirect_uris: ['http://app.example.com/'] },
    passes: {
      ...web,
      post_logout_redirect_uris: ['https://app.example.com/', 'http://127.0.0.1/out'],
    },
  },
  'ciba-needs-delivery-mode': {
    fires: { ...ciba, backchannel_token_delivery_mode: undefined },
    passes: ciba,
  },
  'ciba-delivery-mode-unknown': {
    fires: { ...ciba, backchannel_token_delivery_mode: 'polling' },
    passes: pushed,
  },
  'ciba-delivery-mode-without-grant': {
    fires: { ...web, backchannel_token_delivery_mode: 'poll' },
    passes: {
      ...web,
      grant_types: ['authorization_code', 'urn:openid:params:grant-type:ciba'],
      backchannel_token_delivery_mode: 'poll',
    },
  },
  'ciba-notification-endpoint-missing': {
    fires: { ...pushed, backchannel_client_notification_endpoint: undefined },
    passes: pushed,
  },
  'ciba-notification-endpoint-not-https': {
    fires: { ...pushed, backchannel_client_notification_endpoint: 'http://app.example.com/notify' },
    passes: pushed,
  },
  'ciba-public-client': {
    fires: { ...ciba, token_endpoint_auth_method: 'none' },
    passes: ciba,
  },
  'ciba-needs-openid': {
    fires: { ...ciba, scope: 'profile orders:read' },
    passes: { ...ciba, scope: undefined },
  },
  'ciba-mock-server-poll-only': {
    fires: { ...pushed, backchannel_token_delivery_mode: 'ping' },
    passes: ciba,
  },
  'jwks-and-jwks-uri': {
    fires: { ...web, jwks: { keys: [publicKey] }, jwks_uri: 'https://app.example.com/jwks' },
    passes: { ...web, jwks_uri: 'https://app.example.com/jwks' },
  },
  'jwks-private-key-material': {
    fires: { ...web, jwks: { keys: [{ ...publicKey, d: 'secret' }] } },
    passes: { ...web, jwks: { keys: [publicKey] } },
  },
  'jwks-key-without-kid': {
    fires: { ...web, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] } },
    passes: { ...web, jwks: { keys: [publicKey] } },
  },
  'private-key-jwt-needs-keys': {
    fires: { ...web, token_endpoint_auth_method: 'private_key_jwt' },
    passes: { ...web, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicKey] } },
  },
  'private-key-jwt-symmetric-alg': {
    fires: {
      ...web,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'HS256',
      jwks: { keys: [publicKey] },
    },
    passes: {
      ...web,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [publicKey] },
    },
  },
  'id-token-alg-none': {
    fires: {
      ...web,
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code id_token'],
      id_token_signed_response_alg: 'none',
    },
    passes: { ...web, id_token_signed_response_alg: 'none' },
  },
  'logo_uri-invalid': {
    fires: { ...web, logo_uri: 'logo.png' },
    passes: { ...web, logo_uri: 'https://app.example.com/logo.png' },
  },
  'logo_uri-not-https': {
    fires: { ...web, logo_uri: 'http://app.example.com/logo.png' },
    passes: { ...web, logo_uri: 'https://app.example.com/logo.png' },
  },
  'client_uri-invalid': {
    fires: { ...web, client_uri: 'app.example.com' },
    passes: { ...web, client_uri: 'https://app.example.com/' },
  },
  'client_uri-not-https': {
    fires: { ...web, client_uri: 'http://app.example.com/' },
    passes: { ...web, client_uri: 'https://app.example.com/' },
  },
  'policy_uri-invalid': {
    fires: { ...web, policy_uri: 'privacy' },
    passes: { ...web, policy_uri: 'https://app.example.com/privacy' },
  },
  'policy_uri-not-https': {
    fires: { ...web, policy_uri: 'ftp://app.example.com/privacy' },
    passes: { ...web, policy_uri: 'https://app.example.com/privacy' },
  },
  'tos_uri-invalid': {
    fires: { ...web, tos_uri: 'https:// bad' },
    passes: { ...web, tos_uri: 'https://app.example.com/terms' },
  },
  'tos_uri-not-https': {
    fires: { ...web, tos_uri: 'http://app.example.com/terms' },
    passes: { ...web, tos_uri: 'https://app.example.com/terms' },
  },
  'jwks_uri-invalid': {
    fires: { ...web, jwks_uri: 'jwks.json' },
    passes: { ...web, jwks_uri: 'https://app.example.com/jwks' },
  },
  'jwks_uri-not-https': {
    fires: { ...web, jwks_uri: 'http://app.example.com/jwks' },
    passes: { ...web, jwks_uri: 'https://app.example.com/jwks' },
  },
  'contact-not-email': {
    fires: { ...web, contacts: ['ops@example.com', 'call 555-0100'] },
    passes: { ...web, contacts: ['ops@example.com', 'mailto:security@example.com'] },
  },
  'client-name-markup': {
    fires: { ...web, client_name: 'My <b>app</b>' },
    passes: { ...web, client_name: 'Tom & Jerry’s app' },
  },
  'client-name-missing': {
    fires: { ...web, client_name: '  ' },
    passes: web,
  },
  'scope-not-space-delimited': {
    fires: { ...web, scope: 'openid,profile' },
    passes: web,
  },
}

const ids = (metadata: ClientMetadata) => runChecks(metadata).map((finding) => finding.id)

test('every check in the table has a firing and a passing case', () => {
  expect(Object.keys(cases).sort()).toEqual(checks.map((check) => check.id).sort())
})

for (const check of checks) {
  const { fires, passes } = cases[check.id] ?? { fires: {}, passes: {} }
  test(`check ${check.id} fires on a client that breaks it`, () => {
    const finding = runChecks(fires).find((item) => item.id === check.id)
    expect(finding).toBeDefined()
    expect(finding?.severity).toBe(check.severity)
    expect(finding?.field).toBe(check.field)
    expect(finding?.message.length).toBeGreaterThan(10)
    expect(finding?.fix.length).toBeGreaterThan(5)
    expect(finding?.spec.href).toMatch(/^https:\/\//)
  })
  test(`check ${check.id} stays quiet on a client that follows it`, () => {
    expect(ids(passes)).not.toContain(check.id)
  })
}

test('a redirect URI finding points at the entry it is about', () => {
  const findings = runChecks({
    ...web,
    redirect_uris: ['https://app.example.com/ok', 'https://app.example.com/cb#x'],
  })
  expect(findings.find((item) => item.id === 'redirect-uri-fragment')?.index).toBe(1)
})

test('a web redirect URI on http://localhost is a warning, not an error, so this demo app can register', () => {
  const findings = runChecks({ ...web, redirect_uris: ['http://localhost:4173/callback'] })
  expect(findings.filter((item) => item.severity === 'error')).toEqual([])
  expect(findings.map((item) => item.id)).toContain('redirect-uri-web-loopback')
})

test('absent fields take the RFC 7591 defaults: authorization_code, code, client_secret_basic', () => {
  expect(ids({ client_name: 'x', redirect_uris: ['https://a.example/cb'] })).toEqual([])
})

test('findings come errors first, then warnings, then information', () => {
  const order = runChecks({
    ...spa,
    grant_types: ['implicit', 'password'],
    response_types: ['token'],
    client_name: '',
  }).map((item) => item.severity)
  expect(order).toEqual(
    [...order].sort(
      (a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b),
    ),
  )
})

test('every preset starts with no errors and no warnings', () => {
  for (const preset of presets) {
    const serious = runChecks(preset.metadata).filter((item) => item.severity !== 'info')
    expect(serious, preset.id).toEqual([])
  }
})

test('describeUri tells loopback IP literals from the localhost name', () => {
  expect(describeUri('http://127.0.0.1:9000/cb').isLoopbackIp).toBe(true)
  expect(describeUri('http://[::1]/cb').isLoopbackIp).toBe(true)
  expect(describeUri('http://localhost/cb').isLoopbackIp).toBe(false)
  expect(describeUri('http://localhost/cb').isLocalhostName).toBe(true)
  expect(describeUri('com.example.app:/cb').isPrivateUse).toBe(true)
  expect(grantTypes.deviceCode).toBe('urn:ietf:params:oauth:grant-type:device_code')
})

test('findings cite the text that makes the rule (review 2026-12, “Citations”)', () => {
  const spec = (metadata: ClientMetadata, id: string) =>
    runChecks(metadata).find((finding) => finding.id === id)?.spec.label
  // RFC 9700 §2.6: no http redirect URIs except native loopback ones (not RFC 8252 §8.3).
  expect(
    spec({ ...web, redirect_uris: ['http://app.example.com/cb'] }, 'redirect-uri-not-https'),
  ).toBe('RFC 9700 §2.6')
  // What a web client may register is OpenID Connect Registration §2 (not RFC 8252 §7.1).
  expect(
    spec({ ...web, redirect_uris: ['com.example.app:/cb'] }, 'redirect-uri-private-scheme-web'),
  ).toBe('OpenID Connect Registration §2')
  expect(
    runChecks({
      ...web,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'HS256',
      jwks: { keys: [publicKey] },
    }).find((finding) => finding.id === 'private-key-jwt-symmetric-alg')?.fix,
  ).toMatch(/Ed25519/)
})

test('a poll-mode CIBA client has no findings but information, and the mock server agrees', () => {
  expect(runChecks(ciba).filter((item) => item.severity !== 'info')).toEqual([])
  // Ping and push are valid CIBA (no error) but the mock server refuses them: said as information.
  const ping = runChecks({ ...pushed, backchannel_token_delivery_mode: 'ping' })
  expect(ping.filter((item) => item.severity === 'error')).toEqual([])
  expect(ping.map((item) => item.id)).toContain('ciba-mock-server-poll-only')
})
