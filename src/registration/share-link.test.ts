import { expect, test } from 'vitest'
import type { ClientMetadata } from './client-metadata.ts'
import { presets } from './presets.ts'
import { createShareLink, readShareLink } from './share-link.ts'

const secretive: ClientMetadata = {
  ...(presets.find((preset) => preset.id === 'web')?.metadata ?? {}),
  client_secret: 'top-secret-value-123',
  token_endpoint_auth_method: 'private_key_jwt',
  jwks: {
    keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'xx', y: 'yy', d: 'private-scalar-abc' }],
  },
}

test('a share link round-trips the configuration through the URL fragment', async () => {
  for (const preset of presets) {
    const { url, stripped } = await createShareLink(preset.metadata, 'http://127.0.0.1:4173')
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:4173\/configure#config=[A-Za-z0-9_-]+$/)
    expect(stripped).toEqual([])
    const read = await readShareLink(new URL(url).hash)
    expect(read?.ok && read.metadata).toEqual(preset.metadata)
  }
})

test('a share link never carries the client secret or private key members, and says what it left out', async () => {
  const { url, stripped } = await createShareLink(secretive, 'https://grantlab.example')
  expect(stripped).toEqual(['client_secret', 'jwks.keys[0].d'])
  const read = await readShareLink(new URL(url).hash)
  const text = JSON.stringify(read)
  expect(text).not.toContain('top-secret-value-123')
  expect(text).not.toContain('private-scalar-abc')
  expect(read?.ok && read.metadata.jwks?.keys[0]).toEqual({
    kty: 'EC',
    crv: 'P-256',
    kid: 'k1',
    x: 'xx',
    y: 'yy',
  })
})

test('a hand-made link carrying a secret has it dropped on reading, with a warning', async () => {
  const bytes = new TextEncoder().encode(
    JSON.stringify({ client_name: 'x', client_secret: 'leak' }),
  )
  const compressed = new Uint8Array(
    await new Response(
      new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw')),
    ).arrayBuffer(),
  )
  const encoded = Buffer.from(compressed).toString('base64url')
  const read = await readShareLink(`#config=${encoded}`)
  expect(read?.ok && read.metadata).toEqual({ client_name: 'x' })
  expect(read?.warnings.map((warning) => warning.field)).toEqual(['client_secret'])
})

test('a damaged or oversized share link gives a clear error, and no fragment means no link', async () => {
  const damaged = await readShareLink('#config=not-deflate')
  expect(damaged?.ok).toBe(false)
  if (damaged && !damaged.ok) expect(damaged.errors[0]?.message).toMatch(/damaged/)
  const bomb = new TextEncoder().encode(
    JSON.stringify({ client_name: 'a'.repeat(3 * 1024 * 1024) }),
  )
  const compressed = new Uint8Array(
    await new Response(
      new Blob([bomb]).stream().pipeThrough(new CompressionStream('deflate-raw')),
    ).arrayBuffer(),
  )
  const oversized = await readShareLink(`#config=${Buffer.from(compressed).toString('base64url')}`)
  expect(oversized?.ok).toBe(false)
  expect(await readShareLink('')).toBeUndefined()
  expect(await readShareLink('#other=1')).toBeUndefined()
})
