/**
 * What a walkthrough shows before its flow's code is there, and how to load the flow itself: the
 * index needs none of the flows' code, and a walkthrough page draws its heading, summary and specs
 * from here at once and loads its own flow after the first paint (docs/decisions/092, 143).
 * The same order and texts as `all-flows.ts`; `flow-summaries.test.ts` fails when they differ, so
 * a flow's title, summary, "when to use it", deprecation, steps or specs changed there must be
 * changed here.
 */
import type { Flow } from './flow-model.ts'

export type FlowSummary = Pick<
  Flow,
  'id' | 'title' | 'summary' | 'whenToUse' | 'deprecated' | 'specs'
> & {
  stepCount: number
  /** The flow itself, in its own chunk. */
  load: () => Promise<Flow>
}

export const flowSummaries: readonly FlowSummary[] = [
  {
    id: 'authorization-code',
    title: 'Authorization code + PKCE (with OpenID Connect and refresh)',
    summary:
      'The user signs in at the authorization server, which sends the browser back with a one-time code; the client trades the code, plus a secret only it knows (the PKCE verifier), for tokens.',
    whenToUse:
      'Any app where a person signs in: single-page apps, server-side web apps, mobile and desktop apps. It is the default choice.',
    stepCount: 8,
    specs: [
      { label: 'RFC 6749 §4.1', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-4.1' },
      { label: 'RFC 7636', href: 'https://www.rfc-editor.org/rfc/rfc7636.html' },
      {
        label: 'OIDC Core §3.1',
        href: 'https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth',
      },
      { label: 'RFC 9700 §2.1.1', href: 'https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1' },
    ],
    load: () => import('./authorization-code.ts').then((module) => module.authorizationCodeFlow),
  },
  {
    id: 'refresh-token',
    title: 'Refresh token rotation and reuse detection',
    summary:
      'A single-page app refreshes its tokens twice; every refresh hands out a new refresh token. Then an old one is replayed, as a thief would, and the server revokes the whole token family.',
    whenToUse:
      'Any client that keeps a user signed in beyond the access token’s few minutes. A public client (a SPA, a mobile app) must either rotate its refresh tokens, as here, or bind them to a key (DPoP).',
    stepCount: 11,
    specs: [
      { label: 'RFC 6749 §6', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-6' },
      { label: 'RFC 9700 §4.14', href: 'https://www.rfc-editor.org/rfc/rfc9700#section-4.14' },
      { label: 'RFC 9700 §2.2.2', href: 'https://www.rfc-editor.org/rfc/rfc9700#section-2.2.2' },
    ],
    load: () => import('./refresh-token.ts').then((module) => module.refreshTokenFlow),
  },
  {
    id: 'par',
    title: 'Pushed authorization requests (PAR)',
    summary:
      'The client sends its authorization request straight to the server over the back channel, authenticated, and gets a short-lived request_uri; the browser then carries only that reference instead of the whole request.',
    whenToUse:
      'Confidential clients that want their authorization requests authenticated and kept out of the browser’s address bar and history: high-assurance apps and FAPI 2.0 profiles. A server can require it per client.',
    stepCount: 10,
    specs: [
      { label: 'RFC 9126', href: 'https://www.rfc-editor.org/rfc/rfc9126.html' },
      { label: 'RFC 9126 §2', href: 'https://www.rfc-editor.org/rfc/rfc9126#section-2' },
      { label: 'RFC 9126 §4', href: 'https://www.rfc-editor.org/rfc/rfc9126#section-4' },
      { label: 'RFC 6749 §4.1', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-4.1' },
    ],
    load: () => import('./par.ts').then((module) => module.parFlow),
  },
  {
    id: 'logout',
    title: 'Logout (RP-initiated and back-channel)',
    summary:
      'The app signs the user out at the authorization server too: it sends the browser to the end-session endpoint with its ID token, the server ends its session, tells the app’s back end with a signed logout token, and sends the browser back with the app’s state.',
    whenToUse:
      'Every app where a person signs in with OpenID Connect: signing out of the app alone leaves the server’s session alive, and the next sign-in happens without a password.',
    stepCount: 11,
    specs: [
      {
        label: 'OIDC RP-Initiated Logout §2',
        href: 'https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout',
      },
      {
        label: 'OIDC RP-Initiated Logout §3',
        href: 'https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout',
      },
      {
        label: 'OIDC Back-Channel Logout §2.4',
        href: 'https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken',
      },
      {
        label: 'OIDC Back-Channel Logout §2.6',
        href: 'https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation',
      },
    ],
    load: () => import('./logout.ts').then((module) => module.logoutFlow),
  },
  {
    id: 'device-code',
    title: 'Device authorization grant (TV and CLI sign-in)',
    summary:
      'A device without a browser shows a short code and a web address; the user opens the address on a phone, signs in and approves, while the device keeps asking the token endpoint until the tokens are ready.',
    whenToUse:
      'Smart TVs, game consoles, printers and command-line tools: apps that cannot show a login page or have no comfortable keyboard, while the user has a phone or computer nearby.',
    stepCount: 5,
    specs: [
      { label: 'RFC 8628', href: 'https://www.rfc-editor.org/rfc/rfc8628.html' },
      { label: 'RFC 8628 §3.5', href: 'https://www.rfc-editor.org/rfc/rfc8628#section-3.5' },
      { label: 'RFC 8628 §5.4', href: 'https://www.rfc-editor.org/rfc/rfc8628#section-5.4' },
    ],
    load: () => import('./device-code.ts').then((module) => module.deviceCodeFlow),
  },
  {
    id: 'ciba',
    title: 'CIBA: approval on the user’s own phone (backchannel authentication)',
    summary:
      'An application the user does not sit in front of — a call-centre agent’s screen, a kiosk, a shop till — names the user to the server; the server asks the user on their own phone, and the application polls the token endpoint until the user has answered.',
    whenToUse:
      'Call centres, point-of-sale terminals and kiosks: someone else (or a shared screen) starts the sign-in, and the user must approve on a device of their own, with a message on both screens that ties the two together.',
    stepCount: 5,
    specs: [
      {
        label: 'CIBA Core §7',
        href: 'https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.7',
      },
      {
        label: 'CIBA Core §10.1',
        href: 'https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.10.1',
      },
      {
        label: 'CIBA Core §11',
        href: 'https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.11',
      },
    ],
    load: () => import('./ciba.ts').then((module) => module.cibaFlow),
  },
  {
    id: 'client-credentials',
    title: 'Client credentials (service to service)',
    summary:
      'A back-end service proves who it is to the token endpoint — with a shared secret or with a signed assertion from its own key pair — and gets an access token for itself. No user takes part.',
    whenToUse:
      'Machine-to-machine calls: a back-end job, a daemon or a microservice calling an API on its own behalf, never on behalf of a user.',
    stepCount: 6,
    specs: [
      { label: 'RFC 6749 §4.4', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-4.4' },
      { label: 'RFC 6749 §2.3.1', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1' },
      { label: 'RFC 7523 §2.2', href: 'https://www.rfc-editor.org/rfc/rfc7523#section-2.2' },
      {
        label: 'OIDC Core §9',
        href: 'https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication',
      },
    ],
    load: () => import('./client-credentials.ts').then((module) => module.clientCredentialsFlow),
  },
  {
    id: 'jwt-bearer',
    title: 'JWT bearer grant (RFC 7523)',
    summary:
      'The client signs a JWT, the assertion, that names a user, and trades it at the token endpoint for an access token for that user: no browser, no login page. Edit the assertion and watch the server check each claim.',
    whenToUse:
      'A back-end that already holds a trust relationship with the authorization server (a registered key, or an identity provider the server trusts) and must act for a user without an interactive login, e.g. a service account acting for a user in its domain.',
    stepCount: 6,
    specs: [
      { label: 'RFC 7523 §2.1', href: 'https://www.rfc-editor.org/rfc/rfc7523#section-2.1' },
      { label: 'RFC 7523 §3', href: 'https://www.rfc-editor.org/rfc/rfc7523#section-3' },
      { label: 'RFC 7521 §4.1', href: 'https://www.rfc-editor.org/rfc/rfc7521#section-4.1' },
    ],
    load: () => import('./jwt-bearer.ts').then((module) => module.jwtBearerFlow),
  },
  {
    id: 'token-exchange',
    title: 'Token exchange (RFC 8693)',
    summary:
      'A service that received alice’s access token trades it at the token endpoint for a token meant for another service, with less scope: first standing in for alice (impersonation), then acting on her behalf with its own identity recorded in the token (delegation).',
    whenToUse:
      'An API that must call another API for the user who called it: instead of forwarding the user’s token (wrong audience, too much scope), it exchanges it for a token made for the next hop.',
    stepCount: 6,
    specs: [
      { label: 'RFC 8693 §2.1', href: 'https://www.rfc-editor.org/rfc/rfc8693#section-2.1' },
      { label: 'RFC 8693 §2.2', href: 'https://www.rfc-editor.org/rfc/rfc8693#section-2.2' },
      { label: 'RFC 8693 §4.1', href: 'https://www.rfc-editor.org/rfc/rfc8693#section-4.1' },
    ],
    load: () => import('./token-exchange.ts').then((module) => module.tokenExchangeFlow),
  },
  {
    id: 'dpop',
    title: 'DPoP: tokens bound to a key (RFC 9449)',
    summary:
      'The app makes a key pair in the browser and signs a short proof with it for every request. The server binds the tokens to the public key, so a copied token is useless to anyone without the private key.',
    whenToUse:
      'Any client whose tokens could leak: browser apps and mobile apps above all, since they cannot keep a client secret, and any API that wants more than bearer tokens (FAPI 2.0 requires sender-constrained tokens).',
    stepCount: 10,
    specs: [
      { label: 'RFC 9449', href: 'https://www.rfc-editor.org/rfc/rfc9449.html' },
      { label: 'RFC 9449 §4.3', href: 'https://www.rfc-editor.org/rfc/rfc9449#section-4.3' },
      { label: 'RFC 9449 §7.1', href: 'https://www.rfc-editor.org/rfc/rfc9449#section-7.1' },
      { label: 'RFC 7638', href: 'https://www.rfc-editor.org/rfc/rfc7638.html' },
      { label: 'RFC 9700 §2.2.1', href: 'https://www.rfc-editor.org/rfc/rfc9700#section-2.2.1' },
    ],
    load: () => import('./dpop.ts').then((module) => module.dpopFlow),
  },
  {
    id: 'fapi2',
    title: 'FAPI 2.0 Security Profile (PAR, PKCE, private_key_jwt, DPoP)',
    summary:
      'A high-security profile of the code flow in one run: the client registers with a key pair, pushes its authorization request over the back channel, signs an assertion with that key for every request, and gets tokens bound to a second key. A checklist ticks each requirement as the server’s answers show it.',
    whenToUse:
      'APIs that move money or expose sensitive data (open banking, health, e-government), where the ecosystem asks for FAPI 2.0. Its requirements are also a good target for any confidential client.',
    stepCount: 12,
    specs: [
      {
        label: 'FAPI 2.0 §5.3.2.1',
        href: 'https://openid.net/specs/fapi-security-profile-2_0-final.html',
      },
      {
        label: 'FAPI 2.0 §5.3.2.2',
        href: 'https://openid.net/specs/fapi-security-profile-2_0-final.html',
      },
      {
        label: 'FAPI 2.0 §5.3.3',
        href: 'https://openid.net/specs/fapi-security-profile-2_0-final.html',
      },
      { label: 'RFC 9126', href: 'https://www.rfc-editor.org/rfc/rfc9126.html' },
      { label: 'RFC 9449', href: 'https://www.rfc-editor.org/rfc/rfc9449.html' },
      { label: 'RFC 9207', href: 'https://www.rfc-editor.org/rfc/rfc9207.html' },
    ],
    load: () => import('./fapi2.ts').then((module) => module.fapi2Flow),
  },
  {
    id: 'mcp-agent',
    title: 'Connect an AI agent to an MCP server',
    summary:
      'An AI agent knows only the URL of an MCP server. The server’s 401 tells it where to sign in, it registers itself without a developer portal, gets a token for that one server with the user’s consent, calls a tool, and finds the token useless anywhere else.',
    whenToUse:
      'An AI agent, an IDE or a chat app (an MCP client) that calls tools on MCP servers for a user; and anyone building an MCP server, to see what its clients expect of it.',
    stepCount: 11,
    specs: [
      {
        label: 'MCP Authorization (2025-11-25): Authorization Flow Steps',
        href: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#authorization-flow-steps',
      },
      { label: 'RFC 9728', href: 'https://www.rfc-editor.org/rfc/rfc9728.html' },
      { label: 'RFC 8707', href: 'https://www.rfc-editor.org/rfc/rfc8707.html' },
      {
        label: 'Client ID Metadata Document draft-01 §4',
        href: 'https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4',
      },
      { label: 'RFC 7591', href: 'https://www.rfc-editor.org/rfc/rfc7591.html' },
    ],
    load: () => import('./mcp-agent.ts').then((module) => module.mcpAgentFlow),
  },
  {
    id: 'hybrid',
    title: 'OpenID Connect hybrid flow (code id_token)',
    summary:
      'The authorization server sends the browser back with both a code and a signed ID token, in the URL fragment. The client checks the ID token at once (its signature, its nonce and its c_hash, which ties it to the code), then trades the code for tokens on the back channel.',
    whenToUse:
      'Rarely today: a server-side web app that must know who signed in straight from the redirect, or an ecosystem built on FAPI 1.0 Advanced, which accepts code id_token or the code flow with JARM. FAPI 2.0 uses the plain authorization code flow with PKCE, and so should everyone else.',
    stepCount: 6,
    specs: [
      {
        label: 'OIDC Core §3.3',
        href: 'https://openid.net/specs/openid-connect-core-1_0.html#HybridFlowAuth',
      },
      {
        label: 'OIDC Core §3.3.2.11',
        href: 'https://openid.net/specs/openid-connect-core-1_0.html#HybridIDToken',
      },
      {
        label: 'OAuth 2.0 Multiple Response Types §5',
        href: 'https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#Combinations',
      },
    ],
    load: () => import('./hybrid.ts').then((module) => module.hybridFlow),
  },
  {
    id: 'implicit',
    title: 'Implicit grant (deprecated)',
    summary:
      'The authorization server puts the access token itself in the URL it sends the browser back to, after a "#". There is no code and no token request. This walkthrough runs it against a client kept only for this demo, and shows what goes wrong.',
    whenToUse:
      'Never for new apps. It was made for browser apps before they could call a token endpoint across origins; use the authorization code flow with PKCE instead.',
    deprecated: {
      reason:
        'RFC 9700 (OAuth 2.0 Security Best Current Practice) says clients SHOULD NOT use the implicit grant, and the OAuth 2.1 draft leaves it out. It is still part of RFC 6749, so old clients and servers still have it.',
      spec: {
        label: 'RFC 9700 §2.1.2',
        href: 'https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2',
      },
      useInstead: {
        flowId: 'authorization-code',
        why: 'The redirect carries only a one-time code, useless without the PKCE verifier, and a refresh token can be issued.',
      },
    },
    stepCount: 7,
    specs: [
      { label: 'RFC 6749 §4.2', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-4.2' },
      { label: 'RFC 9700 §2.1.2', href: 'https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2' },
      { label: 'RFC 6749 §10.16', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-10.16' },
    ],
    load: () => import('./implicit.ts').then((module) => module.implicitFlow),
  },
  {
    id: 'password',
    title: 'Resource owner password credentials (deprecated)',
    summary:
      'The app shows its own sign-in form, takes the user’s username and password, and posts them to the token endpoint for a token. The user never sees a page of the authorization server: no consent screen, no second factor, only a password the app passes on. This walkthrough runs it against a client kept only for this demo, and shows what goes wrong.',
    whenToUse:
      'Never for new apps. RFC 6749 §4.3 meant it for clients the user trusts with their password, such as the device’s operating system or a highly privileged app, when no redirect-based grant is possible, and for moving clients that stored passwords (HTTP Basic or Digest) to tokens. Use the authorization code flow with PKCE instead (or client credentials when no user is involved).',
    deprecated: {
      reason:
        'RFC 9700 (OAuth 2.0 Security Best Current Practice) says the password grant MUST NOT be used, and the OAuth 2.1 draft leaves it out. It is still part of RFC 6749, so old clients and servers still have it.',
      spec: { label: 'RFC 9700 §2.4', href: 'https://www.rfc-editor.org/rfc/rfc9700#section-2.4' },
      useInstead: {
        flowId: 'authorization-code',
        why: 'The user types the password only into the authorization server’s page, which can ask for consent and a second factor.',
      },
    },
    stepCount: 6,
    specs: [
      { label: 'RFC 6749 §4.3', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-4.3' },
      { label: 'RFC 9700 §2.4', href: 'https://www.rfc-editor.org/rfc/rfc9700#section-2.4' },
      { label: 'RFC 6749 §10.7', href: 'https://www.rfc-editor.org/rfc/rfc6749#section-10.7' },
    ],
    load: () => import('./password.ts').then((module) => module.passwordFlow),
  },
]

export function findFlowSummary(id: string | undefined): FlowSummary | undefined {
  return flowSummaries.find((summary) => summary.id === id)
}

const loading = new Map<string, Promise<Flow>>()
const loaded = new Map<string, Flow>()

/** The flow's code, fetched once (the same promise every time, as React's `use` needs). */
export function loadFlow(summary: FlowSummary): Promise<Flow> {
  let flow = loading.get(summary.id)
  if (!flow) {
    flow = summary.load().then((module) => {
      loaded.set(summary.id, module)
      return module
    })
    // A failed fetch stays failed until the app reloads: React's `use` must get the same
    // promise on every render, or a failure would start a new fetch each time it re-renders.
    loading.set(summary.id, flow)
  }
  return flow
}

/** The flow if its code is already there. */
export function loadedFlow(id: string): Flow | undefined {
  return loaded.get(id)
}
