import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose'
import { expect, test, vi } from 'vitest'
import {
  maxClientMetadataBytes,
  maxListEntries,
  maxRegisteredClients,
  maxUriLength,
} from './endpoints/register'
import { jwtBearerGrantType } from './grants/jwt-bearer'
import { maxRegisteredKeys } from './registration-jwks'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import { asAdmin, authorizeUrl, basic, get, postForm, register } from './test-support'

async function expectRefused(response: Response, error = 'invalid_client_metadata') {
  expect(response.status).toBe(400)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = await response.json()
  expect(body.error).toBe(error)
  return body.error_description as string
}

// --- JWT bearer: trust comes from an administrator, not from registering a key (056) ---

async function assertionIssuer(
  t: TestAuthorizationServer,
  headers: Record<string, string>,
  metadata: Record<string, unknown> = {},
) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' }
  const response = await register(
    t,
    {
      token_endpoint_auth_method: 'none',
      grant_types: [jwtBearerGrantType],
      scope: 'profile orders:read orders:write',
      jwks: { keys: [jwk] },
      ...metadata,
    },
    headers,
  )
  expect(response.status).toBe(201)
  const body = await response.json()
  const now = Math.floor(t.clock.now() / 1000)
  const assertion = (claims: JWTPayload = {}) =>
    new SignJWT({
      iss: body.client_id,
      sub: 'alice',
      aud: t.deps.issuer,
      exp: now + 60,
      jti: crypto.randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(privateKey)
  const mint = async (scope: string) =>
    postForm(t, '/token', {
      grant_type: jwtBearerGrantType,
      client_id: body.client_id,
      assertion: await assertion(),
      scope,
    })
  return { body, mint }
}

test('a self-registered client cannot mint alice’s tokens with its own key, orders:write or not', async () => {
  const t = createTestAuthorizationServer()
  const { mint } = await assertionIssuer(t, {})
  for (const scope of ['orders:write', 'profile']) {
    const description = await expectRefused(await mint(scope), 'invalid_grant')
    expect(description).toMatch(/^iss: .* no administrator trusts it/)
  }
})

test('a registration with the demo administrator’s initial access token makes a trusted issuer', async () => {
  const t = createTestAuthorizationServer()
  const { mint, body } = await assertionIssuer(t, asAdmin)
  const response = await mint('orders:read')
  expect(response.status).toBe(200)
  expect((await response.json()).scope).toBe('orders:read')
  // The trust is the server's decision, not registered metadata: it is not echoed.
  expect(body.trustedAssertionIssuer).toBeUndefined()
})

test('a trusted issuer still gets only the scopes it registered', async () => {
  const t = createTestAuthorizationServer()
  const { mint } = await assertionIssuer(t, asAdmin, { scope: 'profile' })
  expect((await mint('profile')).status).toBe(200)
  await expectRefused(await mint('orders:write'), 'invalid_scope')
})

test('metadata cannot claim trust, resource-server audiences or legacy status', async () => {
  const t = createTestAuthorizationServer()
  const { mint, body } = await assertionIssuer(
    t,
    {},
    {
      trustedAssertionIssuer: true,
      trusted_assertion_issuer: true,
      resourceAudiences: [`${t.deps.appOrigin}/api`],
      legacy: true,
    },
  )
  expect(body.trustedAssertionIssuer).toBeUndefined()
  expect(body.resourceAudiences).toBeUndefined()
  expect(body.legacy).toBeUndefined()
  await expectRefused(await mint('profile'), 'invalid_grant')
})

const badInitialTokens: [string, string][] = [
  ['a wrong bearer token', 'Bearer not-the-admin-token'],
  ['the admin token with another scheme', 'Basic grantlab-demo-admin-initial-access-token'],
  ['an empty bearer token', 'Bearer '],
  ['the admin token with a suffix', 'Bearer grantlab-demo-admin-initial-access-tokenX'],
]

test.each(badInitialTokens)(
  'registration with %s is 401 invalid_token with a Bearer challenge, and registers nothing',
  async (_, authorization) => {
    const t = createTestAuthorizationServer()
    const response = await register(t, { grant_types: ['client_credentials'] }, { authorization })
    expect(response.status).toBe(401)
    expect((await response.json()).error).toBe('invalid_token')
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="grantlab-registration", error="invalid_token"/,
    )
    expect(await t.deps.store.list('clients')).toEqual([])
  },
)

