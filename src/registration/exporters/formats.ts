import type { ClientMetadata } from '../client-metadata.ts'
import {
  clientIdMetadataDocumentNotes,
  exportClientIdMetadataDocument,
} from './client-id-metadata-document.ts'
import { envNotes, exportEnvFile } from './env-file.ts'
import { keycloakNotes, toKeycloakClient } from './keycloak.ts'
import { exportOidcProviderModule, oidcProviderNotes } from './oidc-provider.ts'
import { exportRfc7591 } from './rfc7591.ts'
import { exportStarterSnippet, starterNotes } from './starter-snippet.ts'

export type ExportFormatId =
  | 'rfc7591'
  | 'keycloak'
  | 'oidc-provider'
  | 'env'
  | 'starter'
  | 'client-id-metadata-document'

export type ExportContext = { issuer: string }

export type ExportFormat = {
  id: ExportFormatId
  label: string
  description: string
  filename: string
  mimeType: string
  render: (metadata: ClientMetadata, context: ExportContext) => string
  /** What the file cannot say for itself: set-up in the product, placeholders to replace. */
  notes?: (metadata: ClientMetadata) => string[]
}

/** Every export, in the order the page offers them. */
export const exportFormats: ExportFormat[] = [
  {
    id: 'rfc7591',
    label: 'RFC 7591 JSON',
    description: 'Standard client metadata: the body of a dynamic registration request.',
    filename: 'client-metadata.json',
    mimeType: 'application/json',
    render: (metadata) => exportRfc7591(metadata),
  },
  {
    id: 'client-id-metadata-document',
    label: 'Client ID Metadata Document',
    description:
      'The JSON to host at the https URL that is your client_id: servers that support these documents (MCP recommends them) fetch it instead of a registration.',
    filename: 'client-id-metadata-document.json',
    mimeType: 'application/json',
    render: (metadata) => exportClientIdMetadataDocument(metadata),
    notes: clientIdMetadataDocumentNotes,
  },
  {
    id: 'keycloak',
    label: 'Keycloak client',
    description: 'A client representation for a realm import or Clients → Import client.',
    filename: 'keycloak-client.json',
    mimeType: 'application/json',
    render: (metadata) => `${JSON.stringify(toKeycloakClient(metadata), null, 2)}\n`,
    notes: keycloakNotes,
  },
  {
    id: 'oidc-provider',
    label: 'node-oidc-provider',
    description:
      'An ES module for oidc-provider 9: the client, the features and configuration it needs, and a setup(provider) for grants that need code.',
    filename: 'oidc-provider-client.js',
    mimeType: 'text/javascript',
    render: (metadata) => exportOidcProviderModule(metadata),
    notes: oidcProviderNotes,
  },
  {
    id: 'env',
    label: '.env file',
    description:
      'The settings of the oauth4webapi starter; the secret line stays empty unless you have one.',
    filename: 'client.env',
    mimeType: 'text/plain',
    render: (metadata, context) => exportEnvFile(metadata, context),
    notes: envNotes,
  },
  {
    id: 'starter',
    label: 'oauth4webapi starter',
    description:
      'A runnable TypeScript program for the client’s main grant, on oauth4webapi alone, that reads client.env.',
    filename: 'oauth-client.ts',
    mimeType: 'text/plain',
    render: (metadata) => exportStarterSnippet(metadata),
    notes: starterNotes,
  },
]
