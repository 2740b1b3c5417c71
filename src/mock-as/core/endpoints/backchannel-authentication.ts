import { resolveCibaUser } from '../ciba-hints'
import {
  type CibaRequestRecord,
  cibaGrantType,
  cibaRequestsKind,
  cibaTimes,
  maxPendingPerClientAndUser,
  saveCibaRequest,
} from '../ciba-requests'
import { authenticateClient, basicRealm } from '../client-authentication'
import { type ClientRecord, clientScopes } from '../clients'
import type { ServerContext } from '../context'
import { OAuthError } from '../errors'
import { jsonResponse, readForm, splitSpaceList } from '../http'
import type { CoreRequest, CoreResponse } from '../request-response'

/** Where clients start a CIBA request: `{issuer}/bc-authorize`. */
export function backchannelAuthenticationUri(ctx: ServerContext): string {
  return `${ctx.issuer}/bc-authorize`
}

/** Where the user approves: the authentication device's page, `{issuer}/ciba`. */
export function authenticationDeviceUri(ctx: ServerContext): string {
  return `${ctx.issuer}/ciba`
}

/**
 * What a `binding_message` may hold (docs/decisions/110): 1 to 32 characters, ASCII letters and
 * digits, single spaces between words, and `- . , : #`. It is shown on the user's phone next to
 * the client's name, so it must be short enough to compare at a glance, and it cannot carry a link
 * (no `/`), markup or look-alike letters from other scripts.
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.7.1
 */
export const bindingMessagePattern = /^[A-Za-z0-9.,:#-]+( [A-Za-z0-9.,:#-]+)*$/
export const maxBindingMessageLength = 32

function checkBindingMessage(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (value.length > maxBindingMessageLength || !bindingMessagePattern.test(value)) {
    throw new OAuthError(
      'invalid_binding_message',
      `binding_message must be 1 to ${maxBindingMessageLength} characters: letters A-Z and a-z, digits, single spaces between words, and - . , : # only.`,
    )
  }
  return value
}

/**
 * `requested_expiry`: a positive integer (CIBA Core §7.1). The server may honour it; this one uses
 * it up to {@link cibaTimes.maxLifetime} and cuts anything longer to that.
 */
function lifetimeFor(value: string | undefined): number {
  if (value === undefined) return cibaTimes.defaultLifetime
  if (!/^[1-9][0-9]{0,9}$/.test(value)) {
    throw new OAuthError(
      'invalid_request',
      'requested_expiry must be a positive whole number of seconds.',
    )
  }
  return Math.min(Number(value), cibaTimes.maxLifetime)
}

/** The scopes asked for: `openid` required, each one registered for the client (CIBA Core §7.1). */
function checkScopes(client: ClientRecord, value: string | undefined): string[] {
  if (value === undefined) {
    throw new OAuthError('invalid_request', 'scope is required, and must include openid.')
  }
  const requested = [...new Set(splitSpaceList(value))]
  if (!requested.includes('openid')) {
    throw new OAuthError(
      'invalid_request',
      'scope must include openid: CIBA is an OpenID Connect flow (CIBA Core section 7.1).',
    )
  }
  const allowed = clientScopes(client)
  const refused = requested.filter((scope) => !allowed.includes(scope))
  if (refused.length > 0) {
    throw new OAuthError('invalid_scope', `Unknown or not allowed scope: ${refused.join(' ')}.`)
  }
  return requested
}

/** CIBA Core §13 answers `invalid_client` with 401; RFC 9110 §15.5.2 wants a challenge with it. */
async function authenticate(ctx: ServerContext, request: CoreRequest, params: Map<string, string>) {
  try {
    return await authenticateClient(ctx, request, params)
  } catch (error) {
    if (error instanceof OAuthError && error.error === 'invalid_client' && error.status !== 401) {
      throw new OAuthError('invalid_client', error.description, {
        status: 401,
        headers: { 'WWW-Authenticate': basicRealm },
      })
    }
    throw error
  }
}

/**
 * `POST /as/bc-authorize`: the client asks the server to get a user's approval on that user's
 * own device (CIBA Core §7). Checks, in order:
 * 1. the form body, and client authentication with the method the client registered: a
 *    confidential client only (a public one cannot register for the grant);
 * 2. the client is registered for the CIBA grant in poll mode (`unauthorized_client`);
 * 3. no signed request object (`request`) and no `user_code`: this server advertises neither;
 * 4. `scope` with `openid`, each scope registered for the client;
 * 5. exactly one hint, naming a user (`invalid_request`, `unknown_user_id`; `ciba-hints.ts`);
 * 6. `binding_message` and `requested_expiry` within their limits;
 * 7. no more than {@link maxPendingPerClientAndUser} requests of this client waiting for this user
 *    (`access_denied`, 403).
 * Then it stores the request for the authentication device's page and answers 200 with
 * `auth_req_id`, `expires_in` and `interval` (§7.3). `acr_values` is accepted and not used; a
 * `client_notification_token` means nothing in poll mode and is ignored.
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.7.1
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.7.3
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.13
 */
export async function handleBackchannelAuthentication(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const params = await readForm(request)
  const { client } = await authenticate(ctx, request, params)
  if (!client.grant_types.includes(cibaGrantType)) {
    throw new OAuthError(
      'unauthorized_client',
      `This client is not registered for the CIBA grant (${cibaGrantType}).`,
    )
  }
  if (client.backchannel_token_delivery_mode !== 'poll') {
    throw new OAuthError(
      'unauthorized_client',
      'This client is not registered with backchannel_token_delivery_mode poll, the only mode this server supports.',
    )
  }
  if (params.has('request')) {
    throw new OAuthError(
      'invalid_request',
      'Signed authentication requests (request) are not supported: this server lists no backchannel_authentication_request_signing_alg_values_supported. Send the parameters in the form.',
    )
  }
  if (params.has('user_code')) {
    throw new OAuthError(
      'invalid_request',
      'user_code is not supported here (backchannel_user_code_parameter_supported is false).',
    )
  }
  const scopes = checkScopes(client, params.get('scope'))
  const sub = await resolveCibaUser(ctx, client, params)
  const bindingMessage = checkBindingMessage(params.get('binding_message'))
  const lifetime = lifetimeFor(params.get('requested_expiry'))

  return ctx.withLock(`ciba-user:${client.client_id} ${sub}`, async () => {
    const now = ctx.nowSeconds()
    const waiting = (
      await ctx.deps.store.listBy<CibaRequestRecord>(cibaRequestsKind, 'sub', sub)
    ).filter(
      (record) =>
        record.clientId === client.client_id &&
        record.status === 'pending' &&
        record.expiresAt > now,
    )
    if (waiting.length >= maxPendingPerClientAndUser) {
      throw new OAuthError(
        'access_denied',
        `This client already has ${maxPendingPerClientAndUser} requests waiting for this user; wait until the user answers them or they expire.`,
        { status: 403 },
      )
    }
    const record: CibaRequestRecord = {
      // 256 random bits in base64url, within the characters CIBA Core §7.3 allows.
      authReqId: ctx.randomId(32),
      handle: ctx.randomId(16),
      clientId: client.client_id,
      sub,
      scopes,
      ...(bindingMessage === undefined ? {} : { bindingMessage }),
      createdAt: now,
      expiresAt: now + lifetime,
      interval: cibaTimes.initialInterval,
      status: 'pending',
    }
    await saveCibaRequest(ctx, record)
    return jsonResponse({
      auth_req_id: record.authReqId,
      expires_in: lifetime,
      interval: record.interval,
    })
  })
}
