import { expect, test, vi } from 'vitest'
import { createTestAuthorizationServer } from './test-server'

const paths = [
  '/as/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server/as',
  '/as/jwks',
  '/as/authorize',
  '/as/authorize/login',
  '/as/authorize/consent',
  '/as/token',
  '/as/userinfo',
  '/as/revoke',
  '/as/introspect',
  '/as/register',
  '/as/par',
  '/as/logout',
  '/as/logout/confirm',
  '/as/assets/style.css',
  '/api/profile',
  '/api/orders',
  '/as/unknown',
  '/api/unknown',
]

const binary = new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1])

const garbage: [string, string, RequestInit, string?][] = [
  ['invalid JSON', 'POST', { headers: { 'content-type': 'application/json' }, body: '{"a":' }],
  ['a JSON string', 'POST', { headers: { 'content-type': 'application/json' }, body: '"hello"' }],
  [
    'a huge form body',
    'POST',
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `a=${'x'.repeat(200_000)}`,
    },
  ],
  [
    'a huge JSON body',
    'POST',
    {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 'x'.repeat(200_000) }),
    },
  ],
  [
    'binary bytes as a form',
    'POST',
    { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: binary },
  ],
  [
    'binary bytes as JSON',
    'POST',
    { headers: { 'content-type': 'application/json' }, body: binary },
  ],
  ['no content type', 'POST', { body: 'grant_type=client_credentials' }],
  [
    'malformed percent-encoding in the body',
    'POST',
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=%zz&client_id=%E0%A4%A&code=%',
    },
  ],
  [
    'malformed percent-encoding in the query',
    'GET',
    {},
    '?client_id=%zz&redirect_uri=%&response_type=%E0%A4%A&scope=%%',
  ],
  [
    'a garbage Basic header',
    'POST',
    {
      headers: { authorization: 'Basic ====', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=x',
    },
  ],
  [
    'a Basic header of invalid UTF-8',
    'POST',
    {
      headers: { authorization: 'Basic /w==', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=x',
    },
  ],
  ['a garbage Bearer header', 'GET', { headers: { authorization: 'Bearer ' } }],
  ['a Bearer JWT with garbage parts', 'GET', { headers: { authorization: 'Bearer e30.e30.e30' } }],
  ['an unknown scheme', 'GET', { headers: { authorization: 'Negotiate abc' } }],
  ['a garbage cookie', 'GET', { headers: { cookie: 'grantlab_as_session=../../etc; ;;=;' } }],
  [
    'an empty form',
    'POST',
    { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' },
  ],
  [
    'a content-length lie',
    'POST',
    {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': '99999999',
      },
      body: 'a=b',
    },
  ],
  [
    'a client_assertion of garbage',
    'POST',
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c',
    },
  ],
  ['PUT', 'PUT', { body: 'x' }],
  ['DELETE', 'DELETE', {}],
  ['PATCH', 'PATCH', { body: 'x' }],
  ['OPTIONS', 'OPTIONS', {}],
  ['HEAD', 'HEAD', {}],
  ['a made-up method', 'BREW', {}],
]

const cases = paths.flatMap((path) =>
  garbage.map(
    ([name, method, init, query]) =>
      [`${method} ${path} with ${name}`, path + (query ?? ''), method, init] as const,
  ),
)

test.each(cases)('%s answers without a 5xx and without throwing', async (_, path, method, init) => {
  const t = createTestAuthorizationServer()
  const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  try {
    const response = await t.server.handle(
      new Request(`http://127.0.0.1:4173${path}`, { ...init, method }),
    )
    expect(response.status).toBeLessThan(500)
    expect(response.status).toBeGreaterThanOrEqual(200)
    const type = response.headers.get('content-type') ?? ''
    if (response.status >= 400 && !type.startsWith('text/html')) {
      expect(type).toMatch(/^application\/json/)
      expect(typeof (await response.json()).error).toBe('string')
    }
    expect(errors).not.toHaveBeenCalled()
  } finally {
    errors.mockRestore()
  }
})
