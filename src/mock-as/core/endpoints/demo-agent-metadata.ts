import type { ServerContext } from '../context'
import { demoRedirectUri } from '../demo-data'
import { type CoreRequest, type CoreResponse, PlainResponse } from '../request-response'

export const demoAgentMetadataPath = '/demo-agent/client-metadata.json'

/** The demo agent's client_id: the URL of its metadata document on this server's origin. */
export function demoAgentClientId(ctx: ServerContext): string {
  return `${ctx.origin}${demoAgentMetadataPath}`
}

/**
 * `GET /demo-agent/client-metadata.json`: the Client ID Metadata Document of the demo AI agent
 * the MCP walkthrough plays. It belongs to the client, not to the authorization server: a real
 * agent hosts it on its own https origin. This demo has no origin of its own for the agent, so the
 * server's host serves it beside the server (the service worker for the app's origin, Node for its
 * loopback origin), and the server reads it like any other document (docs/decisions/124).
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1
 */
export async function handleDemoAgentMetadata(
  _request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const document = {
    client_id: demoAgentClientId(ctx),
    client_name: 'Grantlab demo agent',
    client_uri: ctx.deps.appOrigin,
    redirect_uris: [demoRedirectUri(ctx.deps.appOrigin, 'mcp-agent')],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'orders:read orders:write',
  }
  return new PlainResponse(`${JSON.stringify(document, null, 2)}\n`, {
    headers: {
      'Content-Type': 'application/json',
      // The server keeps it at most this long (draft section 4.4).
      'Cache-Control': 'max-age=300',
    },
  })
}
