// biome-ignore-all lint/suspicious/noTemplateCurlyInString: this file writes TypeScript source, template literals included
import { grantTypes } from '../checks.ts'
import type { ClientMetadata } from '../client-metadata.ts'
import { clientAssertionType, mayUsePlatformAssertion } from './platform-assertion.ts'

/**
 * The starter program (`oauth-client.ts`): a complete TypeScript program on oauth4webapi alone
 * that runs the client's main grant against any issuer, with the `.env` export beside it
 * (docs/decisions/084):
 *
 *   npx tsx --env-file=client.env oauth-client.ts
 *
 * It prints the token response's non-secret fields and the first characters of the access
 * token. The authorization code grant runs as a tiny web app on the registered loopback redirect
 * URI, with a PKCE verifier, state and nonce made per login and kept per browser session
 * (RFC 7636 §4.1, RFC 9700 §2.1.1); DPoP (RFC 9449) and PAR (RFC 9126) are used when the client
 * registered them or the server's metadata asks for them. A service client on `private_key_jwt`
 * sends the JWT its platform issued when one is configured, and signs its own otherwise
 * (docs/decisions/135).
 */
export type StarterGrant =
  | 'authorization_code'
  | 'client_credentials'
  | 'device_code'
  | 'ciba'
  | 'jwt_bearer'
  | 'token_exchange'

/** The grant the starter runs: the one a user signs in with first, then the machine grants. */
export function pickStarterGrant(metadata: ClientMetadata): StarterGrant {
  const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
  if (grants.includes(grantTypes.authorizationCode)) return 'authorization_code'
  if (grants.includes(grantTypes.deviceCode)) return 'device_code'
  if (grants.includes(grantTypes.ciba)) return 'ciba'
  if (grants.includes(grantTypes.clientCredentials)) return 'client_credentials'
  if (grants.includes(grantTypes.jwtBearer)) return 'jwt_bearer'
  if (grants.includes(grantTypes.tokenExchange)) return 'token_exchange'
  return 'authorization_code'
}

const grantTitles: Record<StarterGrant, string> = {
  authorization_code: 'authorization code with PKCE (RFC 6749 §4.1, RFC 7636)',
  client_credentials: 'client credentials (RFC 6749 §4.4)',
  device_code: 'device authorization (RFC 8628)',
  ciba: 'backchannel authentication, poll mode (OpenID Connect CIBA Core 1.0)',
  jwt_bearer: 'JWT bearer assertion (RFC 7523 §2.1)',
  token_exchange: 'token exchange (RFC 8693)',
}

/** The settings a starter reads, in the order the `.env` export writes them. */
export type StarterSetting =
  | 'OAUTH_ISSUER'
  | 'OAUTH_CLIENT_ID'
  | 'OAUTH_CLIENT_SECRET'
  | 'OAUTH_CLIENT_ASSERTION_FILE'
  | 'OAUTH_CLIENT_ASSERTION'
  | 'OAUTH_PRIVATE_KEY_FILE'
  | 'OAUTH_PRIVATE_KEY_KID'
  | 'OAUTH_REDIRECT_URI'
  | 'OAUTH_SCOPE'
  | 'OAUTH_LOGIN_HINT'
  | 'OAUTH_USE_DPOP'
  | 'OAUTH_USE_PAR'
  | 'OAUTH_ASSERTION_FILE'
  | 'OAUTH_SUBJECT_TOKEN_FILE'

const secretMethods = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt'])

