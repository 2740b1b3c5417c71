import { type AuthorizationCodeRecord, codesKind } from '../authorization-codes'
import { OAuthError } from '../errors'
import { hasWeakness } from '../lab-clients'
import { codeVerifierPattern, verifyS256 } from '../pkce'
import { audienceFor, parseResourceValues } from '../resource-indicators'
import { createGrant, revokeGrant } from '../tokens'
import type { GrantDefinition } from './grant-types'
import { issueUserTokens } from './issue-tokens'

/**
 * Redeems an authorization code.
 * - Single use: a second redemption fails and revokes every token the first one issued.
 * - Bound to the client and to the redirect_uri of the authorization request.
 * - PKCE: a stored challenge needs a matching verifier; a verifier without a stored challenge is
 *   a downgrade attempt and fails too.
 * - A code bound to a DPoP key (`dpop_jkt`, RFC 9449 §10) needs a proof made with that key; a
 *   refusal leaves the code unspent, since only the key's holder can redeem it anyway.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.8.2
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-10
 */
export const authorizationCodeGrant: GrantDefinition = {
  grantType: 'authorization_code',
  allowsPublicClients: true,
  resourceIndicators: true,
  async handle({ ctx, client, params, resources, dpop }) {
    const code = params.get('code')
    if (!code) throw new OAuthError('invalid_request', 'code is required.')
    return ctx.withLock(`code:${code}`, async () => {
      const record = await ctx.deps.store.get<AuthorizationCodeRecord>(codesKind, code)
      if (!record) throw new OAuthError('invalid_grant', 'The authorization code is unknown.')
      if (record.clientId !== client.client_id) {
        throw new OAuthError('invalid_grant', 'The code was issued to another client.')
      }
      if (record.usedAt !== undefined) {
        if (record.grantId) await revokeGrant(ctx, record.grantId)
        throw new OAuthError(
          'invalid_grant',
          'The code was already used; the tokens issued with it are now revoked.',
        )
      }
      if (record.expiresAt <= ctx.nowSeconds()) {
        throw new OAuthError('invalid_grant', 'The authorization code expired.')
      }
      const redirectUri = params.get('redirect_uri')
      if (redirectUri === undefined ? record.redirectUriSent : redirectUri !== record.redirectUri) {
        throw new OAuthError(
          'invalid_grant',
          'redirect_uri must be identical to the one of the authorization request.',
        )
      }
      const verifier = params.get('code_verifier')
      if (record.codeChallenge === undefined) {
        // WEAKENED, for the attack lab's grantlab-lax-pkce only (docs/decisions/126): the verifier
        // of a code issued without a challenge is ignored, which lets a PKCE downgrade through.
        if (verifier !== undefined && !hasWeakness(client, 'verifier-without-challenge')) {
          throw new OAuthError(
            'invalid_grant',
            'code_verifier was sent but the authorization request had no code_challenge.',
          )
        }
      } else {
        if (verifier === undefined) {
          throw new OAuthError('invalid_grant', 'code_verifier is required for this code.')
        }
        if (!codeVerifierPattern.test(verifier)) {
          throw new OAuthError(
            'invalid_grant',
            'code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~',
          )
        }
        if (!(await verifyS256(verifier, record.codeChallenge))) {
          throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge.')
        }
      }
      if (record.dpopJkt !== undefined && dpop?.jkt !== record.dpopJkt) {
        throw new OAuthError(
          'invalid_grant',
          dpop === undefined
            ? 'The code is bound to a DPoP key (dpop_jkt): send a DPoP proof made with that key.'
            : 'The DPoP proof was made with another key than the one the code is bound to (dpop_jkt).',
        )
      }
      // RFC 8707 §2.2: the token may be for some of the resources the request named, not others.
      const aud = audienceFor(ctx, record.resources, parseResourceValues(ctx, resources))
      const grant = await createGrant(ctx, {
        clientId: client.client_id,
        sub: record.sub,
        scope: record.scope,
        authTime: record.authTime,
        ...(record.sid === undefined ? {} : { sid: record.sid }),
        ...(record.resources === undefined ? {} : { resources: record.resources }),
      })
      // A used code is kept as long as the tokens it issued may live, so that a second
      // redemption can still revoke them.
      await ctx.deps.store.put(
        codesKind,
        code,
        { ...record, usedAt: ctx.nowSeconds(), grantId: grant.id },
        { expiresAt: ctx.nowSeconds() + ctx.lifetimes.refreshToken },
      )
      return issueUserTokens(ctx, {
        client,
        grant,
        scope: record.scope,
        ...(record.nonce === undefined ? {} : { nonce: record.nonce }),
        ...(aud === undefined ? {} : { aud }),
        withRefreshToken: true,
        ...(dpop ? { jkt: dpop.jkt } : {}),
      })
    })
  },
}
