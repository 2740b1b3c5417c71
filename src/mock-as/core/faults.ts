import { bearerChallenge } from './bearer'
import { invalidClient } from './client-authentication'
import { errorCodes, OAuthError, type OAuthErrorCode } from './errors'
import type { CoreRequest } from './request-response'

/**
 * Errors a test asked the server to answer with (the Node API's `injectError`), so a team can see
 * how its client copes with `temporarily_unavailable`, `invalid_grant`, `slow_down`… without
 * having to provoke them. Kept by the host in memory: it is a test's instruction to one running
 * server, not authorization state, and it is gone with the process. `take` counts one down.
 */
export interface Faults {
  take(endpoint: string): InjectedFault | undefined
}

export interface InjectedFault {
  error: OAuthErrorCode
  description?: string
}

/**
 * The codes an authorization endpoint may send back to the client's redirect URI (RFC 6749
 * §4.1.2.1, OIDC Core §3.1.2.6). Every other code exists only as a JSON answer.
 */
export const authorizationErrorCodes: readonly OAuthErrorCode[] = [
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'login_required',
  'consent_required',
  'interaction_required',
]

/** Codes that are not OAuth errors but plain HTTP ones: nothing a test needs to inject. */
const httpOnlyCodes: readonly OAuthErrorCode[] = [
  'not_found',
  'method_not_allowed',
  'payload_too_large',
]

/** The codes `injectError` accepts for a JSON endpoint. */
export const injectableErrorCodes = (Object.keys(errorCodes) as OAuthErrorCode[]).filter(
  (code) => !httpOnlyCodes.includes(code),
)

/** A queue of injected errors per endpoint name, counted down as they are answered. */
export function createFaults(): Faults & {
  inject(endpoint: string, fault: InjectedFault, count: number): void
  clear(): void
} {
  const queues = new Map<string, { fault: InjectedFault; left: number }[]>()
  return {
    inject(endpoint, fault, count) {
      const queue = queues.get(endpoint) ?? []
      queue.push({ fault: { ...fault }, left: count })
      queues.set(endpoint, queue)
    },
    take(endpoint) {
      const queue = queues.get(endpoint)
      const head = queue?.[0]
      if (!queue || !head) return undefined
      head.left -= 1
      if (head.left <= 0) queue.shift()
      if (queue.length === 0) queues.delete(endpoint)
      return head.fault
    },
    clear() {
      queues.clear()
    },
  }
}

const realm = 'grantlab-mock-as'

/**
 * The injected error as the endpoint would send it: its RFC status, and the challenge headers
 * that come with it (`invalid_client` after an Authorization header: 401 with Basic, RFC 6749
 * §5.2; `invalid_token` and `insufficient_scope`: the Bearer challenge, RFC 6750 §3;
 * `temporarily_unavailable`: 503 with `Retry-After`, RFC 9110 §10.2.3).
 */
export function injectedError(
  fault: InjectedFault,
  request: CoreRequest,
  resource?: { realm: string; resourceMetadata: string },
): OAuthError {
  const description =
    fault.description ?? `An error injected by the test (injectError): ${fault.error}.`
  switch (fault.error) {
    case 'invalid_client':
      return invalidClient(description, request)
    case 'invalid_token':
    case 'insufficient_scope':
      // At a protected resource, its own realm and its RFC 9728 §5.1 metadata URL, as its real
      // challenges carry them.
      return new OAuthError(fault.error, description, {
        headers: {
          'WWW-Authenticate': bearerChallenge(
            resource?.realm ?? realm,
            { code: fault.error, description },
            resource ? { resourceMetadata: resource.resourceMetadata } : {},
          ),
        },
      })
    case 'temporarily_unavailable':
      return new OAuthError(fault.error, description, { headers: { 'Retry-After': '1' } })
    default:
      return new OAuthError(fault.error, description)
  }
}
