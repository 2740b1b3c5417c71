import { expect, test } from 'vitest'
import { jwtBearerAssertionType } from './client-authentication'
import { createTestAuthorizationServer } from './test-server'
import { basic, postForm } from './test-support'

/**
 * RFC 9110 §15.5.2: a 401 always carries WWW-Authenticate. RFC 6749 §5.2: a client that tried
 * the Authorization header gets 401 with a challenge for its scheme; otherwise 400 is the
 * default. So every invalid_client is either 401 + `WWW-Authenticate: Basic …` (the header was
 * used) or 400 without a challenge (docs/decisions/076).
 */
const endpoints: [string, Record<string, string>][] = [
  ['/token', { grant_type: 'client_credentials' }],
  ['/par', { response_type: 'code', scope: 'openid' }],
  ['/revoke', { token: 'some-token' }],
  ['/introspect', { token: 'some-token' }],
  ['/device_authorization', { scope: 'openid' }],
]

const attempts: [string, Record<string, string>, Record<string, string>, 400 | 401][] = [
  ['no credentials at all', {}, {}, 400],
  ['an unknown client_id', { client_id: 'ghost' }, {}, 400],
  ['a confidential client without its secret', { client_id: 'grantlab-m2m' }, {}, 400],
  [
    'a wrong client_secret in the body',
    { client_id: 'grantlab-m2m', client_secret: 'wrong' },
    {},
    400,
  ],
  [
    'a client_assertion that is not a JWT',
    { client_assertion_type: jwtBearerAssertionType, client_assertion: 'a.b.c' },
    {},
    400,
  ],
  ['a wrong secret with Basic', {}, { authorization: basic('grantlab-m2m', 'wrong') }, 401],
  ['a malformed Basic header', {}, { authorization: 'Basic %%%' }, 401],
  ['Basic for an unknown client', {}, { authorization: basic('ghost', 'x') }, 401],
  [
    'another scheme in the Authorization header',
    { client_id: 'ghost' },
    { authorization: 'Bearer abc' },
    401,
  ],
]

const cases = endpoints.flatMap(([path, params]) =>
  attempts.map(
    ([name, credentials, headers, status]) =>
      [`${path} with ${name}`, path, { ...params, ...credentials }, headers, status] as const,
  ),
)

test.each(cases)(
  '%s: invalid_client is 400 without a challenge, or 401 with one',
  async (_, path, params, headers, status) => {
    const t = createTestAuthorizationServer()
    const response = await postForm(t, path, params, headers)
    expect(response.status).toBe(status)
    expect((await response.json()).error).toBe('invalid_client')
    const challenge = response.headers.get('www-authenticate')
    if (status === 401) expect(challenge).toMatch(/^Basic realm="[^"]+"/)
    else expect(challenge).toBeNull()
  },
)

test('introspection by a public client is invalid_client 400, and 401 with a challenge once a header is sent', async () => {
  const t = createTestAuthorizationServer()
  const body = await postForm(t, '/introspect', { client_id: 'grantlab-spa', token: 'x' })
  expect(body.status).toBe(400)
  expect(body.headers.get('www-authenticate')).toBeNull()
  const header = await postForm(
    t,
    '/introspect',
    { client_id: 'grantlab-spa', token: 'x' },
    { authorization: 'Bearer not-a-client-credential' },
  )
  expect(header.status).toBe(401)
  expect(header.headers.get('www-authenticate')).toMatch(/^Basic /)
})
