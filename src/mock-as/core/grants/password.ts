import { clientScopes } from '../clients'
import type { ServerContext } from '../context'
import { findUserByUsername } from '../demo-data'
import { OAuthError } from '../errors'
import { splitSpaceList, timingSafeEqual } from '../http'
import { createGrant } from '../tokens'
import type { GrantDefinition } from './grant-types'
import { issueUserTokens } from './issue-tokens'

export const passwordAttemptsKind = 'password-attempts'

/** Failed attempts per username before the grant refuses that username for a while. */
export const passwordAttemptLimit = 5
/** How long a username stays locked after too many failures, in seconds. */
export const passwordLockSeconds = 5 * 60

/** Failed password-grant attempts for one username, kept in the store. */
export interface PasswordAttempts {
  failures: number
  /** While set and in the future, every attempt for this username fails. */
  lockedUntil?: number
}

async function recordFailure(ctx: ServerContext, username: string): Promise<void> {
  const previous = await ctx.deps.store.get<PasswordAttempts>(passwordAttemptsKind, username)
  const failures = (previous?.failures ?? 0) + 1
  const next: PasswordAttempts =
    failures >= passwordAttemptLimit
      ? { failures: 0, lockedUntil: ctx.nowSeconds() + passwordLockSeconds }
      : { failures }
  await ctx.deps.store.put(passwordAttemptsKind, username, next)
}

/**
 * The resource owner password credentials grant: the client collects the user's username and
 * password itself and posts them here. Deprecated: RFC 9700 §2.4 says it MUST NOT be used, so
 * only demo clients marked legacy may. RFC 6749 §4.3.2 requires protection against guessing:
 * after {@link passwordAttemptLimit} failures a username is locked for
 * {@link passwordLockSeconds} seconds, even for the right password. Bad credentials and a lock
 * are both `invalid_grant`. No refresh token unless the client is registered for refresh_token.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.4
 */
export const passwordGrant: GrantDefinition = {
  grantType: 'password',
  allowsPublicClients: true,
  legacyOnly: {
    spec: 'RFC 9700 section 2.4',
    reason:
      'the resource owner password credentials grant MUST NOT be used; use the authorization code grant with PKCE',
  },
  async handle({ ctx, client, params }) {
    const username = params.get('username')
    const password = params.get('password')
    if (!username || password === undefined) {
      throw new OAuthError('invalid_request', 'username and password are required.')
    }
    const allowed = clientScopes(client)
    const requested = params.has('scope') ? splitSpaceList(params.get('scope')) : allowed
    const refused = requested.filter((scope) => !allowed.includes(scope))
    if (requested.length === 0 || refused.length > 0) {
      throw new OAuthError(
        'invalid_scope',
        `Unknown or not allowed scope: ${refused.join(' ') || '(none requested)'}.`,
      )
    }
    return ctx.withLock(`password:${username}`, async () => {
      const attempts = await ctx.deps.store.get<PasswordAttempts>(passwordAttemptsKind, username)
      const now = ctx.nowSeconds()
      if (attempts?.lockedUntil !== undefined && attempts.lockedUntil > now) {
        throw new OAuthError(
          'invalid_grant',
          `Too many failed attempts for this username: try again in ${attempts.lockedUntil - now} s.`,
        )
      }
      const user = findUserByUsername(username)
      if (!user || !timingSafeEqual(password, user.password)) {
        await recordFailure(ctx, username)
        throw new OAuthError('invalid_grant', 'The username or password is wrong.')
      }
      if (attempts) await ctx.deps.store.delete(passwordAttemptsKind, username)
      const scope = requested.join(' ')
      const grant = await createGrant(ctx, {
        clientId: client.client_id,
        sub: user.sub,
        scope,
        authTime: now,
      })
      return issueUserTokens(ctx, { client, grant, scope, withRefreshToken: true })
    })
  },
}
