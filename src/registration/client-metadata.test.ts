import { expect, test } from 'vitest'
import {
  containsMarkup,
  maxImportBytes,
  parseClientMetadata,
  parseClientMetadataText,
  stripSecrets,
  suggestField,
} from './client-metadata.ts'

const errorsOf = (text: string) => {
  const result = parseClientMetadataText(text)
  return result.ok ? [] : result.errors
}

test('valid RFC 7591 metadata parses into the model', () => {
  const result = parseClientMetadataText(
    JSON.stringify({
      client_name: 'App',
      redirect_uris: ['https://app.example.com/cb'],
      dpop_bound_access_tokens: true,
      jwks: { keys: [{ kty: 'EC', kid: 'k1', crv: 'P-256', x: 'a', y: 'b' }] },
    }),
  )
  expect(result.ok).toBe(true)
  if (result.ok) expect(result.metadata.jwks?.keys[0]?.kid).toBe('k1')
})

test('text that is not JSON gets a message saying so', () => {
  const [error] = errorsOf('client_name: App')
  expect(error?.message).toMatch(/not JSON/)
})

test('empty input is refused with a clear message', () => {
  expect(errorsOf('  ')[0]?.message).toMatch(/empty/)
})

test('a 5 MB input is refused before parsing, naming its size and the limit', () => {
  const big = JSON.stringify({ client_name: 'x'.repeat(5 * 1024 * 1024) })
  const [error] = errorsOf(big)
  expect(error?.message).toMatch(/5\.0 MB/)
  expect(error?.message).toMatch(/1\.0 MB/)
  expect(maxImportBytes).toBe(1024 * 1024)
})

test('a JSON array or string is not client metadata', () => {
  expect(errorsOf('[]')[0]?.message).toMatch(/JSON object/)
  expect(errorsOf('"x"')[0]?.message).toMatch(/JSON object/)
})

test('wrong types are reported at the field that is wrong', () => {
  const errors = errorsOf(
    JSON.stringify({
      redirect_uris: 'https://app.example.com/cb',
      grant_types: ['authorization_code', 7],
      dpop_bound_access_tokens: 'yes',
      client_name: 12,
      application_type: 'desktop',
      jwks: { keys: [{ kid: 'no-kty' }] },
    }),
  )
  const fields = errors.map((error) => error.field)
  expect(fields).toEqual([
    'redirect_uris',
    'grant_types[1]',
    'dpop_bound_access_tokens',
    'client_name',
    'application_type',
    'jwks.keys[0].kty',
  ])
  expect(errors[0]?.message).toMatch(/array of strings/)
})

test('unknown fields are warnings: left out, named, with the field they probably meant', () => {
  const result = parseClientMetadataText(
    JSON.stringify({ client_name: 'App', redirect_uri: 'https://a.example/cb', colour: 'blue' }),
  )
  expect(result.ok).toBe(true)
  if (!result.ok) return
  expect(result.metadata).toEqual({ client_name: 'App' })
  expect(result.warnings.map((warning) => warning.field)).toEqual(['redirect_uri', 'colour'])
  expect(result.warnings[0]?.message).toMatch(/did you mean "redirect_uris"/)
})

test('registration response fields are accepted without warnings', () => {
  const result = parseClientMetadataText(
    JSON.stringify({
      client_id: 'c1',
      client_secret: 's',
      client_secret_expires_at: 0,
      client_id_issued_at: 1,
    }),
  )
  expect(result).toEqual({
    ok: true,
    metadata: { client_id: 'c1', client_secret: 's' },
    warnings: [],
  })
})

test('__proto__, constructor and prototype keys are refused and Object.prototype stays clean', () => {
  const text =
    '{"client_name":"x","__proto__":{"polluted":true},"jwks":{"keys":[{"kty":"EC","constructor":{"prototype":{"polluted":true}}}]}}'
  const result = parseClientMetadataText(text)
  expect(result.ok).toBe(false)
  if (result.ok) return
  expect(result.errors.map((error) => error.field)).toEqual([
    '__proto__',
    'jwks.keys[0].constructor',
  ])
  expect(result.errors[0]?.message).toMatch(/prototype pollution/)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(Object.prototype).not.toHaveProperty('polluted')
})

test('a __proto__ key is reported together with the other wrong fields', () => {
  const fields = errorsOf('{"client_name": 5, "__proto__": {"x": 1}}').map((error) => error.field)
  expect(fields).toEqual(['__proto__', 'client_name'])
})

test('markup in client_name is refused', () => {
  const [error] = errorsOf(JSON.stringify({ client_name: 'Pay <img src=x onerror=alert(1)>' }))
  expect(error?.field).toBe('client_name')
  expect(error?.message).toMatch(/markup/)
  expect(containsMarkup('Tom & Jerry')).toBe(false)
  expect(containsMarkup('Tom &amp; Jerry')).toBe(true)
  expect(containsMarkup('a < b')).toBe(false)
})

test('inherited Object members are not mistaken for fields', () => {
  const result = parseClientMetadata({ toString: 'x', hasOwnProperty: 1 })
  expect(result.ok).toBe(true)
  if (result.ok) expect(result.warnings).toHaveLength(2)
})

test('suggestField maps camelCase, singulars and aliases to RFC 7591 names', () => {
  expect(suggestField('redirectUris')).toBe('redirect_uris')
  expect(suggestField('grant_type')).toBe('grant_types')
  expect(suggestField('scopes')).toBe('scope')
  expect(suggestField('favourite_colour')).toBeUndefined()
})

test('stripSecrets removes the client secret and private key members and says which', () => {
  const { metadata, stripped } = stripSecrets({
    client_name: 'x',
    client_secret: 's',
    jwks: { keys: [{ kty: 'EC', kid: 'k', x: 'a', y: 'b', d: 'private' }] },
  })
  expect(metadata).toEqual({
    client_name: 'x',
    jwks: { keys: [{ kty: 'EC', kid: 'k', x: 'a', y: 'b' }] },
  })
  expect(stripped).toEqual(['client_secret', 'jwks.keys[0].d'])
})
