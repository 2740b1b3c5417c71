import type { ClientRecord } from './clients'
import { buildLabClients } from './lab-clients'

/** A demo resource owner. Claims follow OIDC Core §5.1. */
export interface DemoUser {
  username: string
  password: string
  sub: string
  name: string
  given_name: string
  family_name: string
  email: string
  email_verified: boolean
}

export const demoUsers: readonly DemoUser[] = [
  {
    username: 'alice',
    password: 'alice-password',
    sub: 'user-alice',
    name: 'Alice Liddell',
    given_name: 'Alice',
    family_name: 'Liddell',
    email: 'alice@example.com',
    email_verified: true,
  },
  {
    username: 'bob',
    password: 'bob-password',
    sub: 'user-bob',
    name: 'Bob Builder',
    given_name: 'Bob',
    family_name: 'Builder',
    email: 'bob@example.com',
    email_verified: false,
  },
]

/**
 * The scopes this server knows, with the plain words the consent page shows. `needsUser` scopes
 * only make sense when a person is present, so client_credentials cannot ask for them.
 */
export const scopeTable = {
  openid: { needsUser: true, description: 'Confirm who you are (your user id)' },
  profile: { needsUser: true, description: 'See your name and username' },
  email: { needsUser: true, description: 'See your email address' },
  offline_access: { needsUser: true, description: 'Keep access while you are not using the app' },
  'orders:read': { needsUser: false, description: 'See your orders' },
  'orders:write': { needsUser: false, description: 'Place new orders for you' },
} as const satisfies Record<string, { needsUser: boolean; description: string }>

export type ScopeName = keyof typeof scopeTable

export const supportedScopes = Object.keys(scopeTable) as ScopeName[]

export function isKnownScope(scope: string): scope is ScopeName {
  return Object.hasOwn(scopeTable, scope)
}

/**
 * OIDC Core §5.4: which standard claims each scope releases at the UserInfo endpoint. A user has
 * those of them that the user record carries (the demo users: names and email).
 */
export const claimsByScope: Record<string, readonly string[]> = {
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
}

/**
 * Claims a configured user may not carry: the ID token's and access token's own (OIDC Core §2,
 * RFC 9068 §2.2), which this server sets itself.
 */
export const reservedClaims = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'c_hash',
  'client_id',
  'scope',
  'act',
  'cnf',
] as const

/**
 * The client authentication methods a demo confidential client accepts. Its registered method is
 * `client_secret_basic`; `client_secret_post` is accepted too, because many libraries send that
 * by default (openid-client does), and a demo client should work with them as they come.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
const demoSecretMethods = ['client_secret_basic', 'client_secret_post'] as const

export const demoClientIds = [
  'grantlab-spa',
  'grantlab-web',
  'grantlab-hybrid',
  'grantlab-legacy',
  'grantlab-m2m',
  'grantlab-device',
  'grantlab-ciba',
  'grantlab-exchanger',
  'grantlab-api',
  'grantlab-dpop',
  'grantlab-par',
  'grantlab-logout',
] as const

/**
 * The demo administrator's initial access token (RFC 7591 §3). A registration that carries it may
 * make the client a trusted JWT bearer assertion issuer. A demo shortcut, published like the demo
 * passwords: the walkthroughs send it from the page so that a key made in the browser can be
 * trusted a moment later. A real server hands such a token to administrators only
 * (docs/decisions/056).
 */
export const demoAdminInitialAccessToken = 'grantlab-demo-admin-initial-access-token'

/** The flows whose walkthrough callback the demo clients may redirect to. */
export const demoRedirectFlows = ['authorization-code', 'refresh-token'] as const

export function demoRedirectUri(appOrigin: string, flowId: string): string {
  return `${appOrigin}/walkthrough/${flowId}/callback`
}

/**
 * The demo client's back-channel logout endpoint, below the app's origin. Behind the service
 * worker it is a route the worker serves for the demo client `grantlab-logout`, which checks each
 * logout token as a relying party must (src/mock-as/demo-client/, docs/decisions/108).
 */
export const demoBackchannelLogoutPath = '/demo-client/backchannel-logout'

/**
 * Demo clients are built from the app's origin on every request and never stored, so dynamic
 * registration can never overwrite them. `apiAudience` is the `aud` of the demo API's tokens
 * (the server's own origin + `/api`, which in Node differs from the app's origin).
 */
