// biome-ignore-all lint/suspicious/noTemplateCurlyInString: this file writes JavaScript source, template literals included
/**
 * The code the node-oidc-provider export brings for grants oidc-provider has no handler for:
 * the JWT bearer grant (RFC 7523 §2.1) and token exchange (RFC 8693). Each section is JavaScript
 * source text for the exported module, registered by its `setup(provider)` with
 * `provider.registerGrantType(name, handler, parameters)` (docs/decisions/083).
 */
import { platformHandlers, platformJoseNames, platformSetupLine } from './oidc-provider-platform.ts'

export type OidcProviderModulePlan = {
  grants: string[]
  /** Every scope the provider must know: its defaults plus the client's. */
  scopes: string[]
  /** OpenID Connect scopes → the claims each one releases. */
  claims: Record<string, string[]>
  /** The client's scopes that are not OpenID Connect's: the API's. */
  apiScopes: string[]
  refresh: boolean
  jwtBearer: boolean
  tokenExchange: boolean
  dpop: boolean
  /** A service client on private_key_jwt: the module can take its platform's JWT (decision 135). */
  platform: boolean
}

export type GrantSection = { imports: string[]; body: string[]; register: string }

/** Asymmetric algorithms only, with Ed25519 by its RFC 9864 name (never `none` or HMAC). */
const assertionAlgorithms = "['ES256', 'PS256', 'RS256', 'Ed25519']"

/** RFC 9449 §4.3: the proof checks oidc-provider makes for its own grants, redone for ours. */
const dpopHelper = [
  '// RFC 9449 §4.3: oidc-provider checks DPoP proofs in its own grant handlers; these handlers are',
  "// this module's, so they check the proof themselves and bind the token to its key (§6).",
  'async function dpopThumbprint(ctx) {',
  "  const proof = ctx.get('DPoP')",
  '  if (!proof) {',
  '    if (ctx.oidc.client.dpopBoundAccessTokens) {',
  "      throw new errors.InvalidRequest('this client must send a DPoP proof (dpop_bound_access_tokens)')",
  '    }',
  '    return undefined',
  '  }',
  '  try {',
  '    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {',
  "      typ: 'dpop+jwt',",
  `      algorithms: ${assertionAlgorithms},`,
  "      maxTokenAge: '60s',",
  '      clockTolerance: 5,',
  '    })',
  "    const htu = ctx.oidc.urlFor('token')",
  "    if (payload.htm !== 'POST' || payload.htu !== htu) throw new Error(`htm must be POST and htu ${htu}`)",
  "    if (typeof payload.jti !== 'string') throw new Error('jti is missing')",
  '    const { clientId } = ctx.oidc.client',
  '    if (!(await ctx.oidc.provider.ReplayDetection.unique(clientId, payload.jti, payload.iat + 65))) {',
  "      throw new Error('this proof was used before')",
  '    }',
  '    return await calculateJwkThumbprint(protectedHeader.jwk)',
  '  } catch (error) {',
  '    throw new errors.InvalidDpopProof(`invalid DPoP proof: ${error.message}`)',
  '  }',
  '}',
]

function issueHelper(plan: OidcProviderModulePlan): string[] {
  return [
    '/** Mints an access token for a grant of this module and writes the token response (RFC 6749 §5.1). */',
    'async function respondWithAccessToken(ctx, { accountId, gty, scope, resource, notAfter, extra }) {',
    '  const { client, provider } = ctx.oidc',
    ...(plan.dpop ? ['  const jkt = await dpopThumbprint(ctx)'] : []),
    '  const token = new provider.AccessToken({ accountId, client, gty, scope })',
    '  if (resource) {',
    "    token.resourceServer = { audience: resource.identifier, scope: resource.scope, accessTokenFormat: 'jwt' }",
    '  }',
    ...(plan.dpop ? ["  if (jkt) token.setThumbprint('jkt', jkt)"] : []),
    '  // A token made from another never outlives it (`notAfter`, in seconds since 1970).',
    '  if (notAfter !== undefined) {',
    '    token.expiresIn = Math.max(1, Math.min(token.expiration, notAfter - Math.floor(Date.now() / 1000)))',
    '  }',
    '  ctx.body = {',
    '    access_token: await token.save(),',
    '    token_type: token.tokenType,',
    '    expires_in: token.expiration,',
    '    scope: token.scope,',
    '    ...extra,',
    '  }',
    '}',
    '',
    '/** The scope asked for, within what the client registered and the API offers (RFC 6749 §3.3). */',
    'function allowedScope(client, requested, offered) {',
    "  const registered = new Set((client.scope ?? '').split(' '))",
    "  const wanted = requested ? requested.split(' ') : [...offered]",
    '  const refused = wanted.filter((scope) => !registered.has(scope) || !offered.has(scope))',
    '  if (refused.length > 0 || wanted.length === 0) {',
    "    throw new errors.InvalidScope(`not available with this grant: ${refused.join(' ') || '(no scope)'}`)",
    '  }',
    "  return wanted.join(' ')",
    '}',
  ]
}

