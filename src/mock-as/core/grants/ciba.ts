import {
  type CibaRequestRecord,
  cibaGrantType,
  cibaRequestsKind,
  cibaTimes,
} from '../ciba-requests'
import { OAuthError } from '../errors'
import { createGrant, revokeGrant } from '../tokens'
import type { GrantDefinition } from './grant-types'
import { issueUserTokens } from './issue-tokens'

/** What one poll found, decided in the same atomic step that records the poll. */
type PollOutcome =
  | { kind: 'unknown' | 'other-client' | 'expired' | 'slow_down' | 'denied' | 'pending' }
  | { kind: 'racing-redeemed' }
  | { kind: 'replayed'; grantId?: string }
  | { kind: 'redeem'; record: CibaRequestRecord }

/**
 * The CIBA grant in poll mode: the client polls the token endpoint with its `auth_req_id` until
 * the user has decided on the authentication device. The same rules as the device grant
 * (docs/decisions/050, 071, 112), in this order:
 * 1. unknown `auth_req_id`, or one of another client → `invalid_grant` (CIBA Core §11);
 * 2. already redeemed: a poll sooner than the interval after the redeeming poll lost a race with
 *    it → `slow_down`, nothing revoked; a later one is a replay → `invalid_grant`, and the tokens
 *    it issued are revoked (the `auth_req_id` leaked);
 * 3. past its `expires_in` → `expired_token`;
 * 4. sooner than the interval after the previous poll → `slow_down`, and the interval grows by
 *    5 seconds for this and every later poll;
 * 5. denied → `access_denied`; not decided yet → `authorization_pending`;
 * 6. approved → tokens (§10.1.1), and the `auth_req_id` is spent.
 * Every poll, refused or not, is the previous poll of the next one. The check and the write of
 * the polling fields are one atomic store update under the request's lock, so of many polls of an
 * approved request exactly one gets tokens, and a poll never writes a stale copy over the user's
 * decision. Public clients cannot use the grant: CIBA Core §7.1 requires client authentication.
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.10.1
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.11
 */
export const cibaGrant: GrantDefinition = {
  grantType: cibaGrantType,
  allowsPublicClients: false,
  async handle({ ctx, client, params, dpop }) {
    if (client.backchannel_token_delivery_mode !== 'poll') {
      throw new OAuthError(
        'unauthorized_client',
        'Only clients registered with backchannel_token_delivery_mode poll may poll for CIBA tokens.',
      )
    }
    const authReqId = params.get('auth_req_id')
    if (!authReqId) throw new OAuthError('invalid_request', 'auth_req_id is required.')
    return ctx.withLock(`ciba:${authReqId}`, async () => {
      const now = ctx.deps.clock.now()
      const nowSeconds = ctx.nowSeconds()
      // Assigned inside the update callback, which TypeScript does not follow: widen by hand.
      let outcome = { kind: 'unknown' } as PollOutcome
      let interval: number = cibaTimes.initialInterval
      await ctx.deps.store.update<CibaRequestRecord>(cibaRequestsKind, authReqId, (record) => {
        if (!record) return undefined
        if (record.clientId !== client.client_id) {
          outcome = { kind: 'other-client' }
          return undefined
        }
        const previous = record.lastPolledAt
        const tooSoon = previous !== undefined && now - previous < record.interval * 1000
        if (record.status === 'redeemed') {
          outcome = tooSoon
            ? { kind: 'racing-redeemed' }
            : { kind: 'replayed', ...(record.grantId ? { grantId: record.grantId } : {}) }
          interval = record.interval
          return undefined
        }
        if (record.expiresAt <= nowSeconds) {
          outcome = { kind: 'expired' }
          return undefined
        }
        if (tooSoon) {
          interval = record.interval + cibaTimes.slowDownStep
          outcome = { kind: 'slow_down' }
          return { put: { ...record, lastPolledAt: now, interval } }
        }
        if (record.status === 'denied') {
          outcome = { kind: 'denied' }
          return { put: { ...record, lastPolledAt: now } }
        }
        if (record.status === 'pending') {
          outcome = { kind: 'pending' }
          return { put: { ...record, lastPolledAt: now } }
        }
        // Approved: this poll claims it. A redeemed request is kept as long as the tokens it
        // issued may live, so that a replay can still revoke them.
        outcome = { kind: 'redeem', record }
        return {
          put: { ...record, lastPolledAt: now, status: 'redeemed' },
          options: {
            expiresAt: nowSeconds + ctx.lifetimes.refreshToken,
            indexes: { sub: record.sub, handle: record.handle },
          },
        }
      })
      switch (outcome.kind) {
        case 'unknown':
          throw new OAuthError('invalid_grant', 'The auth_req_id is unknown.')
        case 'other-client':
          throw new OAuthError('invalid_grant', 'The auth_req_id was issued to another client.')
        case 'racing-redeemed':
          throw new OAuthError(
            'slow_down',
            `Polled too soon: this auth_req_id was redeemed by a poll a moment ago. Wait at least ${interval} seconds between polls.`,
          )
        case 'replayed':
          if (outcome.grantId) await revokeGrant(ctx, outcome.grantId)
          throw new OAuthError(
            'invalid_grant',
            'The auth_req_id was already redeemed; the tokens issued with it are now revoked.',
          )
        case 'expired':
          throw new OAuthError(
            'expired_token',
            'The request expired before the user approved it. Start a new backchannel authentication request.',
          )
        case 'slow_down':
          throw new OAuthError(
            'slow_down',
            `Polled too soon: wait at least ${interval} seconds between polls from now on.`,
          )
        case 'denied':
          throw new OAuthError('access_denied', 'The user denied the request.')
        case 'pending':
          throw new OAuthError(
            'authorization_pending',
            'The user has not answered on their authentication device yet. Poll again later.',
          )
      }
      const { record } = outcome
      const scope = record.scopes.join(' ')
      const grant = await createGrant(ctx, {
        clientId: client.client_id,
        sub: record.sub,
        scope,
        ...(record.authTime === undefined ? {} : { authTime: record.authTime }),
      })
      await ctx.deps.store.update<CibaRequestRecord>(cibaRequestsKind, authReqId, (current) =>
        current ? { put: { ...current, grantId: grant.id } } : undefined,
      )
      return issueUserTokens(ctx, {
        client,
        grant,
        scope,
        withRefreshToken: true,
        // RFC 9449 §5: bound to the proof's key when the poll carried one.
        ...(dpop ? { jkt: dpop.jkt } : {}),
      })
    })
  },
}
