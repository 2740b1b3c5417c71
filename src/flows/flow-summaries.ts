/**
 * What the walkthrough index shows of each flow, and how to load the flow itself: the index needs
 * none of the flows' code, and a walkthrough page loads only its own flow (docs/decisions/092).
 * The same order and texts as `all-flows.ts`; `flow-summaries.test.ts` fails when they differ, so
 * a flow's title, "when to use it", deprecation, steps or specs changed there must be changed here.
 */
import type { Flow } from './flow-model.ts'

export interface FlowSummary {
  id: string
  title: string
  whenToUse: string
  deprecated?: { reason: string /** The id of the flow to use instead. */; useInstead?: string }
  stepCount: number
  specLabels: string[]
  /** The flow itself, in its own chunk. */
  load: () => Promise<Flow>
}

export const flowSummaries: readonly FlowSummary[] = [
  {
    id: 'authorization-code',
    title: 'Authorization code + PKCE (with OpenID Connect and refresh)',
    whenToUse:
      'Any app where a person signs in: single-page apps, server-side web apps, mobile and desktop apps. It is the default choice.',
    stepCount: 8,
    specLabels: ['RFC 6749 §4.1', 'RFC 7636', 'OIDC Core §3.1', 'RFC 9700 §2.1.1'],
    load: () => import('./authorization-code.ts').then((module) => module.authorizationCodeFlow),
  },
  {
    id: 'refresh-token',
    title: 'Refresh token rotation and reuse detection',
    whenToUse:
      'Any client that keeps a user signed in beyond the access token’s few minutes. A public client (a SPA, a mobile app) must either rotate its refresh tokens, as here, or bind them to a key (DPoP).',
    stepCount: 11,
    specLabels: ['RFC 6749 §6', 'RFC 9700 §4.14', 'RFC 9700 §2.2.2'],
    load: () => import('./refresh-token.ts').then((module) => module.refreshTokenFlow),
  },
  {
    id: 'par',
    title: 'Pushed authorization requests (PAR)',
    whenToUse:
      'Confidential clients that want their authorization requests authenticated and kept out of the browser’s address bar and history: high-assurance apps and FAPI 2.0 profiles. A server can require it per client.',
    stepCount: 10,
    specLabels: ['RFC 9126', 'RFC 9126 §2', 'RFC 9126 §4', 'RFC 6749 §4.1'],
    load: () => import('./par.ts').then((module) => module.parFlow),
  },
  {
    id: 'logout',
    title: 'Logout (RP-initiated and back-channel)',
    whenToUse:
      'Every app where a person signs in with OpenID Connect: signing out of the app alone leaves the server’s session alive, and the next sign-in happens without a password.',
    stepCount: 11,
    specLabels: [
      'OIDC RP-Initiated Logout §2',
      'OIDC RP-Initiated Logout §3',
      'OIDC Back-Channel Logout §2.4',
      'OIDC Back-Channel Logout §2.6',
    ],
    load: () => import('./logout.ts').then((module) => module.logoutFlow),
  },
  {
    id: 'device-code',
    title: 'Device authorization grant (TV and CLI sign-in)',
    whenToUse:
      'Smart TVs, game consoles, printers and command-line tools: apps that cannot show a login page or have no comfortable keyboard, while the user has a phone or computer nearby.',
    stepCount: 5,
    specLabels: ['RFC 8628', 'RFC 8628 §3.5', 'RFC 8628 §5.4'],
    load: () => import('./device-code.ts').then((module) => module.deviceCodeFlow),
  },
  {
    id: 'ciba',
    title: 'CIBA: approval on the user’s own phone (backchannel authentication)',
    whenToUse:
      'Call centres, point-of-sale terminals and kiosks: someone else (or a shared screen) starts the sign-in, and the user must approve on a device of their own, with a message on both screens that ties the two together.',
    stepCount: 5,
    specLabels: ['CIBA Core §7', 'CIBA Core §10.1', 'CIBA Core §11'],
    load: () => import('./ciba.ts').then((module) => module.cibaFlow),
  },
  {
    id: 'client-credentials',
    title: 'Client credentials (service to service)',
    whenToUse:
      'Machine-to-machine calls: a back-end job, a daemon or a microservice calling an API on its own behalf, never on behalf of a user.',
    stepCount: 6,
    specLabels: ['RFC 6749 §4.4', 'RFC 6749 §2.3.1', 'RFC 7523 §2.2', 'OIDC Core §9'],
    load: () => import('./client-credentials.ts').then((module) => module.clientCredentialsFlow),
  },
  {
    id: 'jwt-bearer',
    title: 'JWT bearer grant (RFC 7523)',
    whenToUse:
      'A back-end that already holds a trust relationship with the authorization server (a registered key, or an identity provider the server trusts) and must act for a user without an interactive login, e.g. a service account acting for a user in its domain.',
    stepCount: 6,
    specLabels: ['RFC 7523 §2.1', 'RFC 7523 §3', 'RFC 7521 §4.1'],
    load: () => import('./jwt-bearer.ts').then((module) => module.jwtBearerFlow),
  },
  {
    id: 'token-exchange',
    title: 'Token exchange (RFC 8693)',
    whenToUse:
      'An API that must call another API for the user who called it: instead of forwarding the user’s token (wrong audience, too much scope), it exchanges it for a token made for the next hop.',
    stepCount: 6,
    specLabels: ['RFC 8693 §2.1', 'RFC 8693 §2.2', 'RFC 8693 §4.1'],
    load: () => import('./token-exchange.ts').then((module) => module.tokenExchangeFlow),
  },
  {
    id: 'dpop',
    title: 'DPoP: tokens bound to a key (RFC 9449)',
    whenToUse:
      'Any client whose tokens could leak: browser apps and mobile apps above all, since they cannot keep a client secret, and any API that wants more than bearer tokens (FAPI 2.0 requires sender-constrained tokens).',
    stepCount: 10,
    specLabels: ['RFC 9449', 'RFC 9449 §4.3', 'RFC 9449 §7.1', 'RFC 7638', 'RFC 9700 §2.2.1'],
    load: () => import('./dpop.ts').then((module) => module.dpopFlow),
  },
  {
    id: 'fapi2',
    title: 'FAPI 2.0 Security Profile (PAR, PKCE, private_key_jwt, DPoP)',
    whenToUse:
      'APIs that move money or expose sensitive data (open banking, health, e-government), where the ecosystem asks for FAPI 2.0. Its requirements are also a good target for any confidential client.',
    stepCount: 12,
    specLabels: [
      'FAPI 2.0 §5.3.2.1',
      'FAPI 2.0 §5.3.2.2',
      'FAPI 2.0 §5.3.3',
      'RFC 9126',
      'RFC 9449',
      'RFC 9207',
    ],
    load: () => import('./fapi2.ts').then((module) => module.fapi2Flow),
  },
  {
    id: 'mcp-agent',
    title: 'Connect an AI agent to an MCP server',
    whenToUse:
      'An AI agent, an IDE or a chat app (an MCP client) that calls tools on MCP servers for a user; and anyone building an MCP server, to see what its clients expect of it.',
    stepCount: 11,
    specLabels: [
      'MCP Authorization (2025-11-25): Authorization Flow Steps',
      'RFC 9728',
      'RFC 8707',
      'Client ID Metadata Document draft-01 §4',
      'RFC 7591',
    ],
    load: () => import('./mcp-agent.ts').then((module) => module.mcpAgentFlow),
  },
  {
    id: 'hybrid',
    title: 'OpenID Connect hybrid flow (code id_token)',
    whenToUse:
      'Rarely today: a server-side web app that must know who signed in straight from the redirect, or an ecosystem built on FAPI 1.0 Advanced, which accepts code id_token or the code flow with JARM. FAPI 2.0 uses the plain authorization code flow with PKCE, and so should everyone else.',
    stepCount: 6,
    specLabels: ['OIDC Core §3.3', 'OIDC Core §3.3.2.11', 'OAuth 2.0 Multiple Response Types §5'],
    load: () => import('./hybrid.ts').then((module) => module.hybridFlow),
  },
  {
    id: 'implicit',
    title: 'Implicit grant (deprecated)',
    whenToUse:
      'Never for new apps. It was made for browser apps before they could call a token endpoint across origins; use the authorization code flow with PKCE instead.',
    deprecated: {
      reason:
        'RFC 9700 (OAuth 2.0 Security Best Current Practice) says clients SHOULD NOT use the implicit grant, and the OAuth 2.1 draft leaves it out. It is still part of RFC 6749, so old clients and servers still have it.',
      useInstead: 'authorization-code',
    },
    stepCount: 7,
    specLabels: ['RFC 6749 §4.2', 'RFC 9700 §2.1.2', 'RFC 6749 §10.16'],
    load: () => import('./implicit.ts').then((module) => module.implicitFlow),
  },
  {
    id: 'password',
    title: 'Resource owner password credentials (deprecated)',
    whenToUse:
      'Never for new apps. RFC 6749 §4.3 meant it for clients the user trusts with their password, such as the device’s operating system or a highly privileged app, when no redirect-based grant is possible, and for moving clients that stored passwords (HTTP Basic or Digest) to tokens. Use the authorization code flow with PKCE instead (or client credentials when no user is involved).',
    deprecated: {
      reason:
        'RFC 9700 (OAuth 2.0 Security Best Current Practice) says the password grant MUST NOT be used, and the OAuth 2.1 draft leaves it out. It is still part of RFC 6749, so old clients and servers still have it.',
      useInstead: 'authorization-code',
    },
    stepCount: 6,
    specLabels: ['RFC 6749 §4.3', 'RFC 9700 §2.4', 'RFC 6749 §10.7'],
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
