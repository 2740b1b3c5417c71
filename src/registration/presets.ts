import { grantTypes } from './checks.ts'
import type { ClientMetadata } from './client-metadata.ts'

/**
 * Starting points per kind of app (keycloak#33714: people want to start from "what my app is",
 * not from capability switches). Each one passes the checks except for information notes; the
 * addresses are examples to replace.
 */
export type PresetId = 'spa' | 'web' | 'native' | 'cli' | 'device' | 'service'

export type Preset = { id: PresetId; title: string; summary: string; metadata: ClientMetadata }

export const presets: Preset[] = [
  {
    id: 'spa',
    title: 'Single-page app',
    summary: 'Runs in the browser, cannot keep a secret: code + PKCE, DPoP-bound tokens.',
    metadata: {
      client_name: 'Example single-page app',
      application_type: 'web',
      redirect_uris: ['https://app.example.com/callback'],
      post_logout_redirect_uris: ['https://app.example.com/'],
      grant_types: [grantTypes.authorizationCode, grantTypes.refreshToken],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'openid profile email',
      dpop_bound_access_tokens: true,
    },
  },
  {
    id: 'web',
    title: 'Server-side web app',
    summary: 'Renders on a server that keeps a secret: a confidential client with code + PKCE.',
    metadata: {
      client_name: 'Example web app',
      application_type: 'web',
      redirect_uris: ['https://app.example.com/callback'],
      post_logout_redirect_uris: ['https://app.example.com/'],
      grant_types: [grantTypes.authorizationCode, grantTypes.refreshToken],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
      contacts: ['ops@example.com'],
      client_uri: 'https://app.example.com/',
      policy_uri: 'https://app.example.com/privacy',
      tos_uri: 'https://app.example.com/terms',
    },
  },
  {
    id: 'native',
    title: 'Native or mobile app',
    summary: 'Installed on a device: public client, private-use scheme or loopback redirect.',
    metadata: {
      client_name: 'Example mobile app',
      application_type: 'native',
      redirect_uris: ['com.example.app:/oauth2redirect'],
      grant_types: [grantTypes.authorizationCode, grantTypes.refreshToken],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'openid profile offline_access',
      dpop_bound_access_tokens: true,
    },
  },
  {
    id: 'cli',
    title: 'Command-line tool',
    summary: 'Opens the browser and listens on a loopback port for the code.',
    metadata: {
      client_name: 'Example CLI',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: [grantTypes.authorizationCode, grantTypes.refreshToken],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'openid offline_access',
      dpop_bound_access_tokens: true,
    },
  },
  {
    id: 'device',
    title: 'TV or device',
    summary: 'No browser or keyboard: the device authorization grant.',
    metadata: {
      client_name: 'Example TV app',
      application_type: 'native',
      grant_types: [grantTypes.deviceCode, grantTypes.refreshToken],
      response_types: [],
      token_endpoint_auth_method: 'none',
      scope: 'openid offline_access',
      dpop_bound_access_tokens: true,
    },
  },
  {
    id: 'service',
    title: 'Machine-to-machine service',
    summary: 'No user: client credentials; switch to private_key_jwt to use a key pair.',
    metadata: {
      client_name: 'Example backend service',
      application_type: 'web',
      grant_types: [grantTypes.clientCredentials],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'orders:read',
      contacts: ['ops@example.com'],
    },
  },
]

export function findPreset(id: string): Preset | undefined {
  return presets.find((preset) => preset.id === id)
}
