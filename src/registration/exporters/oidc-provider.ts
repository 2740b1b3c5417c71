import { grantTypes } from '../checks.ts'
import { type ClientMetadata, normalizeMetadata } from '../client-metadata.ts'
import { customGrantSections, type OidcProviderModulePlan } from './oidc-provider-grants.ts'
import { platformSection } from './oidc-provider-platform.ts'
import { mayUsePlatformAssertion } from './platform-assertion.ts'

/**
 * The node-oidc-provider export: one ES module that a `new Provider(…)` can take as it is
 * (docs/decisions/083). It exports
 * - `client`: the `clients` entry;
 * - `features`: every feature the entry's grants and options need switched on;
 * - `configuration`: the scopes and claims the client asks for, PKCE for every client, the
 *   refresh-token policy, and the API its access tokens are for (RFC 8707 resource indicators);
 * - `setup(provider)`, only when a grant needs code: oidc-provider has no built-in JWT bearer
 *   (RFC 7523) or token exchange (RFC 8693) grant, so the module registers a handler for each
 *   with `provider.registerGrantType`;
 * - for a service client on `private_key_jwt`, `assertionPlatform`: null while the client signs
 *   its own assertions, or the platform whose JWT a workload sends instead, which `setup(provider)`
 *   then checks (oidc-provider-platform.ts, docs/decisions/135).
 */
export type OidcProviderClient = Record<string, unknown> & { client_id: string }

/** Metadata oidc-provider does not recognise; it would refuse the entry if they stayed. */
const unsupported = new Set(['software_id', 'software_version'])

const secretMethods = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt'])

export const secretPlaceholder = 'process.env.OAUTH_CLIENT_SECRET'

/** The API of the examples; a user replaces it with their own resource identifier. */
export const exampleApi = 'https://api.example.com'
/** Where the token-exchange example sends the exchanged tokens. */
export const exampleDownstreamApi = 'https://downstream.example.com'

/** Scopes OpenID Connect defines, with the claims each one stands for (OIDC Core §5.4, §11). */
const oidcScopeClaims: Record<string, string[] | undefined> = {
  openid: ['sub'],
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
}
const oidcScopes = new Set([...Object.keys(oidcScopeClaims), 'offline_access'])

function slug(text: string | undefined): string {
  return (
    (text ?? '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'grantlab-client'
  )
}

export function toOidcProviderClient(
  metadata: ClientMetadata,
  options: { clientSecret?: string } = {},
): OidcProviderClient {
  const entry: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(normalizeMetadata(metadata))) {
    if (!unsupported.has(key)) entry[key] = value
  }
  // RFC 9864 deprecates "EdDSA" in JOSE; oidc-provider 9 knows the fully specified Ed25519.
  for (const field of ['token_endpoint_auth_signing_alg', 'id_token_signed_response_alg']) {
    if (entry[field] === 'EdDSA') entry[field] = 'Ed25519'
  }
  entry.client_id = metadata.client_id ?? slug(metadata.client_name)
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const secret = options.clientSecret ?? metadata.client_secret
  if (secretMethods.has(method) && secret !== undefined) entry.client_secret = secret
  else delete entry.client_secret
  return entry as OidcProviderClient
}

/** What the module must contain for this client, worked out once for every section. */
export function planOidcProviderModule(metadata: ClientMetadata): OidcProviderModulePlan {
  const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
  const clientScopes = (metadata.scope ?? '').split(' ').filter((scope) => scope !== '')
  const apiScopes = clientScopes.filter((scope) => !oidcScopes.has(scope))
  const claimScopes = clientScopes.filter((scope) => oidcScopeClaims[scope] !== undefined)
  return {
    grants,
    // openid and offline_access are oidc-provider's own defaults; the client's scopes come on top.
    scopes: [...new Set(['openid', 'offline_access', ...clientScopes])],
    claims: Object.fromEntries(
      [...new Set(['openid', ...claimScopes])].map((scope) => [
        scope,
        oidcScopeClaims[scope] ?? [],
      ]),
    ),
    apiScopes,
    refresh: grants.includes(grantTypes.refreshToken),
    jwtBearer: grants.includes(grantTypes.jwtBearer),
    tokenExchange: grants.includes(grantTypes.tokenExchange),
    dpop: metadata.dpop_bound_access_tokens === true,
    platform: mayUsePlatformAssertion(metadata),
  }
}

