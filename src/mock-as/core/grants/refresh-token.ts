import { OAuthError } from '../errors'
import { splitSpaceList } from '../http'
import { hasWeakness } from '../lab-clients'
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
 * A public client's refresh token bound to a DPoP key (RFC 9449 §5) is refused without a proof
 * made with that key, before the replay check: a thief without the key can neither use the token
 * nor, by presenting a used one, revoke the real client's tokens.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export const refreshTokenGrant: GrantDefinition = {
  grantType: 'refresh_token',
  allowsPublicClients: true,
  resourceIndicators: true,
  async handle({ ctx, client, params, resources, dpop }) {
    const token = params.get('refresh_token')
    if (!token) throw new OAuthError('invalid_request', 'refresh_token is required.')
    return ctx.withLock(`refresh:${token}`, async () => {
      const record = await ctx.deps.store.get<RefreshTokenRecord>(refreshTokensKind, token)
      if (!record) throw new OAuthError('invalid_grant', 'The refresh token is unknown.')
      if (record.clientId !== client.client_id) {
        throw new OAuthError('invalid_grant', 'The refresh token was issued to another client.')
      }
      if (record.jkt !== undefined && dpop?.jkt !== record.jkt) {
        throw new OAuthError(
          'invalid_grant',
          dpop === undefined
            ? 'The refresh token is bound to a DPoP key: send a DPoP proof made with that key.'
            : 'The DPoP proof was made with another key than the one the refresh token is bound to.',
        )
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
      // WEAKENED, for the attack lab's grantlab-no-rotation only (docs/decisions/126): the same
      // refresh token comes back and stays valid, so a stolen copy works as long as the original.
      if (hasWeakness(client, 'no-refresh-rotation')) {
        const tokens = await issueUserTokens(ctx, {
          client,
          grant,
          scope: requested.join(' '),
          ...(aud === undefined ? {} : { aud }),
          withRefreshToken: false,
        })
        return { ...tokens, refresh_token: token }
      }
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
        ...(dpop ? { jkt: dpop.jkt } : {}),
      })
    })
  },
}
