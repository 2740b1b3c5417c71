import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js'
import { grantTypes } from '../checks.ts'
import {
  type ClientMetadata,
  findForbiddenKeys,
  type ImportIssue,
  type ParseResult,
  parseClientMetadata,
} from '../client-metadata.ts'

/**
 * A Keycloak client representation for realm import (`clients: [ … ]` in a realm file, or
 * Clients → Import client). Keycloak speaks in capability switches and string attributes, not
 * RFC 7591 fields; this file maps both ways (docs/decisions/041). Fields Keycloak has no place
 * for (application_type, contacts, software_id/version, scope "openid") ride along as
 * `grantlab.*` attributes so that an export read back gives the same configuration.
 */
export type KeycloakClient = ClientRepresentation & {
  attributes: Record<string, string>
}

const authenticatorTypes: Record<string, string> = {
  client_secret_basic: 'client-secret',
  client_secret_post: 'client-secret',
  client_secret_jwt: 'client-secret-jwt',
  private_key_jwt: 'client-jwt',
  tls_client_auth: 'client-x509',
  self_signed_tls_client_auth: 'client-x509',
}

const flagAttributes = [
  ['oauth2.device.authorization.grant.enabled', grantTypes.deviceCode],
  ['oauth2.jwt.authorization.grant.enabled', grantTypes.jwtBearer],
  ['standard.token.exchange.enabled', grantTypes.tokenExchange],
  ['oidc.ciba.grant.enabled', grantTypes.ciba],
  ['use.refresh.tokens', grantTypes.refreshToken],
] as const

/**
 * Keycloak names the EdDSA family's JWS algorithm "EdDSA" and keeps the curve (Ed25519) as key
 * data; RFC 9864 deprecates "EdDSA" in JOSE in favour of the fully specified "Ed25519". The
 * export writes Keycloak's name, because that is what Keycloak accepts, and the import reads it
 * back as Ed25519.
 */
function toKeycloakAlg(alg: string): string {
  return alg === 'Ed25519' ? 'EdDSA' : alg
}

function fromKeycloakAlg(alg: string | undefined): string | undefined {
  return alg === 'EdDSA' ? 'Ed25519' : alg
}

/**
 * OpenID Connect Core §11: `offline_access` asks for a refresh token that outlives the user's
 * session. As a Keycloak default client scope it would be granted on every login, so every login
 * would become an offline session; as an optional one it is granted when the client asks for it.
 */
const optionalOnly = new Set(['offline_access'])

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'grantlab-client'
  )
}

function originOf(uri: string): string | undefined {
  try {
    const { origin, protocol } = new URL(uri)
    return protocol === 'http:' || protocol === 'https:' ? origin : undefined
  } catch {
    return undefined
  }
}

