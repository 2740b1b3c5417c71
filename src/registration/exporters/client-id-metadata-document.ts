import { type ClientMetadata, normalizeMetadata } from '../client-metadata.ts'

/**
 * A Client ID Metadata Document: the client's metadata as JSON, to host at the https URL that is
 * its `client_id` (draft-ietf-oauth-client-id-metadata-document §3, §4.1; the MCP authorization
 * specification's recommended registration). The document must name that URL as its own
 * `client_id`, and it can carry no secret: a server refuses shared-secret methods.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
export const documentPath = '/oauth/client-metadata.json'

/** Servers may refuse larger documents (draft §6.6 recommends this limit). */
export const recommendedMaxBytes = 5 * 1024

const secretMethods = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt']

function isUrl(value: string | undefined, protocols: readonly string[]): value is string {
  if (value === undefined) return false
  try {
    return protocols.includes(new URL(value).protocol)
  } catch {
    return false
  }
}

/**
 * The URL the document will live at: the client's client_id when that already is a URL, else a
 * path below its home page (`client_uri`) or its first https redirect URI's origin, else a
 * placeholder on app.example.com.
 */
export function documentUrl(metadata: ClientMetadata): { url: string; placeholder: boolean } {
  if (isUrl(metadata.client_id, ['https:', 'http:'])) {
    return { url: metadata.client_id, placeholder: false }
  }
  const base = isUrl(metadata.client_uri, ['https:'])
    ? new URL(metadata.client_uri).origin
    : (metadata.redirect_uris ?? [])
        .filter((uri) => isUrl(uri, ['https:']))
        .map((uri) => new URL(uri).origin)[0]
  return { url: `${base ?? 'https://app.example.com'}${documentPath}`, placeholder: true }
}

/** The document: `client_id` first, then the metadata in the RFC 7591 export's order, no secret. */
export function exportClientIdMetadataDocument(metadata: ClientMetadata): string {
  const { client_id: _id, client_secret: _secret, ...rest } = normalizeMetadata(metadata)
  return `${JSON.stringify({ client_id: documentUrl(metadata).url, ...rest }, null, 2)}\n`
}

/** What the file cannot say for itself. */
export function clientIdMetadataDocumentNotes(metadata: ClientMetadata): string[] {
  const { url, placeholder } = documentUrl(metadata)
  const notes = [
    `Host this file at \`${url}\`, over https, as \`application/json\`, with no redirect: the \`client_id\` inside must be exactly that URL, and that URL is your client_id at every server that supports documents (\`client_id_metadata_document_supported\`).`,
  ]
  if (placeholder) {
    notes.push(
      `\`${url}\` is made from your ${metadata.client_uri ? '`client_uri`' : 'redirect URIs'}; if you host the document elsewhere, change the \`client_id\` in it to that URL.`,
    )
  }
  const method = metadata.token_endpoint_auth_method
  if (method === undefined) {
    notes.push(
      'Say `token_endpoint_auth_method` `none` or `private_key_jwt`: without it, RFC 7591’s default is `client_secret_basic`, a shared secret that a document cannot carry.',
    )
  } else if (secretMethods.includes(method)) {
    notes.push(
      `\`${method}\` needs a shared secret, which a metadata document cannot carry: servers refuse it. Switch \`token_endpoint_auth_method\` to \`none\` (a public client) or \`private_key_jwt\` with your public keys in the document.`,
    )
  }
  if (method === 'private_key_jwt' && metadata.jwks_uri !== undefined) {
    notes.push(
      'The Grantlab mock server does not fetch `jwks_uri`: to try the document there, put the public key in `jwks` (make a key pair above).',
    )
  }
  if (!metadata.client_name) {
    notes.push(
      'Add a `client_name`: the MCP specification requires it, and the consent page shows it.',
    )
  }
  const bytes = new TextEncoder().encode(exportClientIdMetadataDocument(metadata)).byteLength
  if (bytes > recommendedMaxBytes) {
    notes.push(
      `The document is ${bytes} bytes; servers may refuse more than ${recommendedMaxBytes} (draft section 6.6).`,
    )
  }
  return notes
}