/** The entry's members that say which keys verify its assertions; `clientKeys` holds them. */
const keyFields = ['jwks', 'jwks_uri', 'token_endpoint_auth_signing_alg'] as const

/** Source text the module writes as it is (an expression, not a string). */
class Expression {
  readonly source: string
  constructor(source: string) {
    this.source = source
  }
}

function quote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`
}

/**
 * A value as a JavaScript literal in the module's own style: single quotes, bare keys where they
 * are identifiers, short lists on one line, trailing commas.
 */
export function jsLiteral(value: unknown, indent = ''): string {
  if (value instanceof Expression) return value.source
  if (typeof value === 'string') return quote(value)
  if (typeof value !== 'object' || value === null) return JSON.stringify(value)
  const inner = `${indent}  `
  if (Array.isArray(value)) {
    const items = value.map((item) => jsLiteral(item, inner))
    const oneLine = `[${items.join(', ')}]`
    if (oneLine.length + indent.length <= 90 && !oneLine.includes('\n')) return oneLine
    return `[\n${items.map((item) => `${inner}${item},`).join('\n')}\n${indent}]`
  }
  const entries = Object.entries(value)
  if (entries.length === 0) return '{}'
  const lines = entries.map(([key, item]) => {
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key)
    return `${inner}${name}: ${jsLiteral(item, inner)},`
  })
  return `{\n${lines.join('\n')}\n${indent}}`
}

function featuresSection(metadata: ClientMetadata, plan: OidcProviderModulePlan): string[] {
  const lines = ['export const features = {']
  if (plan.grants.includes(grantTypes.clientCredentials)) {
    lines.push('  // RFC 6749 §4.4', '  clientCredentials: { enabled: true },')
  }
  if (plan.grants.includes(grantTypes.deviceCode)) {
    lines.push('  // RFC 8628', '  deviceFlow: { enabled: true },')
  }
  if (plan.grants.includes(grantTypes.ciba)) {
    lines.push(
      '  // OpenID Connect CIBA Core 1.0, poll mode: the client names the user, the user answers on',
      '  // their own device, the client polls the token endpoint.',
      '  ciba: {',
      '    enabled: true,',
      "    deliveryModes: ['poll'],",
      '    // login_hint → the accountId of the user it names (CIBA Core §7.1). Replace with a look-up by',
      '    // the identifier your agents type (e-mail address, phone number, customer number).',
      '    processLoginHint: async (_ctx, loginHint) => loginHint,',
      '    // No user_code and no request_context are used (backchannel_user_code_parameter_supported: false).',
      '    verifyUserCode: async (_ctx, _account, userCode) => {',
      "      if (userCode) throw new errors.InvalidRequest('user_code is not supported')",
      '    },',
      '    validateRequestContext: async () => {},',
      '    // CIBA Core §8: ask the user on their own device. Replace with a notification to your app;',
      '    // when the user answers there, call answerBackchannelRequest(provider, authReqId, allowed).',
      '    triggerAuthenticationDevice: async (_ctx, request, account) => {',
      '      waitingForUser.set(request.jti, account.accountId)',
      '    },',
      '  },',
    )
  }
  if (metadata.dpop_bound_access_tokens) {
    lines.push(
      '  // RFC 9449: this client registered dpop_bound_access_tokens',
      '  dPoP: { enabled: true },',
    )
  }
  if (metadata.require_pushed_authorization_requests) {
    lines.push(
      '  // RFC 9126: this client registered require_pushed_authorization_requests',
      '  pushedAuthorizationRequests: { enabled: true },',
    )
  }
  if (metadata.post_logout_redirect_uris?.length) {
    lines.push(
      '  // OpenID Connect RP-Initiated Logout 1.0',
      '  rpInitiatedLogout: { enabled: true },',
    )
  }
  if (plan.apiScopes.length > 0 || plan.tokenExchange) {
    lines.push(
      '  // RFC 8707: access tokens name the API they are for, as JWTs the API can verify (RFC 9068).',
      '  resourceIndicators: {',
      '    enabled: true,',
      '    defaultResource: () => api.identifier,',
      '    useGrantedResource: () => true,',
      '    getResourceServerInfo(_ctx, resource) {',
      '      const server = resourceServers.find((candidate) => candidate.identifier === resource)',
      "      if (!server) throw new errors.InvalidTarget('this server issues no tokens for that resource')",
      "      return { audience: server.identifier, scope: server.scope, accessTokenFormat: 'jwt' }",
      '    },',
      '  },',
    )
  }
  lines.push('}')
  return lines
}

function configurationSection(plan: OidcProviderModulePlan): string[] {
  const lines = [
    'export const configuration = {',
    '  // The scopes this client registered, and the OpenID Connect claims they stand for (OIDC Core §5.4).',
    `  scopes: ${jsLiteral(plan.scopes, '  ')},`,
    `  claims: ${jsLiteral(plan.claims, '  ')},`,
    '  // PKCE for every client, confidential ones included (RFC 9700 §2.1.1).',
    '  pkce: { required: () => true },',
  ]
  if (plan.refresh) {
    lines.push(
      '  // oidc-provider issues refresh tokens only for the offline_access scope unless told otherwise;',
      '  // this client registered the refresh_token grant, so it gets one. Without offline_access the',
      "  // refresh token ends with the user's session; public clients' refresh tokens rotate (RFC 9700 §2.2.2).",
      "  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),",
    )
  }
  lines.push('}')
  return lines
}

function apiSection(plan: OidcProviderModulePlan): string[] {
  if (plan.apiScopes.length === 0 && !plan.tokenExchange) return []
  const scope = plan.apiScopes.join(' ')
  const lines = [
    "// The API this client's access tokens are for (an RFC 8707 resource identifier): replace with yours.",
    `const api = { identifier: '${exampleApi}', scope: '${scope}' }`,
  ]
  if (plan.tokenExchange) {
    lines.push(
      '// The API this client calls with exchanged tokens (RFC 8693 §2.1 `resource`): replace with yours.',
      `const downstream = { identifier: '${exampleDownstreamApi}', scope: '${scope}' }`,
      'const resourceServers = [api, downstream]',
    )
  } else {
    lines.push('const resourceServers = [api]')
  }
  return lines
}

/** The requests waiting for the user's answer, and what the user's device calls (CIBA Core §8). */
function cibaSection(plan: OidcProviderModulePlan): string[] {
  if (!plan.grants.includes(grantTypes.ciba)) return []
  return [
    '// ——— CIBA: requests waiting for the user to answer on their own device (CIBA Core §8) ———',
    '/** auth_req_id → the account asked. Replace with your own store. */',
    'export const waitingForUser = new Map()',
    '',
    "const oidcScopes = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access'])",
    '',
    '/**',
    " * Call this when the user answers on their device: Allow makes the client's next poll return",
    ' * tokens for the scopes it asked for, Deny makes it answer access_denied (CIBA Core §11).',
    ' */',
    'export async function answerBackchannelRequest(provider, authReqId, allowed) {',
    '  const request = await provider.BackchannelAuthenticationRequest.find(authReqId)',
    "  if (!request) throw new Error('no such backchannel authentication request')",
    '  waitingForUser.delete(authReqId)',
    '  if (!allowed) {',
    "    return provider.backchannelResult(request, new errors.AccessDenied('the user denied the request'))",
    '  }',
    '  const grant = new provider.Grant({ clientId: request.clientId, accountId: request.accountId })',
    "  const scopes = request.scope.split(' ')",
    "  grant.addOIDCScope(scopes.filter((scope) => oidcScopes.has(scope)).join(' '))",
    '  if (request.resource) {',
    "    const apiScopes = scopes.filter((scope) => !oidcScopes.has(scope)).join(' ')",
    '    for (const resource of [request.resource].flat()) grant.addResourceScope(resource, apiScopes)',
    '  }',
    '  await grant.save()',
    '  return provider.backchannelResult(request, grant)',
    '}',
  ]
}

function usage(needsSetup: boolean): string[] {
  return [
    '// Use it as it is:',
    "//   import Provider from 'oidc-provider'",
    `//   import { client, configuration, features${needsSetup ? ', setup' : ''} } from './oidc-provider-client.js'`,
    '//   const provider = new Provider(issuer, { ...configuration, clients: [client], features })',
    ...(needsSetup ? ['//   await setup(provider)'] : []),
    '//   app.use(provider.callback())',
    '//',
    '// Before production, add what only you can provide: signing keys (`jwks`), cookie keys',
    '// (`cookies.keys`), a storage adapter (`adapter`), your user store (`findAccount`), and your own',
    "// sign-in and consent pages (`interactions.url`) in place of oidc-provider's development pages.",
  ]
}