export function toKeycloakClient(metadata: ClientMetadata): KeycloakClient {
  const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const isPublic = method === 'none'
  const scopes = (metadata.scope ?? '').split(' ').filter((value) => value !== '')
  const attributes: Record<string, string> = {}
  for (const [attribute, grant] of flagAttributes) {
    attributes[attribute] = String(grants.includes(grant))
  }
  if (grants.includes(grantTypes.authorizationCode))
    attributes['pkce.code.challenge.method'] = 'S256'
  if (metadata.post_logout_redirect_uris?.length) {
    attributes['post.logout.redirect.uris'] = metadata.post_logout_redirect_uris.join('##')
  }
  if (metadata.token_endpoint_auth_signing_alg) {
    attributes['token.endpoint.auth.signing.alg'] = toKeycloakAlg(
      metadata.token_endpoint_auth_signing_alg,
    )
  }
  if (metadata.id_token_signed_response_alg) {
    attributes['id.token.signed.response.alg'] = toKeycloakAlg(
      metadata.id_token_signed_response_alg,
    )
  }
  if (metadata.dpop_bound_access_tokens !== undefined) {
    attributes['dpop.bound.access.tokens'] = String(metadata.dpop_bound_access_tokens)
  }
  if (metadata.require_pushed_authorization_requests !== undefined) {
    attributes['require.pushed.authorization.requests'] = String(
      metadata.require_pushed_authorization_requests,
    )
  }
  if (metadata.jwks_uri) {
    attributes['use.jwks.url'] = 'true'
    attributes['jwks.url'] = metadata.jwks_uri
  }
  if (metadata.jwks) {
    attributes['use.jwks.string'] = 'true'
    attributes['jwks.string'] = JSON.stringify(metadata.jwks)
  }
  if (metadata.logo_uri) attributes.logoUri = metadata.logo_uri
  if (metadata.policy_uri) attributes.policyUri = metadata.policy_uri
  if (metadata.tos_uri) attributes.tosUri = metadata.tos_uri
  if (metadata.token_endpoint_auth_method) {
    attributes['grantlab.token.endpoint.auth.method'] = metadata.token_endpoint_auth_method
  }
  if (metadata.client_id === undefined) attributes['grantlab.client.id.generated'] = 'true'
  if (metadata.application_type) attributes['grantlab.application.type'] = metadata.application_type
  if (metadata.contacts?.length) attributes['grantlab.contacts'] = metadata.contacts.join(' ')
  if (metadata.software_id) attributes['grantlab.software.id'] = metadata.software_id
  if (metadata.software_version) attributes['grantlab.software.version'] = metadata.software_version
  if (metadata.scope !== undefined) attributes['grantlab.scope'] = metadata.scope
  // Keycloak sets the CIBA delivery mode for the whole realm (its CIBA policy); the client's own
  // RFC 7591 value is kept beside it (docs/decisions/041).
  if (metadata.backchannel_token_delivery_mode) {
    attributes['grantlab.backchannel.token.delivery.mode'] =
      metadata.backchannel_token_delivery_mode
  }
  if (metadata.backchannel_client_notification_endpoint) {
    attributes['grantlab.backchannel.client.notification.endpoint'] =
      metadata.backchannel_client_notification_endpoint
  }
  if (metadata.response_types !== undefined) {
    attributes['grantlab.response.types'] = metadata.response_types.join(',')
  }

  const redirectUris = metadata.redirect_uris ?? []
  const webOrigins = isPublic
    ? [...new Set(redirectUris.map(originOf).filter((origin) => origin !== undefined))]
    : []

  const client: KeycloakClient = {
    clientId: metadata.client_id ?? slug(metadata.client_name ?? ''),
    ...(metadata.client_name ? { name: metadata.client_name } : {}),
    protocol: 'openid-connect',
    enabled: true,
    publicClient: isPublic,
    bearerOnly: false,
    standardFlowEnabled: grants.includes(grantTypes.authorizationCode),
    implicitFlowEnabled: grants.includes(grantTypes.implicit),
    directAccessGrantsEnabled: grants.includes(grantTypes.password),
    serviceAccountsEnabled: grants.includes(grantTypes.clientCredentials),
    redirectUris,
    webOrigins,
    defaultClientScopes: scopes.filter((value) => value !== 'openid' && !optionalOnly.has(value)),
    ...(scopes.some((value) => optionalOnly.has(value))
      ? { optionalClientScopes: scopes.filter((value) => optionalOnly.has(value)) }
      : {}),
    attributes,
  }
  if (!isPublic) client.clientAuthenticatorType = authenticatorTypes[method] ?? 'client-secret'
  if (metadata.client_uri) client.baseUrl = metadata.client_uri
  if (metadata.client_secret) client.secret = metadata.client_secret
  return client
}

/** Built-in client scopes of a new Keycloak realm; any other scope must be created first. */
const builtInScopes = new Set([
  'openid',
  'profile',
  'email',
  'address',
  'phone',
  'offline_access',
  'roles',
  'web-origins',
  'acr',
  'basic',
  'microprofile-jwt',
  'organization',
])

/**
 * What the representation cannot say: the realm set-up a grant needs, and choices the mapping
 * made. Shown beside the export on the page.
 */
