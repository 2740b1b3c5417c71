/**
 * The last step of most walkthroughs: call the demo API with the access token as a bearer token
 * and show what it answered. Each flow keeps its own step text; only the run body is shared.
 * @see [RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750#section-2.1)
 */
import * as oauth from 'oauth4webapi'
import type { FlowData, StepContext, StepResult } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'

export interface ResourceServerCall {
  /** The API path on the app's origin, e.g. `/api/profile`. */
  path: string
  /** The step's summary when the API accepts the token. */
  summary: string
  method?: string
}

/**
 * Sends `accessToken` in the Authorization header (Bearer) to `path` on the app's origin. A
 * non-2xx answer is an error result carrying the body; a 2xx answer shows the body as JSON.
 */
export async function callResourceServer<D extends FlowData>(
  ctx: Pick<StepContext<D>, 'appOrigin' | 'fetch' | 'exchanges'>,
  accessToken: string,
  { path, summary, method = 'GET' }: ResourceServerCall,
): Promise<StepResult<D>> {
  const response = await oauth.protectedResourceRequest(
    accessToken,
    method,
    new URL(path, ctx.appOrigin),
    undefined,
    undefined,
    oauthOptions(ctx),
  )
  const body = await response.text()
  if (!response.ok) {
    return {
      status: 'error',
      message: `The API answered ${response.status}.`,
      detail: body,
      exchanges: ctx.exchanges(),
    }
  }
  return {
    status: 'ok',
    summary,
    exchanges: ctx.exchanges(),
    values: [{ label: `API answer from ${path}`, value: body, format: 'json' }],
  }
}