test('registered clients get only their registered scopes at every grant', async () => {
  const t = createTestAuthorizationServer()
  const m2m = await (
    await register(t, { grant_types: ['client_credentials'], scope: 'orders:read' })
  ).json()
  const cc = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', scope: 'orders:write' },
    { authorization: basic(m2m.client_id, m2m.client_secret) },
  )
  await expectRefused(cc, 'invalid_scope')
  const web = await (
    await register(t, {
      token_endpoint_auth_method: 'none',
      redirect_uris: ['https://app.example/cb'],
      scope: 'openid',
    })
  ).json()
  const authorize = await get(
    t,
    await authorizeUrl(t, {
      client_id: web.client_id,
      redirect_uri: 'https://app.example/cb',
      scope: 'openid orders:write',
    }),
  )
  const location = new URL(authorize.headers.get('location') ?? '')
  expect(location.searchParams.get('error')).toBe('invalid_scope')
})

// --- caps on open registration (077) ---

test('registration refuses metadata larger than the per-client limit', async () => {
  const t = createTestAuthorizationServer()
  const uris = Array.from(
    { length: maxListEntries },
    (_, index) => `https://app.example/${'a'.repeat(900)}/${index}`,
  )
  const description = await expectRefused(await register(t, { redirect_uris: uris }))
  expect(description).toMatch(new RegExp(`at most ${maxClientMetadataBytes} per client`))
  expect(await t.deps.store.list('clients')).toEqual([])
})

const oversized: [string, Record<string, unknown>][] = [
  [
    `${maxListEntries + 1} redirect URIs`,
    {
      redirect_uris: Array.from({ length: maxListEntries + 1 }, (_, i) => `https://a.example/${i}`),
    },
  ],
  [
    'a redirect URI over the length limit',
    { redirect_uris: [`https://a.example/${'a'.repeat(maxUriLength)}`] },
  ],
  [
    `${maxListEntries + 1} contacts`,
    {
      grant_types: ['client_credentials'],
      contacts: Array.from({ length: maxListEntries + 1 }, (_, i) => `ops${i}@example.org`),
    },
  ],
  [
    'a software_id over 200 characters',
    { grant_types: ['client_credentials'], software_id: 'x'.repeat(201) },
  ],
]

test.each(oversized)('registration refuses %s', async (_, metadata) => {
  const t = createTestAuthorizationServer()
  await expectRefused(await register(t, metadata))
})

test('registration stops at the client limit, also for concurrent requests at the edge', async () => {
  const t = createTestAuthorizationServer()
  const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  const small = { grant_types: ['client_credentials'], scope: 'orders:read' }
  for (let index = 0; index < maxRegisteredClients - 10; index += 1) {
    const response = await register(t, small)
    if (response.status !== 201) throw new Error(`registration ${index}: ${response.status}`)
  }
  // Refused registrations do not use up a place.
  for (let index = 0; index < 5; index += 1) {
    await expectRefused(
      await register(t, { redirect_uris: ['javascript:alert(1)'] }),
      'invalid_redirect_uri',
    )
  }
  const race = await Promise.all(Array.from({ length: 20 }, () => register(t, small)))
  const statuses = race.map((response) => response.status)
  expect(statuses.filter((status) => status === 201)).toHaveLength(10)
  expect(statuses.filter((status) => status === 400)).toHaveLength(10)
  const refused = race.find((response) => response.status === 400) as Response
  expect((await refused.json()).error_description).toMatch(
    new RegExp(`already holds ${maxRegisteredClients} registered clients`),
  )
  expect(await t.deps.store.list('clients')).toHaveLength(maxRegisteredClients)
  // The demo clients still work.
  const token = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', scope: 'orders:read' },
    { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') },
  )
  expect(token.status).toBe(200)
  expect(errors).not.toHaveBeenCalled()
  errors.mockRestore()
})

// --- logo_uri, client_uri, policy_uri, tos_uri: http(s) URLs only (RFC 7591 §2, §5) ---

const webUriFields = ['logo_uri', 'client_uri', 'policy_uri', 'tos_uri'] as const

