import type { ServerContext } from './context'

/**
 * The protected resources this authorization server issues access tokens for, one line each: the
 * demo API under `/api` and the demo MCP server at `/mcp`. Each is named by its resource
 * identifier, the server's origin plus its path (RFC 9728 §1.2): that URL is what a client sends
 * as `resource` (RFC 8707 §2), what a token for it carries as `aud`, and the `resource` of its
 * RFC 9728 metadata, published at `/.well-known/oauth-protected-resource/<path>` (RFC 9728 §3.1).
 * docs/decisions/120.
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export interface ProtectedResource {
  id: 'api' | 'mcp'
  /** Below the server's origin; also the suffix of the metadata's well-known path. */
  path: string
  /** `resource_name` (RFC 9728 §2). */
  name: string
  /** The realm of its `WWW-Authenticate: Bearer` challenges (RFC 6750 §3). */
  realm: string
  /** `scopes_supported` (RFC 9728 §2): the scopes its requests need. */
  scopesSupported: string[]
  /**
   * The scope a client without a token should ask for first: the `scope` of its 401 challenge
   * (the MCP authorization specification, "Protected Resource Metadata Discovery Requirements").
   */
  firstScope?: string
}

export const protectedResources: readonly ProtectedResource[] = [
  {
    id: 'api',
    path: '/api',
    name: 'Grantlab demo API',
    realm: 'grantlab-api',
    scopesSupported: ['profile', 'orders:read', 'orders:write'],
  },
  {
    id: 'mcp',
    path: '/mcp',
    name: 'Grantlab demo MCP server',
    realm: 'grantlab-mcp',
    scopesSupported: ['orders:read', 'orders:write'],
    firstScope: 'orders:read',
  },
]

/** The path prefix of every protected resource metadata document (RFC 9728 §3). */
export const protectedResourceWellKnown = '/.well-known/oauth-protected-resource'

export function protectedResource(id: ProtectedResource['id']): ProtectedResource {
  const found = protectedResources.find((resource) => resource.id === id)
  if (!found) throw new Error(`unknown protected resource ${id}`)
  return found
}

/** The resource identifier: e.g. `http://127.0.0.1:4173/mcp`. */
export function resourceIdentifier(ctx: ServerContext, resource: ProtectedResource): string {
  return `${ctx.origin}${resource.path}`
}

/**
 * Where its metadata lives: the well-known path inserted between the host and the resource's
 * path, as RFC 9728 §3.1 builds it from the identifier.
 */
export function resourceMetadataUrl(ctx: ServerContext, resource: ProtectedResource): string {
  return `${ctx.origin}${protectedResourceWellKnown}${resource.path}`
}

/** Every resource identifier this server knows, in table order (RFC 9728 §4 `protected_resources`). */
export function resourceIdentifiers(ctx: ServerContext): string[] {
  return protectedResources.map((resource) => resourceIdentifier(ctx, resource))
}

/**
 * What `requireAccessToken` needs to act for one resource: its audience, and what its challenges
 * point to (RFC 9728 §5.1).
 */
export interface BearerTarget {
  audience: string
  resourceMetadata: string
  firstScope?: string
}

export function bearerTarget(ctx: ServerContext, resource: ProtectedResource): BearerTarget {
  return {
    audience: resourceIdentifier(ctx, resource),
    resourceMetadata: resourceMetadataUrl(ctx, resource),
    ...(resource.firstScope === undefined ? {} : { firstScope: resource.firstScope }),
  }
}
