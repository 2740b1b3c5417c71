import {
  type ClientMetadata,
  containsMarkup,
  type FieldName,
  privateJwkMembers,
} from './client-metadata.ts'
import {
  cibaCore,
  oidcClientAuthentication,
  oidcPostLogout,
  oidcRegistration,
  rfc,
  type SpecRef,
} from './spec-refs.ts'

/**
 * The live checks, as one table of data. Each row names its field, severity, message, fix and
 * the section it comes from; `find` returns the places it applies to (an empty list: it passes).
 * Defaults from RFC 7591 §2 apply when a field is absent: grant_types ["authorization_code"],
 * response_types ["code"], token_endpoint_auth_method "client_secret_basic".
 */
export type Severity = 'error' | 'warning' | 'info'

export type Finding = {
  id: string
  severity: Severity
  field: FieldName
  /** Which entry of a list field (redirect_uris[2], jwks.keys[0], contacts[1]) it is about. */
  index?: number
  message: string
  fix: string
  spec: SpecRef
}

type Place = { index?: number; value?: string }
type Text = string | ((place: Place) => string)

export type Check = {
  id: string
  severity: Severity
  field: FieldName
  message: Text
  fix: Text
  spec: SpecRef
  find: (client: ClientView) => Place[]
}

export const grantTypes = {
  authorizationCode: 'authorization_code',
  implicit: 'implicit',
  password: 'password',
  clientCredentials: 'client_credentials',
  refreshToken: 'refresh_token',
  deviceCode: 'urn:ietf:params:oauth:grant-type:device_code',
  jwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  tokenExchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
  ciba: 'urn:openid:params:grant-type:ciba',
} as const

/** The token delivery modes CIBA Core §4 defines. */
export const cibaDeliveryModes = ['poll', 'ping', 'push'] as const

export const authMethods = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
] as const

/** The metadata with RFC 7591's defaults applied, and the facts several checks share. */
export type ClientView = {
  metadata: ClientMetadata
  grants: string[]
  responseTypes: string[][]
  authMethod: string
  isPublic: boolean
  isNative: boolean
}

export function viewClient(metadata: ClientMetadata): ClientView {
  const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
  const responseTypes = (metadata.response_types ?? ['code']).map((type) =>
    type.split(' ').filter((part) => part !== ''),
  )
  const authMethod = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  return {
    metadata,
    grants,
    responseTypes,
    authMethod,
    isPublic: authMethod === 'none',
    isNative: metadata.application_type === 'native',
  }
}

export type UriFacts = {
  valid: boolean
  scheme: string
  host: string
  hasFragment: boolean
  hasWildcard: boolean
  isHttps: boolean
  isHttp: boolean
  /** 127.0.0.0/8 or [::1]: the loopback IP literals RFC 8252 §7.3 asks for. */
  isLoopbackIp: boolean
  isLocalhostName: boolean
  /** Neither http nor https: a private-use (custom) scheme, RFC 8252 §7.1. */
  isPrivateUse: boolean
}

export function describeUri(uri: string): UriFacts {
  let url: URL | undefined
  try {
    url = new URL(uri)
  } catch {
    url = undefined
  }
  const scheme = url ? url.protocol.slice(0, -1) : ''
  const host = url ? url.hostname : ''
  return {
    valid: url !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(uri) && !/\s/.test(uri),
    scheme,
    host,
    hasFragment: uri.includes('#'),
    hasWildcard: uri.includes('*'),
    isHttps: scheme === 'https',
    isHttp: scheme === 'http',
    isLoopbackIp: /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]',
    isLocalhostName: host === 'localhost' || host.endsWith('.localhost'),
    isPrivateUse: url !== undefined && scheme !== 'http' && scheme !== 'https',
  }
}

