import * as oauth from 'oauth4webapi'
import { type ClientMetadata, normalizeMetadata } from './client-metadata.ts'

/**
 * Live registration at the mock server, over HTTP like any client would: OpenID discovery
 * for `registration_endpoint`, then an RFC 7591 §3.1 request. The raw response is kept for
 * display, and compared with what was sent.
 *
 * @see [RFC 7591 §3](https://www.rfc-editor.org/rfc/rfc7591#section-3)
 */
export type FieldComparison = {
  field: string
  outcome: 'kept' | 'changed' | 'added' | 'dropped'
  sent?: unknown
  received?: unknown
}

export type RegistrationOutcome =
  | {
      kind: 'registered'
      httpStatus: number
      raw: string
      response: Record<string, unknown>
      comparison: FieldComparison[]
    }
  | { kind: 'refused'; httpStatus: number; raw: string; error: string; description?: string }
  | { kind: 'failed'; message: string; httpStatus?: number; raw?: string }

/** Fields only a server issues (RFC 7591 §3.2.1): reported as added, never as changes. */
const issuedFields = new Set([
  'client_id',
  'client_secret',
  'client_id_issued_at',
  'client_secret_expires_at',
  'registration_access_token',
  'registration_client_uri',
])

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

export function compareRegistration(
  sent: Record<string, unknown>,
  received: Record<string, unknown>,
): FieldComparison[] {
  const out: FieldComparison[] = []
  for (const [field, value] of Object.entries(sent)) {
    if (!(field in received)) out.push({ field, outcome: 'dropped', sent: value })
    else if (same(value, received[field])) {
      out.push({ field, outcome: 'kept', sent: value, received: received[field] })
    } else out.push({ field, outcome: 'changed', sent: value, received: received[field] })
  }
  for (const [field, value] of Object.entries(received)) {
    if (!(field in sent) && !issuedFields.has(field)) {
      out.push({ field, outcome: 'added', received: value })
    }
  }
  return out
}

/** What is sent: the metadata without anything the server issues itself. */
export function registrationBody(metadata: ClientMetadata): Record<string, unknown> {
  const { client_id: _id, client_secret: _secret, ...rest } = normalizeMetadata(metadata)
  return rest
}

export async function registerClient(
  metadata: ClientMetadata,
  origin: string,
): Promise<RegistrationOutcome> {
  const issuer = new URL(`${origin}/as`)
  const capture: { last?: { status: number; raw: string } } = {}
  const http = {
    [oauth.allowInsecureRequests]: true,
    [oauth.customFetch]: async (url: string, init: RequestInit) => {
      const response = await fetch(url, init)
      capture.last = { status: response.status, raw: await response.clone().text() }
      return response
    },
  }
  let as: oauth.AuthorizationServer
  try {
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...http }),
    )
  } catch (error) {
    return {
      kind: 'failed',
      message: `The mock server's discovery document could not be read (${error instanceof Error ? error.message : String(error)}). Is the mock server running?`,
    }
  }
  if (!as.registration_endpoint) {
    return {
      kind: 'failed',
      message:
        'The mock server does not advertise a registration_endpoint in its discovery document.',
    }
  }
  const body = registrationBody(metadata)
  capture.last = undefined
  const last = () => capture.last
  try {
    const response = await oauth.dynamicClientRegistrationRequest(
      as,
      body as Partial<oauth.Client>,
      http,
    )
    const registered = await oauth.processDynamicClientRegistrationResponse(response)
    return {
      kind: 'registered',
      httpStatus: response.status,
      raw: last()?.raw ?? JSON.stringify(registered),
      response: registered as Record<string, unknown>,
      comparison: compareRegistration(body, registered as Record<string, unknown>),
    }
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) {
      return {
        kind: 'refused',
        httpStatus: error.status,
        raw: last()?.raw ?? JSON.stringify(error.cause),
        error: error.error,
        ...(error.error_description ? { description: error.error_description } : {}),
      }
    }
    return {
      kind: 'failed',
      message: error instanceof Error ? error.message : String(error),
      ...(last() ? { httpStatus: last()?.status, raw: last()?.raw } : {}),
    }
  }
}
