import type { ServerContext } from './context'
import {
  handleAuthenticationDeviceDecision,
  handleAuthenticationDeviceLogin,
  handleAuthenticationDevicePage,
} from './endpoints/authentication-device'
import { handleAuthorize, handleConsent, handleLogin } from './endpoints/authorize'
import { handleBackchannelAuthentication } from './endpoints/backchannel-authentication'
import { demoAgentMetadataPath, handleDemoAgentMetadata } from './endpoints/demo-agent-metadata'
import { handleDeviceAuthorization } from './endpoints/device-authorization'
import {
  handleDeviceCode,
  handleDeviceConsent,
  handleDeviceLogin,
  handleDevicePage,
} from './endpoints/device-verification'
import { handleDiscovery } from './endpoints/discovery'
import { handleEndSession, handleLogoutConfirm } from './endpoints/end-session'
import { handleIntrospect } from './endpoints/introspect'
import { handleJwks } from './endpoints/jwks'
import { handleMcp } from './endpoints/mcp-server'
import { handlePushedAuthorizationRequest } from './endpoints/par'
import { resourceMetadataHandler } from './endpoints/protected-resource-metadata'
import { handleRegister } from './endpoints/register'
import { handleCreateOrder, handleListOrders, handleProfile } from './endpoints/resource-server'
import { handleRevoke } from './endpoints/revoke'
import { handleToken } from './endpoints/token'
import { handleUserinfo } from './endpoints/userinfo'
import { handleStylesheet } from './html'
import type { CoreRequest, CoreResponse } from './request-response'

export type Handler = (request: CoreRequest, ctx: ServerContext) => Promise<CoreResponse>

export type HttpMethod = 'GET' | 'POST'

/**
 * Where a route's path is rooted: below the issuer (`/as/token`), at the RFC 8414 well-known
 * location built from the issuer (`/.well-known/oauth-authorization-server/as`), or at the origin
 * (the demo resource servers under `/api` and `/mcp`, and their RFC 9728 metadata).
 */
export type RouteBase = 'issuer' | 'well-known-oauth' | 'origin'

export interface RouteDefinition {
  base: RouteBase
  path: string
  handlers: Partial<Record<HttpMethod, Handler>>
  /** Its GET answers are HTML pages for a browser tab, so its errors are pages too. */
  page?: true
  /**
   * A browser client on another origin calls it with `fetch`: it answers CORS preflights and
   * carries CORS headers when the host allows that origin (`cors.ts`, docs/decisions/116).
   */
  cors?: true
  /** Request headers a client sends here beyond Authorization, DPoP and Content-Type. */
  corsRequestHeaders?: readonly string[]
}

/** The routes table: one line per endpoint. */
export const routeTable: readonly RouteDefinition[] = [
  {
    base: 'issuer',
    path: '/.well-known/openid-configuration',
    handlers: { GET: handleDiscovery },
    cors: true,
  },
  { base: 'well-known-oauth', path: '', handlers: { GET: handleDiscovery }, cors: true },
  { base: 'issuer', path: '/jwks', handlers: { GET: handleJwks }, cors: true },
  { base: 'issuer', path: '/authorize', handlers: { GET: handleAuthorize }, page: true },
  { base: 'issuer', path: '/authorize/login', handlers: { POST: handleLogin } },
  { base: 'issuer', path: '/authorize/consent', handlers: { POST: handleConsent } },
  { base: 'issuer', path: '/token', handlers: { POST: handleToken }, cors: true },
  {
    base: 'issuer',
    path: '/par',
    handlers: { POST: handlePushedAuthorizationRequest },
    cors: true,
  },
  {
    base: 'issuer',
    path: '/device_authorization',
    handlers: { POST: handleDeviceAuthorization },
    cors: true,
  },
  {
    base: 'issuer',
    path: '/device',
    handlers: { GET: handleDevicePage, POST: handleDeviceCode },
    page: true,
  },
  { base: 'issuer', path: '/device/login', handlers: { POST: handleDeviceLogin } },
  { base: 'issuer', path: '/device/consent', handlers: { POST: handleDeviceConsent } },
  { base: 'issuer', path: '/bc-authorize', handlers: { POST: handleBackchannelAuthentication } },
  {
    base: 'issuer',
    path: '/ciba',
    handlers: { GET: handleAuthenticationDevicePage },
    page: true,
  },
  { base: 'issuer', path: '/ciba/login', handlers: { POST: handleAuthenticationDeviceLogin } },
  {
    base: 'issuer',
    path: '/ciba/decision',
    handlers: { POST: handleAuthenticationDeviceDecision },
  },
  {
    base: 'issuer',
    path: '/userinfo',
    handlers: { GET: handleUserinfo, POST: handleUserinfo },
    cors: true,
  },
  { base: 'issuer', path: '/revoke', handlers: { POST: handleRevoke }, cors: true },
  { base: 'issuer', path: '/introspect', handlers: { POST: handleIntrospect }, cors: true },
  { base: 'issuer', path: '/register', handlers: { POST: handleRegister }, cors: true },
  {
    base: 'issuer',
    path: '/logout',
    handlers: { GET: handleEndSession, POST: handleEndSession },
    page: true,
  },
  { base: 'issuer', path: '/logout/confirm', handlers: { POST: handleLogoutConfirm } },
  { base: 'issuer', path: '/assets/style.css', handlers: { GET: handleStylesheet } },
  { base: 'origin', path: '/api/profile', handlers: { GET: handleProfile }, cors: true },
  {
    base: 'origin',
    path: '/api/orders',
    handlers: { GET: handleListOrders, POST: handleCreateOrder },
    cors: true,
  },
  // RFC 9728 §3.1: each protected resource's metadata, and the demo MCP server (decision 120).
  {
    base: 'origin',
    path: '/.well-known/oauth-protected-resource/api',
    handlers: { GET: resourceMetadataHandler('api') },
    cors: true,
  },
  {
    base: 'origin',
    path: '/.well-known/oauth-protected-resource/mcp',
    handlers: { GET: resourceMetadataHandler('mcp') },
    cors: true,
  },
  {
    base: 'origin',
    path: '/mcp',
    handlers: { POST: handleMcp },
    cors: true,
    corsRequestHeaders: ['MCP-Protocol-Version'],
  },
  // The demo agent's Client ID Metadata Document, hosted beside the server (decision 124).
  { base: 'origin', path: demoAgentMetadataPath, handlers: { GET: handleDemoAgentMetadata } },
]

/**
 * A route's name for the Node API's `injectError`: its path below the issuer (`token`,
 * `authorize`, `.well-known/openid-configuration`), `oauth-authorization-server` for the RFC 8414
 * document, and its path below the origin for the demo API (`api/orders`).
 */
export function routeName(route: RouteDefinition): string {
  if (route.base === 'well-known-oauth') return `oauth-authorization-server${route.path}`
  return route.path.replace(/^\//, '')
}

/**
 * The endpoints whose answers a test may replace with an error: every CORS route (what a client
 * program calls) and the authorization endpoint. Not the sign-in and consent pages' forms.
 */
export function isInjectable(route: RouteDefinition): boolean {
  return route.cors === true || (route.base === 'issuer' && route.path === '/authorize')
}

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
