import type { AppKind, Assurance, Migrating, YesNo } from './questions.ts'
import { ciba, documents, rfc, type Source } from './sources.ts'

/**
 * The advisor's rules, as tables of data (docs/decisions/030). Each row reads
 * “when the situation matches → this grant / this extra / this is why another grant loses”,
 * so a reader can check every row against the cited text. `recommend()` only walks them.
 */

export type GrantType =
  | 'authorization_code'
  | 'client_credentials'
  | 'urn:ietf:params:oauth:grant-type:device_code'
  | 'urn:ietf:params:oauth:grant-type:jwt-bearer'
  | 'urn:ietf:params:oauth:grant-type:token-exchange'
  | 'urn:openid:params:grant-type:ciba'

/** Grants still defined in RFC 6749 that the advisor only ever lists as losers. */
export type LegacyGrant = 'implicit' | 'password'

export type ClientKind = 'public' | 'confidential'

/** Every answer, with defaults filled in, plus what the grant rule decided. */
export type Situation = {
  app: AppKind
  backend: YesNo
  browser: YesNo
  identity: YesNo
  refresh: YesNo
  assertion: YesNo
  assurance: Assurance
  migrating: Migrating
  grant: GrantType
  client: ClientKind
}

/** A row matches when every listed key equals the value, or is one of the listed values. */
export type When = { [K in keyof Situation]?: Situation[K] | readonly Situation[K][] }

export type Reason = { text: string; sources: readonly Source[] }

export const deviceCode = 'urn:ietf:params:oauth:grant-type:device_code'
export const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
export const tokenExchange = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const cibaGrant = 'urn:openid:params:grant-type:ciba'

export const grantInfo: Record<
  GrantType | LegacyGrant,
  { title: string; walkthroughId: string; spec: Source }
> = {
  authorization_code: {
    title: 'Authorization code',
    walkthroughId: 'authorization-code',
    spec: rfc(6749, '4.1'),
  },
  client_credentials: {
    title: 'Client credentials',
    walkthroughId: 'client-credentials',
    spec: rfc(6749, '4.4'),
  },
  [deviceCode]: { title: 'Device authorization', walkthroughId: 'device-code', spec: rfc(8628) },
  [jwtBearer]: { title: 'JWT bearer assertion', walkthroughId: 'jwt-bearer', spec: rfc(7523) },
  [tokenExchange]: { title: 'Token exchange', walkthroughId: 'token-exchange', spec: rfc(8693) },
  [cibaGrant]: {
    title: 'Client-initiated backchannel authentication (CIBA)',
    walkthroughId: 'ciba',
    spec: ciba('7'),
  },
  implicit: { title: 'Implicit', walkthroughId: 'implicit', spec: rfc(6749, '4.2') },
  password: {
    title: 'Resource owner password credentials',
    walkthroughId: 'password',
    spec: rfc(6749, '4.3'),
  },
}

// ——— Client profiles: what kind of client each rule registers ———

export type ProfileId =
  | 'spa-public'
  | 'spa-bff'
  | 'web'
  | 'native'
  | 'cli'
  | 'input-limited'
  | 'decoupled'
  | 'machine'
  | 'workload'
  | 'api'
  | 'agent'
  | 'agent-backend'

export type ClientProfile = {
  client: ClientKind
  applicationType: 'web' | 'native'
  clientName: string
  /** Example redirect URIs, in the forms the app kind must use. */
  redirectUris: readonly string[]
  /** Where the browser comes back after RP-initiated logout (OpenID RP-Initiated Logout §3). */
  postLogoutRedirectUris?: readonly string[]
  /** The API scope of the example; `openid` and friends are added from the answers. */
  scope: string
  /** Where the keys that verify its client assertions live, when it authenticates with a JWT. */
  jwksUri?: string
  /** The signing algorithm of those assertions (default ES256, what the walkthroughs make). */
  assertionAlg?: string
  /** Its home page; a Client ID Metadata Document is hosted below it. */
  clientUri?: string
}

export const profiles: Record<ProfileId, ClientProfile> = {
  'spa-public': {
    client: 'public',
    applicationType: 'web',
    clientName: 'My single-page app',
    redirectUris: ['https://app.example.com/callback'],
    postLogoutRedirectUris: ['https://app.example.com/'],
    scope: 'orders:read',
  },
  'spa-bff': {
    client: 'confidential',
    applicationType: 'web',
    clientName: 'My single-page app (backend for frontend)',
    redirectUris: ['https://app.example.com/bff/callback'],
    postLogoutRedirectUris: ['https://app.example.com/'],
    scope: 'orders:read',
  },
  web: {
    client: 'confidential',
    applicationType: 'web',
    clientName: 'My web app',
    redirectUris: ['https://app.example.com/callback'],
    postLogoutRedirectUris: ['https://app.example.com/'],
    scope: 'orders:read',
  },
  native: {
    client: 'public',
    applicationType: 'native',
    clientName: 'My mobile or desktop app',
    // RFC 8252 §7.2 claimed https, §7.1 private-use scheme (reverse domain), §7.3 loopback.
    redirectUris: [
      'https://app.example.com/oauth/callback',
      'com.example.app:/oauth/callback',
      'http://127.0.0.1/callback',
    ],
    postLogoutRedirectUris: ['com.example.app:/oauth/signed-out'],
    scope: 'orders:read',
  },
  cli: {
    client: 'public',
    applicationType: 'native',
    clientName: 'My command-line tool',
    redirectUris: ['http://127.0.0.1/callback'],
    postLogoutRedirectUris: ['http://127.0.0.1/signed-out'],
    scope: 'orders:read',
  },
  'input-limited': {
    client: 'public',
    applicationType: 'native',
    clientName: 'My device app',
    redirectUris: [],
    scope: 'orders:read',
  },
  // A call-centre agent's app, a kiosk or a shop till, run by you on your servers.
  decoupled: {
    client: 'confidential',
    applicationType: 'web',
    clientName: 'My call-centre app',
    redirectUris: [],
    scope: 'orders:read',
  },
  machine: {
    client: 'confidential',
    applicationType: 'web',
    clientName: 'My backend job',
    redirectUris: [],
    scope: 'orders:read',
  },
  // A workload whose platform (Kubernetes, a cloud) hands it signed JWTs: the platform's issuer
  // signs them, so its key set is what the server checks them against.
  workload: {
    client: 'confidential',
    applicationType: 'web',
    clientName: 'My federated workload',
    redirectUris: [],
    scope: 'orders:read',
    jwksUri: 'https://platform.example.com/.well-known/jwks.json',
    assertionAlg: 'RS256',
  },
  api: {
    client: 'confidential',
    applicationType: 'web',
    clientName: 'My API (calls downstream APIs)',
    redirectUris: [],
    scope: 'orders:read',
  },
  // An agent on the user's computer catches the redirect on a loopback port (RFC 8252 §7.3).
  agent: {
    client: 'public',
    applicationType: 'native',
    clientName: 'My AI agent (MCP client)',
    redirectUris: ['http://127.0.0.1/callback'],
    postLogoutRedirectUris: ['http://127.0.0.1/signed-out'],
    scope: 'orders:read',
    clientUri: 'https://agent.example.com',
  },
  'agent-backend': {
    client: 'confidential',
    applicationType: 'web',
    clientName: 'My AI agent service (MCP client)',
    redirectUris: ['https://agent.example.com/oauth/callback'],
    postLogoutRedirectUris: ['https://agent.example.com/signed-out'],
    scope: 'orders:read',
    clientUri: 'https://agent.example.com',
    jwksUri: 'https://agent.example.com/.well-known/jwks.json',
  },
}