/** What to do with the module before it serves anyone; shown beside the export on the page. */
export function oidcProviderNotes(metadata: ClientMetadata): string[] {
  const plan = planOidcProviderModule(metadata)
  const customGrant = plan.jwtBearer || plan.tokenExchange
  const needsSetup = customGrant || plan.platform
  const notes = [
    `It exports \`client\`, \`features\` and \`configuration\`${needsSetup ? ', and `setup(provider)`' : ''}. Load them with \`new Provider(issuer, { ...configuration, clients: [client], features })\`${needsSetup ? `, then call \`await setup(provider)\` before serving${customGrant ? ': oidc-provider has no built-in handler for this client’s grant, so the module brings one' : ''}` : ''}.`,
  ]
  if (plan.platform) {
    notes.push(
      'Who signs the client assertions: with `assertionPlatform = null` the client signs its own, with the private key whose public half is registered (`iss` = `sub` = client_id, OpenID Connect Core §9). A workload whose platform (Kubernetes, a cloud, a CI system) issues it a JWT sends that JWT instead (`iss` the platform, `sub` the client_id): set `assertionPlatform` to the platform’s issuer, key set URL and algorithms, as the comment above it shows, and make the client_id the workload’s identity. `setup(provider)` then checks the JWT (signature, `iss`, `sub`, `aud` this issuer alone, `exp` at most an hour away; this module accepts the same JWT again until it expires) and oidc-provider authenticates the client.',
    )
  }
  if (plan.apiScopes.length > 0 || plan.tokenExchange) {
    notes.push(
      `Access tokens for ${plan.apiScopes.map((scope) => `\`${scope}\``).join(' ') || 'the API'} are JWTs for \`${exampleApi}\` (an RFC 8707 resource indicator, in \`api\`): replace it with your API’s identifier.`,
    )
  }
  if (plan.grants.includes(grantTypes.ciba)) {
    notes.push(
      'CIBA: replace `processLoginHint` with a look-up of the user the agent names, and `triggerAuthenticationDevice` with a notification to the user’s own device; when the user answers there, call `answerBackchannelRequest(provider, authReqId, allowed)`. oidc-provider’s own `validateBindingMessage` allows 1 to 20 plain characters.',
    )
  }
  if (plan.jwtBearer) {
    notes.push(
      'JWT bearer: replace `trustedAssertionIssuers` with the issuer you trust and its JWKS URL, and `accountForAssertion` with a look-up of the user the assertion names. Assertions are checked as RFC 7523 §3 says: signature, `iss`, `aud` (this issuer alone), `exp`, and a `jti` is refused the second time.',
    )
  }
  if (plan.tokenExchange) {
    notes.push(
      `Token exchange policy: this client may trade an access token issued for \`${exampleApi}\` for one for \`${exampleDownstreamApi}\`, within the subject token’s scope and lifetime; actor tokens (delegation) are refused. Adjust \`api\` and \`downstream\` to your services.`,
    )
  }
  if (
    metadata.client_secret === undefined &&
    secretMethods.has(metadata.token_endpoint_auth_method ?? 'client_secret_basic')
  ) {
    notes.push('The client secret is read from `OAUTH_CLIENT_SECRET` in the environment.')
  }
  notes.push(
    'Before production: your own signing keys (`jwks`), cookie keys, a storage `adapter`, `findAccount`, and your own sign-in and consent pages (`interactions.url`) in place of the development ones.',
  )
  return notes
}

