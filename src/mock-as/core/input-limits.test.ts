import { expect, test } from 'vitest'
import { maxQueryLength, parseParameters } from './http'
import { createTestAuthorizationServer } from './test-server'
import { authorizeUrl, get } from './test-support'

/** Many distinct names, each sent twice: the input that made parsing quadratic. */
function repeatedNames(count: number): string {
  return Array.from({ length: count }, (_, index) => `p${index}=1&p${index}=2`).join('&')
}

const longQuery = `x=${'a'.repeat(maxQueryLength)}`

const jsonEndpoints: [string, string][] = [
  ['discovery', '/as/.well-known/openid-configuration'],
  ['RFC 8414 metadata', '/.well-known/oauth-authorization-server/as'],
  ['jwks', '/as/jwks'],
  ['userinfo', '/as/userinfo'],
  ['the demo API', '/api/profile'],
]

test.each(jsonEndpoints)(
  'a query string over the limit at %s is 414 with the RFC error JSON',
  async (_, path) => {
    const t = createTestAuthorizationServer()
    const response = await get(t, `http://127.0.0.1:4173${path}?${longQuery}`)
    expect(response.status).toBe(414)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = await response.json()
    expect(body.error).toBe('invalid_request')
    expect(body.error_description).toContain(`longer than ${maxQueryLength}`)
  },
)

test('a long authorization link gets a 414 error page, not a redirect and not a parse', async () => {
  const t = createTestAuthorizationServer()
  const url = `${await authorizeUrl(t)}&${repeatedNames(110_000)}`
  expect(url.length).toBeGreaterThan(1_900_000)
  const response = await get(t, url)
  expect(response.status).toBe(414)
  expect(response.headers.get('content-type')).toMatch(/^text\/html/)
  expect(response.headers.get('location')).toBeNull()
  expect(await response.text()).toContain('PAR endpoint')
})

test('a long link to the device verification page gets the 414 page too', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(t, `${t.deps.issuer}/device?user_code=${'B'.repeat(maxQueryLength)}`)
  expect(response.status).toBe(414)
  expect(response.headers.get('content-type')).toMatch(/^text\/html/)
})

test('a long query on a POST endpoint is 414 JSON before the body is read', async () => {
  const t = createTestAuthorizationServer()
  const response = await t.server.handle(
    new Request(`${t.deps.issuer}/token?${longQuery}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    }),
  )
  expect(response.status).toBe(414)
  expect((await response.json()).error).toBe('invalid_request')
})

test('a query just under the limit is still parsed as usual', async () => {
  const t = createTestAuthorizationServer()
  const base = await authorizeUrl(t)
  const padding = maxQueryLength - new URL(base).search.length - '&ui_hint='.length
  const response = await get(t, `${base}&ui_hint=${'a'.repeat(padding)}`)
  expect(new URL(`${base}&ui_hint=${'a'.repeat(padding)}`).search.length).toBe(maxQueryLength)
  expect(response.status).toBe(200)
  expect(await response.text()).toContain('name="password"')
})

test('parsing finds every repeated name once, in order, however many there are', () => {
  const parsed = parseParameters(new URLSearchParams(repeatedNames(50_000)))
  expect(parsed.repeated).toHaveLength(50_000)
  expect(parsed.repeated.slice(0, 3)).toEqual(['p0', 'p1', 'p2'])
  expect(parsed.values.get('p49999')).toBe('1')
})

test('a form with thousands of repeated names is refused with a short description', async () => {
  const t = createTestAuthorizationServer()
  const response = await t.server.handle(
    new Request(`${t.deps.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: repeatedNames(4_000),
    }),
  )
  expect(response.status).toBe(400)
  const body = await response.json()
  expect(body).toEqual({
    error: 'invalid_request',
    error_description: 'Parameters must not be repeated: p0, p1, p2, p3, p4 and 3995 more.',
  })
})

test('a PAR request with repeated names gets the same short description', async () => {
  const t = createTestAuthorizationServer()
  const repeated = await t.server.handle(
    new Request(`${t.deps.issuer}/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=grantlab-spa&${repeatedNames(300)}`,
    }),
  )
  expect(repeated.status).toBe(400)
  expect((await repeated.json()).error_description).toBe(
    'Parameters must not be repeated: p0, p1, p2, p3, p4 and 295 more.',
  )
})