function jwtBearerSection(plan: OidcProviderModulePlan): GrantSection {
  const hasApi = plan.apiScopes.length > 0
  return {
    imports: [],
    body: [
      '// ——— JWT bearer grant (RFC 7523 §2.1) ———',
      "const jwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer'",
      '',
      '// Whose assertions this server accepts, and where their public keys are: replace with the',
      '// identity provider (or workload platform) you trust. RFC 7523 §3 leaves this trust to the',
      '// authorization server; an assertion from any other issuer is refused.',
      'export const trustedAssertionIssuers = [',
      "  { issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/.well-known/jwks.json' },",
      ']',
      'const issuerKeys = new Map()',
      '',
      '// Who an assertion may speak for: replace with a look-up in your user store that returns the',
      '// account id, or undefined to refuse the subject (RFC 7523 §3, item 2.A).',
      'async function accountForAssertion(_ctx, claims) {',
      '  return claims.sub',
      '}',
      '',
      'async function jwtBearerGrant(ctx) {',
      '  const { client, params, provider } = ctx.oidc',
      "  if (!params.assertion) throw new errors.InvalidRequest('assertion is required')",
      '  let claims',
      '  try {',
      '    const { iss } = decodeJwt(params.assertion)',
      '    const trusted = trustedAssertionIssuers.find((entry) => entry.issuer === iss)',
      '    if (!trusted) throw new Error(`${iss} is not a trusted assertion issuer`)',
      '    if (!issuerKeys.has(iss)) issuerKeys.set(iss, createRemoteJWKSet(new URL(trusted.jwksUri)))',
      '    ;({ payload: claims } = await jwtVerify(params.assertion, issuerKeys.get(iss), {',
      '      issuer: trusted.issuer,',
      `      algorithms: ${assertionAlgorithms},`,
      "      requiredClaims: ['sub', 'aud', 'exp'],",
      '    }))',
      "    // RFC 7523 §3 item 3; draft-ietf-oauth-rfc7523bis: this server's issuer identifier, alone.",
      '    if (claims.aud !== provider.issuer) throw new Error(`aud must be ${provider.issuer}`)',
      '  } catch (error) {',
      '    // RFC 7521 §4.1.1: an assertion that is not valid is invalid_grant.',
      '    throw new errors.InvalidGrant(`the assertion was refused: ${error.message}`)',
      '  }',
      '  // RFC 7523 §3 item 7 lets a server refuse a jti it has seen; this one does, until exp.',
      '  if (claims.jti !== undefined) {',
      '    if (!(await provider.ReplayDetection.unique(claims.iss, claims.jti, claims.exp))) {',
      "      throw new errors.InvalidGrant('the assertion was refused: its jti was used before')",
      '    }',
      '  }',
      '  const accountId = await accountForAssertion(ctx, claims)',
      "  if (!accountId) throw new errors.InvalidGrant('the assertion was refused: unknown subject')",
      '  // No ID token and no refresh token: the client presents a new assertion instead (RFC 7521 §4.1).',
      ...(hasApi
        ? ["  const offered = new Set(api.scope.split(' '))"]
        : [
            "  const notForAssertions = new Set(['openid', 'offline_access'])",
            "  const offered = new Set((client.scope ?? '').split(' ').filter((s) => !notForAssertions.has(s)))",
          ]),
      '  const scope = allowedScope(client, params.scope, offered)',
      `  await respondWithAccessToken(ctx, { accountId, gty: 'jwt-bearer', scope${hasApi ? ', resource: api' : ''} })`,
      '}',
    ],
    register:
      "provider.registerGrantType(jwtBearerGrantType, jwtBearerGrant, ['assertion', 'scope'])",
  }
}

