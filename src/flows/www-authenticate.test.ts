import { expect, test } from 'vitest'
import { parseChallenges } from './www-authenticate.ts'

test('the MCP server’s 401 challenge: realm, scope and resource_metadata', () => {
  expect(
    parseChallenges(
      'Bearer realm="grantlab-mcp", scope="orders:read", resource_metadata="http://127.0.0.1:4173/.well-known/oauth-protected-resource/mcp"',
    ),
  ).toEqual([
    {
      scheme: 'bearer',
      parameters: {
        realm: 'grantlab-mcp',
        scope: 'orders:read',
        resource_metadata: 'http://127.0.0.1:4173/.well-known/oauth-protected-resource/mcp',
      },
    },
  ])
})

test('several challenges, token values, escapes, commas inside quotes and case-insensitive names', () => {
  expect(
    parseChallenges(
      'Basic realm="a, b", charset=UTF-8, DPoP algs="ES256 PS256", Bearer Error="invalid_token", error_description="say \\"hi\\""',
    ),
  ).toEqual([
    { scheme: 'basic', parameters: { realm: 'a, b', charset: 'UTF-8' } },
    { scheme: 'dpop', parameters: { algs: 'ES256 PS256' } },
    { scheme: 'bearer', parameters: { error: 'invalid_token', error_description: 'say "hi"' } },
  ])
})

test('a token68 and a bare scheme; malformed pieces are skipped, never thrown', () => {
  expect(parseChallenges('Negotiate dXNlcjpwYXNz==, Bearer')).toEqual([
    { scheme: 'negotiate', parameters: {}, token68: 'dXNlcjpwYXNz==' },
    { scheme: 'bearer', parameters: {} },
  ])
  expect(parseChallenges('Bearer realm="unterminated, scope=x')).toEqual([
    { scheme: 'bearer', parameters: {} },
  ])
  expect(parseChallenges('')).toEqual([])
  expect(parseChallenges(', ,')).toEqual([])
})