// ——— 1. Which grant: the first matching row wins ———

export type GrantRule = {
  when: When
  grant: GrantType
  profile: ProfileId
  reasons: readonly Reason[]
  /** The walkthrough to open, when another than the grant's own (`grantInfo`). */
  walkthroughId?: string
}

/** What every agent must do before its first tool call, in the MCP authorization specification. */
const agentFindsItsWay: Reason = {
  text: 'An agent usually meets an MCP server it has never seen. It learns where to sign in from the server itself: a request without a token gets a 401 whose `WWW-Authenticate` names the server’s RFC 9728 metadata, which names its authorization server. It asks for a token pinned to that one server with `resource` (RFC 8707), and it registers without a developer portal: with a Client ID Metadata Document (its `client_id` is the https URL of its own metadata), or with dynamic registration (RFC 7591) where the server does not support documents.',
  sources: [
    rfc(9728, '5.1'),
    rfc(8707, '2'),
    rfc(7591, '3'),
    documents.mcpDiscovery,
    documents.mcpRegistration,
  ],
}

const implicitIsOut: Reason = {
  text: 'The implicit grant, once the usual answer for browser apps, is no longer recommended: the redirect-based grant that current guidance keeps is the authorization code grant.',
  sources: [rfc(9700, '2.1.2'), documents.oauth21],
}

export const grantRules: readonly GrantRule[] = [
  {
    when: { app: 'spa', backend: 'yes' },
    grant: 'authorization_code',
    profile: 'spa-bff',
    reasons: [
      {
        text: 'Your backend is the OAuth client: it runs the code flow and redeems the code with its own credentials, so no token ever reaches JavaScript in the page.',
        sources: [documents.browserAppsBff],
      },
      implicitIsOut,
    ],
  },
  {
    when: { app: 'spa' },
    grant: 'authorization_code',
    profile: 'spa-public',
    reasons: [
      {
        text: 'Everything the app ships is readable by its users, so it cannot keep a secret: it is a public client, and the code flow with PKCE is how a public client gets tokens safely.',
        sources: [rfc(9700, '2.1.1'), documents.browserApps],
      },
      {
        text: 'Any script that runs in your page can use what the page can use. Where you keep the tokens (in memory, in a worker, in storage) only changes how easily a script copies the ones you hold; an injected script can always run a silent sign-in of its own and get fresh tokens. The defences are keeping scripts out (a strict Content-Security-Policy, few third-party scripts), short-lived and narrowly scoped tokens, and a backend for frontend where you can add one.',
        sources: [documents.browserAppsNewTokens, documents.browserAppsInMemory],
      },
      implicitIsOut,
    ],
  },
  {
    when: { app: 'web' },
    grant: 'authorization_code',
    profile: 'web',
    reasons: [
      {
        text: 'Your server renders the pages and can keep a secret, so it is a confidential client: it redeems the code at the token endpoint with its own credentials, and tokens stay on the server.',
        sources: [rfc(6749, '4.1'), rfc(6749, '2.1')],
      },
      {
        text: 'A user signs in through the browser, and the authorization code grant is the redirect grant that current guidance keeps.',
        sources: [rfc(9700, '2.1.2')],
      },
    ],
  },
  {
    when: { app: ['native', 'cli'], browser: 'no' },
    grant: deviceCode,
    profile: 'input-limited',
    reasons: [
      {
        text: 'With no browser on this device, the sign-in happens on another one: the app shows a short code, the user enters it on a phone or computer, and the app polls until it is approved.',
        sources: [rfc(8628, '1'), rfc(8628, '3.4')],
      },
      {
        text: 'A program copied to every user’s machine cannot keep a secret, so it is a public client and authenticates with `none`.',
        sources: [rfc(8252, '8.5'), rfc(8628, '5.6')],
      },
    ],
  },
  {
    when: { app: 'native' },
    grant: 'authorization_code',
    profile: 'native',
    reasons: [
      {
        text: 'An installed app is a public client: a secret compiled into it can be extracted from the binary, so it uses the code flow with PKCE and no secret.',
        sources: [rfc(8252, '8.5'), rfc(8252, '8.1')],
      },
      {
        text: 'The native-apps best current practice sends the authorization request through the system browser and brings the response back on a redirect URI the app owns.',
        sources: [rfc(8252, '6'), rfc(8252, '7')],
      },
    ],
  },
  {
    when: { app: 'cli' },
    grant: 'authorization_code',
    profile: 'cli',
    reasons: [
      {
        text: 'A command-line tool on a machine with a browser signs in like a desktop app: it opens the system browser and catches the redirect on a loopback port it listens on.',
        sources: [rfc(8252, '7.3')],
      },
      {
        text: 'The tool is copied to every user’s machine, so it cannot keep a secret: it is a public client that relies on PKCE.',
        sources: [rfc(8252, '8.5'), rfc(8252, '8.1')],
      },
    ],
  },
  {
    when: { app: 'device' },
    grant: deviceCode,
    profile: 'input-limited',
    reasons: [
      {
        text: 'Typing a password with a remote is slow and visible to the whole room; the device grant moves the sign-in to the user’s phone or computer while the device waits.',
        sources: [rfc(8628, '1')],
      },
      {
        text: 'The same firmware ships to every device, so it cannot keep a secret: it is a public client.',
        sources: [rfc(8628, '5.6')],
      },
    ],
  },
  {
    when: { app: 'decoupled' },
    grant: cibaGrant,
    profile: 'decoupled',
    reasons: [
      {
        text: 'The user is not at this screen: an agent or a shared kiosk is. With CIBA your server names the user to the authorization server (`login_hint`), and the server asks them on their own phone: no redirect through someone else’s browser, no password said out loud.',
        sources: [ciba('1'), ciba('7.1')],
      },
      {
        text: 'Your app runs on your servers and must authenticate to start a request, so that nobody else can send approval prompts to your users: it is a confidential client. It learns the answer by polling the token endpoint (poll mode), or by a callback to it (ping or push mode), where the server offers those.',
        sources: [ciba('7.1'), ciba('5')],
      },
    ],
  },
  {
    when: { app: 'service', assertion: 'yes' },
    grant: 'client_credentials',
    profile: 'workload',
    reasons: [
      {
        text: 'No user is involved: the service acts on its own behalf, which is what the client credentials grant is for. The signed JWT your platform gives the workload proves who it is, so it goes to the token endpoint as `client_assertion` instead of a client secret: there is no long-lived secret to store or rotate.',
        sources: [rfc(6749, '4.4'), rfc(7523, '2.2')],
      },
      {
        text: 'The server must trust your platform as an issuer of such JWTs and know which workload is which client: it checks the JWT’s signature with the platform’s keys, its `iss`, its `aud` and that its `sub` is the client_id. Where a server cannot do that, token exchange with the JWT as `subject_token` is the other standard route.',
        sources: [rfc(7523, '3'), rfc(8693, '2.1')],
      },
    ],
  },
  {
    when: { app: 'service' },
    grant: 'client_credentials',
    profile: 'machine',
    reasons: [
      {
        text: 'No user is involved: the job acts on its own behalf with its own credentials, which is what the client credentials grant is for.',
        sources: [rfc(6749, '4.4')],
      },
      {
        text: 'It needs no refresh token: when the access token expires, the job simply asks again.',
        sources: [rfc(6749, '4.4.3')],
      },
    ],
  },
  {
    when: { app: 'agent', backend: 'yes' },
    grant: 'authorization_code',
    profile: 'agent-backend',
    walkthroughId: 'mcp-agent',
    reasons: [
      {
        text: 'The agent calls tools for a user, so it needs that user’s permission: the MCP authorization specification makes the MCP server an OAuth resource server and the agent an OAuth client that gets the user’s token with the authorization code grant and PKCE. Your server runs the agent and keeps its credentials, so it is a confidential client, and the tokens stay on that server.',
        sources: [documents.mcpAuthorization, rfc(6749, '4.1'), rfc(6749, '2.1')],
      },
      agentFindsItsWay,
    ],
  },
  {
    when: { app: 'agent' },
    grant: 'authorization_code',
    profile: 'agent',
    walkthroughId: 'mcp-agent',
    reasons: [
      {
        text: 'The agent calls tools for a user, so it needs that user’s permission: the MCP authorization specification makes the MCP server an OAuth resource server and the agent an OAuth client that gets the user’s token with the authorization code grant and PKCE (S256).',
        sources: [documents.mcpAuthorization, rfc(9700, '2.1.1')],
      },
      {
        text: 'It runs on the user’s computer (or in their browser), where anyone can read what it ships, so it cannot keep a secret: it is a public client and authenticates with `none`. It opens the sign-in in the system browser and catches the redirect on a loopback port.',
        sources: [rfc(8252, '8.5'), rfc(8252, '7.3')],
      },
      agentFindsItsWay,
    ],
  },
  {
    when: { app: 'api', assertion: 'yes' },
    grant: tokenExchange,
    profile: 'api',
    reasons: [
      {
        text: 'Your API holds a token for the user and must call another API for them; token exchange gets a new token made for that downstream API instead of forwarding one that was made for you.',
        sources: [rfc(8693, '2.1')],
      },
      {
        text: 'The incoming token is a JWT from another issuer: send it as `subject_token` with `subject_token_type` `urn:ietf:params:oauth:token-type:jwt`, once this server is set up to trust that issuer.',
        sources: [rfc(8693, '3')],
      },
    ],
  },
  {
    when: { app: 'api' },
    grant: tokenExchange,
    profile: 'api',
    reasons: [
      {
        text: 'Your API holds a token for the user and must call another API for them; token exchange gets a new token made for that downstream API instead of forwarding one that was made for you.',
        sources: [rfc(8693, '2.1')],
      },
      {
        text: 'The new token can carry both the user and the fact that your API acts for them (the `act` claim), so the downstream API can still apply that user’s permissions.',
        sources: [rfc(8693, '4.1')],
      },
    ],
  },
]

