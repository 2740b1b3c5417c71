import { authenticateClient } from '../client-authentication'
import { clientScopes } from '../clients'
import type { ServerContext } from '../context'
import {
  type DeviceCodeRecord,
  deviceFlowTimes,
  deviceGrantType,
  formatUserCode,
  generateUserCode,
  saveDeviceCode,
  userCodesKind,
} from '../device-codes'
import { OAuthError } from '../errors'
import { jsonResponse, readForm, splitSpaceList } from '../http'
import type { CoreRequest, CoreResponse } from '../request-response'

/** Where the user goes to enter the code: the verification page of this server. */
export function verificationUri(ctx: ServerContext): string {
  return `${ctx.issuer}/device`
}

/**
 * `POST /as/device_authorization`: the device asks for a device code and a user code.
 * - The client authenticates as it would at the token endpoint; a public client sends its
 *   `client_id` (with Basic, oauth4webapi also repeats `client_id` in the body: that is one method).
 * - The client must be registered for the device grant (`unauthorized_client` otherwise).
 * - `scope` is optional; without it the client gets the scopes it registered (RFC 6749 §3.3).
 * - `interval` is a JSON number, as clients such as oauth4webapi require.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
export async function handleDeviceAuthorization(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const params = await readForm(request)
  const { client } = await authenticateClient(ctx, request, params)
  if (!client.grant_types.includes(deviceGrantType)) {
    throw new OAuthError(
      'unauthorized_client',
      'This client is not registered for the device authorization grant.',
    )
  }
  const allowed = clientScopes(client)
  const requested = params.has('scope')
    ? [...new Set(splitSpaceList(params.get('scope')))]
    : allowed
  const refused = requested.filter((scope) => !allowed.includes(scope))
  if (refused.length > 0) {
    throw new OAuthError('invalid_scope', `Unknown or not allowed scope: ${refused.join(' ')}.`)
  }
  if (requested.length === 0) throw new OAuthError('invalid_scope', 'scope is empty.')

  let userCode = generateUserCode(ctx)
  // A collision with a live code is unlikely (2^34 codes) but would mix up two devices.
  while ((await ctx.deps.store.get<string>(userCodesKind, userCode)) !== undefined) {
    userCode = generateUserCode(ctx)
  }
  const now = ctx.nowSeconds()
  const record: DeviceCodeRecord = {
    deviceCode: ctx.randomId(32),
    userCode,
    clientId: client.client_id,
    scopes: requested,
    createdAt: now,
    expiresAt: now + deviceFlowTimes.codeLifetime,
    interval: deviceFlowTimes.initialInterval,
    status: 'pending',
  }
  await saveDeviceCode(ctx, record)
  await ctx.deps.store.put(userCodesKind, userCode, record.deviceCode, {
    expiresAt: record.expiresAt,
  })

  const shown = formatUserCode(userCode)
  const complete = new URL(verificationUri(ctx))
  complete.searchParams.set('user_code', shown)
  return jsonResponse({
    device_code: record.deviceCode,
    user_code: shown,
    verification_uri: verificationUri(ctx),
    verification_uri_complete: complete.href,
    expires_in: deviceFlowTimes.codeLifetime,
    interval: record.interval,
  })
}