export function starterSettings(metadata: ClientMetadata): StarterSetting[] {
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const grant = pickStarterGrant(metadata)
  return [
    'OAUTH_ISSUER',
    'OAUTH_CLIENT_ID',
    ...(secretMethods.has(method) ? (['OAUTH_CLIENT_SECRET'] as const) : []),
    ...(mayUsePlatformAssertion(metadata)
      ? (['OAUTH_CLIENT_ASSERTION_FILE', 'OAUTH_CLIENT_ASSERTION'] as const)
      : []),
    ...(method === 'private_key_jwt'
      ? (['OAUTH_PRIVATE_KEY_FILE', 'OAUTH_PRIVATE_KEY_KID'] as const)
      : []),
    ...(grant === 'authorization_code' ? (['OAUTH_REDIRECT_URI'] as const) : []),
    'OAUTH_SCOPE',
    ...(grant === 'ciba' ? (['OAUTH_LOGIN_HINT'] as const) : []),
    'OAUTH_USE_DPOP',
    ...(grant === 'authorization_code' ? (['OAUTH_USE_PAR'] as const) : []),
    ...(grant === 'jwt_bearer' ? (['OAUTH_ASSERTION_FILE'] as const) : []),
    ...(grant === 'token_exchange' ? (['OAUTH_SUBJECT_TOKEN_FILE'] as const) : []),
  ]
}

/** WebCrypto's names for the key a private_key_jwt client signs with (no jose needed). */
const keyAlgorithms: Record<string, string> = {
  ES256: "{ name: 'ECDSA', namedCurve: 'P-256' }",
  PS256: "{ name: 'RSA-PSS', hash: 'SHA-256' }",
  RS256: "{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }",
  // RFC 9864: the JOSE name is Ed25519 (EdDSA is deprecated); WebCrypto calls it Ed25519 too.
  Ed25519: "{ name: 'Ed25519' }",
}

function clientAuthSection(metadata: ClientMetadata): string[] {
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  switch (method) {
    case 'none':
      return [
        '  // A public client: no client authentication (RFC 6749 §2.1).',
        '  const clientAuth = oauth.None()',
      ]
    case 'client_secret_post':
      return ["  const clientAuth = oauth.ClientSecretPost(env('OAUTH_CLIENT_SECRET'))"]
    case 'client_secret_jwt':
      return ["  const clientAuth = oauth.ClientSecretJwt(env('OAUTH_CLIENT_SECRET'))"]
    case 'private_key_jwt': {
      const configured = metadata.token_endpoint_auth_signing_alg ?? 'ES256'
      const alg = configured === 'EdDSA' ? 'Ed25519' : configured
      const algorithm = keyAlgorithms[alg] ?? (keyAlgorithms.ES256 as string)
      const ownKey = [
        `// private_key_jwt (RFC 7523 §2.2) with the ${keyAlgorithms[alg] ? alg : 'ES256'} key whose public half is registered.`,
        '// oauth4webapi makes the assertion with aud = the issuer identifier alone (draft-ietf-oauth-rfc7523bis).',
      ]
      if (!mayUsePlatformAssertion(metadata)) {
        return [
          ...ownKey.map((line) => `  ${line}`),
          "  const pem = await readFile(env('OAUTH_PRIVATE_KEY_FILE'), 'utf8')",
          "  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\\s/g, ''), 'base64')",
          `  const key = await crypto.subtle.importKey('pkcs8', der, ${algorithm}, false, ['sign'])`,
          "  const clientAuth = oauth.PrivateKeyJwt({ key, kid: optionalEnv('OAUTH_PRIVATE_KEY_KID') })",
        ]
      }
      return [
        '  // private_key_jwt (RFC 7523 §2.2): every token request carries a JWT as client_assertion.',
        '  // A workload whose platform (Kubernetes, a cloud, a CI system) issues it a JWT sends that JWT:',
        '  // set OAUTH_CLIENT_ASSERTION_FILE to the file the platform keeps it in (read again for every',
        '  // request, since the platform renews it), or OAUTH_CLIENT_ASSERTION to the JWT itself.',
        "  const assertionFile = optionalEnv('OAUTH_CLIENT_ASSERTION_FILE')",
        "  const assertionValue = optionalEnv('OAUTH_CLIENT_ASSERTION')",
        '  let clientAuth: oauth.ClientAuth',
        '  if (assertionFile && assertionValue) {',
        "    throw new Error('Set OAUTH_CLIENT_ASSERTION_FILE or OAUTH_CLIENT_ASSERTION, not both.')",
        '  } else if (assertionFile || assertionValue) {',
        '    clientAuth = platformAssertion(assertionFile, assertionValue)',
        '  } else {',
        ...ownKey.map(
          (line) => `    ${line.replace('// private_key_jwt', '// Otherwise: private_key_jwt')}`,
        ),
        "    const keyFile = env('OAUTH_PRIVATE_KEY_FILE')",
        "    const pem = await readFile(keyFile, 'utf8').catch(() => {",
        '      throw new Error(',
        '        `No private key in ${keyFile}. Put yours there, or set OAUTH_CLIENT_ASSERTION_FILE to the file your platform keeps its JWT in.`,',
        '      )',
        '    })',
        "    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\\s/g, ''), 'base64')",
        `    const key = await crypto.subtle.importKey('pkcs8', der, ${algorithm}, false, ['sign'])`,
        "    clientAuth = oauth.PrivateKeyJwt({ key, kid: optionalEnv('OAUTH_PRIVATE_KEY_KID') })",
        '  }',
      ]
    }
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      return [
        '  // Mutual TLS (RFC 8705) needs a client certificate on every request, which this starter',
        "  // does not set up: see oauth4webapi's TlsClientAuth and customFetch.",
        "  throw new Error('This starter does not cover mutual-TLS client authentication.')",
      ]
    default:
      return ["  const clientAuth = oauth.ClientSecretBasic(env('OAUTH_CLIENT_SECRET'))"]
  }
}

