import { type ParseResult, parseClientMetadata, parseJsonText } from './client-metadata.ts'
import { fromKeycloakClient, looksLikeKeycloakClient } from './exporters/keycloak.ts'

export type ImportFormat = 'rfc7591' | 'keycloak'

export type ImportResult = ParseResult & { format: ImportFormat }

/**
 * Reads pasted, uploaded or dropped text: RFC 7591 metadata (a registration request or
 * response), or a Keycloak client export, told apart by Keycloak's camelCase fields. A realm
 * export with exactly one client is unwrapped.
 */
export function importClientText(text: string): ImportResult {
  const json = parseJsonText(text)
  if (!json.ok) return { ok: false, errors: [json.error], warnings: [], format: 'rfc7591' }
  let value = json.value
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Array.isArray((value as { clients?: unknown }).clients) &&
    (value as { clients: unknown[] }).clients.length === 1
  ) {
    value = (value as { clients: unknown[] }).clients[0]
  }
  if (looksLikeKeycloakClient(value)) return { ...fromKeycloakClient(value), format: 'keycloak' }
  return { ...parseClientMetadata(value), format: 'rfc7591' }
}

/** A File from an input or a drop: the size is checked before a single byte is read. */
export async function importClientFile(
  file: Pick<File, 'size' | 'text' | 'name'>,
  maxBytes: number,
): Promise<ImportResult> {
  if (file.size > maxBytes) {
    const megabytes = (file.size / (1024 * 1024)).toFixed(1)
    return {
      ok: false,
      errors: [
        {
          severity: 'error',
          field: '',
          message: `"${file.name}" is ${megabytes} MB; client metadata is a few kilobytes, so imports stop at ${(maxBytes / (1024 * 1024)).toFixed(1)} MB.`,
        },
      ],
      warnings: [],
      format: 'rfc7591',
    }
  }
  return importClientText(await file.text())
}
