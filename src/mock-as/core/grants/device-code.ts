import {
  type DeviceCodeRecord,
  deviceCodesKind,
  deviceFlowTimes,
  deviceGrantType,
  saveDeviceCode,
} from '../device-codes'
import { OAuthError } from '../errors'
import { createGrant, revokeGrant } from '../tokens'
import type { GrantDefinition } from './grant-types'
import { issueUserTokens } from './issue-tokens'

/**
 * The device polls the token endpoint with its device code until the user has decided.
 * Checks, in this order (the order Keycloak uses):
 * 1. unknown code, or a code of another client → `invalid_grant`;
 * 2. a code already redeemed → `invalid_grant`, and what it issued is revoked (as for a reused
 *    authorization code: the code leaked);
 * 3. past its lifetime → `expired_token`;
 * 4. polled sooner than the interval after the previous poll → `slow_down`, and the interval of
 *    this device code grows by 5 seconds for this and every later poll;
 * 5. the user denied → `access_denied`; not decided yet → `authorization_pending`;
 * 6. approved → tokens, and the device code is spent.
 * Every poll, the refused ones included, counts as the previous poll for the next one.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export const deviceCodeGrant: GrantDefinition = {
  grantType: deviceGrantType,
  allowsPublicClients: true,
  async handle({ ctx, client, params }) {
    const deviceCode = params.get('device_code')
    if (!deviceCode) throw new OAuthError('invalid_request', 'device_code is required.')
    return ctx.withLock(`device:${deviceCode}`, async () => {
      const record = await ctx.deps.store.get<DeviceCodeRecord>(deviceCodesKind, deviceCode)
      if (!record) throw new OAuthError('invalid_grant', 'The device code is unknown.')
      if (record.clientId !== client.client_id) {
        throw new OAuthError('invalid_grant', 'The device code was issued to another client.')
      }
      if (record.status === 'redeemed') {
        if (record.grantId) await revokeGrant(ctx, record.grantId)
        throw new OAuthError(
          'invalid_grant',
          'The device code was already redeemed; the tokens issued with it are now revoked.',
        )
      }
      if (record.expiresAt <= ctx.nowSeconds()) {
        throw new OAuthError(
          'expired_token',
          'The device code expired before the user approved it. Start a new device authorization.',
        )
      }
      const now = ctx.deps.clock.now()
      const previous = record.lastPolledAt
      const polled: DeviceCodeRecord = { ...record, lastPolledAt: now }
      if (previous !== undefined && now - previous < record.interval * 1000) {
        polled.interval = record.interval + deviceFlowTimes.slowDownStep
        await saveDeviceCode(ctx, polled)
        throw new OAuthError(
          'slow_down',
          `Polled too soon: wait at least ${polled.interval} seconds between polls from now on.`,
        )
      }
      if (record.status === 'denied') {
        await saveDeviceCode(ctx, polled)
        throw new OAuthError('access_denied', 'The user denied the request.')
      }
      if (record.status === 'pending' || record.sub === undefined) {
        await saveDeviceCode(ctx, polled)
        throw new OAuthError(
          'authorization_pending',
          'The user has not finished at the verification page yet. Poll again later.',
        )
      }
      const scope = record.scopes.join(' ')
      const grant = await createGrant(ctx, {
        clientId: client.client_id,
        sub: record.sub,
        scope,
        ...(record.authTime === undefined ? {} : { authTime: record.authTime }),
      })
      await saveDeviceCode(ctx, { ...polled, status: 'redeemed', grantId: grant.id })
      return issueUserTokens(ctx, { client, grant, scope, withRefreshToken: true })
    })
  },
}