const codeFlowSection = [
  '  // ——— Authorization code with PKCE, as a tiny web app on the redirect URI ———',
  "  const registered = new URL(env('OAUTH_REDIRECT_URI'))",
  "  if (registered.protocol !== 'http:' || !loopbackHosts.includes(registered.hostname)) {",
  '    throw new Error(',
  '      `${registered.href} is not a loopback redirect URI, and this program catches the redirect on this machine (RFC 8252 §7.3). Register one such as http://127.0.0.1:8080${registered.pathname} and set OAUTH_REDIRECT_URI to it.`,',
  '    )',
  '  }',
  "  const scope = optionalEnv('OAUTH_SCOPE') ?? 'openid'",
  "  const openid = scope.split(' ').includes('openid')",
  '  // RFC 9126: push the request first when the client registered it or the server requires it.',
  '  const usePar =',
  "    optionalEnv('OAUTH_USE_PAR') === 'true' || as.require_pushed_authorization_requests === true",
  '',
  '  type Login = { codeVerifier: string; state: string; nonce?: string; startedAt: number }',
  '  // One login per browser session, each with its own PKCE verifier, state and nonce: a code or',
  '  // a state from another browser finds nothing here (RFC 7636 §4.1, RFC 9700 §2.1.1).',
  '  const logins = new Map<string, Login>()',
  "  const sessionCookie = 'oauth_client_session'",
  '  const loginLifetimeMs = 10 * 60 * 1000',
  '',
  '  const server = createServer((request, response) => {',
  '    handle(request, response).catch((error) => {',
  '      console.error(error)',
  "      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })",
  "      response.end('The sign-in failed; the terminal says why.')",
  '    })',
  '  })',
  '  // A redirect URI registered without a port lets the app pick one (RFC 8252 §7.3).',
  "  const host = registered.hostname.replace(/^\\[|\\]$/g, '')",
  '  await new Promise<void>((resolve) => server.listen(Number(registered.port || 0), host, resolve))',
  '  const redirectUri = new URL(registered)',
  '  const address = server.address()',
  "  if (address && typeof address === 'object') redirectUri.port = String(address.port)",
  "  const loginUrl = new URL('/login', redirectUri)",
  '  console.log(`Sign in at ${loginUrl.href} (Ctrl-C stops this program).`)',
  '',
  '  async function handle(request: IncomingMessage, response: ServerResponse) {',
  "    const url = new URL(request.url ?? '/', redirectUri)",
  "    if (request.method === 'GET' && url.pathname === loginUrl.pathname) return startLogin(response)",
  "    if (request.method === 'GET' && url.pathname === redirectUri.pathname) {",
  '      return finishLogin(url, request, response)',
  '    }',
  '    response.writeHead(404).end()',
  '  }',
  '',
  '  async function startLogin(response: ServerResponse) {',
  '    const now = Date.now()',
  '    for (const [id, login] of logins) if (now - login.startedAt > loginLifetimeMs) logins.delete(id)',
  '    const session = oauth.generateRandomState()',
  '    const login: Login = {',
  '      codeVerifier: oauth.generateRandomCodeVerifier(),',
  '      state: oauth.generateRandomState(),',
  '      // OpenID Connect Core §3.1.2.1: a nonce ties the ID token to this login.',
  '      ...(openid ? { nonce: oauth.generateRandomNonce() } : {}),',
  '      startedAt: now,',
  '    }',
  '    logins.set(session, login)',
  '    const parameters = new URLSearchParams({',
  '      client_id: client.client_id,',
  '      redirect_uri: redirectUri.href,',
  "      response_type: 'code',",
  '      scope,',
  '      state: login.state,',
  '      code_challenge: await oauth.calculatePKCECodeChallenge(login.codeVerifier),',
  "      code_challenge_method: 'S256',",
  '      ...(login.nonce ? { nonce: login.nonce } : {}),',
  '    })',
  '    const target = new URL(as.authorization_endpoint as string)',
  '    if (usePar) {',
  '      const pushed = await withDpopNonce(async () =>',
  '        oauth.processPushedAuthorizationResponse(',
  '          as,',
  '          client,',
  '          await oauth.pushedAuthorizationRequest(as, client, clientAuth, parameters, options),',
  '        ),',
  '      )',
  "      target.searchParams.set('client_id', client.client_id)",
  "      target.searchParams.set('request_uri', pushed.request_uri)",
  '    } else {',
  '      target.search = parameters.toString()',
  '    }',
  '    response.writeHead(302, {',
  '      location: target.href,',
  '      // HttpOnly and SameSite keep the session id away from scripts and other sites.',
  "      'set-cookie': `${sessionCookie}=${session}; HttpOnly; SameSite=Lax; Path=/; Max-Age=600`,",
  '    })',
  '    response.end()',
  '  }',
  '',
  '  async function finishLogin(url: URL, request: IncomingMessage, response: ServerResponse) {',
  "    const session = /(?:^|;\\s*)oauth_client_session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1]",
  '    const login = session === undefined ? undefined : logins.get(session)',
  '    if (session === undefined || login === undefined) {',
  "      response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })",
  "      response.end('No sign-in is in progress in this browser: start at /login.')",
  '      return',
  '    }',
  '    // Each verifier and state is used once.',
  '    logins.delete(session)',
  '    let callback: URLSearchParams',
  '    try {',
  '      // Checks state and, per RFC 9207, the iss parameter.',
  '      callback = oauth.validateAuthResponse(as, client, url, login.state)',
  '    } catch (error) {',
  "      console.error('The authorization response was refused:', error instanceof Error ? error.message : error)",
  "      response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })",
  "      response.end('The authorization response was refused; the terminal says why.')",
  '      return',
  '    }',
  '    const tokens = await withDpopNonce(async () => {',
  '      const tokenResponse = await oauth.authorizationCodeGrantRequest(',
  '        as,',
  '        client,',
  '        clientAuth,',
  '        callback,',
  '        redirectUri.href,',
  '        login.codeVerifier,',
  '        options,',
  '      )',
  '      const result = await oauth.processAuthorizationCodeResponse(as, client, tokenResponse, {',
  '        expectedNonce: login.nonce,',
  '        requireIdToken: openid,',
  '      })',
  '      // Without TLS nothing vouches for the ID token but its signature (OIDC Core §3.1.3.7).',
  '      if (result.id_token) await oauth.validateApplicationLevelSignature(as, tokenResponse, http)',
  '      return result',
  '    })',
  "    console.log('Signed in.')",
  '    printTokens(tokens)',
  "    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })",
  "    response.end('Signed in: the terminal shows the token response. You can close this tab.')",
  '  }',
]

