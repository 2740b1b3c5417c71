/**
 * Connect an AI agent to an MCP server: the agent (this page) meets the demo MCP server at `/mcp`
 * knowing nothing but its URL, and follows the MCP authorization specification (2025-11-25): the
 * 401 names the server's RFC 9728 metadata, which names the authorization server, whose RFC 8414
 * metadata the agent reads; it registers (a Client ID Metadata Document, or RFC 7591), runs the
 * code flow with PKCE and `resource` (RFC 8707), calls a tool with the token, and shows that the
 * same token is refused at `/api`: it is pinned to the MCP server (docs/decisions/124).
 * @see [MCP authorization](https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization)
 * @see [RFC 9728](https://www.rfc-editor.org/rfc/rfc9728)
 * @see [RFC 8707](https://www.rfc-editor.org/rfc/rfc8707)
 */
import * as oauth from 'oauth4webapi'
import { decodeJwt } from '../shared/jwt.ts'
import { clientIdMetadataDocument, mcp, rfc } from '../shared/spec-links.ts'
import { need, notBackYet, opaqueRefreshToken } from './code-flow-steps.ts'
import { defineFlow, type JsonValue, type StepContext, type StepError } from './flow-model.ts'
import { type HasFetch, oauthOptions } from './http-capture.ts'
import { parseChallenges } from './www-authenticate.ts'

export const mcpAgentFlowId = 'mcp-agent'

/** The protocol version the agent asks for (MCP lifecycle, "Version Negotiation"). */
const protocolVersion = '2025-11-25'

/** Where the demo agent's Client ID Metadata Document lives (served beside the mock server). */
export const demoAgentDocumentPath = '/demo-agent/client-metadata.json'

type Registration = 'metadata-document' | 'dcr'

type McpAgentData = {
  mcpUrl?: string
  resourceMetadataUrl?: string
  challengeScope?: string
  rs?: oauth.ResourceServer
  issuer?: string
  as?: oauth.AuthorizationServer
  registration?: Registration
  clientId?: string
  redirectUri?: string
  scope?: string
  codeVerifier?: string
  codeChallenge?: string
  state?: string
  accessToken?: string
  refreshToken?: string
  negotiatedVersion?: string
}

type Ctx = StepContext<McpAgentData>

const clientOf = (data: Partial<McpAgentData>): oauth.Client => ({
  client_id: need(data.clientId, 'The client_id'),
  token_endpoint_auth_method: 'none',
})

/** One JSON-RPC message to the MCP server with the bearer token, as Streamable HTTP sends it. */
async function mcpRequest(
  ctx: HasFetch,
  data: Partial<McpAgentData>,
  message: Record<string, JsonValue>,
): Promise<Response> {
  const headers = new Headers({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  })
  if (data.negotiatedVersion) headers.set('mcp-protocol-version', data.negotiatedVersion)
  return oauth.protectedResourceRequest(
    need(data.accessToken, 'The access token'),
    'POST',
    new URL(need(data.mcpUrl, 'The MCP server URL')),
    headers,
    JSON.stringify({ jsonrpc: '2.0', ...message }),
    oauthOptions(ctx),
  )
}

/** The `result` of a JSON-RPC answer, or a step error naming the JSON-RPC error. */
async function rpcResult(
  ctx: Ctx,
  response: Response,
): Promise<{ result: Record<string, unknown> } | StepError> {
  const body = (await response.json().catch(() => undefined)) as
    | { result?: Record<string, unknown>; error?: { code: number; message: string } }
    | undefined
  if (!response.ok || !body?.result) {
    return {
      status: 'error',
      message: `The MCP server answered ${response.status}${body?.error ? ` with JSON-RPC error ${body.error.code}` : ''}.`,
      ...(body?.error ? { detail: body.error.message } : {}),
      exchanges: ctx.exchanges(),
    }
  }
  return { result: body.result }
}