// ——— 2. What to add: every matching row adds its extra (the first row per extra wins) ———

/** RP-initiated logout plus back-channel logout, for a client with a server side (`backend`). */
const serverSideLogout = (backend: string) =>
  `Signing out of your app alone leaves the user signed in at the authorization server, so the next sign-in would not ask for a password again. Send the browser to the server’s \`end_session_endpoint\` with \`id_token_hint\` (the ID token of the session), a \`post_logout_redirect_uri\` you registered (the draft below carries \`post_logout_redirect_uris\`) and \`state\`, and end your own session. ${backend} should also register a \`backchannel_logout_uri\`: the server then posts a signed logout token to it when the user signs out anywhere else, and you end that session too.`

export type ExtraId =
  | 'pkce'
  | 'bff'
  | 'confidential-backend'
  | 'system-browser'
  | 'redirect-uris'
  | 'device-polling'
  | 'binding-message'
  | 'ciba-polling'
  | 'refresh-rotation'
  | 'refresh-sender-constrained'
  | 'refresh-bound-to-client'
  | 'dpop'
  | 'par'
  | 'private-key-jwt'
  | 'assertion-checks'
  | 'narrow-audience'
  | 'actor-token'
  | 'narrow-scope'
  | 'oidc'
  | 'logout'
  | 'resource-discovery'
  | 'resource-indicator'
  | 'agent-registration'
  | 'resource-server-duties'

export type ExtraLevel = 'required' | 'recommended' | 'optional'

export type ExtraRule = {
  when: When
  extra: ExtraId
  title: string
  level: ExtraLevel
  why: string
  sources: readonly Source[]
}

const high: When = { assurance: 'high' }

/** The resource server's side of MCP: what an API that agents call must do. */
const resourceServerDuties = (who: string) =>
  `${who} ` +
  'Publish RFC 9728 metadata at `/.well-known/oauth-protected-resource` plus your path, naming your authorization server; answer a request without a token with 401 and `WWW-Authenticate: Bearer resource_metadata="…"`; accept only tokens whose `aud` names your own URL, so a token made for another service is refused; answer a missing scope with 403 `insufficient_scope` naming it; and never pass a token you received on to another API: get one of your own for it.'

