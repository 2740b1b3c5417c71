import type { ServerContext } from '../context'
import { jsonResponse } from '../http'
import {
  type ProtectedResource,
  protectedResource,
  resourceIdentifier,
} from '../protected-resources'
import type { CoreRequest, CoreResponse } from '../request-response'

/**
 * The RFC 9728 metadata of one protected resource. `resource` is exactly the identifier the
 * well-known path was built from, which a client must check (RFC 9728 §3.3);
 * `authorization_servers` names this server's issuer, where a client finds the RFC 8414 metadata
 * (§7.6); tokens are accepted in the Authorization header only (`bearer_methods_supported`,
 * RFC 6750 §2.1).
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.2
 */
export function buildResourceMetadata(
  ctx: ServerContext,
  resource: ProtectedResource,
): Record<string, unknown> {
  return {
    resource: resourceIdentifier(ctx, resource),
    authorization_servers: [ctx.issuer],
    scopes_supported: resource.scopesSupported,
    bearer_methods_supported: ['header'],
    resource_name: resource.name,
    resource_documentation: `${ctx.deps.appOrigin}/walkthrough/mcp-agent`,
  }
}

/**
 * `GET /.well-known/oauth-protected-resource/api` and `/.well-known/oauth-protected-resource/mcp`.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function resourceMetadataHandler(id: ProtectedResource['id']) {
  return async (_request: CoreRequest, ctx: ServerContext): Promise<CoreResponse> =>
    jsonResponse(buildResourceMetadata(ctx, protectedResource(id)))
}