const clientCredentialsSection = [
  '  // ——— Client credentials: the client acts for itself, no user (RFC 6749 §4.4) ———',
  "  const scope = optionalEnv('OAUTH_SCOPE')",
  '  const tokens = await withDpopNonce(async () =>',
  '    oauth.processClientCredentialsResponse(',
  '      as,',
  '      client,',
  '      await oauth.clientCredentialsGrantRequest(',
  '        as,',
  '        client,',
  '        clientAuth,',
  '        new URLSearchParams(scope ? { scope } : {}),',
  '        options,',
  '      ),',
  '    ),',
  '  )',
  '  printTokens(tokens)',
]

const deviceSection = [
  '  // ——— Device authorization (RFC 8628) ———',
  "  const scope = optionalEnv('OAUTH_SCOPE')",
  '  const started = await oauth.processDeviceAuthorizationResponse(',
  '    as,',
  '    client,',
  '    await oauth.deviceAuthorizationRequest(',
  '      as,',
  '      client,',
  '      clientAuth,',
  '      new URLSearchParams(scope ? { scope } : {}),',
  '      http,',
  '    ),',
  '  )',
  '  console.log(`To sign in, open ${started.verification_uri} and enter ${started.user_code}`)',
  '  if (started.verification_uri_complete) console.log(`(or open ${started.verification_uri_complete})`)',
  '  // RFC 8628 §3.2: wait `interval` seconds between polls, 5 when the server gives none;',
  '  // §3.5: slow_down adds 5 seconds to it, for this poll and every later one.',
  '  let interval = started.interval ?? 5',
  '  const deadline = Date.now() + started.expires_in * 1000',
  '  for (;;) {',
  '    await new Promise((resolve) => setTimeout(resolve, interval * 1000))',
  "    if (Date.now() > deadline) throw new Error('The code expired before anyone signed in.')",
  '    try {',
  '      const tokens = await withDpopNonce(async () => {',
  '        const tokenResponse = await oauth.deviceCodeGrantRequest(',
  '          as,',
  '          client,',
  '          clientAuth,',
  '          started.device_code,',
  '          options,',
  '        )',
  '        const result = await oauth.processDeviceCodeResponse(as, client, tokenResponse)',
  '        if (result.id_token) await oauth.validateApplicationLevelSignature(as, tokenResponse, http)',
  '        return result',
  '      })',
  '      printTokens(tokens)',
  '      return',
  '    } catch (error) {',
  "      if (error instanceof oauth.ResponseBodyError && error.error === 'authorization_pending') continue",
  "      if (error instanceof oauth.ResponseBodyError && error.error === 'slow_down') {",
  '        interval += 5',
  '        continue',
  '      }',
  '      throw error',
  '    }',
  '  }',
]

