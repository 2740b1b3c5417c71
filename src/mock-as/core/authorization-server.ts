/**
 * The mock authorization server core: a pure `Request → Response` function.
 *
 * Pipeline of `handle(request)`:
 * 1. Match the URL path against the routes table (`routes.ts`): an unknown path answers 404 JSON,
 *    a known path with the wrong method 405 JSON with `Allow`.
 * 2. Run the endpoint handler (`endpoints/*.ts`). Handlers read the injected deps through a
 *    `ServerContext` (`context.ts`): the store for every record they need later, the clock, the
 *    random source and the signing keys. They keep no state in memory, because the browser may
 *    stop the service worker between two requests.
 * 3. The token endpoint authenticates the client (`client-authentication.ts`) and dispatches on
 *    `grant_type` through the grants table (`grants/grant-table.ts`); the authorization endpoint
 *    dispatches on `response_type` through the response-type table
 *    (`response-types/response-type-table.ts`). The PAR endpoint authenticates the client the same
 *    way and validates the authorization parameters as the authorization endpoint does
 *    (`authorization-request.ts`), for `/as/authorize` to pick up by `request_uri`.
 * 4. Anything wrong is thrown as an `OAuthError` (`errors.ts`) and turned into the RFC's JSON
 *    error with its status and headers here. The authorization endpoint decides itself whether an
 *    error is shown as a page or redirected back to the client.
 *    A query string longer than `maxQueryLength` is refused with 414 before anything parses it: as
 *    an error page for the pages a browser tab opens, as JSON elsewhere (docs/decisions/078).
 * 5. An unexpected exception is logged and answered with an RFC-shaped `server_error`: `handle`
 *    never throws.
 * 6. Expired records are purged through the store's expiry index, lazily at most once a minute
 *    before a request, and whenever the host calls `purgeExpired` (Node: a timer).
 * 7. With a CORS policy from the host (Node), the routes marked `cors` answer preflights and
 *    carry CORS headers for the allowed origins, errors included (`cors.ts`). With injected
 *    faults (the Node API's `injectError`), an injectable endpoint answers the next N requests
 *    with the injected error instead (`faults.ts`); the authorization endpoint redirects it.
 */

import { createContext, type ServerContext } from './context'
import { answerPreflight, withCorsHeaders } from './cors'
import type { AuthorizationServerDeps } from './deps'
import { OAuthError } from './errors'
import { injectedError } from './faults'
import { renderErrorPage } from './html'
import { maxQueryLength } from './http'
import { protectedResources, resourceMetadataUrl } from './protected-resources'
import { type CoreRequest, type CoreResponse, toFetchResponse } from './request-response'
import {
  type HttpMethod,
  isInjectable,
  type RouteDefinition,
  resolveRoutePath,
  routeName,
  routeTable,
} from './routes'

/**
 * A route with what is fixed about it worked out once: its full path and, for a route whose
 * answers a test may replace, the name its injected errors are filed under.
 */
type ResolvedRoute = RouteDefinition & { fullPath: string; faultName: string | undefined }

export interface AuthorizationServer {
  /** Answers a Fetch Request with a Fetch Response (the service worker, tests, fetch-style callers). */
  handle(request: Request): Promise<Response>
  /** The same answer for a {@link CoreRequest}, as the core built it (the Node adapter). */
  respond(request: CoreRequest): Promise<CoreResponse>
  /**
   * Removes every expired record now (codes, tokens, grants, pending requests, device codes,
   * sessions, assertion `jti`s, attempt counters): for a host's timer. `handle` also purges on its
   * own, at most once per {@link purgeIntervalSeconds}, because a service worker has no timer
   * that survives it being stopped. Resolves to how many records went.
   */
  purgeExpired(): Promise<number>
}

/** How often, at most, `handle` purges expired records on its way (docs/decisions/072). */
export const purgeIntervalSeconds = 60

/** The demo resource a route of the origin belongs to (`/api/orders`: the API), for its challenges. */
function protectedResourceOf(
  ctx: ServerContext,
  route: RouteDefinition,
): { realm: string; resourceMetadata: string } | undefined {
  if (route.base !== 'origin') return undefined
  const resource = protectedResources.find(
    ({ path }) => route.path === path || route.path.startsWith(`${path}/`),
  )
  return resource && { realm: resource.realm, resourceMetadata: resourceMetadataUrl(ctx, resource) }
}

