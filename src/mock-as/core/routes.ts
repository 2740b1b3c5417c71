import type { ServerContext } from './context'
import { handleDiscovery } from './endpoints/discovery'
import { handleJwks } from './endpoints/jwks'

export type Handler = (request: Request, ctx: ServerContext) => Promise<Response>

export type HttpMethod = 'GET' | 'POST'

/**
 * Where a route's path is rooted: below the issuer (`/as/token`), at the RFC 8414 well-known
 * location built from the issuer (`/.well-known/oauth-authorization-server/as`), or at the origin
 * (the demo resource server under `/api`).
 */
export type RouteBase = 'issuer' | 'well-known-oauth' | 'origin'

export interface RouteDefinition {
  base: RouteBase
  path: string
  handlers: Partial<Record<HttpMethod, Handler>>
}

/** The routes table: one line per endpoint. */
export const routeTable: readonly RouteDefinition[] = [
  { base: 'issuer', path: '/.well-known/openid-configuration', handlers: { GET: handleDiscovery } },
  { base: 'well-known-oauth', path: '', handlers: { GET: handleDiscovery } },
  { base: 'issuer', path: '/jwks', handlers: { GET: handleJwks } },
]

export function resolveRoutePath(ctx: ServerContext, route: RouteDefinition): string {
  switch (route.base) {
    case 'issuer':
      return `${ctx.issuerPath}${route.path}`
    case 'well-known-oauth':
      return `/.well-known/oauth-authorization-server${ctx.issuerPath}${route.path}`
    case 'origin':
      return route.path
  }
}
