import { grantTypes } from '../checks.ts'
import type { ClientMetadata } from '../client-metadata.ts'

/**
 * A short oauth4webapi starting point (TypeScript source text) for the client's main grant,
 * with the client authentication its metadata asks for. It reads configuration from the
 * `.env` export.
 */
export type StarterGrant = 'authorization_code' | 'client_credentials' | 'device_code'

export function pickStarterGrant(metadata: ClientMetadata): StarterGrant {
  const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
  if (grants.includes(grantTypes.authorizationCode)) return 'authorization_code'
  if (grants.includes(grantTypes.deviceCode)) return 'device_code'
  if (grants.includes(grantTypes.clientCredentials)) return 'client_credentials'
  return 'authorization_code'
}

function clientAuthLine(method: string): string[] {
  switch (method) {
    case 'none':
      return ['const clientAuth = oauth.None()']
    case 'client_secret_post':
      return ['const clientAuth = oauth.ClientSecretPost(process.env.OAUTH_CLIENT_SECRET!)']
    case 'client_secret_jwt':
      return ['const clientAuth = oauth.ClientSecretJwt(process.env.OAUTH_CLIENT_SECRET!)']
    case 'private_key_jwt':
      return [
        "import { readFile } from 'node:fs/promises'",
        "const pem = await readFile(process.env.OAUTH_PRIVATE_KEY_FILE!, 'utf8')",
        "const key = await importPKCS8(pem, 'ES256')",
        'const clientAuth = oauth.PrivateKeyJwt({ key, kid: process.env.OAUTH_PRIVATE_KEY_KID })',
      ]
    default:
      return ['const clientAuth = oauth.ClientSecretBasic(process.env.OAUTH_CLIENT_SECRET!)']
  }
}

const grantBodies: Record<StarterGrant, string[]> = {
  authorization_code: [
    '// 1. Send the user to the authorization endpoint with PKCE (S256).',
    'const codeVerifier = oauth.generateRandomCodeVerifier()',
    'const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier)',
    'const authorizationUrl = new URL(as.authorization_endpoint!)',
    'authorizationUrl.searchParams.set("client_id", client.client_id)',
    'authorizationUrl.searchParams.set("redirect_uri", redirectUri)',
    'authorizationUrl.searchParams.set("response_type", "code")',
    'authorizationUrl.searchParams.set("scope", process.env.OAUTH_SCOPE ?? "openid")',
    'authorizationUrl.searchParams.set("code_challenge", codeChallenge)',
    'authorizationUrl.searchParams.set("code_challenge_method", "S256")',
    '',
    '// 2. On the redirect back: check the response, then redeem the code.',
    'export async function handleCallback(currentUrl: URL) {',
    '  const params = oauth.validateAuthResponse(as, client, currentUrl)',
    '  const response = await oauth.authorizationCodeGrantRequest(',
    '    as, client, clientAuth, params, redirectUri, codeVerifier,',
    '  )',
    '  return oauth.processAuthorizationCodeResponse(as, client, response)',
    '}',
  ],
  client_credentials: [
    'const response = await oauth.clientCredentialsGrantRequest(',
    '  as, client, clientAuth, new URLSearchParams({ scope: process.env.OAUTH_SCOPE ?? "" }),',
    ')',
    'const tokens = await oauth.processClientCredentialsResponse(as, client, response)',
  ],
  device_code: [
    'const started = await oauth.processDeviceAuthorizationResponse(',
    '  as, client,',
    '  await oauth.deviceAuthorizationRequest(as, client, clientAuth,',
    '    new URLSearchParams({ scope: process.env.OAUTH_SCOPE ?? "openid" })),',
    ')',
    'console.log("Visit", started.verification_uri, "and enter", started.user_code)',
    'let interval = started.interval ?? 5',
    'for (;;) {',
    '  await new Promise((resolve) => setTimeout(resolve, interval * 1000))',
    '  try {',
    '    const response = await oauth.deviceCodeGrantRequest(as, client, clientAuth, started.device_code)',
    '    const tokens = await oauth.processDeviceCodeResponse(as, client, response)',
    '    break',
    '  } catch (error) {',
    '    if (!(error instanceof oauth.ResponseBodyError)) throw error',
    "    if (error.error === 'slow_down') interval += 5",
    "    else if (error.error !== 'authorization_pending') throw error",
    '  }',
    '}',
  ],
}

export function exportStarterSnippet(metadata: ClientMetadata): string {
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const grant = pickStarterGrant(metadata)
  const auth = clientAuthLine(method)
  const imports = ["import * as oauth from 'oauth4webapi'"]
  if (method === 'private_key_jwt') imports.push("import { importPKCS8 } from 'jose'")
  const authImports = auth.filter((line) => line.startsWith('import '))
  const authBody = auth.filter((line) => !line.startsWith('import '))
  return [
    `// ${metadata.client_name ?? 'OAuth client'}: ${grant.replaceAll('_', ' ')} with oauth4webapi.`,
    ...imports,
    ...authImports,
    '',
    'const issuer = new URL(process.env.OAUTH_ISSUER!)',
    'const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer))',
    'const client: oauth.Client = { client_id: process.env.OAUTH_CLIENT_ID! }',
    ...(grant === 'authorization_code'
      ? ['const redirectUri = process.env.OAUTH_REDIRECT_URI!']
      : []),
    ...authBody,
    '',
    ...grantBodies[grant],
    '',
  ].join('\n')
}