// biome-ignore format: one row per line keeps the table readable against the RFCs
export const extraRules: readonly ExtraRule[] = [
  { when: { grant: 'authorization_code', client: 'public' }, extra: 'pkce', title: 'PKCE (S256)', level: 'required',
    why: 'Nothing else proves that whoever redeems the code started the sign-in: the app makes a fresh secret for every login, keeps it in the browser session that started it, and sends only its S256 hash, so a stolen or injected code is useless. Public clients must use it.',
    sources: [rfc(9700, '2.1.1'), rfc(7636)] },
  { when: { grant: 'authorization_code', ...high }, extra: 'pkce', title: 'PKCE (S256)', level: 'required',
    why: 'FAPI 2.0 requires PKCE with S256 from every client, confidential ones included: client authentication proves who redeems a code, not that the code belongs to this user’s session.',
    sources: [documents.fapi2, rfc(9700, '2.1.1'), rfc(7636)] },
  { when: { grant: 'authorization_code', client: 'confidential' }, extra: 'pkce', title: 'PKCE (S256)', level: 'required',
    why: 'Client authentication proves who redeems a code, not that the code belongs to this user’s session; PKCE stops a stolen code being injected into your callback, and a verifier kept per browser session also stops CSRF. RFC 9700 recommends it for confidential clients, and the OAuth 2.1 draft requires it of every client (its one exception, a confidential OpenID Connect client relying on `nonce`, should still use it).',
    sources: [rfc(9700, '2.1.1'), documents.oauth21, rfc(7636)] },
  { when: { app: 'spa', backend: 'yes' }, extra: 'bff', title: 'Backend for frontend (BFF)', level: 'required',
    why: 'The backend holds the tokens and gives the browser only an HttpOnly, Secure, SameSite session cookie; it calls APIs for the page. A script injected into the page then has no token to steal, though it can still send requests through the page while it runs.',
    sources: [documents.browserAppsBff] },
  { when: { app: 'spa', ...high }, extra: 'bff', title: 'Backend for frontend (BFF), the only way to FAPI 2.0', level: 'required',
    why: 'FAPI 2.0 admits only confidential clients, and a browser cannot keep a secret. A small backend on your domain that is the OAuth client, holds the tokens and gives the page a session cookie is how a browser app meets it. Without one, this app cannot be FAPI 2.0 compliant: the draft below is a public client.',
    sources: [documents.fapi2Confidential, documents.browserAppsBff] },
  { when: { app: 'spa' }, extra: 'bff', title: 'Backend for frontend (BFF)', level: 'optional',
    why: 'If you can add a backend later, let it be the OAuth client: tokens then never live in JavaScript, which is the strongest option the browser-based apps guidance describes.',
    sources: [documents.browserAppsBff] },
  { when: { app: ['native', 'cli', 'device'], ...high }, extra: 'confidential-backend', title: 'A backend of yours as the client, the only way to FAPI 2.0', level: 'required',
    why: 'FAPI 2.0 admits only confidential clients, and a secret shipped inside an app or firmware is not confidential. Let a backend of yours be the registered client, run the grant and hold the tokens, and have the app talk to that backend. Without one, this app cannot be FAPI 2.0 compliant: the draft below is a public client.',
    sources: [documents.fapi2Confidential] },
  { when: { app: 'agent', client: 'public', ...high }, extra: 'confidential-backend', title: 'A backend of yours as the client, the only way to FAPI 2.0', level: 'required',
    why: 'FAPI 2.0 admits only confidential clients, and an agent on the user’s computer cannot keep a secret. Run the agent’s OAuth client on a server of yours, which holds the tokens and calls the MCP servers, and let the local agent talk to that server. Without one, this agent cannot be FAPI 2.0 compliant: the draft below is a public client.',
    sources: [documents.fapi2Confidential] },
  { when: { app: 'agent' }, extra: 'resource-discovery', title: 'Discovery from the MCP server’s 401 (RFC 9728)', level: 'required',
    why: 'Send the first request without a token. Read `resource_metadata` from the 401’s `WWW-Authenticate` (or, without it, try `/.well-known/oauth-protected-resource` plus the server’s path), fetch that RFC 9728 document, check that its `resource` is exactly the URL you called, take the issuer from `authorization_servers`, then fetch that server’s RFC 8414 metadata and stop if it does not list `S256` in `code_challenge_methods_supported`. Never hard-code the authorization server.',
    sources: [rfc(9728, '5.1'), rfc(9728, '3.3'), rfc(8414, '3'), documents.mcpDiscovery] },
  { when: { app: 'agent' }, extra: 'resource-indicator', title: '`resource` in every request: a token for one server', level: 'required',
    why: 'Send `resource` with the MCP server’s canonical URL (the `resource` of its metadata) in the authorization request, the token request and every refresh. The token’s `aud` then names that one server, so a token stolen from one MCP server, or handed by a malicious one to another, is refused everywhere else. Send it even if the server ignores it.',
    sources: [rfc(8707, '2'), rfc(8707, '2.2'), documents.mcpResourceParameter] },
  { when: { app: 'agent', client: 'public' }, extra: 'agent-registration', title: 'Register with a Client ID Metadata Document (or DCR)', level: 'recommended',
    why: 'Host your client metadata as JSON at an https URL with a path, and use that URL as `client_id`: its `client_id` member must equal the URL, and it lists `client_name`, `redirect_uris` and `token_endpoint_auth_method` `none`. Servers that say `client_id_metadata_document_supported` fetch it on first use; for the others, register at their `registration_endpoint` (RFC 7591) and keep the issued client_id per server. Configure exports the document.',
    sources: [documents.clientIdMetadataDocument, documents.mcpRegistration, rfc(7591, '3')] },
  { when: { app: 'agent' }, extra: 'agent-registration', title: 'Register with a Client ID Metadata Document (or DCR)', level: 'recommended',
    why: 'Host your client metadata as JSON at an https URL with a path, and use that URL as `client_id`. A document cannot carry a shared secret, so it publishes your public keys (`jwks_uri` or `jwks`) and says `private_key_jwt`. For servers without `client_id_metadata_document_supported`, register at their `registration_endpoint` (RFC 7591) and keep what it issues per server. Configure exports the document.',
    sources: [documents.clientIdMetadataDocument, documents.mcpRegistration, rfc(7591, '3')] },
  { when: { app: 'agent', client: 'public', grant: 'authorization_code' }, extra: 'redirect-uris', title: 'Loopback redirect on 127.0.0.1, and what it cannot prove', level: 'required',
    why: 'Listen on a free port picked at run time and send `redirect_uri` `http://127.0.0.1:<port>/callback`. Any program on the computer can listen on loopback and name your `client_id` URL too, so a server cannot tell it from you: it should show the user where the redirect goes, and the user should approve only a sign-in they started.',
    sources: [rfc(8252, '7.3'), documents.mcpLocalhost] },
  { when: { app: 'agent', client: 'public', grant: 'authorization_code' }, extra: 'system-browser', title: 'System browser, never a web view', level: 'required',
    why: 'Open the authorization server’s sign-in in the user’s system browser, not in a window of the agent: there the user sees the real address, keeps their sessions and password manager, and nothing of the agent reads what they type.',
    sources: [rfc(8252, '8.12'), rfc(8252, '6')] },
  { when: { app: ['native', 'cli'], grant: 'authorization_code' }, extra: 'system-browser', title: 'System browser, never a web view', level: 'required',
    why: 'Open the sign-in in the system browser (or its in-app tab: ASWebAuthenticationSession, Android Custom Tabs). An embedded web view lets the app read what the user types and cuts them off from their existing sessions and password manager.',
    sources: [rfc(8252, '8.12'), rfc(8252, '6')] },
  { when: { app: 'native', grant: 'authorization_code' }, extra: 'redirect-uris', title: 'Redirect URIs the app owns', level: 'required',
    why: 'Register only the forms your platforms use: a claimed https URL (App Links, Universal Links) that no other app can take over; otherwise a private-use scheme in reverse-domain form such as `com.example.app:/oauth/callback`; on desktop, a loopback URI on 127.0.0.1 with any port.',
    sources: [rfc(8252, '7.2'), rfc(8252, '7.1'), rfc(8252, '7.3')] },
  { when: { app: 'cli', grant: 'authorization_code' }, extra: 'redirect-uris', title: 'Loopback redirect on 127.0.0.1', level: 'required',
    why: 'Listen on a free port picked at run time and send `redirect_uri` `http://127.0.0.1:<port>/callback`; the server must accept any port for loopback URIs. Use the IP literal, not `localhost`, which a machine may resolve elsewhere.',
    sources: [rfc(8252, '7.3'), rfc(8252, '8.3')] },
  { when: { grant: 'urn:ietf:params:oauth:grant-type:device_code' }, extra: 'device-polling', title: 'Show the code, then poll politely', level: 'required',
    why: 'Show `user_code` and `verification_uri` (a QR code of `verification_uri_complete` saves typing), then poll the token endpoint no faster than `interval` (5 seconds when the server sends none); on `slow_down`, add 5 seconds to the `interval` for this and every later request.',
    sources: [rfc(8628, '3.3'), rfc(8628, '3.5')] },
  { when: { grant: cibaGrant }, extra: 'binding-message', title: 'A binding message on both screens', level: 'required',
    why: 'Send a `binding_message`: a short random code that your screen shows (or the agent reads out) and the user’s phone shows beside the request. Tell users to approve only a request that shows the same code: anyone who knows a username can start a request, and without the message the user cannot tell yours from someone else’s. Keep it short and plain; servers refuse long or unusual ones with `invalid_binding_message`.',
    sources: [ciba('7.1'), ciba('13')] },
  { when: { grant: cibaGrant }, extra: 'ciba-polling', title: 'Name the user, then poll politely', level: 'required',
    why: 'Start with the user’s identifier as `login_hint` (an e-mail address, a phone number or a username: whatever the server accepts), or an ID token of an earlier sign-in as `id_token_hint`, and `scope` with `openid`; keep the `auth_req_id` the server returns. Poll the token endpoint with it no faster than `interval` (5 seconds when the server sends none); on `slow_down` add 5 seconds for this and every later poll, and stop at `access_denied` or `expired_token`. The draft registers `backchannel_token_delivery_mode` `poll`; ping and push need a notification endpoint of yours.',
    sources: [ciba('7.1'), ciba('7.3'), ciba('11'), ciba('4')] },
  { when: { refresh: 'yes', client: 'public', ...high }, extra: 'refresh-sender-constrained', title: 'Sender-constrained refresh tokens (DPoP)', level: 'required',
    why: 'A public client’s refresh token must be either bound to the sender or rotated. DPoP binds it to a key pair the app generates and keeps non-extractable, so a copied refresh token is useless on its own; rotating as well does no harm.',
    sources: [rfc(9700, '2.2.2'), rfc(9449)] },
  { when: { refresh: 'yes', client: 'public', assurance: 'standard' }, extra: 'refresh-rotation', title: 'Refresh-token rotation', level: 'required',
    why: 'A public client’s refresh token must be either sender-constrained (DPoP) or rotated. With rotation, every refresh returns a new token and retires the old one, so a stolen copy is noticed at its next use and the server revokes the whole chain.',
    sources: [rfc(9700, '2.2.2')] },
  { when: { refresh: 'yes', client: 'confidential' }, extra: 'refresh-bound-to-client', title: 'Refresh token kept on the server', level: 'recommended',
    why: 'The server accepts your refresh token only together with your client authentication, so a stolen token alone does not work and rotation is optional here. Store it server-side, encrypted, and never send it to the browser.',
    sources: [rfc(6749, '10.4'), rfc(9700, '2.2.2')] },
  { when: high, extra: 'dpop', title: 'DPoP sender-constrained tokens', level: 'required',
    why: 'Tokens are bound to a key the client holds and every request carries a fresh proof signed with it, so a leaked token cannot be replayed. FAPI 2.0 requires sender-constrained access tokens (DPoP or mutual TLS).',
    sources: [rfc(9449), rfc(9700, '2.2.1'), documents.fapi2] },
  { when: { client: 'public' }, extra: 'dpop', title: 'DPoP sender-constrained tokens', level: 'recommended',
    why: 'RFC 9700 says access tokens should be sender-constrained. With DPoP the app makes a key pair it keeps non-extractable and signs a proof for every request, so an access token (and a refresh token, which then needs no rotation) copied out of the app is useless elsewhere. If your server has no DPoP, keep refresh-token rotation and sender-constrain the access tokens another way. DPoP does not stop a script that runs inside your app from using the key while it runs.',
    sources: [rfc(9700, '2.2.1'), rfc(9449), documents.browserAppsNewTokens] },
  { when: { client: 'confidential' }, extra: 'dpop', title: 'Sender-constrained access tokens (DPoP or mutual TLS)', level: 'recommended',
    why: 'RFC 9700 says access tokens should be sender-constrained, with DPoP or mutual TLS. Your tokens stay on your servers, so the gain is smaller than for an app in users’ hands, but a token that leaks from a log or a proxy is then useless without your key.',
    sources: [rfc(9700, '2.2.1'), rfc(9449), rfc(8705)] },
  { when: { ...high, grant: 'authorization_code' }, extra: 'par', title: 'Pushed authorization requests (PAR)', level: 'required',
    why: 'The client posts the authorization request to the server over a back channel first and sends the browser only a short-lived reference, so its parameters cannot be read or changed on the way. FAPI 2.0 requires it.',
    sources: [rfc(9126, '2'), documents.fapi2] },
  { when: { app: 'service', assertion: 'yes' }, extra: 'private-key-jwt', title: 'Client authentication with the platform’s JWT', level: 'required',
    why: 'Send `client_assertion_type` `urn:ietf:params:oauth:client-assertion-type:jwt-bearer` with a fresh JWT from your platform as `client_assertion`. Its `iss` is the platform, its `sub` must be your client_id, so register the client under the workload’s identity with the platform issuer’s keys (`jwks_uri` below). RFC 7591 has no method name for a JWT signed by a third party: the draft uses `private_key_jwt`, the nearest, and servers that accept workload identities often call this a federated credential.',
    sources: [rfc(7523, '2.2'), rfc(7523, '3'), rfc(7521, '4.2')] },
  { when: { app: 'agent', client: 'confidential' }, extra: 'private-key-jwt', title: 'private_key_jwt client authentication', level: 'required',
    why: 'A Client ID Metadata Document cannot carry a shared secret, so a confidential agent proves who it is with a key: it signs a short JWT with a private key only its server holds, and the document publishes the public key. The draft below says `private_key_jwt` with a `jwks_uri`; a server that registers you by RFC 7591 instead accepts the same.',
    sources: [documents.clientIdMetadataDocument, rfc(7523, '2.2'), documents.oidcPrivateKeyJwt] },
  { when: { ...high, client: 'confidential' }, extra: 'private-key-jwt', title: 'private_key_jwt client authentication', level: 'required',
    why: 'The client signs a short JWT with a private key only it holds instead of sending a shared secret; the server keeps only the public key. FAPI 2.0 accepts only `private_key_jwt` or mutual TLS.',
    sources: [documents.oidcPrivateKeyJwt, rfc(7523, '2.2'), documents.fapi2] },
  { when: { client: 'confidential' }, extra: 'private-key-jwt', title: 'private_key_jwt client authentication', level: 'recommended',
    why: 'RFC 9700 recommends asymmetric client authentication: the client signs a short JWT with a private key only it holds, the server keeps only the public key, so no shared secret sits in two databases, and the key rotates through your JWKS. The draft below starts with a client secret, which also works; switch `token_endpoint_auth_method` to `private_key_jwt` in Configure.',
    sources: [rfc(9700, '2.5'), documents.oidcPrivateKeyJwt] },
  { when: { app: 'service', assertion: 'yes' }, extra: 'assertion-checks', title: 'Short-lived assertions for this server alone', level: 'required',
    why: 'Ask the platform for JWTs that expire within minutes and whose `aud` is this server’s issuer identifier as the only value, never the token endpoint URL: the RFC 7523 update requires exactly that, so an assertion made for one server cannot be replayed at another. A unique `jti` lets servers that keep a list (many do; RFC 7523 leaves it optional) refuse a second use.',
    sources: [documents.rfc7523bis, rfc(7523, '3')] },
  { when: { grant: 'urn:ietf:params:oauth:grant-type:token-exchange' }, extra: 'narrow-audience', title: 'Ask for one audience and the least scope', level: 'required',
    why: 'Name the downstream API in `audience` or `resource` and request only the scopes it needs, so the new token is worthless anywhere else. Which exchanges are allowed (which subject tokens, for which clients, to which audiences) is the server’s policy: RFC 8693 leaves it to each deployment.',
    sources: [rfc(8693, '2.1'), rfc(8693, '5'), rfc(9700, '2.3')] },
  { when: { grant: 'urn:ietf:params:oauth:grant-type:token-exchange' }, extra: 'actor-token', title: 'Delegation with `actor_token`', level: 'optional',
    why: '`actor_token` is optional. Send your API’s own token as `actor_token` when the downstream API should see that you act for the user (an `act` claim), rather than a token that simply impersonates them.',
    sources: [rfc(8693, '2.1'), rfc(8693, '1.1'), rfc(8693, '4.1')] },
  { when: { grant: 'client_credentials' }, extra: 'narrow-scope', title: 'Least scope and one audience', level: 'recommended',
    why: 'A client credentials token has no user behind it, so its scope and audience are the only limits on what it can do: request exactly what the job needs.',
    sources: [rfc(9700, '2.3')] },
  { when: { app: 'api' }, extra: 'resource-server-duties', title: 'If AI agents call your API (an MCP server)', level: 'recommended',
    why: resourceServerDuties('An agent finds and trusts your API only through what it publishes.'),
    sources: [rfc(9728, '2'), rfc(9728, '5.1'), rfc(8707, '2'), documents.mcpTokenPrivilege] },
  { when: { app: 'agent' }, extra: 'resource-server-duties', title: 'If you build the MCP server too', level: 'optional',
    why: resourceServerDuties('Your agent relies on MCP servers doing their part, yours included.'),
    sources: [rfc(9728, '2'), rfc(9728, '5.1'), rfc(8707, '2'), documents.mcpTokenPrivilege] },
  { when: { identity: 'yes', grant: 'authorization_code' }, extra: 'oidc', title: 'OpenID Connect sign-in', level: 'required',
    why: 'Add the `openid` scope: the token response then carries an ID token that says who signed in. Before trusting it, check its signature against the server’s published keys (skipping that is allowed only for a token straight from the token endpoint over TLS), its issuer, audience and `azp`, expiry, issue time and nonce; use the access token only for calling APIs.',
    sources: [documents.oidcCodeFlow, documents.oidcIdTokenValidation] },
  { when: { identity: 'yes', grant: 'urn:ietf:params:oauth:grant-type:device_code' }, extra: 'oidc', title: 'OpenID Connect sign-in', level: 'required',
    why: 'Add the `openid` scope. OpenID Connect Core defines sign-in for the redirect flows; many servers also return an ID token from the device grant (check it as for the code flow, signature included), and otherwise the UserInfo endpoint tells you who approved it.',
    sources: [documents.oidcIdTokenValidation, documents.oidcUserInfo] },
  { when: { grant: cibaGrant }, extra: 'oidc', title: 'OpenID Connect sign-in, built in', level: 'required',
    why: 'Every CIBA request asks for `openid`, so the answer carries an ID token that says who approved. Check it as for the code flow, signature included; a CIBA request sends no nonce, so there is none to compare.',
    sources: [ciba('10.1.1'), documents.oidcIdTokenValidation] },
  { when: { app: 'web' }, extra: 'logout', title: 'Sign-out: RP-initiated and back-channel logout', level: 'recommended',
    why: serverSideLogout('Your server'), sources: [documents.rpInitiatedLogout, documents.rpLogoutRedirect, documents.backChannelLogout] },
  { when: { app: 'spa', backend: 'yes' }, extra: 'logout', title: 'Sign-out: RP-initiated and back-channel logout', level: 'recommended',
    why: serverSideLogout('Your backend for frontend'), sources: [documents.rpInitiatedLogout, documents.rpLogoutRedirect, documents.backChannelLogout] },
  { when: { app: 'agent', backend: 'yes' }, extra: 'logout', title: 'Sign-out: RP-initiated and back-channel logout', level: 'recommended',
    why: serverSideLogout('Your agent service'), sources: [documents.rpInitiatedLogout, documents.rpLogoutRedirect, documents.backChannelLogout] },
  { when: { grant: 'authorization_code' }, extra: 'logout', title: 'Sign-out: RP-initiated logout', level: 'recommended',
    why: 'Signing out of your app alone leaves the user signed in at the authorization server, so the next sign-in would not ask for a password again. Send the browser (the system browser, for an installed app) to the server’s `end_session_endpoint` with `id_token_hint` when you have an ID token (otherwise `client_id`), a `post_logout_redirect_uri` you registered (the draft below carries `post_logout_redirect_uris`) and `state`, and drop the tokens you hold. Revoking the refresh token as well means a copy of it stops working too.',
    sources: [documents.rpInitiatedLogout, documents.rpLogoutRedirect, rfc(7009, '2')] },
  { when: { grant: [deviceCode, cibaGrant] }, extra: 'logout', title: 'Sign-out: revoke the tokens', level: 'recommended',
    why: 'RP-initiated logout sends a browser to the server, and this app has no browser of the user’s: they signed in on their own phone, and their session at the server lives there. Signing out here means revoking the refresh token (and the access token) at the revocation endpoint so that neither works again, and forgetting them; the user ends the server session on their phone.',
    sources: [rfc(7009, '2'), documents.rpInitiatedLogout] },
]

