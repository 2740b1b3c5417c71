import { OAuthError } from '../errors'
import { splitSpaceList } from '../http'
import { audienceFor, parseResourceValues } from '../resource-indicators'
import {
  type GrantRecord,
  grantsKind,
  type RefreshTokenRecord,
  refreshTokensKind,
  revokeGrant,
} from '../tokens'
import type { GrantDefinition } from './grant-types'
import { issueUserTokens } from './issue-tokens'

/**
 * Exchanges a refresh token, with rotation: every use returns a new refresh token and marks the
 * old one used. Presenting a used one again means it leaked, so the whole family (every refresh
 * and access token of the grant, the newest included) is revoked.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
export const refreshTokenGrant: GrantDefinition = {
  grantType: 'refresh_token',
  allowsPublicClients: true,
  resourceIndicators: true,
  async handle({ ctx, client, params, resources }) {
    const token = params.get('refresh_token')
    if (!token) throw new OAuthError('invalid_request', 'refresh_token is required.')
    return ctx.withLock(`refresh:${token}`, async () => {
      const record = await ctx.deps.store.get<RefreshTokenRecord>(refreshTokensKind, token)
      if (!record) throw new OAuthError('invalid_grant', 'The refresh token is unknown.')
      if (record.clientId !== client.client_id) {
        throw new OAuthError('invalid_grant', 'The refresh token was issued to another client.')
      }
      if (record.usedAt !== undefined) {
        await revokeGrant(ctx, record.grantId)
        throw new OAuthError(
          'invalid_grant',
          'The refresh token was already used; every token of its family is now revoked.',
        )
      }
      const grant = await ctx.deps.store.get<GrantRecord>(grantsKind, record.grantId)
      if (!grant || grant.revoked) {
        throw new OAuthError('invalid_grant', 'The refresh token was revoked.')
      }
      if (record.exp <= ctx.nowSeconds()) {
        throw new OAuthError('invalid_grant', 'The refresh token expired.')
      }
      const granted = splitSpaceList(grant.scope)
      const requested = params.has('scope') ? splitSpaceList(params.get('scope')) : granted
      const beyond = requested.filter((scope) => !granted.includes(scope))
      if (beyond.length > 0 || requested.length === 0) {
        throw new OAuthError(
          'invalid_scope',
          `The refresh token does not cover: ${beyond.join(' ') || '(empty scope)'}.`,
        )
      }
      // RFC 8707 §2.2: a refresh may narrow to some of the granted resources, never widen.
      const aud = audienceFor(ctx, grant.resources, parseResourceValues(ctx, resources))
      // Kept (marked used) until it expires, so that a replay is still recognised.
      await ctx.deps.store.update<RefreshTokenRecord>(refreshTokensKind, token, (current) =>
        current ? { put: { ...current, usedAt: ctx.nowSeconds() } } : undefined,
      )
      // The new refresh token keeps the grant's full scope (RFC 6749 §6); only the access token
      // is narrowed to the requested scope.
      return issueUserTokens(ctx, {
        client,
        grant,
        scope: requested.join(' '),
        ...(aud === undefined ? {} : { aud }),
        withRefreshToken: true,
      })
    })
  },
}
