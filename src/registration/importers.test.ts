import { expect, test } from 'vitest'
import { maxImportBytes } from './client-metadata.ts'
import { importClientFile, importClientText } from './importers.ts'

test('a realm export holding one client is unwrapped and read as Keycloak', () => {
  const result = importClientText(
    JSON.stringify({
      realm: 'demo',
      clients: [{ clientId: 'one', publicClient: false, redirectUris: ['https://a.example/cb'] }],
    }),
  )
  expect(result.format).toBe('keycloak')
  expect(result.ok && result.metadata.client_id).toBe('one')
})

test('a registration response (RFC 7591 §3.2.1) imports as metadata with its client_id', () => {
  const result = importClientText(
    JSON.stringify({
      client_id: 'c-9',
      client_id_issued_at: 1,
      redirect_uris: ['https://a.example/cb'],
    }),
  )
  expect(result).toMatchObject({ ok: true, format: 'rfc7591', metadata: { client_id: 'c-9' } })
})

test('a file over the limit is refused by its size, before it is read', async () => {
  let read = false
  const result = await importClientFile(
    {
      name: 'huge.json',
      size: 5 * 1024 * 1024,
      text: async () => {
        read = true
        return '{}'
      },
    },
    maxImportBytes,
  )
  expect(read).toBe(false)
  expect(!result.ok && result.errors[0]?.message).toMatch(/"huge\.json" is 5\.0 MB/)
})

test('a small file is read and parsed like pasted text', async () => {
  const result = await importClientFile(
    { name: 'c.json', size: 20, text: async () => '{"client_name":"From file"}' },
    maxImportBytes,
  )
  expect(result.ok && result.metadata).toEqual({ client_name: 'From file' })
})
