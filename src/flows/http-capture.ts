/**
 * Records every HTTP exchange a step makes, so the walkthrough can show the raw request and
 * response. Nothing is redacted here, so the run in progress shows everything; the saved copy of a
 * finished or hour-old run is redacted (run-secrets.ts, docs/decisions/081).
 */
import * as oauth from 'oauth4webapi'
import { type HttpExchange, recordRequest, recordResponse } from '../mock-as/traffic.ts'

/** How requests really leave: `fetch` in the browser, the server core's `handle` in tests. */
export type Transport = (request: Request) => Promise<Response>

export interface HttpCapture {
  fetch(url: string, init?: RequestInit): Promise<Response>
  exchanges(): HttpExchange[]
}

export function createHttpCapture(transport: Transport, now: () => number = Date.now): HttpCapture {
  const exchanges: HttpExchange[] = []
  return {
    async fetch(url, init) {
      const request = new Request(url, init)
      const startedAt = now()
      const requestRecord = await recordRequest(request)
      const response = await transport(request)
      // oauth4webapi refuses a response whose body was read, so we read a clone.
      const responseRecord = await recordResponse(response)
      exchanges.push({
        id: crypto.randomUUID(),
        startedAt,
        durationMs: Math.max(0, now() - startedAt),
        request: requestRecord,
        response: responseRecord,
      })
      return response
    },
    exchanges: () => [...exchanges],
  }
}

/** Something with a recording fetch, e.g. a step's context. */
export interface HasFetch {
  fetch(url: string, init?: RequestInit): Promise<Response>
}

/**
 * The options every oauth4webapi call in a flow gets: requests go through the recording fetch,
 * and plain http is allowed because the app (and its mock server) runs on http://localhost or
 * http://127.0.0.1. Never do this against a real server.
 */
export function oauthOptions(ctx: HasFetch) {
  return {
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
      ctx.fetch(url, init as RequestInit),
    [oauth.allowInsecureRequests]: true,
  } as const
}