const cibaSection = [
  '  // ——— CIBA, poll mode: the user approves on their own device (OpenID Connect CIBA Core 1.0) ———',
  "  const scope = optionalEnv('OAUTH_SCOPE') ?? 'openid'",
  "  const loginHint = env('OAUTH_LOGIN_HINT')",
  '  // §7.1: a short random code shown here and on the user’s device, so they can tell this',
  '  // request from any other one before they approve it.',
  "  const bindingMessage = `GL-${String((crypto.getRandomValues(new Uint16Array(1))[0] ?? 0) % 10000).padStart(4, '0')}`",
  '  const started = await oauth.processBackchannelAuthenticationResponse(',
  '    as,',
  '    client,',
  '    await oauth.backchannelAuthenticationRequest(',
  '      as,',
  '      client,',
  '      clientAuth,',
  '      { scope, login_hint: loginHint, binding_message: bindingMessage },',
  '      http,',
  '    ),',
  '  )',
  '  console.log(`Asked ${loginHint} to approve on their own device. Binding message: ${bindingMessage}`)',
  '  // §7.3: wait `interval` seconds between polls, 5 when the server gives none; §11: slow_down',
  '  // adds 5 seconds to it, for this poll and every later one.',
  '  let interval = started.interval ?? 5',
  '  const deadline = Date.now() + started.expires_in * 1000',
  '  for (;;) {',
  '    await new Promise((resolve) => setTimeout(resolve, interval * 1000))',
  "    if (Date.now() > deadline) throw new Error('The request expired before the user answered.')",
  '    try {',
  '      const tokens = await withDpopNonce(async () => {',
  '        const tokenResponse = await oauth.backchannelAuthenticationGrantRequest(',
  '          as,',
  '          client,',
  '          clientAuth,',
  '          started.auth_req_id,',
  '          options,',
  '        )',
  '        const result = await oauth.processBackchannelAuthenticationGrantResponse(',
  '          as,',
  '          client,',
  '          tokenResponse,',
  '        )',
  '        if (result.id_token) await oauth.validateApplicationLevelSignature(as, tokenResponse, http)',
  '        return result',
  '      })',
  '      printTokens(tokens)',
  '      return',
  '    } catch (error) {',
  "      if (error instanceof oauth.ResponseBodyError && error.error === 'authorization_pending') continue",
  "      if (error instanceof oauth.ResponseBodyError && error.error === 'slow_down') {",
  '        interval += 5',
  '        continue',
  '      }',
  '      throw error',
  '    }',
  '  }',
]

