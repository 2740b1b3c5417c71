import { expect, test } from 'vitest'
import { createTestAuthorizationServer } from '../mock-as/core/test-server.ts'
import { register } from '../mock-as/core/test-support.ts'
import { runChecks } from './checks.ts'
import type { ClientMetadata } from './client-metadata.ts'

/** The Configure checks about grant and response types that agree in pairs (OIDC Registration §2). */
const pairingChecks = [
  'code-response-needs-authorization-code-grant',
  'authorization-code-grant-needs-code-response',
  'front-channel-token-needs-implicit-grant',
  'implicit-grant-needs-token-response',
]

const combinations: [string, string[], string[]][] = [
  ['code', ['authorization_code'], ['code']],
  ['code id_token with both grants', ['authorization_code', 'implicit'], ['code id_token']],
  ['code and code id_token', ['authorization_code', 'implicit'], ['code', 'code id_token']],
  ['code id_token without implicit', ['authorization_code'], ['code id_token']],
  ['code id_token without authorization_code', ['implicit'], ['code id_token']],
  ['implicit without a response type for it', ['authorization_code', 'implicit'], ['code']],
  ['authorization_code without a response type', ['authorization_code'], []],
]

test.each(combinations)(
  'Configure and the mock server agree on %s',
  async (_, grantTypes, responseTypes) => {
    const metadata: ClientMetadata = {
      client_name: 'Agreement check',
      redirect_uris: ['https://app.example.com/callback'],
      grant_types: grantTypes,
      response_types: responseTypes,
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile',
    }
    const configureErrors = runChecks(metadata).filter(
      (finding) => finding.severity === 'error' && pairingChecks.includes(finding.id),
    )
    const t = createTestAuthorizationServer()
    const response = await register(t, { ...metadata })
    expect(response.status === 201, `server said ${response.status}`).toBe(
      configureErrors.length === 0,
    )
  },
)

test('the implicit-grant check for code id_token cites OpenID Connect Registration §2', () => {
  const finding = runChecks({
    redirect_uris: ['https://app.example.com/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code id_token'],
  }).find((candidate) => candidate.id === 'front-channel-token-needs-implicit-grant')
  expect(finding?.spec.label).toBe('OpenID Connect Registration §2')
  expect(finding?.spec.href).toBe(
    'https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata',
  )
})

/** The Configure checks about CIBA registration metadata (CIBA Core §4). */
const cibaChecks = [
  'ciba-needs-delivery-mode',
  'ciba-delivery-mode-unknown',
  'ciba-delivery-mode-without-grant',
  'ciba-public-client',
  'ciba-needs-openid',
]
const cibaGrant = 'urn:openid:params:grant-type:ciba'
const cibaClients: [string, ClientMetadata][] = [
  ['a poll-mode client', { grant_types: [cibaGrant], backchannel_token_delivery_mode: 'poll' }],
  ['no delivery mode', { grant_types: [cibaGrant] }],
  ['an unknown mode', { grant_types: [cibaGrant], backchannel_token_delivery_mode: 'polling' }],
  [
    'a mode without the grant',
    {
      grant_types: ['client_credentials'],
      backchannel_token_delivery_mode: 'poll',
      scope: 'orders:read',
    },
  ],
  [
    'a public client',
    {
      grant_types: [cibaGrant],
      backchannel_token_delivery_mode: 'poll',
      token_endpoint_auth_method: 'none',
    },
  ],
  [
    'no openid',
    { grant_types: [cibaGrant], backchannel_token_delivery_mode: 'poll', scope: 'profile' },
  ],
]

test.each(cibaClients)(
  'Configure and the mock server agree on a CIBA client with %s',
  async (_, change) => {
    const metadata: ClientMetadata = {
      client_name: 'Call-centre app',
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile',
      ...change,
    }
    const configureErrors = runChecks(metadata).filter(
      (finding) => finding.severity === 'error' && cibaChecks.includes(finding.id),
    )
    const response = await register(createTestAuthorizationServer(), { ...metadata })
    expect(response.status === 201, `server said ${response.status}`).toBe(
      configureErrors.length === 0,
    )
  },
)