export function createAuthorizationServer(deps: AuthorizationServerDeps): AuthorizationServer {
  const ctx = createContext(deps)
  const routes: ResolvedRoute[] = routeTable.map((route) => ({
    ...route,
    fullPath: resolveRoutePath(ctx, route),
    // The authorization endpoint takes its injected error itself, to redirect it (authorize.ts).
    faultName:
      isInjectable(route) && routeName(route) !== 'authorize' ? routeName(route) : undefined,
  }))

  // One lookup per request; the first route of a path wins, as in the table.
  const routesByPath = new Map<string, ResolvedRoute>()
  for (const route of routes)
    if (!routesByPath.has(route.fullPath)) routesByPath.set(route.fullPath, route)

  async function dispatch(
    request: CoreRequest,
    url: URL,
    route: ResolvedRoute | undefined,
  ): Promise<CoreResponse> {
    const path = url.pathname
    if (!route) throw new OAuthError('not_found', `Nothing is served at ${path}.`)
    if (deps.cors && route.cors && request.method.toUpperCase() === 'OPTIONS') {
      return answerPreflight(
        deps.cors,
        request,
        Object.keys(route.handlers),
        route.corsRequestHeaders,
      )
    }
    if (url.search.length > maxQueryLength) {
      /** @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.15 */
      const description = `The query string is longer than ${maxQueryLength} characters. Send a long authorization request to the PAR endpoint (RFC 9126) instead.`
      if (route.page && request.method.toUpperCase() === 'GET') {
        return renderErrorPage(ctx, { error: 'invalid_request', description, status: 414 })
      }
      throw new OAuthError('invalid_request', description, { status: 414 })
    }
    const handler = route.handlers[request.method.toUpperCase() as HttpMethod]
    if (!handler) {
      const allowed = Object.keys(route.handlers).join(', ')
      throw new OAuthError('method_not_allowed', `Use ${allowed} for ${path}.`, {
        headers: { Allow: allowed },
      })
    }
    const fault = route.faultName === undefined ? undefined : deps.faults?.take(route.faultName)
    if (fault) throw injectedError(fault, request, protectedResourceOf(ctx, route))
    return handler(request, ctx)
  }

  /** CORS headers on every answer of a CORS route, when the host set a policy. */
  function finish(request: CoreRequest, route: ResolvedRoute | undefined, response: CoreResponse) {
    const preflight = request.method.toUpperCase() === 'OPTIONS'
    return deps.cors && route?.cors && !preflight
      ? withCorsHeaders(deps.cors, request, response)
      : response
  }

  let nextPurgeAt = Number.NEGATIVE_INFINITY
  async function purgeExpired(): Promise<number> {
    const now = ctx.nowSeconds()
    nextPurgeAt = now + purgeIntervalSeconds
    return deps.store.purgeExpired(now)
  }

  async function respond(request: CoreRequest): Promise<CoreResponse> {
    let route: ResolvedRoute | undefined
    try {
      const url = request.parsedUrl ?? new URL(request.url)
      route = routesByPath.get(url.pathname)
      // Lazily: the first request after the interval purges, through the store's expiry index
      // (it reads only the records that are due). A failed purge must not fail the request.
      if (ctx.nowSeconds() >= nextPurgeAt) {
        await purgeExpired().catch((error: unknown) => {
          console.error('mock authorization server: purge failed', error)
        })
      }
      return finish(request, route, await dispatch(request, url, route))
    } catch (error) {
      if (error instanceof OAuthError) return finish(request, route, error.toPlainResponse())
      console.error('mock authorization server: unexpected error', error)
      const failure = new OAuthError('server_error', 'The server hit an unexpected error.')
      return finish(request, route, failure.toPlainResponse())
    }
  }

  return {
    purgeExpired,
    respond,
    async handle(request: Request): Promise<Response> {
      return toFetchResponse(await respond(request))
    },
  }
}