function extensionGrantSection(
  title: string,
  grantType: string,
  settingLines: string[],
  parameters: string,
): string[] {
  return [
    `  // ——— ${title} ———`,
    ...settingLines,
    "  const scope = optionalEnv('OAUTH_SCOPE')",
    '  const tokens = await withDpopNonce(async () =>',
    '    oauth.processGenericTokenEndpointResponse(',
    '      as,',
    '      client,',
    '      await oauth.genericTokenEndpointRequest(',
    '        as,',
    '        client,',
    '        clientAuth,',
    `        '${grantType}',`,
    `        { ${parameters}, ...(scope ? { scope } : {}) },`,
    '        options,',
    '      ),',
    '    ),',
    '  )',
    '  printTokens(tokens)',
  ]
}

const jwtBearerSection = extensionGrantSection(
  'JWT bearer: trade a JWT from an issuer the server trusts for an access token (RFC 7523 §2.1)',
  grantTypes.jwtBearer,
  [
    '  // The assertion comes from your identity provider or workload platform, which keeps it',
    '  // fresh in this file; this program only presents it. No refresh token: present a new one.',
    "  const assertion = (await readFile(env('OAUTH_ASSERTION_FILE'), 'utf8')).trim()",
  ],
  'assertion',
)

const tokenExchangeSection = extensionGrantSection(
  'Token exchange: trade a token you received for one made for the next hop (RFC 8693 §2.1)',
  grantTypes.tokenExchange,
  [
    '  // The access token your service received with a request; a real service takes it from',
    '  // that request instead of a file.',
    "  const subjectToken = (await readFile(env('OAUTH_SUBJECT_TOKEN_FILE'), 'utf8')).trim()",
  ],
  "subject_token: subjectToken, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token'",
)

const grantSections: Record<StarterGrant, string[]> = {
  authorization_code: codeFlowSection,
  client_credentials: clientCredentialsSection,
  device_code: deviceSection,
  ciba: cibaSection,
  jwt_bearer: jwtBearerSection,
  token_exchange: tokenExchangeSection,
}

/** Sends the JWT a platform issued as client_assertion, after the checks the server will make. */
const platformAssertionHelper = [
  '/**',
  ' * client_assertion from your platform (RFC 7523 §2.2, §3): its JWT, sent as it is. It is checked',
  ' * first for what the server checks too, so a stale or misaddressed JWT fails here with the reason:',
  " * sub must be this client_id, aud the server's issuer identifier alone (draft-ietf-oauth-rfc7523bis),",
  ' * exp still ahead.',
  ' */',
  'function platformAssertion(file: string | undefined, value: string | undefined): oauth.ClientAuth {',
  "  const source = file ?? 'OAUTH_CLIENT_ASSERTION'",
  '  return async (as, client, body) => {',
  "    const assertion = file ? (await readFile(file, 'utf8')).trim() : (value ?? '')",
  '    const claims = jwtClaims(assertion, source)',
  '    if (claims.sub !== client.client_id) {',
  '      throw new Error(`The JWT in ${source} is for sub ${String(claims.sub)}, not for this client_id (${client.client_id}).`)',
  '    }',
  '    if (claims.aud !== as.issuer) {',
  '      throw new Error(`The JWT in ${source} has aud ${JSON.stringify(claims.aud)}: ask your platform for one whose aud is ${as.issuer} alone.`)',
  '    }',
  "    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) {",
  '      throw new Error(`The JWT in ${source} has expired; your platform renews it.`)',
  '    }',
  "    body.set('client_id', client.client_id)",
  `    body.set('client_assertion_type', '${clientAssertionType}')`,
  "    body.set('client_assertion', assertion)",
  '  }',
  '}',
  '',
  '/** The claims of a compact JWT, read without verifying it (the server does that). */',
  'function jwtClaims(jwt: string, source: string): Record<string, unknown> {',
  "  const [, payload = ''] = jwt.split('.')",
  '  let claims: unknown',
  '  try {',
  "    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))",
  '  } catch {',
  '    claims = undefined',
  '  }',
  "  if (jwt.split('.').length !== 3 || typeof claims !== 'object' || claims === null || Array.isArray(claims)) {",
  '    throw new Error(`${source} does not hold a JWT.`)',
  '  }',
  '  return claims as Record<string, unknown>',
  '}',
]