// ——— 3. Why the other grants lose: the first matching row per grant ———

export type AlternativeRule = {
  grant: GrantType | LegacyGrant
  when: When
  why: string
  sources: readonly Source[]
}

// biome-ignore format: one row per line keeps the table readable against the RFCs
export const alternativeRules: readonly AlternativeRule[] = [
  { grant: 'authorization_code', when: { app: 'service' },
    why: 'It needs a person at a browser to sign in and approve; a job with no user has nobody to redirect.',
    sources: [rfc(6749, '4.1')] },
  { grant: 'authorization_code', when: { app: 'api' },
    why: 'The user already signed in to the front end; starting another sign-in from inside your API would interrupt them for a token you can get by exchange.',
    sources: [rfc(6749, '4.1'), rfc(8693, '2.1')] },
  { grant: 'authorization_code', when: { app: 'decoupled' },
    why: 'It redirects the browser in front of the client to the sign-in page, and that browser is the agent’s or the kiosk’s: the user would sign in on someone else’s screen (or say their password out loud), and a shared kiosk could keep their session for the next person.',
    sources: [rfc(6749, '4.1'), ciba('1')] },
  { grant: 'authorization_code', when: {},
    why: 'It needs a browser on this device to follow the redirect and hand the code back; there is none here.',
    sources: [rfc(8628, '1')] },
  { grant: 'client_credentials', when: { app: 'agent' },
    why: 'Its token would stand for the agent itself, with no user behind it: the MCP server could not tell whose data a tool acts on, every user would share the agent’s rights, and the MCP authorization specification is about tools called on a user’s behalf.',
    sources: [rfc(6749, '4.4'), documents.mcpAuthorization] },
  { grant: 'client_credentials', when: { client: 'public' },
    why: 'It needs a secret or key that an app in users’ browsers or on their devices cannot keep, and its tokens stand for the app itself, not for the user.',
    sources: [rfc(6749, '4.4'), rfc(6749, '2.1')] },
  { grant: 'client_credentials', when: { app: ['spa', 'web'] },
    why: 'Its tokens act as the app itself, with no user behind them: you would lose the user’s identity and consent, and every user would share the app’s rights.',
    sources: [rfc(6749, '4.4')] },
  { grant: 'client_credentials', when: { app: 'decoupled' },
    why: 'Its tokens act as your app itself, with no user behind them: every agent or kiosk could reach every customer’s data, and no customer would have approved anything.',
    sources: [rfc(6749, '4.4')] },
  { grant: 'client_credentials', when: {},
    why: 'Calling downstream as your API drops the user: the downstream API can no longer apply that user’s permissions, and your API ends up holding rights for everyone.',
    sources: [rfc(6749, '4.4'), rfc(8693, '1.1')] },
  { grant: deviceCode, when: { app: ['service', 'api'] },
    why: 'It needs a person to approve on another device; nobody is there.',
    sources: [rfc(8628, '3.3')] },
  { grant: deviceCode, when: { app: 'decoupled' },
    why: 'It also moves the sign-in to the user’s phone, but the user would have to type a code from your screen, or have the agent read it out, and a code handed on like that is what remote phishing uses: anyone can pass a user a genuine code to approve. CIBA names the user instead, so the request appears on their own phone, tied to your screen by a binding message; and the device grant is made for public clients, while yours can authenticate.',
    sources: [rfc(8628, '5.4'), ciba('7.1')] },
  { grant: deviceCode, when: {},
    why: 'It would work, but adds a second device and a code to type, and it is open to remote phishing: an attacker can send a user a genuine code to approve. Where a browser can redirect back, the code flow is simpler and safer.',
    sources: [rfc(8628, '5.4')] },
  { grant: jwtBearer, when: { app: 'api' },
    why: 'It can trade a JWT for a token, but it has no parameters for the target audience, the token types or the acting party; token exchange was designed for calling on behalf of a user.',
    sources: [rfc(7523, '2.1'), rfc(8693, '2.1')] },
  { grant: jwtBearer, when: { app: 'service', assertion: 'yes' },
    why: 'It trades a JWT for a token about the JWT’s subject. That fits a JWT that speaks for a user (or another party) the token should be about; a workload that acts as itself uses its JWT to authenticate instead, with client credentials.',
    sources: [rfc(7523, '2.1'), rfc(7523, '2.2')] },
  { grant: jwtBearer, when: { app: 'service' },
    why: 'It needs a JWT signed by an issuer this server trusts, and the service has none; signing one itself is client authentication (`private_key_jwt`), which belongs with client credentials.',
    sources: [rfc(7523, '2.1'), rfc(7523, '2.2')] },
  { grant: jwtBearer, when: {},
    why: 'It needs an assertion from an issuer this server already trusts; a user signing in to your app has none to give, and their consent comes through a sign-in instead.',
    sources: [rfc(7523, '2.1')] },
  { grant: tokenExchange, when: { app: 'service', assertion: 'yes' },
    why: 'It also works: exchange the platform’s JWT (`subject_token_type` `urn:ietf:params:oauth:token-type:jwt`) for an access token. Choose it if your server supports token exchange for workload JWTs but does not accept them as client assertions.',
    sources: [rfc(8693, '2.1'), rfc(8693, '3')] },
  { grant: tokenExchange, when: { app: 'service' },
    why: 'It exchanges a token you already have for another; the job starts with nothing but its own credentials.',
    sources: [rfc(8693, '2.1')] },
  { grant: tokenExchange, when: {},
    why: 'It is for a service that already holds a token and needs a different one; the user’s first sign-in has to come from a grant that shows them a sign-in.',
    sources: [rfc(8693, '2.1')] },
  { grant: cibaGrant, when: { app: 'service' },
    why: 'It asks a named person to approve on their own phone; a job that acts for itself has nobody to ask.',
    sources: [ciba('7.1')] },
  { grant: cibaGrant, when: { app: 'api' },
    why: 'Your API already holds the user’s token; asking them again on their phone for every downstream call would interrupt them for what token exchange does without them.',
    sources: [ciba('7.1'), rfc(8693, '2.1')] },
  { grant: cibaGrant, when: { client: 'public' },
    why: 'It is for confidential clients: the client authenticates to start a request, which an app in users’ hands cannot do, and it must know who the user is before they have signed in.',
    sources: [ciba('7.1')] },
  { grant: cibaGrant, when: {},
    why: 'It is for clients the user does not sit in front of. Here the user is at your app: a redirect lets them sign in where they already are, without telling anyone their username first or looking for a prompt on another device.',
    sources: [ciba('1'), rfc(6749, '4.1')] },
  { grant: 'implicit', when: { app: ['service', 'api'] },
    why: 'It is a browser-redirect grant for users, and there is no user here; besides, current guidance says not to use it at all.',
    sources: [rfc(9700, '2.1.2')] },
  { grant: 'implicit', when: {},
    why: 'It returns the access token in the redirect URL, where a manipulated redirect, the browser history, Referer headers and injected scripts can pick it up, an attacker can inject a stolen token into your app, and nothing binds the token to your app. RFC 6749 §4.2 still defines it, but RFC 9700 says clients should not use it and the OAuth 2.1 draft leaves it out.',
    sources: [rfc(9700, '2.1.2'), rfc(9700, '4.1.2'), rfc(9700, '4.3.2'), rfc(9700, '4.6'), documents.oauth21] },
  { grant: 'password', when: { app: 'decoupled' },
    why: 'The agent would have to ask the customer for their password, or the kiosk would read it: someone else hears or sees it, and it cannot carry multi-factor sign-in. RFC 9700 says the password grant must not be used.',
    sources: [rfc(9700, '2.4')] },
  { grant: 'password', when: { app: 'service' },
    why: 'A technical user’s password is a shared secret pretending to be a person, and it cannot carry multi-factor sign-in. RFC 9700 says the password grant must not be used; give the job its own client identity instead.',
    sources: [rfc(9700, '2.4')] },
  { grant: 'password', when: {},
    why: 'Your app would collect the user’s password itself: it sees the password, users learn to type passwords into any app that asks, and multi-factor or federated sign-in cannot work. RFC 6749 §4.3 still defines it, but RFC 9700 says it must not be used.',
    sources: [rfc(9700, '2.4'), documents.oauth21] },
]

