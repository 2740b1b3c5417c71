import type { ClientMetadata } from '../client-metadata.ts'
import { exportEnvFile } from './env-file.ts'
import { toKeycloakClient } from './keycloak.ts'
import { exportOidcProviderModule } from './oidc-provider.ts'
import { exportRfc7591 } from './rfc7591.ts'
import { exportStarterSnippet } from './starter-snippet.ts'

export type ExportFormatId = 'rfc7591' | 'keycloak' | 'oidc-provider' | 'env' | 'starter'

export type ExportContext = { issuer: string }

export type ExportFormat = {
  id: ExportFormatId
  label: string
  description: string
  filename: string
  mimeType: string
  render: (metadata: ClientMetadata, context: ExportContext) => string
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
    id: 'keycloak',
    label: 'Keycloak client',
    description: 'A client representation for a realm import or Clients → Import client.',
    filename: 'keycloak-client.json',
    mimeType: 'application/json',
    render: (metadata) => `${JSON.stringify(toKeycloakClient(metadata), null, 2)}\n`,
  },
  {
    id: 'oidc-provider',
    label: 'node-oidc-provider',
    description: 'A clients entry and the features it needs.',
    filename: 'oidc-provider-client.js',
    mimeType: 'text/javascript',
    render: (metadata) => exportOidcProviderModule(metadata),
  },
  {
    id: 'env',
    label: '.env file',
    description:
      'Settings for your client’s code; the secret line stays empty unless you have one.',
    filename: 'client.env',
    mimeType: 'text/plain',
    render: (metadata, context) => exportEnvFile(metadata, context),
  },
  {
    id: 'starter',
    label: 'oauth4webapi starter',
    description: 'A TypeScript starting point for the client’s main grant.',
    filename: 'oauth-client.ts',
    mimeType: 'text/plain',
    render: (metadata) => exportStarterSnippet(metadata),
  },
]