export function buildDemoClients(
  appOrigin: string,
  apiAudience = `${appOrigin}/api`,
): ClientRecord[] {
  const redirectUris = demoRedirectFlows.map((flow) => demoRedirectUri(appOrigin, flow))
  const userScopes = supportedScopes.join(' ')
  return [
    {
      client_id: 'grantlab-spa',
      client_name: 'Grantlab single-page app',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirectUris,
      post_logout_redirect_uris: [`${appOrigin}/`],
      scope: userScopes,
      source: 'demo',
    },
    {
      client_id: 'grantlab-web',
      client_secret: 'grantlab-web-secret',
      client_name: 'Grantlab server-side web app',
      token_endpoint_auth_method: 'client_secret_basic',
      acceptedAuthMethods: [...demoSecretMethods],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirectUris,
      post_logout_redirect_uris: [`${appOrigin}/`],
      scope: userScopes,
      source: 'demo',
    },
    {
      // OIDC Core §3.3: a confidential web app that takes the ID token from the front channel
      // (response_type code id_token) and the tokens from the back channel. OIDC Registration §2
      // pairs code id_token with both grants it stands for: authorization_code and implicit. The
      // implicit flow itself (response_type token) stays refused: this client is not legacy.
      client_id: 'grantlab-hybrid',
      client_secret: 'grantlab-hybrid-secret',
      client_name: 'Grantlab hybrid-flow web app',
      token_endpoint_auth_method: 'client_secret_basic',
      acceptedAuthMethods: [...demoSecretMethods],
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code id_token', 'code'],
      redirect_uris: [demoRedirectUri(appOrigin, 'hybrid')],
      scope: userScopes,
      source: 'demo',
    },
    {
      // RFC 9126 §6: this client's authorization requests are accepted only when pushed to
      // /as/par first; a plain one is refused. Confidential, so the push is authenticated.
      client_id: 'grantlab-par',
      client_secret: 'grantlab-par-secret',
      client_name: 'Grantlab web app (pushed requests only)',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [demoRedirectUri(appOrigin, 'par')],
      require_pushed_authorization_requests: true,
      scope: userScopes,
      source: 'demo',
    },
    {
      // OpenID Connect RP-Initiated Logout 1.0 and Back-Channel Logout 1.0: a server-side web app
      // that sends the browser to /as/logout and back, and hears of every logout of a session it
      // took part in at its back-channel endpoint. It asks that a logout also revoke the refresh
      // tokens it got with offline_access (docs/decisions/107).
      client_id: 'grantlab-logout',
      client_secret: 'grantlab-logout-secret',
      client_name: 'Grantlab web app with logout',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [demoRedirectUri(appOrigin, 'logout')],
      post_logout_redirect_uris: [demoRedirectUri(appOrigin, 'logout')],
      backchannel_logout_uri: `${appOrigin}${demoBackchannelLogoutPath}`,
      backchannel_logout_session_required: true,
      grantlab_logout_revokes_offline_tokens: true,
      scope: userScopes,
      source: 'demo',
    },
    {
      // The deprecated grants (RFC 9700 §2.1.2, §2.4) are allowed only for clients marked
      // legacy; registration can never create one.
      client_id: 'grantlab-legacy',
      client_name: 'Grantlab legacy app (deprecated grants)',
      token_endpoint_auth_method: 'none',
      grant_types: ['implicit', 'password'],
      response_types: ['token'],
      redirect_uris: [demoRedirectUri(appOrigin, 'implicit')],
      scope: 'profile email orders:read',
      legacy: true,
      source: 'demo',
    },
    {
      client_id: 'grantlab-m2m',
      client_secret: 'grantlab-m2m-secret',
      client_name: 'Grantlab back-end service',
      token_endpoint_auth_method: 'client_secret_basic',
      acceptedAuthMethods: [...demoSecretMethods],
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'orders:read orders:write',
      source: 'demo',
    },
    {
      // RFC 8628: a TV app or CLI cannot keep a secret, so it is public and polls with its id.
      client_id: 'grantlab-device',
      client_name: 'Grantlab TV app',
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      scope: 'openid profile offline_access orders:read',
      source: 'demo',
    },
    {
      // CIBA Core (poll mode): a call-centre agent's application on the company's servers. It
      // names the caller with login_hint and polls; the caller approves on their own phone
      // (/as/ciba). Confidential: CIBA Core §7.1 requires client authentication.
      client_id: 'grantlab-ciba',
      client_secret: 'grantlab-ciba-secret',
      client_name: 'Grantlab call-centre app',
      token_endpoint_auth_method: 'client_secret_basic',
      acceptedAuthMethods: [...demoSecretMethods],
      grant_types: ['urn:openid:params:grant-type:ciba'],
      response_types: [],
      redirect_uris: [],
      scope: 'openid profile email orders:read',
      backchannel_token_delivery_mode: 'poll',
      source: 'demo',
    },
    {
      // RFC 8693: a back-end service that trades the tokens it receives for downstream ones,
      // and gets its own token (client_credentials) to act as the actor in a delegation. It is
      // the profile service behind the demo API: tokens for the API are meant for it too, which
      // is what lets it exchange them (RFC 8693 §2.1, docs/decisions/057).
      client_id: 'grantlab-exchanger',
      client_secret: 'grantlab-exchanger-secret',
      client_name: 'Grantlab token-exchanging service',
      token_endpoint_auth_method: 'client_secret_basic',
      acceptedAuthMethods: [...demoSecretMethods],
      grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange', 'client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'profile email orders:read orders:write',
      resourceAudiences: [apiAudience],
      source: 'demo',
    },
    {
      // RFC 7662 §4: the demo API's own credentials, so it can ask the server about the tokens it
      // receives. It asks for no tokens itself; it may introspect only tokens meant for the API.
      client_id: 'grantlab-api',
      client_secret: 'grantlab-api-secret',
      client_name: 'Grantlab demo API (resource server)',
      token_endpoint_auth_method: 'client_secret_basic',
      acceptedAuthMethods: [...demoSecretMethods],
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      scope: '',
      resourceAudiences: [apiAudience],
      source: 'demo',
    },
    {
      // RFC 9449: a public browser app that binds every token to a key pair it keeps in the
      // browser. It always sends proofs (dpop_bound_access_tokens, §5.2), and this server asks it
      // for a nonce in each one (§8), so the DPoP walkthrough shows the nonce retry.
      client_id: 'grantlab-dpop',
      client_name: 'Grantlab DPoP single-page app',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [demoRedirectUri(appOrigin, 'dpop')],
      scope: userScopes,
      dpop_bound_access_tokens: true,
      dpopNonceRequired: true,
      source: 'demo',
    },
    // The attack lab's clients, some deliberately weakened (lab-clients.ts, docs/decisions/126).
    // The attacker's server is served next to this server, whose origin the API audience names.
    ...buildLabClients(appOrigin, new URL(apiAudience).origin),
  ]
}