const badWebUris: [string, unknown][] = [
  ['javascript:', 'javascript:alert(document.cookie)'],
  ['JavaScript: in capitals', 'JAVASCRIPT:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['vbscript:', 'vbscript:msgbox(1)'],
  ['markup after an https URL', 'https://a.example/"><script>alert(1)</script>'],
  ['a space', 'https://a.example/a b'],
  ['ftp', 'ftp://a.example/logo.png'],
  ['a relative reference', '/logo.png'],
  ['a scheme-relative reference', '//a.example/logo.png'],
  ['no host', 'https://'],
  ['a number', 42],
  ['an array', ['https://a.example/']],
  ['an over-long URL', `https://a.example/${'a'.repeat(maxUriLength)}`],
]

const uriCases = webUriFields.flatMap((field) =>
  badWebUris.map(([name, value]) => [`${field} with ${name}`, field, value] as const),
)

test.each(uriCases)('registration refuses %s', async (_, field, value) => {
  const t = createTestAuthorizationServer()
  const description = await expectRefused(
    await register(t, { grant_types: ['client_credentials'], [field]: value }),
  )
  expect(description).toContain(`${field} must be an absolute http or https URL`)
})

test('registration keeps http(s) web URLs exactly as sent', async () => {
  const t = createTestAuthorizationServer()
  const values = {
    logo_uri: 'https://client.example.org/logo.png',
    client_uri: 'http://localhost:3000/',
    policy_uri: 'https://client.example.org/privacy?lang=en',
    tos_uri: 'https://client.example.org/tos#terms',
  }
  const response = await register(t, { grant_types: ['client_credentials'], ...values })
  expect(response.status).toBe(201)
  expect(await response.json()).toMatchObject(values)
})

// --- jwks: members and depth checked, never a 500 (077) ---

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`
}

const ecKey = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
}

const badJwks: [string, string][] = [
  [
    '20,000 nested arrays in a key member',
    `{"keys":[{"kty":"EC","crv":"P-256","x":${nested(20_000)},"y":"a"}]}`,
  ],
  ['20,000 nested arrays as the keys', `{"keys":${nested(20_000)}}`],
  [
    '20,000 nested arrays in key_ops',
    `{"keys":[${JSON.stringify({ ...ecKey, kid: 'k' }).slice(0, -1)},"key_ops":${nested(20_000)}}]}`,
  ],
  ['keys as an object', '{"keys":{"kty":"EC"}}'],
  ['no keys', '{"keys":[]}'],
  [
    `${maxRegisteredKeys + 1} keys`,
    JSON.stringify({ keys: Array(maxRegisteredKeys + 1).fill(ecKey) }),
  ],
  ['a key that is a string', '{"keys":["EC"]}'],
  ['a private EC key', JSON.stringify({ keys: [{ ...ecKey, d: 'private' }] })],
  ['a symmetric key', JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })],
  ['an unknown key type', JSON.stringify({ keys: [{ kty: 'XYZ', x: 'a' }] })],
  ['an EC key without y', JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: ecKey.x }] })],
  [
    'an RSA key with a numeric modulus',
    JSON.stringify({ keys: [{ kty: 'RSA', n: 12345, e: 'AQAB' }] }),
  ],
  ['a member that is not base64url', JSON.stringify({ keys: [{ ...ecKey, x: 'not base64!' }] })],
  ['a kid of 300 characters', JSON.stringify({ keys: [{ ...ecKey, kid: 'k'.repeat(300) }] })],
  ['key_ops of objects', JSON.stringify({ keys: [{ ...ecKey, key_ops: [{ op: 'verify' }] }] })],
]

test.each(badJwks)(
  'registration refuses jwks with %s as invalid_client_metadata',
  async (_, jwks) => {
    const t = createTestAuthorizationServer()
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const response = await t.server.handle(
        new Request(`${t.deps.issuer}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":${jwks}}`,
        }),
      )
      const description = await expectRefused(response)
      expect(description).toMatch(/^jwks: /)
      expect(errors).not.toHaveBeenCalled()
    } finally {
      errors.mockRestore()
    }
  },
)

test('registration keeps only the JWK members it understands, and drops anything nested', async () => {
  const t = createTestAuthorizationServer()
  const response = await t.server.handle(
    new Request(`${t.deps.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[${JSON.stringify({ ...ecKey, kid: 'k1', alg: 'ES256', use: 'sig', key_ops: ['verify'] }).slice(0, -1)},"x5c":${nested(5_000)},"extension":{"a":{"b":1}}}],"other":${nested(5_000)}},"unknown_field":${nested(10_000)}}`,
    }),
  )
  expect(response.status).toBe(201)
  const body = await response.json()
  expect(body.jwks).toEqual({
    keys: [{ ...ecKey, kid: 'k1', alg: 'ES256', use: 'sig', key_ops: ['verify'] }],
  })
  expect(body.unknown_field).toBeUndefined()
})

test('a real key registered for private_key_jwt still authenticates', async () => {
  const t = createTestAuthorizationServer()
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  const registered = await (
    await register(t, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      scope: 'orders:read',
      jwks: { keys: [jwk] },
    })
  ).json()
  const now = Math.floor(t.clock.now() / 1000)
  const assertion = await new SignJWT({
    iss: registered.client_id,
    sub: registered.client_id,
    aud: t.deps.issuer,
    exp: now + 60,
    jti: crypto.randomUUID(),
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .sign(privateKey)
  const response = await postForm(t, '/token', {
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  })
  expect(response.status).toBe(200)
})
