import { expect, test } from 'vitest'
import { findClient } from './clients'
import { createContext } from './context'
import { createTestAuthorizationServer } from './test-server'

test('a configured client is found as one frozen copy: a request cannot change it for the next', async () => {
  const { deps } = createTestAuthorizationServer()
  const ctx = createContext(deps)
  const client = await findClient(ctx, 'grantlab-m2m')
  if (!client) throw new Error('no demo client')
  expect(await findClient(ctx, 'grantlab-m2m')).toBe(client)
  expect(() => {
    client.scope = 'admin'
  }).toThrow(TypeError)
  expect(() => client.grant_types.push('password')).toThrow(TypeError)
  // The directory's own record is untouched and still its own object.
  expect(ctx.directory.client('grantlab-m2m')).not.toBe(client)
  expect(ctx.directory.client('grantlab-m2m')?.grant_types).toEqual(client.grant_types)
  expect(await findClient(ctx, 'nobody')).toBeUndefined()
})
