import { type ClientMetadata, normalizeMetadata } from '../client-metadata.ts'

/**
 * RFC 7591 §2 client metadata as a registration request body: fields in a stable order,
 * empty values left out. A client_secret only appears if one was imported into the page.
 *
 * @see [RFC 7591 §3.1](https://www.rfc-editor.org/rfc/rfc7591#section-3.1)
 */
export function exportRfc7591(metadata: ClientMetadata): string {
  return `${JSON.stringify(normalizeMetadata(metadata), null, 2)}\n`
}
