import type { ApprovedAuthorization } from './authorization-request'
import type { ServerContext } from './context'

export const codesKind = 'authorization-codes'

/**
 * An authorization code and everything bound to it. It is kept after use so that a second
 * redemption is recognised and can revoke what the first one issued (RFC 6749 §4.1.2).
 */
export interface AuthorizationCodeRecord {
  code: string
  clientId: string
  redirectUri: string
  redirectUriSent: boolean
  sub: string
  scope: string
  authTime: number
  /** The login session the code was issued in (the `sid` of its ID tokens). */
  sid?: string
  nonce?: string
  codeChallenge?: string
  codeChallengeMethod?: 'S256'
  /** The DPoP key the code is bound to: only a proof made with it may redeem it (RFC 9449 §10). */
  dpopJkt?: string
  /** The resources the authorization request named (RFC 8707 §2.1). */
  resources?: string[]
  expiresAt: number
  usedAt?: number
  /** The grant created when the code was redeemed. */
  grantId?: string
}

/** @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2 */
export async function createAuthorizationCode(
  ctx: ServerContext,
  approved: ApprovedAuthorization,
): Promise<AuthorizationCodeRecord> {
  const { pending } = approved
  const record: AuthorizationCodeRecord = {
    code: ctx.randomId(32),
    clientId: pending.clientId,
    redirectUri: pending.redirectUri,
    redirectUriSent: pending.redirectUriSent,
    sub: approved.sub,
    scope: pending.scopes.join(' '),
    authTime: approved.authTime,
    ...(approved.sid === undefined ? {} : { sid: approved.sid }),
    ...(pending.nonce === undefined ? {} : { nonce: pending.nonce }),
    ...(pending.codeChallenge === undefined
      ? {}
      : { codeChallenge: pending.codeChallenge, codeChallengeMethod: pending.codeChallengeMethod }),
    ...(pending.dpopJkt === undefined ? {} : { dpopJkt: pending.dpopJkt }),
    ...(pending.resources === undefined ? {} : { resources: pending.resources }),
    expiresAt: ctx.nowSeconds() + ctx.lifetimes.authorizationCode,
  }
  await ctx.deps.store.put(codesKind, record.code, record, { expiresAt: record.expiresAt })
  return record
}