// ——— 4. Moving off a legacy flow: the first matching row ———

export type MigrationRule = { when: When; steps: readonly string[]; sources: readonly Source[] }

// biome-ignore format: one row per line keeps the table readable against the RFCs
export const migrationRules: readonly MigrationRule[] = [
  { when: { migrating: 'implicit', app: 'spa' }, sources: [rfc(9700, '2.1.2'), documents.browserApps],
    steps: [
      'Register `response_types: ["code"]` and the authorization_code grant for the client, next to the old response type while both run.',
      'Send `response_type=code` with a PKCE `code_challenge` (S256) and redeem the code at the token endpoint (or let your BFF do it).',
      'Replace silent renewal in a hidden iframe (`prompt=none`) with refresh tokens protected as above, or with the BFF’s session; browsers that block third-party cookies break the iframe anyway.',
      'Delete the code that reads tokens from the URL fragment, then remove the `token` response type from the client and turn the implicit grant off on the server.',
    ] },
  { when: { migrating: 'implicit' }, sources: [rfc(9700, '2.1.2'), documents.oauth21],
    steps: [
      'Register `response_types: ["code"]` and the authorization_code grant for the client, next to the old response type while both run.',
      'Send `response_type=code` with a PKCE `code_challenge` (S256) and redeem the code at the token endpoint.',
      'Delete the code that reads tokens from the URL fragment, then remove the `token` and `id_token token` response types from the client and turn the implicit grant off on the server.',
    ] },
  { when: { migrating: 'password', app: ['spa', 'web', 'native', 'agent'] }, sources: [rfc(9700, '2.4'), rfc(6749, '4.3')],
    steps: [
      'Replace your own login form with a redirect to the authorization server’s sign-in (the grant above): from then on only the server sees passwords, and it can add multi-factor and federated sign-in.',
      'Ship the new sign-in, and keep the password grant only for old app versions while you measure how much it is still used.',
      'Remove `password` from the client’s `grant_types`, turn the grant off on the server, and revoke the refresh tokens it issued.',
      'Delete any stored passwords or password-derived data from the app.',
    ] },
  { when: { migrating: 'password', app: ['cli', 'device'] }, sources: [rfc(9700, '2.4'), rfc(8628, '3.1')],
    steps: [
      'Stop prompting for the password: start the grant above instead (a browser on the same machine, or a code shown for another device).',
      'Keep the password grant only for old versions while you measure its use, then remove `password` from the client’s `grant_types` and turn the grant off on the server.',
      'Revoke the refresh tokens issued through the password grant, and delete stored passwords from configuration files.',
    ] },
  { when: { migrating: 'password', app: 'service' }, sources: [rfc(9700, '2.4'), rfc(6749, '4.4')],
    steps: [
      'Register the job as a client of its own and give it exactly the scopes the technical user had.',
      'Switch the job to the grant above; it no longer needs the technical user’s password.',
      'Disable the technical user account, and remove `password` from the client’s `grant_types`.',
    ] },
  { when: { migrating: 'password', app: 'decoupled' }, sources: [rfc(9700, '2.4'), ciba('7.1')],
    steps: [
      'Stop asking customers for their password: start a CIBA request with their identifier as `login_hint` and a binding message instead, and let them approve on their own phone.',
      'Keep the password grant only while you measure how often agents still use it, then remove `password` from the client’s `grant_types` and turn the grant off on the server.',
      'Revoke the refresh tokens the password grant issued, and delete any passwords agents noted or the app stored.',
    ] },
  { when: { migrating: 'password' }, sources: [rfc(9700, '2.4'), rfc(8693, '2.1')],
    steps: [
      'Stop receiving or storing users’ passwords in your API: exchange the access token your API receives for a downstream token instead.',
      'Remove `password` from the client’s `grant_types`, turn the grant off on the server, and delete stored credentials.',
    ] },
]

// ——— 5. What the recommended client cannot reach: said plainly, above everything else ———

export type CaveatRule = { when: When; text: string; sources: readonly Source[] }

export const caveatRules: readonly CaveatRule[] = [
  {
    when: { assurance: 'high', client: 'public' },
    text: 'As drafted, this is a public client, and a public client cannot be FAPI 2.0: the profile admits only confidential clients. The backend listed as required below is the way there; until you add it, this draft meets the standard profile only.',
    sources: [documents.fapi2Confidential],
  },
]