const helpers = [
  'function env(name: string): string {',
  '  const value = process.env[name]',
  '  if (!value) throw new Error(`${name} is not set: run with --env-file=client.env`)',
  '  return value',
  '}',
  '',
  'function optionalEnv(name: string): string | undefined {',
  '  return process.env[name] || undefined',
  '}',
  '',
  "/** The server's metadata: OpenID Connect Discovery §4, else RFC 8414 §3. */",
  'async function discover(issuer: URL, http: oauth.DiscoveryRequestOptions) {',
  "  for (const algorithm of ['oidc', 'oauth2'] as const) {",
  '    const response = await oauth.discoveryRequest(issuer, { ...http, algorithm })',
  '    if (response.status !== 404) return oauth.processDiscoveryResponse(issuer, response)',
  '  }',
  '  throw new Error(`No authorization server metadata at ${issuer.href}`)',
  '}',
  '',
  '/** The token response without its secrets: the access token shows only its first characters. */',
  'function printTokens(tokens: oauth.TokenEndpointResponse) {',
  '  const { access_token: accessToken, issued_token_type: issuedType } = tokens',
  '  const claims = oauth.getValidatedIdTokenClaims(tokens)',
  '  const lines = [',
  '    `token_type: ${tokens.token_type}`,',
  "    `expires_in: ${tokens.expires_in ?? '(not given)'}`,",
  "    `scope: ${tokens.scope ?? '(not given)'}`,",
  '    `access_token: ${accessToken.slice(0, 12)}… (${accessToken.length} characters, the rest not shown)`,',
  "    ...(tokens.refresh_token ? ['refresh_token: received (not shown)'] : []),",
  '    ...(claims ? [`id_token: received and checked, sub ${claims.sub}`] : []),',
  "    ...(typeof issuedType === 'string' ? [`issued_token_type: ${issuedType}`] : []),",
  '  ]',
  "  console.log(lines.join('\\n'))",
  '}',
]

