import {
  type DeviceCodeRecord,
  deviceCodesKind,
  deviceFlowTimes,
  deviceGrantType,
} from '../device-codes'
import { OAuthError } from '../errors'
import { createGrant, revokeGrant } from '../tokens'
import type { GrantDefinition } from './grant-types'
import { issueUserTokens } from './issue-tokens'

/** What one poll found, decided in the same atomic step that records the poll. */
type PollOutcome =
  | { kind: 'unknown' | 'other-client' | 'expired' | 'slow_down' | 'denied' | 'pending' }
  | { kind: 'racing-redeemed' }
  | { kind: 'replayed'; grantId?: string }
  | { kind: 'redeem'; record: DeviceCodeRecord }

/**
 * The device polls the token endpoint with its device code until the user has decided.
 * Checks, in this order (the order Keycloak uses):
 * 1. unknown code, or a code of another client → `invalid_grant`;
 * 2. a code already redeemed: a poll sooner than the interval after the redeeming poll lost a race
 *    with it (the device sent several at once) → `slow_down`, and nothing is revoked; a later one
 *    is a replay → `invalid_grant`, and what the code issued is revoked (as for a reused
 *    authorization code: the code leaked);
 * 3. past its lifetime → `expired_token`;
 * 4. polled sooner than the interval after the previous poll → `slow_down`, and the interval of
 *    this device code grows by 5 seconds for this and every later poll;
 * 5. the user denied → `access_denied`; not decided yet → `authorization_pending`;
 * 6. approved → tokens, and the device code is spent.
 * Every poll, the refused ones included, counts as the previous poll for the next one. The check
 * and the write of the polling fields are one atomic store update, which changes only
 * `lastPolledAt` and `interval` (or claims the code), so a poll never writes back a stale copy
 * over the user's approval. Polls of one code also run one at a time (its lock).
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export const deviceCodeGrant: GrantDefinition = {
  grantType: deviceGrantType,
  allowsPublicClients: true,
  async handle({ ctx, client, params, dpop }) {
    const deviceCode = params.get('device_code')
    if (!deviceCode) throw new OAuthError('invalid_request', 'device_code is required.')
    return ctx.withLock(`device:${deviceCode}`, async () => {
      const now = ctx.deps.clock.now()
      const nowSeconds = ctx.nowSeconds()
      // Assigned inside the update callback, which TypeScript does not follow: widen by hand.
      let outcome = { kind: 'unknown' } as PollOutcome
      let interval: number = deviceFlowTimes.initialInterval
      await ctx.deps.store.update<DeviceCodeRecord>(deviceCodesKind, deviceCode, (record) => {
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
          interval = record.interval + deviceFlowTimes.slowDownStep
          outcome = { kind: 'slow_down' }
          return { put: { ...record, lastPolledAt: now, interval } }
        }
        if (record.status === 'denied') {
          outcome = { kind: 'denied' }
          return { put: { ...record, lastPolledAt: now } }
        }
        if (record.status === 'pending' || record.sub === undefined) {
          outcome = { kind: 'pending' }
          return { put: { ...record, lastPolledAt: now } }
        }
        // Approved: this poll claims the code. A redeemed code is kept as long as the tokens it
        // issued may live, so that a replay can still revoke them.
        outcome = { kind: 'redeem', record }
        return {
          put: { ...record, lastPolledAt: now, status: 'redeemed' },
          options: { expiresAt: nowSeconds + ctx.lifetimes.refreshToken },
        }
      })
      switch (outcome.kind) {
        case 'unknown':
          throw new OAuthError('invalid_grant', 'The device code is unknown.')
        case 'other-client':
          throw new OAuthError('invalid_grant', 'The device code was issued to another client.')
        case 'racing-redeemed':
          throw new OAuthError(
            'slow_down',
            `Polled too soon: this device code was redeemed by a poll a moment ago. Wait at least ${interval} seconds between polls.`,
          )
        case 'replayed':
          if (outcome.grantId) await revokeGrant(ctx, outcome.grantId)
          throw new OAuthError(
            'invalid_grant',
            'The device code was already redeemed; the tokens issued with it are now revoked.',
          )
        case 'expired':
          throw new OAuthError(
            'expired_token',
            'The device code expired before the user approved it. Start a new device authorization.',
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
            'The user has not finished at the verification page yet. Poll again later.',
          )
      }
      const { record } = outcome
      const scope = record.scopes.join(' ')
      const grant = await createGrant(ctx, {
        clientId: client.client_id,
        sub: record.sub as string,
        scope,
        ...(record.authTime === undefined ? {} : { authTime: record.authTime }),
        ...(record.sid === undefined ? {} : { sid: record.sid }),
      })
      await ctx.deps.store.update<DeviceCodeRecord>(deviceCodesKind, deviceCode, (current) =>
        current ? { put: { ...current, grantId: grant.id } } : undefined,
      )
      return issueUserTokens(ctx, {
        client,
        grant,
        scope,
        withRefreshToken: true,
        ...(dpop ? { jkt: dpop.jkt } : {}),
      })
    })
  },
}
