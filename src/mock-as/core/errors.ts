import { PlainResponse } from './request-response'

/**
 * Every error the server can answer with, in one table: the code as the RFCs spell it, the HTTP
 * status it gets when it is sent as JSON, and where it is defined.
 */
export const errorCodes = {
  /** @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 */
  invalid_request: { status: 400, spec: 'RFC 6749 §5.2' },
  /** 400 unless the client used the Authorization header: see `invalidClient`. */
  invalid_client: { status: 400, spec: 'RFC 6749 §5.2' },
  invalid_grant: { status: 400, spec: 'RFC 6749 §5.2' },
  unauthorized_client: { status: 400, spec: 'RFC 6749 §5.2' },
  unsupported_grant_type: { status: 400, spec: 'RFC 6749 §5.2' },
  invalid_scope: { status: 400, spec: 'RFC 6749 §5.2' },
  /** @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 */
  access_denied: { status: 400, spec: 'RFC 6749 §4.1.2.1' },
  unsupported_response_type: { status: 400, spec: 'RFC 6749 §4.1.2.1' },
  server_error: { status: 500, spec: 'RFC 6749 §4.1.2.1' },
  temporarily_unavailable: { status: 503, spec: 'RFC 6749 §4.1.2.1' },
  /** @see https://openid.net/specs/openid-connect-core-1_0.html#AuthError */
  login_required: { status: 400, spec: 'OIDC Core §3.1.2.6' },
  consent_required: { status: 400, spec: 'OIDC Core §3.1.2.6' },
  interaction_required: { status: 400, spec: 'OIDC Core §3.1.2.6' },
  request_not_supported: { status: 400, spec: 'OIDC Core §3.1.2.6' },
  request_uri_not_supported: { status: 400, spec: 'OIDC Core §3.1.2.6' },
  /** @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1 */
  invalid_token: { status: 401, spec: 'RFC 6750 §3.1' },
  insufficient_scope: { status: 403, spec: 'RFC 6750 §3.1' },
  /** @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2.1 */
  unsupported_token_type: { status: 400, spec: 'RFC 7009 §2.2.1' },
  /** @see https://www.rfc-editor.org/rfc/rfc8693#section-2.2.2 */
  invalid_target: { status: 400, spec: 'RFC 8693 §2.2.2' },
  /** @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2 */
  invalid_redirect_uri: { status: 400, spec: 'RFC 7591 §3.2.2' },
  invalid_client_metadata: { status: 400, spec: 'RFC 7591 §3.2.2' },
  /** @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5 */
  authorization_pending: { status: 400, spec: 'RFC 8628 §3.5' },
  slow_down: { status: 400, spec: 'RFC 8628 §3.5' },
  expired_token: { status: 400, spec: 'RFC 8628 §3.5' },
  /** 400 at the authorization server; a protected resource answers 401 with a DPoP challenge. */
  /** @see https://www.rfc-editor.org/rfc/rfc9449#section-5 */
  invalid_dpop_proof: { status: 400, spec: 'RFC 9449 §5, §7.1' },
  /** @see https://www.rfc-editor.org/rfc/rfc9449#section-8 */
  use_dpop_nonce: { status: 400, spec: 'RFC 9449 §8, §9' },
  /** @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.13 */
  unknown_user_id: { status: 400, spec: 'CIBA Core §13' },
  invalid_binding_message: { status: 400, spec: 'CIBA Core §13' },
  /** Plain HTTP errors, in the same JSON shape so every client can read them. */
  not_found: { status: 404, spec: 'RFC 9110 §15.5.5' },
  method_not_allowed: { status: 405, spec: 'RFC 9110 §15.5.6' },
  payload_too_large: { status: 413, spec: 'RFC 9110 §15.5.14' },
} as const satisfies Record<string, { status: number; spec: string }>

export type OAuthErrorCode = keyof typeof errorCodes

/**
 * RFC 6749 §5.2 limits `error_description` to printable ASCII without `"` and `\`. Anything else
 * (line breaks, quotes, non-ASCII) becomes a plain character so the text is also safe inside a
 * quoted WWW-Authenticate parameter.
 */
export function sanitizeDescription(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, (char) => (char === '"' ? "'" : ' '))
}

export interface OAuthErrorOptions {
  status?: number
  headers?: Record<string, string>
}

export class OAuthError extends Error {
  readonly error: OAuthErrorCode
  readonly status: number
  readonly description: string
  readonly headers: Record<string, string>

  constructor(error: OAuthErrorCode, description: string, options: OAuthErrorOptions = {}) {
    super(`${error}: ${description}`)
    this.name = 'OAuthError'
    this.error = error
    this.description = sanitizeDescription(description)
    this.status = options.status ?? errorCodes[error].status
    this.headers = options.headers ?? {}
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description }
  }

  /** The error as the core answers it (RFC 6749 §5.2 JSON, no-store). */
  toPlainResponse(): PlainResponse {
    return new PlainResponse(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: {
        'Content-Type': 'application/json;charset=UTF-8',
        'Cache-Control': 'no-store',
        Pragma: 'no-cache',
        ...this.headers,
      },
    })
  }

  toResponse(): Response {
    return this.toPlainResponse().toResponse()
  }
}

export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError
}