export const mcpAgentFlow = defineFlow<McpAgentData>({
  id: mcpAgentFlowId,
  title: 'Connect an AI agent to an MCP server',
  summary:
    'An AI agent knows only the URL of an MCP server. The server’s 401 tells it where to sign in, it registers itself without a developer portal, gets a token for that one server with the user’s consent, calls a tool, and finds the token useless anywhere else.',
  whenToUse:
    'An AI agent, an IDE or a chat app (an MCP client) that calls tools on MCP servers for a user; and anyone building an MCP server, to see what its clients expect of it.',
  specs: [
    mcp('authorization', 'Authorization Flow Steps', 'authorization-flow-steps'),
    rfc(9728),
    rfc(8707),
    clientIdMetadataDocument('4'),
    rfc(7591),
  ],
  actors: [
    { id: 'user', label: 'User & browser', description: 'The person, in their browser.' },
    {
      id: 'agent',
      label: 'AI agent (MCP client)',
      description: 'The agent that calls tools for the user (here: this page plays it).',
    },
    {
      id: 'as',
      label: 'Authorization server',
      description: 'Signs the user in and issues tokens (the mock server in a service worker).',
    },
    {
      id: 'mcp',
      label: 'MCP server',
      description:
        'The tool server at /mcp: a protected resource that accepts only its own tokens.',
    },
    {
      id: 'api',
      label: 'Demo API',
      description: 'Another protected resource (/api), for which this token was not made.',
    },
  ],
  steps: [
    {
      id: 'no-token',
      label: 'POST /mcp (no token) → 401',
      title: 'Call the MCP server without a token',
      from: 'agent',
      to: 'mcp',
      kind: 'request',
      spec: rfc(9728, '5.1'),
      moreSpecs: [
        mcp(
          'authorization',
          'Protected Resource Metadata Discovery Requirements',
          'protected-resource-metadata-discovery-requirements',
        ),
        rfc(6750, '3'),
      ],
      explanation:
        'The agent starts with nothing but the MCP server’s URL. It sends its first JSON-RPC message, initialize, without a token. The server answers 401, and its WWW-Authenticate header is the way in: resource_metadata is the URL of the server’s protected resource metadata (RFC 9728), and scope says which scope to ask for first. oauth4webapi parses such challenges on the responses of requests it sends with a token; for this first request the agent reads the header itself.',
      async run(ctx) {
        const mcpUrl = new URL('/mcp', ctx.appOrigin).href
        const response = await ctx.fetch(mcpUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: {
              protocolVersion,
              capabilities: {},
              clientInfo: { name: 'grantlab-demo-agent', version: '1.0.0' },
            },
          }),
        })
        const header = response.headers.get('www-authenticate') ?? ''
        const bearer = parseChallenges(header).find((challenge) => challenge.scheme === 'bearer')
        const resourceMetadataUrl = bearer?.parameters.resource_metadata
        if (response.status !== 401 || !resourceMetadataUrl) {
          return {
            status: 'error',
            message: `Expected 401 with a Bearer challenge naming resource_metadata; the server answered ${response.status}${header ? ` with ${header}` : ' without a challenge'}.`,
            exchanges: ctx.exchanges(),
          }
        }
        const challengeScope = bearer.parameters.scope
        return {
          status: 'ok',
          summary: 'The server refused the request with 401 and said where its metadata is.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'WWW-Authenticate', value: header },
            {
              label: 'resource_metadata',
              value: resourceMetadataUrl,
              format: 'url',
              note: 'Where the agent learns who can issue tokens for this server.',
              spec: rfc(9728, '5.1'),
            },
            {
              label: 'scope',
              value: challengeScope ?? '(none)',
              note: 'The MCP specification tells the agent to ask for this scope first, and for more only when a tool needs it.',
              spec: mcp('authorization', 'Scope Selection Strategy', 'scope-selection-strategy'),
            },
          ],
          save: {
            mcpUrl,
            resourceMetadataUrl,
            ...(challengeScope === undefined ? {} : { challengeScope }),
          },
        }
      },
    },
    {
      id: 'resource-metadata',
      label: 'GET /.well-known/oauth-protected-resource/mcp',
      title: 'Fetch the MCP server’s protected resource metadata',
      from: 'agent',
      to: 'mcp',
      kind: 'request',
      spec: rfc(9728, '3.1'),
      moreSpecs: [rfc(9728, '3.3'), rfc(9728, '7.6'), rfc(9728, '2')],
      explanation:
        'The metadata lives at the URL the challenge named, which is also where RFC 9728 puts it for this server: /.well-known/oauth-protected-resource inserted before the server’s path. oauth4webapi fetches it (resourceDiscoveryRequest) and refuses it unless its resource is exactly the URL the agent called (processResourceDiscoveryResponse), so one server cannot pass off another’s metadata. authorization_servers names the issuer the agent will sign in with; an agent never hard-codes it.',
      async run(ctx) {
        const expected = new URL(need(ctx.data.mcpUrl, 'The MCP server URL'))
        const wellKnown = new URL(
          `/.well-known/oauth-protected-resource${expected.pathname}`,
          expected.origin,
        ).href
        const named = need(ctx.data.resourceMetadataUrl, 'The resource_metadata URL')
        // The header's URL wins (MCP authorization); here it is the well-known one, which
        // oauth4webapi builds itself.
        const response =
          named === wellKnown
            ? await oauth.resourceDiscoveryRequest(expected, oauthOptions(ctx))
            : await ctx.fetch(named, { headers: { accept: 'application/json' } })
        const rs = await oauth.processResourceDiscoveryResponse(expected, response)
        const issuer = rs.authorization_servers?.[0]
        if (issuer === undefined) {
          return {
            status: 'error',
            message:
              'The metadata names no authorization server, so the agent cannot know where to sign in.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `The MCP server is the resource ${rs.resource}; its tokens come from ${issuer}.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'resource',
              value: rs.resource,
              note: 'Exactly the URL the agent called: checked by oauth4webapi.',
              spec: rfc(9728, '3.3'),
            },
            { label: 'authorization_servers', value: (rs.authorization_servers ?? []).join(', ') },
            { label: 'scopes_supported', value: (rs.scopes_supported ?? []).join(' ') },
            {
              label: 'bearer_methods_supported',
              value: (rs.bearer_methods_supported ?? []).join(', '),
            },
          ],
          save: { rs, issuer },
        }
      },
    },
    {
      id: 'as-metadata',
      label: 'GET /.well-known/oauth-authorization-server/as',
      title: 'Fetch the authorization server’s metadata',
      from: 'agent',
      to: 'as',
      kind: 'request',
      spec: rfc(8414, '3.1'),
      moreSpecs: [
        mcp(
          'authorization',
          'Authorization Server Metadata Discovery',
          'authorization-server-metadata-discovery',
        ),
        mcp('authorization', 'Authorization Code Protection', 'authorization-code-protection'),
      ],
      explanation:
        'With the issuer in hand, the agent reads the authorization server’s RFC 8414 metadata: for an issuer with a path, /.well-known/oauth-authorization-server is inserted before that path (the MCP specification also tries OpenID Connect discovery when this fails). oauth4webapi checks that the document’s issuer is the one asked for. The agent then checks what MCP needs: S256 in code_challenge_methods_supported (without it, MCP says to stop), and how it can register: client_id_metadata_document_supported, or a registration_endpoint.',
      async run(ctx) {
        const issuer = new URL(need(ctx.data.issuer, 'The issuer'))
        const response = await oauth.discoveryRequest(issuer, {
          algorithm: 'oauth2',
          ...oauthOptions(ctx),
        })
        const as = await oauth.processDiscoveryResponse(issuer, response)
        const methods = as.code_challenge_methods_supported ?? []
        if (!methods.includes('S256')) {
          return {
            status: 'error',
            message:
              'The server does not list S256 in code_challenge_methods_supported, and the MCP specification says an agent must not go on without PKCE.',
            exchanges: ctx.exchanges(),
          }
        }
        const resource = need(ctx.data.rs, 'The resource metadata').resource
        return {
          status: 'ok',
          summary: `Found the server’s metadata; its issuer is ${as.issuer} and it supports PKCE with S256.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'code_challenge_methods_supported', value: methods.join(', ') },
            {
              label: 'client_id_metadata_document_supported',
              value: String(as.client_id_metadata_document_supported ?? false),
              spec: clientIdMetadataDocument('5'),
            },
            { label: 'registration_endpoint', value: String(as.registration_endpoint) },
            {
              label: 'protected_resources',
              value: (Array.isArray(as.protected_resources) ? as.protected_resources : []).join(
                ', ',
              ),
              note:
                Array.isArray(as.protected_resources) && as.protected_resources.includes(resource)
                  ? 'Lists the MCP server too: the two sides agree.'
                  : 'Does not list the MCP server (the list is optional).',
              spec: rfc(9728, '4'),
            },
          ],
          save: { as },
        }
      },
    },
    {
      id: 'register',
      label: 'register (metadata document or POST /register)',
      title: 'Register the agent',
      from: 'agent',
      to: 'as',
      kind: 'request',
      spec: mcp(
        'authorization',
        'Client Registration Approaches',
        'client-registration-approaches',
      ),
      moreSpecs: [clientIdMetadataDocument('4.1'), clientIdMetadataDocument('3'), rfc(7591, '3.1')],
      explanation:
        'The agent has never met this server, and there is no developer portal to visit. MCP recommends a Client ID Metadata Document: the agent publishes its metadata as JSON at an https URL and uses that URL as its client_id; the server fetches the document when it first sees the client_id, checks that the document names the same URL and lists the redirect URI, and shows the user where it came from. Where a server has no support for documents, the agent registers itself with Dynamic Client Registration (RFC 7591) instead. Either way it is a public client (none): nothing it ships can keep a secret. (This demo has no https origin for the agent, so its document is served beside the mock server, on the app’s own origin.)',
      choices: [
        {
          id: 'metadata-document',
          label: 'Client ID Metadata Document (recommended)',
          description: `client_id is the URL of the agent’s own metadata (${demoAgentDocumentPath}); nothing is registered.`,
        },
        {
          id: 'dcr',
          label: 'Dynamic Client Registration (RFC 7591)',
          description:
            'POST the metadata to the registration endpoint and use the client_id it issues.',
        },
      ],
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const redirectUri = `${ctx.appOrigin}/walkthrough/${mcpAgentFlowId}/callback`
        if (ctx.choice === 'dcr') {
          const response = await oauth.dynamicClientRegistrationRequest(
            as,
            {
              client_name: 'Grantlab demo agent (registered)',
              redirect_uris: [redirectUri],
              grant_types: ['authorization_code', 'refresh_token'],
              response_types: ['code'],
              token_endpoint_auth_method: 'none',
              scope: 'orders:read orders:write',
            },
            oauthOptions(ctx),
          )
          const registered = await oauth.processDynamicClientRegistrationResponse(response)
          return {
            status: 'ok',
            summary: `The server registered the agent and issued the client_id ${registered.client_id}.`,
            exchanges: ctx.exchanges(),
            values: [
              { label: 'client_id', value: registered.client_id, spec: rfc(7591, '3.2.1') },
              {
                label: 'token_endpoint_auth_method',
                value: String(registered.token_endpoint_auth_method),
              },
            ],
            notes: [
              'This client_id is good at this server only: the agent must register at every server it meets, and keep one client_id per server.',
            ],
            save: { registration: 'dcr', clientId: registered.client_id, redirectUri },
          }
        }
        if (as.client_id_metadata_document_supported !== true) {
          return {
            status: 'error',
            message:
              'This server does not say client_id_metadata_document_supported, so it would not fetch the document: register with RFC 7591 instead.',
            exchanges: ctx.exchanges(),
          }
        }
        const clientId = new URL(demoAgentDocumentPath, ctx.appOrigin).href
        // The agent's own copy: what the server will find at the URL.
        const response = await ctx.fetch(clientId, { headers: { accept: 'application/json' } })
        const document = (await response.json()) as { client_id?: string; redirect_uris?: string[] }
        if (document.client_id !== clientId || !document.redirect_uris?.includes(redirectUri)) {
          return {
            status: 'error',
            message:
              'The document at the client_id URL does not name that URL as its client_id, or lacks the redirect URI: a server would refuse it.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary:
            'The agent’s client_id is the URL of its metadata document; the server will fetch it itself.',
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'client_id',
              value: clientId,
              note: 'An https URL with a path in real life; the document’s client_id must be exactly this string.',
              spec: clientIdMetadataDocument('3'),
            },
            {
              label: 'The document at that URL',
              value: JSON.stringify(document),
              format: 'json',
              spec: clientIdMetadataDocument('4.1'),
            },
          ],
          notes: [
            'No request to the authorization server yet: it fetches this document when the browser brings it the client_id, in the next steps.',
          ],
          save: { registration: 'metadata-document', clientId, redirectUri },
        }
      },
    },
    {
      id: 'prepare',
      label: 'make verifier, challenge, state',
      title: 'Make the PKCE verifier, its challenge and a state',
      from: 'agent',
      to: 'agent',
      kind: 'local',
      spec: rfc(7636, '4.1'),
      moreSpecs: [rfc(7636, '4.2'), rfc(6749, '10.12')],
      explanation:
        'As in every authorization code flow of a public client: a fresh random code verifier that the agent keeps, its SHA-256 hash (the S256 challenge) for the authorization request, and a state to recognise the answer. MCP requires S256 whenever the agent can compute it.',
      async run(ctx) {
        const codeVerifier = oauth.generateRandomCodeVerifier()
        const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier)
        const state = oauth.generateRandomState()
        return {
          status: 'ok',
          summary: 'The agent made a verifier, its S256 challenge and a state.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'code_verifier', value: codeVerifier, note: 'Stays with the agent.' },
            { label: 'code_challenge (S256)', value: codeChallenge },
            { label: 'state', value: state },
          ],
          save: { codeVerifier, codeChallenge, state },
        }
      },
    },
    {
      id: 'authorize',
      label: 'redirect to /authorize (resource=/mcp)',
      title: 'Send the browser to the authorization endpoint, naming the MCP server',
      from: 'agent',
      to: 'as',
      kind: 'redirect',
      spec: rfc(8707, '2.1'),
      moreSpecs: [
        mcp(
          'authorization',
          'Resource Parameter Implementation',
          'resource-parameter-implementation',
        ),
        rfc(6749, '4.1.1'),
        rfc(7636, '4.3'),
      ],
      explanation:
        'The authorization request carries what every code flow carries (client_id, redirect_uri, the S256 challenge, state) plus resource: the MCP server’s canonical URL, the resource of its metadata. That is the RFC 8707 resource indicator: it tells the authorization server which single server the token is for. The scope is the one the 401 asked for. Sign in as alice (password alice-password) and allow; with a metadata document the consent page says which host published it and where the browser goes back to.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const resource = need(ctx.data.rs, 'The resource metadata').resource
        const scope = ctx.data.challengeScope ?? (ctx.data.rs?.scopes_supported ?? []).join(' ')
        const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
        url.searchParams.set('response_type', 'code')
        url.searchParams.set('client_id', need(ctx.data.clientId, 'The client_id'))
        url.searchParams.set('redirect_uri', need(ctx.data.redirectUri, 'The redirect URI'))
        if (scope !== '') url.searchParams.set('scope', scope)
        url.searchParams.set('state', need(ctx.data.state, 'The state'))
        url.searchParams.set('code_challenge', need(ctx.data.codeChallenge, 'The code challenge'))
        url.searchParams.set('code_challenge_method', 'S256')
        url.searchParams.set('resource', resource)
        return {
          status: 'ok',
          summary:
            'The authorization request names the MCP server as its resource. The browser now leaves this page.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'Authorization request', value: url.href, format: 'url' }],
          save: { scope },
          destination: {
            url: url.href,
            how: 'navigate',
            label: 'Continue to the authorization server',
            hint: 'Sign in there as alice with the password alice-password, choose Allow, and the server sends the browser back here.',
          },
        }
      },
    },
    {
      id: 'callback',
      label: 'redirect back: code, state, iss',
      title: 'Check the authorization response',
      from: 'as',
      to: 'agent',
      kind: 'redirect',
      spec: rfc(6749, '4.1.2'),
      moreSpecs: [rfc(9207, '2')],
      explanation:
        'The server sends the browser back with a one-time code, the state and iss. oauth4webapi checks that state is the one the agent stored and iss is the issuer it chose from the MCP server’s metadata.',
      async run(ctx) {
        if (!ctx.returnUrl) return notBackYet(ctx)
        const returned = new URL(ctx.returnUrl)
        const params = oauth.validateAuthResponse(
          need(ctx.data.as, 'The server metadata'),
          clientOf(ctx.data),
          returned,
          need(ctx.data.state, 'The state'),
        )
        return {
          status: 'ok',
          summary: 'The response carries a code, and its state and iss are the expected ones.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Address the browser came back to', value: returned.href, format: 'url' },
            { label: 'code', value: params.get('code') ?? '' },
          ],
        }
      },
    },
    {
      id: 'token',
      label: 'POST /token (resource=/mcp)',
      title: 'Exchange the code for a token for the MCP server',
      from: 'agent',
      to: 'as',
      kind: 'request',
      spec: rfc(8707, '2.2'),
      moreSpecs: [rfc(6749, '4.1.3'), rfc(7636, '4.5'), rfc(9068, '2.2')],
      explanation:
        'The agent redeems the code with its verifier, and sends resource again, as MCP requires in the token request too. The server issues an access token whose aud (audience) is exactly the MCP server’s URL. The agent treats the token as opaque: here it is decoded only to show that audience. A public client gets a rotating refresh token.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const client = clientOf(ctx.data)
        const resource = need(ctx.data.rs, 'The resource metadata').resource
        // The branded parameters cannot be saved across the redirect: validate the address again.
        const params = oauth.validateAuthResponse(
          as,
          client,
          new URL(need(ctx.returnUrl, 'The authorization response')),
          need(ctx.data.state, 'The state'),
        )
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.None(),
          params,
          need(ctx.data.redirectUri, 'The redirect URI'),
          need(ctx.data.codeVerifier, 'The code verifier'),
          { ...oauthOptions(ctx), additionalParameters: { resource } },
        )
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
        const aud = decodeJwt(tokens.access_token)?.claims.aud
        if (aud !== resource) {
          return {
            status: 'error',
            message: `The access token is for ${JSON.stringify(aud)}, not for the MCP server alone (${resource}).`,
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `A token for the MCP server alone: its aud is ${resource}.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'aud of the access token',
              value: String(aud),
              note: 'Exactly the resource the agent named: the token is pinned to the MCP server.',
              spec: rfc(8707, '2.2'),
            },
            { label: 'scope granted', value: tokens.scope ?? '(as requested)' },
          ],
          tokens: [
            {
              label: 'Access token',
              value: tokens.access_token,
              signature: 'not-checked',
              subject: 'user',
              signatureNote:
                'The agent does not validate it: the MCP server does, and checks its aud. (This server issues JWT access tokens, RFC 9068.)',
            },
            ...(tokens.refresh_token ? [opaqueRefreshToken(tokens.refresh_token)] : []),
          ],
          save: { accessToken: tokens.access_token, refreshToken: tokens.refresh_token },
        }
      },
    },
    {
      id: 'initialize',
      label: 'POST /mcp initialize, tools/list (Bearer)',
      title: 'Open the MCP session and list the tools',
      from: 'agent',
      to: 'mcp',
      kind: 'request',
      spec: mcp('lifecycle', 'Initialization', 'initialization'),
      moreSpecs: [
        mcp('authorization', 'Token Requirements', 'token-requirements'),
        mcp('transports', 'Protocol Version Header', 'protocol-version-header'),
        rfc(6750, '2.1'),
      ],
      explanation:
        'Now the first request again, with the token in the Authorization header (never in the URL). The server validates it, its audience included, and answers initialize with the protocol version and its capabilities. The agent confirms with notifications/initialized (202, no body), sends MCP-Protocol-Version from then on, and asks for tools/list. The token goes with every request: MCP keeps no login of its own.',
      async run(ctx) {
        const initialized = await rpcResult(
          ctx,
          await mcpRequest(ctx, ctx.data, {
            id: 1,
            method: 'initialize',
            params: {
              protocolVersion,
              capabilities: {},
              clientInfo: { name: 'grantlab-demo-agent', version: '1.0.0' },
            },
          }),
        )
        if ('status' in initialized) return initialized
        const negotiatedVersion = String(initialized.result.protocolVersion)
        const data = { ...ctx.data, negotiatedVersion }
        const notified = await mcpRequest(ctx, data, { method: 'notifications/initialized' })
        if (notified.status !== 202) {
          return {
            status: 'error',
            message: `The server answered the initialized notification with ${notified.status}, not 202.`,
            exchanges: ctx.exchanges(),
          }
        }
        const listed = await rpcResult(
          ctx,
          await mcpRequest(ctx, data, { id: 2, method: 'tools/list' }),
        )
        if ('status' in listed) return listed
        const tools = (listed.result.tools ?? []) as { name: string; description: string }[]
        return {
          status: 'ok',
          summary: `The MCP server accepted the token and offers ${tools.length} tools.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'protocolVersion', value: negotiatedVersion },
            {
              label: 'serverInfo',
              value: JSON.stringify(initialized.result.serverInfo),
              format: 'json',
            },
            ...tools.map((tool) => ({ label: `Tool ${tool.name}`, value: tool.description })),
          ],
          save: { negotiatedVersion },
        }
      },
    },
    {
      id: 'tools-call',
      label: 'POST /mcp tools/call list_orders (Bearer)',
      title: 'Call a tool for the user: list_orders',
      from: 'agent',
      to: 'mcp',
      kind: 'request',
      spec: mcp('tools', 'Calling Tools', 'calling-tools'),
      moreSpecs: [
        mcp('authorization', 'Scope Challenge Handling', 'scope-challenge-handling'),
        rfc(6750, '3.1'),
      ],
      explanation:
        'The agent calls list_orders, which needs orders:read: the scope it asked for. The tool runs for the user the token speaks for, alice, and answers with text for the model and the same data as structured content. A tool that needs a scope the token lacks (place_order needs orders:write) would be refused with 403 insufficient_scope naming that scope, and the agent would ask the user again for it (step-up).',
      async run(ctx) {
        const called = await rpcResult(
          ctx,
          await mcpRequest(ctx, ctx.data, {
            id: 3,
            method: 'tools/call',
            params: { name: 'list_orders', arguments: {} },
          }),
        )
        if ('status' in called) return called
        const content = (called.result.content ?? []) as { type: string; text?: string }[]
        return {
          status: 'ok',
          summary: 'The tool ran for alice and answered.',
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'Text for the model',
              value: content.map((item) => item.text ?? '').join('\n'),
            },
            {
              label: 'structuredContent',
              value: JSON.stringify(called.result.structuredContent ?? null),
              format: 'json',
            },
          ],
        }
      },
    },
    {
      id: 'audience',
      label: 'GET /api/orders (same token) → 401',
      title: 'Present the same token to the demo API: audience pinning',
      from: 'agent',
      to: 'api',
      kind: 'request',
      spec: rfc(8707, '2'),
      moreSpecs: [
        rfc(9068, '4'),
        mcp(
          'authorization',
          'Access Token Privilege Restriction',
          'access-token-privilege-restriction',
        ),
      ],
      explanation:
        'Here we play a malicious or careless MCP server that received the agent’s token and tries it at another API of the same authorization server. The demo API checks aud, finds the MCP server’s URL instead of its own, and refuses with 401 invalid_token. That is why MCP servers must check the audience and must never pass a token they received on: a token pinned with resource is worthless anywhere but where it was meant to go.',
      async run(ctx) {
        const token = need(ctx.data.accessToken, 'The access token')
        try {
          const response = await oauth.protectedResourceRequest(
            token,
            'GET',
            new URL('/api/orders', ctx.appOrigin),
            undefined,
            undefined,
            oauthOptions(ctx),
          )
          return {
            status: 'error',
            message: `The demo API accepted a token made for the MCP server (HTTP ${response.status}): it does not check the audience.`,
            exchanges: ctx.exchanges(),
          }
        } catch (error) {
          if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error
          const challenge = error.cause.find((item) => item.scheme === 'bearer')
          return {
            status: 'ok',
            summary: `The demo API refused the token with ${error.status} ${challenge?.parameters.error ?? ''}: it was made for the MCP server.`,
            exchanges: ctx.exchanges(),
            values: [
              { label: 'error', value: challenge?.parameters.error ?? '(none)' },
              { label: 'error_description', value: challenge?.parameters.error_description ?? '' },
              {
                label: 'resource_metadata',
                value: challenge?.parameters.resource_metadata ?? '(none)',
                note: 'The API points to its own metadata: a token for it needs resource set to its URL.',
              },
            ],
          }
        }
      },
    },
  ],
})
