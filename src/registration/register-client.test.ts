import { expect, test } from 'vitest'
import { compareRegistration, registrationBody } from './register-client.ts'

test('the registration body leaves out what only the server issues', () => {
  expect(
    registrationBody({ client_name: 'A', client_id: 'old', client_secret: 's', scope: 'openid' }),
  ).toEqual({ client_name: 'A', scope: 'openid' })
})

test('the comparison tells kept, changed, added and dropped fields apart, ignoring issued ones', () => {
  const comparison = compareRegistration(
    { client_name: 'A', scope: 'openid', dpop_bound_access_tokens: true },
    {
      client_id: 'c1',
      client_secret: 's',
      client_secret_expires_at: 0,
      client_name: 'A',
      scope: 'openid profile',
      response_types: ['code'],
    },
  )
  expect(comparison).toEqual([
    { field: 'client_name', outcome: 'kept', sent: 'A', received: 'A' },
    { field: 'scope', outcome: 'changed', sent: 'openid', received: 'openid profile' },
    { field: 'dpop_bound_access_tokens', outcome: 'dropped', sent: true },
    { field: 'response_types', outcome: 'added', received: ['code'] },
  ])
})
