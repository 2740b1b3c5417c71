/**
 * An authorization request that passed validation and waits for the user (login, consent). It is
 * kept in the store under a random id that the login and consent forms carry in a hidden field,
 * so it survives the service worker being stopped between two pages. The id is unguessable, so it
 * also protects those forms against cross-site request forgery.
 */
export interface PendingAuthorization {
  id: string
  clientId: string
  redirectUri: string
  /** Whether redirect_uri was in the request; if so the token request must repeat it (RFC 6749 §4.1.3). */
  redirectUriSent: boolean
  /** The normalised response_type key of the response-type table, e.g. `code`. */
  responseType: string
  scopes: string[]
  state?: string
  nonce?: string
  codeChallenge?: string
  codeChallengeMethod?: 'S256'
  prompt: string[]
  maxAge?: number
  createdAt: number
  expiresAt: number
  /** The login session created by a login on behalf of this very request (for prompt=login). */
  loginSessionId?: string
}

export const pendingKind = 'pending-authorizations'

/** What the user approved; the response type turns it into the redirect's parameters. */
export interface ApprovedAuthorization {
  pending: PendingAuthorization
  sub: string
  authTime: number
}
