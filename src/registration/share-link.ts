import { paths } from '../app/paths.ts'
import {
  type ClientMetadata,
  maxImportBytes,
  type ParseResult,
  parseClientMetadataText,
  stripSecrets,
} from './client-metadata.ts'

/**
 * A link that carries the configuration: JSON, deflate-raw compressed (CompressionStream), then
 * base64url, in the URL fragment (`/configure#config=…`) so it never reaches a server log.
 * client_secret and private key members are stripped first, and the caller is told which.
 */
async function pipe(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
  limit = Number.POSITIVE_INFINITY,
) {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(stream).getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    // A link of a few kilobytes can inflate to gigabytes: stop at the import limit.
    if (total > limit) {
      await reader.cancel()
      throw new RangeError('too large')
    }
    chunks.push(value)
  }
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'))
  return Uint8Array.from(binary, (char) => char.charCodeAt(0))
}

export const shareParameter = 'config'

export async function createShareLink(
  metadata: ClientMetadata,
  origin: string,
): Promise<{ url: string; stripped: string[] }> {
  const { metadata: safe, stripped } = stripSecrets(metadata)
  const json = new TextEncoder().encode(JSON.stringify(safe))
  const compressed = await pipe(json, new CompressionStream('deflate-raw'))
  return {
    url: `${origin}${paths.configure}#${shareParameter}=${toBase64Url(compressed)}`,
    stripped,
  }
}

/** `undefined` when the fragment carries no configuration. */
export async function readShareLink(hash: string): Promise<ParseResult | undefined> {
  const encoded = new URLSearchParams(hash.replace(/^#/, '')).get(shareParameter)
  if (encoded === null) return undefined
  let text: string
  try {
    const bytes = await pipe(
      fromBase64Url(encoded),
      new DecompressionStream('deflate-raw'),
      maxImportBytes,
    )
    text = new TextDecoder().decode(bytes)
  } catch {
    return {
      ok: false,
      errors: [
        {
          severity: 'error',
          field: '',
          message:
            'This share link is damaged (cut short, edited or oversized): its configuration cannot be read.',
        },
      ],
      warnings: [],
    }
  }
  const result = parseClientMetadataText(text)
  if (!result.ok) return result
  // A hand-made link could still carry secrets: never take them from a URL.
  const { metadata, stripped } = stripSecrets(result.metadata)
  return {
    ok: true,
    metadata,
    warnings: [
      ...result.warnings,
      ...stripped.map((field) => ({
        severity: 'warning' as const,
        field,
        message: `${field} was in the link and was dropped: secrets never travel in a URL.`,
      })),
    ],
  }
}