const emailPattern = /^(?:mailto:)?[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/i

function each(list: string[] | undefined, test: (value: string) => boolean): Place[] {
  return (list ?? []).flatMap((value, index) => (test(value) ? [{ index, value }] : []))
}

function redirectUris(client: ClientView, test: (facts: UriFacts, uri: string) => boolean) {
  return each(client.metadata.redirect_uris, (uri) => test(describeUri(uri), uri))
}

const once = (condition: boolean): Place[] => (condition ? [{}] : [])

const usesRedirects = (client: ClientView) =>
  client.grants.includes(grantTypes.authorizationCode) ||
  client.grants.includes(grantTypes.implicit)

const uriFields = [
  ['logo_uri', 'logo'],
  ['client_uri', 'home page'],
  ['policy_uri', 'privacy policy'],
  ['tos_uri', 'terms of service'],
  ['jwks_uri', 'JWK Set'],
] as const

const uriChecks: Check[] = uriFields.flatMap(([field, what]): Check[] => [
  {
    id: `${field}-invalid`,
    severity: 'error',
    field,
    message: ({ value }) => `${field} "${value}" is not an absolute URL.`,
    fix: `Enter the full address of the ${what}, starting with https://.`,
    spec: field === 'jwks_uri' ? rfc(7591, '2') : oidcRegistration,
    find: ({ metadata }) => {
      const value = metadata[field]
      return value !== undefined && value !== '' && !describeUri(value).valid ? [{ value }] : []
    },
  },
  {
    id: `${field}-not-https`,
    severity: field === 'jwks_uri' ? 'error' : 'warning',
    field,
    message: ({ value }) =>
      field === 'jwks_uri'
        ? `jwks_uri "${value}" is not https: anyone on the path could swap the keys the server trusts.`
        : `${field} "${value}" is not an https URL; the server shows it to users on its login and consent pages.`,
    fix: `Serve the ${what} over https and use its https:// address.`,
    spec: field === 'jwks_uri' ? rfc(7591, '2') : oidcRegistration,
    find: ({ metadata }) => {
      const value = metadata[field]
      if (value === undefined || value === '') return []
      const facts = describeUri(value)
      return facts.valid && !facts.isHttps ? [{ value }] : []
    },
  },
])

/** The table. Order is the order of the findings panel within one severity. */
export const checks: Check[] = [
  // --- grant types and response types agree (RFC 7591 §2.1, OIDC Registration §2) ---
  {
    id: 'code-response-needs-authorization-code-grant',
    severity: 'error',
    field: 'grant_types',
    message: ({ value }) =>
      `response type "${value}" returns a code, but grant_types lacks "authorization_code" to redeem it.`,
    fix: 'Add "authorization_code" to grant_types, or remove the response type.',
    spec: rfc(7591, '2.1'),
    find: ({ responseTypes, grants }) =>
      responseTypes.flatMap((parts) =>
        parts.includes('code') && !grants.includes(grantTypes.authorizationCode)
          ? [{ value: parts.join(' ') }]
          : [],
      ),
  },
  {
    id: 'authorization-code-grant-needs-code-response',
    severity: 'error',
    field: 'response_types',
    message: 'grant_types has "authorization_code" but no response type returns a code.',
    fix: 'Add the "code" response type.',
    spec: rfc(7591, '2.1'),
    find: ({ grants, responseTypes }) =>
      once(
        grants.includes(grantTypes.authorizationCode) &&
          !responseTypes.some((parts) => parts.includes('code')),
      ),
  },
  {
    id: 'front-channel-token-needs-implicit-grant',
    severity: 'error',
    field: 'grant_types',
    message: ({ value }) =>
      `response type "${value}" returns a token from the authorization endpoint, which needs the "implicit" grant type.`,
    fix: 'Use the "code" response type instead; if you really need this one, add "implicit" to grant_types.',
    // OIDC Registration §2 lists which grant_types each response_type needs (code id_token:
    // authorization_code and implicit); RFC 7591 §2.1 only says the two must agree.
    spec: oidcRegistration,
    find: ({ responseTypes, grants }) =>
      responseTypes.flatMap((parts) =>
        (parts.includes('token') || parts.includes('id_token')) &&
        !grants.includes(grantTypes.implicit)
          ? [{ value: parts.join(' ') }]
          : [],
      ),
  },
  {
    id: 'implicit-grant-needs-token-response',
    severity: 'error',
    field: 'response_types',
    message:
      'grant_types has "implicit" but no response type returns a token ("token" or "id_token").',
    fix: 'Remove "implicit" from grant_types (preferred), or add a matching response type.',
    spec: rfc(7591, '2.1'),
    find: ({ grants, responseTypes }) =>
      once(
        grants.includes(grantTypes.implicit) &&
          !responseTypes.some((parts) => parts.includes('token') || parts.includes('id_token')),
      ),
  },
  {
    id: 'grant-types-empty',
    severity: 'warning',
    field: 'grant_types',
    message: 'grant_types is empty: this client could not obtain any token.',
    fix: 'Pick the grant your client uses (the advisor can recommend one).',
    spec: rfc(7591, '2'),
    find: ({ metadata }) =>
      once(metadata.grant_types !== undefined && metadata.grant_types.length === 0),
  },
  // --- deprecated grants (RFC 9700) ---
  {
    id: 'implicit-deprecated',
    severity: 'warning',
    field: 'grant_types',
    message:
      'The implicit grant sends access tokens through the browser address bar, where they leak and cannot be sender-constrained; RFC 9700 says it SHOULD NOT be used.',
    fix: 'Use authorization_code with PKCE and the "code" response type instead.',
    spec: rfc(9700, '2.1.2'),
    find: ({ grants, responseTypes }) =>
      once(
        responseTypes.some((parts) => parts.includes('token')) ||
          (grants.includes(grantTypes.implicit) &&
            !responseTypes.some((parts) => parts.includes('code'))),
      ),
  },
  {
    id: 'password-deprecated',
    severity: 'error',
    field: 'grant_types',
    message:
      'The resource owner password credentials grant hands the user’s password to the client; RFC 9700 says it MUST NOT be used.',
    fix: 'Remove "password"; use authorization_code with PKCE (or the device grant on devices without a browser).',
    spec: rfc(9700, '2.4'),
    find: ({ grants }) => once(grants.includes(grantTypes.password)),
  },
  // --- public clients ---
  {
    id: 'public-client-has-secret',
    severity: 'error',
    field: 'client_secret',
    message:
      'token_endpoint_auth_method is "none" (a public client), yet a client_secret is set: a public client cannot keep a secret.',
    fix: 'Remove the client secret, or pick a confidential authentication method if the client runs on a server.',
    spec: rfc(7591, '2'),
    find: ({ isPublic, metadata }) =>
      once(isPublic && metadata.client_secret !== undefined && metadata.client_secret !== ''),
  },
  {
    id: 'public-client-credentials-grant',
    severity: 'error',
    field: 'grant_types',
    message:
      'A public client has "client_credentials": that grant only proves who the client is, and a public client cannot prove it.',
    fix: 'Remove "client_credentials", or make the client confidential (private_key_jwt or a client secret).',
    spec: rfc(6749, '4.4'),
    find: ({ isPublic, grants }) => once(isPublic && grants.includes(grantTypes.clientCredentials)),
  },
  {
    id: 'public-client-pkce',
    severity: 'info',
    field: 'token_endpoint_auth_method',
    message:
      'A public client MUST use PKCE. Registration metadata has no field for it, so the Keycloak and oidc-provider exports require S256 and the starter snippet sends it.',
    fix: 'Send code_challenge with code_challenge_method=S256 on every authorization request.',
    spec: rfc(9700, '2.1.1'),
    find: ({ isPublic, grants }) => once(isPublic && grants.includes(grantTypes.authorizationCode)),
  },
  {
    id: 'public-client-refresh-unbound',
    severity: 'info',
    field: 'dpop_bound_access_tokens',
    message:
      'A public client with refresh tokens needs them sender-constrained (DPoP) or rotated on every use.',
    fix: 'Turn on DPoP-bound access tokens, or make sure the server rotates refresh tokens.',
    spec: rfc(9700, '2.2.2'),
    find: ({ isPublic, grants, metadata }) =>
      once(
        isPublic &&
          grants.includes(grantTypes.refreshToken) &&
          metadata.dpop_bound_access_tokens !== true,
      ),
  },
  {
    id: 'auth-method-unknown',
    severity: 'warning',
    field: 'token_endpoint_auth_method',
    message: ({ value }) =>
      `"${value}" is not a registered token endpoint authentication method; servers will refuse it.`,
    fix: `Use one of: ${authMethods.join(', ')}.`,
    spec: rfc(7591, '2'),
    find: ({ authMethod }) =>
      (authMethods as readonly string[]).includes(authMethod) ? [] : [{ value: authMethod }],
  },
  // --- redirect URIs ---
  {
    id: 'redirect-uris-missing',
    severity: 'error',
    field: 'redirect_uris',
    message: 'A client using a redirect-based grant must register at least one redirect URI.',
    fix: 'Add the URI your app receives the authorization response on.',
    spec: rfc(7591, '2'),
    find: (client) =>
      once(usesRedirects(client) && (client.metadata.redirect_uris ?? []).length === 0),
  },
  {
    id: 'redirect-uri-invalid',
    severity: 'error',
    field: 'redirect_uris',
    message: ({ value }) => `"${value}" is not an absolute URI.`,
    fix: 'Write the full URI with its scheme, such as https://app.example.com/callback.',
    spec: rfc(6749, '3.1.2'),
    find: (client) => redirectUris(client, (facts) => !facts.valid),
  },
  {
    id: 'redirect-uri-fragment',
    severity: 'error',
    field: 'redirect_uris',
    message: ({ value }) => `"${value}" has a fragment (#…); redirect URIs must not.`,
    fix: 'Remove the # and everything after it.',
    spec: rfc(6749, '3.1.2'),
    find: (client) => redirectUris(client, (facts) => facts.hasFragment),
  },
  {
    id: 'redirect-uri-wildcard',
    severity: 'error',
    field: 'redirect_uris',
    message: ({ value }) =>
      `"${value}" has a wildcard; servers compare redirect URIs by exact string match, and patterns let attackers steal codes.`,
    fix: 'List every redirect URI in full, one per entry.',
    spec: rfc(9700, '2.1'),
    find: (client) => redirectUris(client, (facts) => facts.hasWildcard),
  },
  {
    id: 'redirect-uri-not-https',
    severity: 'error',
    field: 'redirect_uris',
    message: ({ value }) =>
      `"${value}" uses plain http on a non-loopback host: the authorization response, code included, would travel unencrypted.`,
    fix: 'Use https (native apps may use http only on a loopback IP literal such as http://127.0.0.1).',
    // RFC 9700 §2.6: no http redirect URIs except native apps' loopback redirects.
    spec: rfc(9700, '2.6'),
    find: (client) =>
      redirectUris(
        client,
        (facts) => facts.valid && facts.isHttp && !facts.isLoopbackIp && !facts.isLocalhostName,
      ),
  },
  {
    id: 'redirect-uri-web-loopback',
    severity: 'warning',
    field: 'redirect_uris',
    message: ({ value }) =>
      `"${value}" is a local http address: fine while developing (this app runs there), but not for production.`,
    fix: 'Register the https address of your deployed app for production.',
    spec: rfc(6749, '3.1.2.1'),
    find: (client) =>
      client.isNative
        ? []
        : redirectUris(
            client,
            (facts) => facts.valid && facts.isHttp && (facts.isLoopbackIp || facts.isLocalhostName),
          ),
  },
  {
    id: 'redirect-uri-native-localhost',
    severity: 'warning',
    field: 'redirect_uris',
    message: ({ value }) =>
      `"${value}" uses the name "localhost"; a native app should listen on a loopback IP literal, because the name may resolve elsewhere or be blocked by firewalls.`,
    fix: 'Use http://127.0.0.1 (or http://[::1]) instead of http://localhost.',
    spec: rfc(8252, '8.3'),
    find: (client) =>
      client.isNative ? redirectUris(client, (facts) => facts.valid && facts.isLocalhostName) : [],
  },
  {
    id: 'redirect-uri-private-scheme-web',
    severity: 'error',
    field: 'redirect_uris',
    message: ({ value }) =>
      `"${value}" uses a private-use scheme, which belongs to native apps (application_type "native"); a web client receives its redirects on https.`,
    fix: 'Set application_type to "native" if this is a native app; a web app uses https.',
    // OpenID Connect Registration §2 (application_type): what web and native clients register.
    spec: oidcRegistration,
    find: (client) =>
      client.isNative ? [] : redirectUris(client, (facts) => facts.valid && facts.isPrivateUse),
  },
  {
    id: 'redirect-uri-private-scheme-not-reverse-domain',
    severity: 'warning',
    field: 'redirect_uris',
    message: ({ value }) =>
      `"${value}" uses a private-use scheme that is not a reverse domain name; another app could claim the same scheme.`,
    fix: 'Use a scheme based on a domain you own, reversed: com.example.app:/callback.',
    spec: rfc(8252, '7.1'),
    find: (client) =>
      client.isNative
        ? redirectUris(
            client,
            (facts) => facts.valid && facts.isPrivateUse && !facts.scheme.includes('.'),
          )
        : [],
  },
  {
    id: 'post-logout-redirect-uri-invalid',
    severity: 'error',
    field: 'post_logout_redirect_uris',
    message: ({ value }) =>
      `"${value}" is not a usable post-logout redirect URI (it must be absolute, without a fragment or wildcard).`,
    fix: 'Write the full URI, such as https://app.example.com/signed-out.',
    spec: oidcPostLogout,
    find: ({ metadata }) =>
      each(metadata.post_logout_redirect_uris, (uri) => {
        const facts = describeUri(uri)
        return !facts.valid || facts.hasFragment || facts.hasWildcard
      }),
  },
  {
    id: 'post-logout-redirect-uri-not-https',
    severity: 'warning',
    field: 'post_logout_redirect_uris',
    message: ({ value }) =>
      `"${value}" uses plain http on a non-loopback host; post-logout redirect URIs should use https, and http only for confidential clients where the server allows it.`,
    fix: 'Use the https address of the page users land on after signing out.',
    spec: oidcPostLogout,
    find: ({ metadata }) =>
      each(metadata.post_logout_redirect_uris, (uri) => {
        const facts = describeUri(uri)
        return facts.valid && facts.isHttp && !facts.isLoopbackIp && !facts.isLocalhostName
      }),
  },
  // --- CIBA (CIBA Core §4) ---
  {
    id: 'ciba-needs-delivery-mode',
    severity: 'error',
    field: 'backchannel_token_delivery_mode',
    message:
      'The CIBA grant needs backchannel_token_delivery_mode: how the client gets its tokens (poll, ping or push).',
    fix: 'Choose poll unless the client has an endpoint the server can call back.',
    spec: cibaCore('4'),
    find: ({ grants, metadata }) =>
      once(grants.includes(grantTypes.ciba) && !metadata.backchannel_token_delivery_mode),
  },
  {
    id: 'ciba-delivery-mode-unknown',
    severity: 'error',
    field: 'backchannel_token_delivery_mode',
    message: ({ value }) => `"${value}" is not a CIBA token delivery mode.`,
    fix: 'Use poll, ping or push.',
    spec: cibaCore('4'),
    find: ({ metadata }) => {
      const mode = metadata.backchannel_token_delivery_mode
      return mode && !(cibaDeliveryModes as readonly string[]).includes(mode)
        ? [{ value: mode }]
        : []
    },
  },
  {
    id: 'ciba-delivery-mode-without-grant',
    severity: 'error',
    field: 'backchannel_token_delivery_mode',
    message:
      'backchannel_token_delivery_mode is set, but grant_types lacks "urn:openid:params:grant-type:ciba", so it means nothing.',
    fix: 'Add the CIBA grant, or remove the delivery mode.',
    spec: cibaCore('4'),
    find: ({ grants, metadata }) =>
      once(!grants.includes(grantTypes.ciba) && !!metadata.backchannel_token_delivery_mode),
  },
  {
    id: 'ciba-notification-endpoint-missing',
    severity: 'error',
    field: 'backchannel_client_notification_endpoint',
    message: ({ value }) =>
      `The ${value} mode needs backchannel_client_notification_endpoint: the server calls the client there.`,
    fix: 'Enter the https URL of your notification endpoint, or use poll mode.',
    spec: cibaCore('4'),
    find: ({ metadata }) => {
      const mode = metadata.backchannel_token_delivery_mode
      return (mode === 'ping' || mode === 'push') &&
        !metadata.backchannel_client_notification_endpoint
        ? [{ value: mode }]
        : []
    },
  },
  {
    id: 'ciba-notification-endpoint-not-https',
    severity: 'error',
    field: 'backchannel_client_notification_endpoint',
    message: ({ value }) =>
      `"${value}" is not an https URL; the server sends the client's notification token (and, in push mode, the tokens) there.`,
    fix: 'Use an https URL.',
    spec: cibaCore('4'),
    find: ({ metadata }) => {
      const value = metadata.backchannel_client_notification_endpoint
      return value && !describeUri(value).isHttps ? [{ value }] : []
    },
  },
  {
    id: 'ciba-public-client',
    severity: 'error',
    field: 'token_endpoint_auth_method',
    message:
      'A public client has the CIBA grant: a CIBA client authenticates when it starts a request, which a public client cannot.',
    fix: 'Make the client confidential (private_key_jwt or a client secret), or remove the CIBA grant.',
    spec: cibaCore('7.1'),
    find: ({ isPublic, grants }) => once(isPublic && grants.includes(grantTypes.ciba)),
  },
  {
    id: 'ciba-needs-openid',
    severity: 'error',
    field: 'scope',
    message:
      'The client has the CIBA grant, but its scope lacks openid, which every CIBA request must ask for.',
    fix: 'Add openid to the scope.',
    spec: cibaCore('7.1'),
    find: ({ grants, metadata }) =>
      once(
        grants.includes(grantTypes.ciba) &&
          metadata.scope !== undefined &&
          !metadata.scope.split(' ').includes('openid'),
      ),
  },
  {
    id: 'ciba-mock-server-poll-only',
    severity: 'info',
    field: 'backchannel_token_delivery_mode',
    message: ({ value }) =>
      `The ${value} mode is valid CIBA, but Grantlab’s mock server delivers CIBA tokens in poll mode only (its backchannel_token_delivery_modes_supported): registering live here will be refused.`,
    fix: 'Use poll to try the client against the mock server.',
    spec: cibaCore('4'),
    find: ({ metadata }) => {
      const mode = metadata.backchannel_token_delivery_mode
      return mode === 'ping' || mode === 'push' ? [{ value: mode }] : []
    },
  },
  // --- keys ---
  {
    id: 'jwks-and-jwks-uri',
    severity: 'error',
    field: 'jwks_uri',
    message: 'Both jwks and jwks_uri are set; a client must use one or the other.',
    fix: 'Keep jwks_uri if you publish your keys at a URL (easier to rotate); otherwise keep jwks.',
    spec: rfc(7591, '2'),
    find: ({ metadata }) => once(metadata.jwks !== undefined && metadata.jwks_uri !== undefined),
  },
  {
    id: 'jwks-private-key-material',
    severity: 'error',
    field: 'jwks',
    message: ({ value }) =>
      `Key ${value} contains private key material; the server must only ever see your public keys.`,
    fix: 'Remove the private members (d, p, q, dp, dq, qi, k) and rotate this key: treat it as leaked.',
    spec: rfc(7591, '2'),
    find: ({ metadata }) =>
      (metadata.jwks?.keys ?? []).flatMap((key, index) =>
        privateJwkMembers.some((member) => member in key)
          ? [{ index, value: key.kid ? `"${key.kid}"` : `#${index + 1}` }]
          : [],
      ),
  },
  {
    id: 'jwks-key-without-kid',
    severity: 'warning',
    field: 'jwks',
    message: ({ index }) =>
      `Key #${(index ?? 0) + 1} has no "kid"; the server cannot tell which key signed an assertion once there are two.`,
    fix: 'Give every key a kid (its JWK thumbprint is a good choice).',
    spec: rfc(7517, '4.5'),
    find: ({ metadata }) =>
      (metadata.jwks?.keys ?? []).flatMap((key, index) => (key.kid ? [] : [{ index }])),
  },
  {
    id: 'private-key-jwt-needs-keys',
    severity: 'error',
    field: 'jwks',
    message:
      'private_key_jwt authentication needs your public key registered, in jwks or at jwks_uri.',
    fix: 'Generate a key pair here (the public key goes into jwks), or enter your jwks_uri.',
    spec: oidcClientAuthentication,
    find: ({ authMethod, metadata }) =>
      once(
        authMethod === 'private_key_jwt' &&
          (metadata.jwks_uri === undefined || metadata.jwks_uri === '') &&
          (metadata.jwks === undefined || metadata.jwks.keys.length === 0),
      ),
  },
  {
    id: 'private-key-jwt-symmetric-alg',
    severity: 'error',
    field: 'token_endpoint_auth_signing_alg',
    message: ({ value }) =>
      `${value} is a symmetric (HMAC) algorithm; private_key_jwt signs with a private key.`,
    fix: 'Use ES256, PS256, RS256 or Ed25519 (RFC 9864 replaces the EdDSA name).',
    spec: oidcClientAuthentication,
    find: ({ authMethod, metadata }) => {
      const alg = metadata.token_endpoint_auth_signing_alg
      return authMethod === 'private_key_jwt' && alg?.startsWith('HS') ? [{ value: alg }] : []
    },
  },
  {
    id: 'id-token-alg-none',
    severity: 'error',
    field: 'id_token_signed_response_alg',
    message:
      'Unsigned ID tokens ("none") are not allowed when the authorization endpoint returns an ID token.',
    fix: 'Use RS256 or ES256.',
    spec: oidcRegistration,
    find: ({ metadata, responseTypes }) =>
      once(
        metadata.id_token_signed_response_alg === 'none' &&
          responseTypes.some((parts) => parts.includes('id_token')),
      ),
  },
  // --- the rest ---
  ...uriChecks,
  {
    id: 'contact-not-email',
    severity: 'warning',
    field: 'contacts',
    message: ({ value }) => `"${value}" is not an e-mail address.`,
    fix: 'List the e-mail addresses of the people responsible for this client, such as ops@example.com.',
    spec: rfc(7591, '2'),
    find: ({ metadata }) => each(metadata.contacts, (contact) => !emailPattern.test(contact)),
  },
  {
    id: 'client-name-markup',
    severity: 'error',
    field: 'client_name',
    message:
      'client_name contains markup (an HTML tag or entity); consent screens show this name to users.',
    fix: 'Use plain text only.',
    spec: rfc(7591, '2'),
    find: ({ metadata }) =>
      once(metadata.client_name !== undefined && containsMarkup(metadata.client_name)),
  },
  {
    id: 'client-name-missing',
    severity: 'info',
    field: 'client_name',
    message: 'No client_name: consent screens will show users a bare client ID.',
    fix: 'Give the client the name users know your app by.',
    spec: rfc(7591, '2'),
    find: ({ metadata }) => once((metadata.client_name ?? '').trim() === ''),
  },
  {
    id: 'scope-not-space-delimited',
    severity: 'warning',
    field: 'scope',
    message: ({ value }) =>
      `scope "${value}" contains commas; scope values are separated by spaces.`,
    fix: 'Separate scope values with single spaces: "openid profile email".',
    spec: rfc(6749, '3.3'),
    find: ({ metadata }) => (metadata.scope?.includes(',') ? [{ value: metadata.scope }] : []),
  },
]

function render(text: Text, place: Place): string {
  return typeof text === 'function' ? text(place) : text
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 }

/** Runs every check; errors first, then warnings, then information. */
export function runChecks(metadata: ClientMetadata): Finding[] {
  const client = viewClient(metadata)
  const findings = checks.flatMap((check) =>
    check.find(client).map(
      (place): Finding => ({
        id: check.id,
        severity: check.severity,
        field: check.field,
        ...(place.index === undefined ? {} : { index: place.index }),
        message: render(check.message, place),
        fix: render(check.fix, place),
        spec: check.spec,
      }),
    ),
  )
  return findings.sort((a, b) => severityRank[a.severity] - severityRank[b.severity])
}