/** The whole module, as the page previews and downloads it. */
export function exportOidcProviderModule(metadata: ClientMetadata): string {
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const needsSecret = secretMethods.has(method)
  const entry: Record<string, unknown> = toOidcProviderClient(metadata, {
    ...(needsSecret ? { clientSecret: metadata.client_secret ?? secretPlaceholder } : {}),
  })
  // A secret the page does not hold is read from the environment, like the .env export's.
  if (needsSecret && metadata.client_secret === undefined) {
    entry.client_secret = new Expression(secretPlaceholder)
  }
  const plan = planOidcProviderModule(metadata)
  // A client that may take its platform's JWT gets its keys from `clientKeys`, which holds either
  // its own registered keys or the module's vouching key (oidc-provider-platform.ts).
  const registeredKeys: Record<string, unknown> = {}
  if (plan.platform) {
    for (const field of keyFields) {
      if (entry[field] !== undefined) registeredKeys[field] = entry[field]
      delete entry[field]
    }
  }
  const body = plan.platform
    ? jsLiteral(entry).replace(
        /\n}$/,
        '\n  // Who signs its assertions: see assertionPlatform above.\n  ...clientKeys,\n}',
      )
    : jsLiteral(entry)
  const grantCode = customGrantSections(plan)
  const ciba = cibaSection(plan)
  const needsErrors =
    plan.apiScopes.length > 0 || plan.tokenExchange || plan.jwtBearer || ciba.length > 0
  const alg = entry.id_token_signed_response_alg as string | undefined
  return [
    `// ${metadata.client_name ?? 'OAuth client'}: a node-oidc-provider 9 configuration, generated by Grantlab.`,
    '//',
    ...usage(grantCode.length > 0),
    ...(alg && alg !== 'RS256'
      ? [
          `// This client's ID tokens are signed with ${alg}: the provider's jwks needs a ${alg} key.`,
        ]
      : []),
    '',
    ...(needsErrors ? ["import { errors } from 'oidc-provider'"] : []),
    ...grantCode.flatMap((section) => section.imports),
    ...(needsErrors || grantCode.length > 0 ? [''] : []),
    ...(plan.platform ? [...platformSection(metadata, jsLiteral(registeredKeys, '    ')), ''] : []),
    `export const client = ${body}`,
    '',
    ...apiSection(plan),
    ...(apiSection(plan).length > 0 ? [''] : []),
    ...ciba,
    ...(ciba.length > 0 ? [''] : []),
    ...featuresSection(metadata, plan),
    '',
    ...configurationSection(plan),
    '',
    ...(grantCode.length > 0
      ? [
          ...grantCode.flatMap((section) => (section.body.length > 0 ? [...section.body, ''] : [])),
          plan.jwtBearer || plan.tokenExchange
            ? '/** Registers the grants oidc-provider has no built-in handler for. Call it once, before serving. */'
            : "/** Checks the platform's JWT when assertionPlatform names one. Call it once, before serving. */",
          'export async function setup(provider) {',
          ...grantCode
            .filter((section) => section.register !== '')
            .map((section) => `  ${section.register}`),
          '}',
          '',
        ]
      : []),
  ].join('\n')
}