export function keycloakNotes(metadata: ClientMetadata): string[] {
  const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
  const isPublic = (metadata.token_endpoint_auth_method ?? 'client_secret_basic') === 'none'
  const scopes = (metadata.scope ?? '').split(' ').filter((value) => value !== '')
  const notes: string[] = []
  if (grants.includes(grantTypes.ciba)) {
    notes.push(
      `CIBA (OpenID Connect CIBA Core 1.0): the export switches on the client’s Client Initiated Backchannel Authentication Grant. Keycloak keeps the delivery mode in the realm’s CIBA policy (Authentication → Policies → CIBA Policy): set Backchannel Token Delivery Mode to ${metadata.backchannel_token_delivery_mode ?? 'poll'} there${metadata.backchannel_token_delivery_mode === 'push' ? ' (Keycloak offers poll and ping only)' : ''}. Keycloak asks the user through an Authentication Channel Provider, an HTTP service you run that reaches the user’s device and reports their answer back.`,
    )
  }
  if (grants.includes(grantTypes.jwtBearer)) {
    notes.push(
      'JWT bearer grant (RFC 7523): Keycloak trusts an assertion only through an identity provider. In the realm, add one (type OpenID Connect v1.0, or JWT Authorization Grant) with the assertion issuer’s `iss` as its Issuer and its JWKS URL; switch on JWT Authorization Grant in its Authorization Grant Settings; link each user to it (the assertion’s `sub` is the user’s id at that provider); then choose it under this client’s Allowed Identity Providers for JWT Authorization Grant. The grant is a Keycloak preview feature: start the server with `--features=jwt-authorization-grant`. Keycloak refuses an assertion without a `jti`, or one used before, unless the identity provider allows reuse.',
    )
    if (isPublic) {
      notes.push(
        'Keycloak lets only confidential clients use the JWT bearer grant, and this client is public (`token_endpoint_auth_method` `none`): give it a credential (`private_key_jwt`) before importing it.',
      )
    }
  }
  if (grants.includes(grantTypes.tokenExchange)) {
    notes.push(
      `Token exchange (RFC 8693): this client has Keycloak’s standard token exchange switched on. Keycloak exchanges a subject token only when this client is in the token’s \`aud\`, so the client that receives the user’s token must add this one as an audience (an audience mapper or client scope).${isPublic ? ' Keycloak allows token exchange only for confidential clients; this one is public.' : ''}`,
    )
  }
  if (scopes.includes('offline_access')) {
    notes.push(
      '`offline_access` is an optional client scope here, not a default one: a refresh token that outlives the session is issued only when the client asks for `offline_access` (OpenID Connect Core §11). As a default scope, every login would become an offline session.',
    )
  }
  const custom = scopes.filter((value) => !builtInScopes.has(value))
  if (custom.length > 0) {
    notes.push(
      `Create the client scope${custom.length > 1 ? 's' : ''} ${custom.map((name) => `\`${name}\``).join(', ')} in the realm before the import (Client scopes → Create client scope): Keycloak skips a scope it does not know.`,
    )
  }
  const algs = [metadata.token_endpoint_auth_signing_alg, metadata.id_token_signed_response_alg]
  if (algs.some((alg) => alg === 'Ed25519' || alg === 'EdDSA')) {
    notes.push(
      'Keycloak calls the Ed25519 signature algorithm `EdDSA` (the curve is part of the key), so this export writes `EdDSA`. In JOSE that name is deprecated: RFC 9864 names the algorithm `Ed25519`, as the other exports do.',
    )
  }
  return notes
}

function authMethodFrom(client: Record<string, unknown>, attributes: Record<string, string>) {
  if (client.publicClient === true) return 'none'
  const noted = attributes['grantlab.token.endpoint.auth.method']
  switch (client.clientAuthenticatorType) {
    case 'client-jwt':
      return 'private_key_jwt'
    case 'client-secret-jwt':
      return 'client_secret_jwt'
    case 'client-x509':
      return noted === 'self_signed_tls_client_auth' ? noted : 'tls_client_auth'
    default:
      return noted === 'client_secret_post' ? noted : 'client_secret_basic'
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Tells a Keycloak client representation from RFC 7591 metadata by its camelCase markers. */
export function looksLikeKeycloakClient(value: unknown): boolean {
  return (
    isRecord(value) &&
    ('clientId' in value || 'redirectUris' in value || value.protocol === 'openid-connect')
  )
}

/**
 * Reads a Keycloak client export back into RFC 7591 metadata, then through the same parser as
 * any import, so its types are checked the same way.
 */
export function fromKeycloakClient(value: unknown): ParseResult {
  if (!isRecord(value)) return parseClientMetadata(value)
  const forbidden = findForbiddenKeys(value)
  if (forbidden.length > 0) return parseClientMetadata(value)
  const errors: ImportIssue[] = []
  const warnings: ImportIssue[] = []
  const rawAttributes = value.attributes ?? {}
  if (!isRecord(rawAttributes)) {
    return {
      ok: false,
      errors: [
        { severity: 'error', field: 'attributes', message: 'attributes must be an object.' },
      ],
      warnings,
    }
  }
  const attributes: Record<string, string> = {}
  for (const [key, attribute] of Object.entries(rawAttributes)) {
    if (typeof attribute === 'string') attributes[key] = attribute
    else if (typeof attribute === 'boolean' || typeof attribute === 'number') {
      attributes[key] = String(attribute)
    }
  }
  if (value.protocol !== undefined && value.protocol !== 'openid-connect') {
    errors.push({
      severity: 'error',
      field: 'protocol',
      message: `This Keycloak client uses "${String(value.protocol)}", not OpenID Connect.`,
    })
  }
  for (const flag of [
    'publicClient',
    'standardFlowEnabled',
    'implicitFlowEnabled',
    'directAccessGrantsEnabled',
    'serviceAccountsEnabled',
  ]) {
    if (flag in value && typeof value[flag] !== 'boolean') {
      errors.push({ severity: 'error', field: flag, message: `${flag} must be true or false.` })
    }
  }
  if (errors.length > 0) return { ok: false, errors, warnings }

  const on = (name: string) => attributes[name] === 'true'
  const grants: string[] = []
  if (value.standardFlowEnabled !== false) grants.push(grantTypes.authorizationCode)
  if (value.implicitFlowEnabled === true) grants.push(grantTypes.implicit)
  if (on('use.refresh.tokens')) grants.push(grantTypes.refreshToken)
  if (value.serviceAccountsEnabled === true) grants.push(grantTypes.clientCredentials)
  if (value.directAccessGrantsEnabled === true) grants.push(grantTypes.password)
  if (on('oauth2.device.authorization.grant.enabled')) grants.push(grantTypes.deviceCode)
  if (on('oauth2.jwt.authorization.grant.enabled')) grants.push(grantTypes.jwtBearer)
  if (on('standard.token.exchange.enabled')) grants.push(grantTypes.tokenExchange)
  if (on('oidc.ciba.grant.enabled')) grants.push(grantTypes.ciba)

  const responseTypes =
    attributes['grantlab.response.types'] !== undefined
      ? attributes['grantlab.response.types'].split(',').filter((type) => type !== '')
      : [
          ...(grants.includes(grantTypes.authorizationCode) ? ['code'] : []),
          ...(grants.includes(grantTypes.implicit) ? ['id_token token'] : []),
        ]

  let scope = attributes['grantlab.scope']
  if (scope === undefined) {
    const listed = [value.defaultClientScopes, value.optionalClientScopes].flatMap((list) =>
      Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [],
    )
    scope = ['openid', ...listed].join(' ')
  }

  let jwks: unknown
  if (on('use.jwks.string') && attributes['jwks.string']) {
    try {
      jwks = JSON.parse(attributes['jwks.string'])
    } catch {
      return {
        ok: false,
        errors: [
          {
            severity: 'error',
            field: 'attributes.jwks.string',
            message: 'The client’s jwks.string attribute is not valid JSON.',
          },
        ],
        warnings,
      }
    }
  }
  const postLogout = attributes['post.logout.redirect.uris']
  const candidate: Record<string, unknown> = {
    client_id: attributes['grantlab.client.id.generated'] === 'true' ? undefined : value.clientId,
    client_name: value.name,
    application_type: attributes['grantlab.application.type'],
    redirect_uris:
      Array.isArray(value.redirectUris) && value.redirectUris.length === 0
        ? undefined
        : value.redirectUris,
    post_logout_redirect_uris: postLogout
      ? postLogout.split('##').filter((uri) => uri !== '' && uri !== '+')
      : undefined,
    grant_types: grants,
    response_types: responseTypes,
    token_endpoint_auth_method: authMethodFrom(value, attributes),
    token_endpoint_auth_signing_alg: fromKeycloakAlg(attributes['token.endpoint.auth.signing.alg']),
    scope,
    contacts: attributes['grantlab.contacts']?.split(' ').filter((item) => item !== ''),
    logo_uri: attributes.logoUri,
    client_uri: value.baseUrl,
    policy_uri: attributes.policyUri,
    tos_uri: attributes.tosUri,
    jwks,
    jwks_uri: on('use.jwks.url') ? attributes['jwks.url'] : undefined,
    id_token_signed_response_alg: fromKeycloakAlg(attributes['id.token.signed.response.alg']),
    dpop_bound_access_tokens:
      'dpop.bound.access.tokens' in attributes ? on('dpop.bound.access.tokens') : undefined,
    require_pushed_authorization_requests:
      'require.pushed.authorization.requests' in attributes
        ? on('require.pushed.authorization.requests')
        : undefined,
    // A realm's CIBA policy defaults to poll, so a CIBA client without the Grantlab value polls.
    backchannel_token_delivery_mode:
      attributes['grantlab.backchannel.token.delivery.mode'] ??
      (grants.includes(grantTypes.ciba) ? 'poll' : undefined),
    backchannel_client_notification_endpoint:
      attributes['grantlab.backchannel.client.notification.endpoint'],
    software_id: attributes['grantlab.software.id'],
    software_version: attributes['grantlab.software.version'],
    client_secret: value.secret,
  }
  for (const key of Object.keys(candidate)) {
    if (candidate[key] === undefined) delete candidate[key]
  }
  const result = parseClientMetadata(candidate)
  if (
    result.ok &&
    grants.includes(grantTypes.authorizationCode) &&
    value.publicClient === true &&
    attributes['pkce.code.challenge.method'] !== 'S256'
  ) {
    result.warnings.push({
      severity: 'warning',
      field: 'attributes.pkce.code.challenge.method',
      message:
        'This public Keycloak client does not require PKCE (pkce.code.challenge.method is not S256); the exports from this page will.',
    })
  }
  return result
}