export function exportStarterSnippet(metadata: ClientMetadata): string {
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const grant = pickStarterGrant(metadata)
  const needsFile =
    method === 'private_key_jwt' || grant === 'jwt_bearer' || grant === 'token_exchange'
  const codeFlow = grant === 'authorization_code'
  return [
    `// ${metadata.client_name ?? 'OAuth client'}: ${grantTitles[grant]}, with oauth4webapi.`,
    '// Generated by Grantlab. Run it beside the .env export (Node 20.6 or later reads that file):',
    '//',
    '//   npm install oauth4webapi tsx',
    '//   npx tsx --env-file=client.env oauth-client.ts',
    '//',
    '// It prints the token response without its secrets.',
    ...(needsFile ? ["import { readFile } from 'node:fs/promises'"] : []),
    ...(codeFlow
      ? ["import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'"]
      : []),
    "import * as oauth from 'oauth4webapi'",
    '',
    ...helpers,
    '',
    ...(mayUsePlatformAssertion(metadata) ? [...platformAssertionHelper, ''] : []),
    'async function main() {',
    "  const issuer = new URL(env('OAUTH_ISSUER'))",
    '  // RFC 8414 §2 wants an https issuer; plain http is let through only for a server on this',
    "  // machine (a loopback issuer, such as Grantlab's mock server).",
    "  const loopbackHosts = ['127.0.0.1', '[::1]', 'localhost']",
    "  const local = issuer.protocol === 'http:' && loopbackHosts.includes(issuer.hostname)",
    '  const http = local ? { [oauth.allowInsecureRequests]: true } : {}',
    '',
    '  const as = await discover(issuer, http)',
    "  const client: oauth.Client = { client_id: env('OAUTH_CLIENT_ID') }",
    ...clientAuthSection(metadata),
    '',
    '  // RFC 9449: with OAUTH_USE_DPOP=true (the client registered dpop_bound_access_tokens) every',
    '  // token request carries a DPoP proof from a key made for this run, and the tokens are bound to it.',
    "  const DPoP = optionalEnv('OAUTH_USE_DPOP') === 'true'",
    "    ? oauth.DPoP(client, await oauth.generateKeyPair('ES256'))",
    '    : undefined',
    '  const options = { ...http, ...(DPoP ? { DPoP } : {}) }',
    '  // RFC 9449 §8: a server may ask for a nonce in the proof (use_dpop_nonce); oauth4webapi keeps',
    '  // the nonce the server sent, so trying once more carries it.',
    '  async function withDpopNonce<T>(attempt: () => Promise<T>): Promise<T> {',
    '    try {',
    '      return await attempt()',
    '    } catch (error) {',
    '      if (DPoP && oauth.isDPoPNonceError(error)) return attempt()',
    '      throw error',
    '    }',
    '  }',
    '',
    ...grantSections[grant],
    '}',
    '',
    'main().catch((error) => {',
    '  console.error(error instanceof oauth.ResponseBodyError ? `${error.error}: ${error.error_description ?? error.message}` : error)',
    '  process.exitCode = 1',
    '})',
    '',
  ].join('\n')
}

/** How to run the program, shown beside the export on the page. */
export function starterNotes(metadata: ClientMetadata): string[] {
  const grant = pickStarterGrant(metadata)
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const notes = [
    'Save it beside `client.env`, run `npm install oauth4webapi tsx`, then `npx tsx --env-file=client.env oauth-client.ts` (Node 20.6 or later). It prints the token response without its secrets.',
  ]
  if (grant === 'authorization_code') {
    notes.push(
      'It serves the sign-in on the redirect URI, which must be a loopback address such as `http://127.0.0.1:8080/callback` (a native client may leave the port out): open the address it prints. Every login gets its own PKCE verifier, state and nonce, kept for that browser only.',
    )
  }
  if (method === 'private_key_jwt') {
    notes.push(
      mayUsePlatformAssertion(metadata)
        ? 'A workload whose platform (Kubernetes, a cloud, a CI system) issues it a JWT sends that JWT as `client_assertion`: set `OAUTH_CLIENT_ASSERTION_FILE` to the file the platform keeps it in (it is read again for every request), or `OAUTH_CLIENT_ASSERTION` to the JWT. Its `sub` must be the client_id and its `aud` the server’s issuer alone. Otherwise put the private key you downloaded from this page in `client-private-key.pem`, and the program signs its own.'
        : 'Put the private key you downloaded from this page in `client-private-key.pem`.',
    )
  }
  if (grant === 'ciba') {
    notes.push(
      'Set `OAUTH_LOGIN_HINT` to the user to ask (an identifier your server accepts). The program prints the binding message to show them; they approve on their own device (at Grantlab’s mock server: `/as/ciba`), and the program polls until they answer.',
    )
  }
  if (grant === 'jwt_bearer') {
    notes.push('Put the assertion your identity provider issued in `assertion.jwt`.')
  }
  if (grant === 'token_exchange') {
    notes.push('Put the access token to exchange in `subject-token.txt`.')
  }
  if (metadata.dpop_bound_access_tokens) {
    notes.push(
      'It sends DPoP proofs (RFC 9449) from a key made for each run, and retries once when the server asks for a nonce.',
    )
  }
  return notes
}