function tokenExchangeSection(): GrantSection {
  return {
    imports: [],
    body: [
      '// ——— Token exchange (RFC 8693) ———',
      "const tokenExchangeGrantType = 'urn:ietf:params:oauth:grant-type:token-exchange'",
      "const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token'",
      'let ownKeys',
      '',
      '/**',
      ' * The claims of a JWT access token this provider issued for `audience`, checked by signature,',
      ' * issuer, type and expiry (RFC 9068 §4); undefined for anything else. oidc-provider keeps no',
      ' * record of JWT access tokens, so the signature is what vouches for one.',
      ' */',
      'async function verifyOwnAccessToken(ctx, value, audience) {',
      "  ownKeys ??= createRemoteJWKSet(new URL(ctx.oidc.urlFor('jwks')))",
      '  try {',
      '    const { payload } = await jwtVerify(value, ownKeys, {',
      '      issuer: ctx.oidc.provider.issuer,',
      '      audience,',
      "      typ: 'at+jwt',",
      '    })',
      '    return payload',
      '  } catch {',
      '    return undefined',
      '  }',
      '}',
      '',
      'async function tokenExchangeGrant(ctx) {',
      '  const { params } = ctx.oidc',
      '  if (!params.subject_token || !params.subject_token_type) {',
      "    throw new errors.InvalidRequest('subject_token and subject_token_type are required')",
      '  }',
      '  if (params.subject_token_type !== accessTokenType) {',
      '    throw new errors.InvalidRequest(`subject_token_type must be ${accessTokenType}`)',
      '  }',
      '  if (params.requested_token_type && params.requested_token_type !== accessTokenType) {',
      '    throw new errors.InvalidRequest(`requested_token_type must be ${accessTokenType}`)',
      '  }',
      '  // actor_token is OPTIONAL (RFC 8693 §2.1); this setup does impersonation only, and says so.',
      '  if (params.actor_token || params.actor_token_type) {',
      "    throw new errors.InvalidRequest('this server does not accept actor tokens (delegation)')",
      '  }',
      '  // Policy (RFC 8693 §2.1, §5): this client, as the API `api`, may exchange a token that was',
      "  // issued for it, and only for the downstream API; never beyond the subject token's scope or life.",
      '  const subject = await verifyOwnAccessToken(ctx, params.subject_token, api.identifier)',
      '  if (!subject) {',
      "    throw new errors.InvalidRequest('subject_token is not an active access token issued for this API')",
      '  }',
      '  const target = params.resource ?? params.audience ?? downstream.identifier',
      '  if (target !== downstream.identifier) {',
      '    throw new errors.InvalidTarget(`this client may exchange tokens only for ${downstream.identifier}`)',
      '  }',
      "  const held = new Set((subject.scope ?? '').split(' ').filter(Boolean))",
      "  const offered = new Set(downstream.scope.split(' ').filter((scope) => held.has(scope)))",
      '  const scope = allowedScope(ctx.oidc.client, params.scope, offered)',
      '  await respondWithAccessToken(ctx, {',
      '    accountId: subject.sub,',
      "    gty: 'token-exchange',",
      '    scope,',
      '    resource: downstream,',
      '    notAfter: subject.exp,',
      '    extra: { issued_token_type: accessTokenType },',
      '  })',
      '}',
    ],
    register: [
      'provider.registerGrantType(tokenExchangeGrantType, tokenExchangeGrant, [',
      "    'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type',",
      "    'requested_token_type', 'resource', 'audience', 'scope',",
      '  ])',
    ].join('\n'),
  }
}

/**
 * The code sections this client needs after its entry, with the helpers and imports they share:
 * the custom grants, and the check of a platform's JWT (oidc-provider-platform.ts).
 */
export function customGrantSections(plan: OidcProviderModulePlan): GrantSection[] {
  const sections: GrantSection[] = []
  if (plan.jwtBearer) sections.push(jwtBearerSection(plan))
  if (plan.tokenExchange) sections.push(tokenExchangeSection())
  const grants = sections.length > 0
  if (plan.platform) {
    sections.push({ imports: [], body: platformHandlers(), register: platformSetupLine })
  }
  if (sections.length === 0) return []
  const joseNames = new Set<string>()
  if (grants) for (const name of ['createRemoteJWKSet', 'jwtVerify']) joseNames.add(name)
  if (plan.jwtBearer) joseNames.add('decodeJwt')
  if (grants && plan.dpop)
    for (const name of ['EmbeddedJWK', 'calculateJwkThumbprint']) joseNames.add(name)
  if (plan.platform) for (const name of platformJoseNames) joseNames.add(name)
  const shared: GrantSection = {
    imports: [
      '// jose comes with oidc-provider; list it in your package.json when you import it like this.',
      `import { ${[...joseNames].sort().join(', ')} } from 'jose'`,
    ],
    body: grants ? [...(plan.dpop ? [...dpopHelper, ''] : []), ...issueHelper(plan)] : [],
    register: '',
  }
  return [shared, ...sections]
}
