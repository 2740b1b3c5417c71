import { cibaGrantType } from './ciba-requests'
import type { TokenEndpointAuthMethod } from './clients'
import { OAuthError } from './errors'

/** Error descriptions are ASCII only (RFC 6749 §5.2), hence "section" for §. */
const spec = 'CIBA Core section 4'

function invalidMetadata(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', description)
}

/** What a registration keeps of the CIBA client metadata. */
export interface CibaRegistration {
  backchannel_token_delivery_mode?: 'poll'
  /** Echoed in the registration response, as registered. */
  extra: { backchannel_user_code_parameter?: false }
}

/**
 * The CIBA client metadata (CIBA Core §4) and what it asks of the rest of the registration
 * (docs/decisions/110):
 * - a client with the CIBA grant must name its `backchannel_token_delivery_mode`, and it must be
 *   `poll`: `ping` and `push` are refused by name, since this server implements neither (its
 *   metadata lists `backchannel_token_delivery_modes_supported: ["poll"]`);
 * - a delivery mode without the grant is refused: it would mean nothing;
 * - the client must be confidential (CIBA Core §7.1: it authenticates at the backchannel
 *   authentication endpoint) and have `openid` among its scopes (§7.1: every request asks for it);
 * - `backchannel_client_notification_endpoint` (ping and push only), signed authentication
 *   requests (`backchannel_authentication_request_signing_alg`) and `backchannel_user_code_parameter`
 *   true are refused: this server offers none of them.
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.4
 */
export function checkCibaRegistration(
  own: (name: string) => unknown,
  init: { grantTypes: string[]; authMethod: TokenEndpointAuthMethod; scopes: readonly string[] },
): CibaRegistration {
  const withGrant = init.grantTypes.includes(cibaGrantType)
  const mode = own('backchannel_token_delivery_mode')
  if (mode !== undefined) {
    if (mode === 'ping' || mode === 'push') {
      throw invalidMetadata(
        `backchannel_token_delivery_mode ${mode} is not supported: this server delivers CIBA tokens in poll mode only (backchannel_token_delivery_modes_supported). Register poll.`,
      )
    }
    if (mode !== 'poll') {
      throw invalidMetadata(
        `backchannel_token_delivery_mode must be poll, ping or push (${spec}); this server supports poll.`,
      )
    }
    if (!withGrant) {
      throw invalidMetadata(
        `backchannel_token_delivery_mode is set, but grant_types lacks ${cibaGrantType}: add the grant or remove the mode.`,
      )
    }
  }
  if (own('backchannel_client_notification_endpoint') !== undefined) {
    throw invalidMetadata(
      'backchannel_client_notification_endpoint is used by the ping and push modes only, which this server does not support.',
    )
  }
  if (own('backchannel_authentication_request_signing_alg') !== undefined) {
    throw invalidMetadata(
      'backchannel_authentication_request_signing_alg cannot be registered: this server does not accept signed authentication requests.',
    )
  }
  const userCode = own('backchannel_user_code_parameter')
  if (userCode !== undefined && typeof userCode !== 'boolean') {
    throw invalidMetadata('backchannel_user_code_parameter must be a boolean.')
  }
  if (userCode === true) {
    throw invalidMetadata(
      'backchannel_user_code_parameter true is not supported: this server accepts no user_code (backchannel_user_code_parameter_supported is false).',
    )
  }
  if (!withGrant) return { extra: {} }
  if (mode === undefined) {
    throw invalidMetadata(
      `The CIBA grant needs backchannel_token_delivery_mode (${spec}); this server supports poll.`,
    )
  }
  if (init.authMethod === 'none') {
    throw invalidMetadata(
      'The CIBA grant needs a confidential client: it authenticates at the backchannel authentication endpoint (CIBA Core section 7.1), so token_endpoint_auth_method cannot be none.',
    )
  }
  if (!init.scopes.includes('openid')) {
    throw invalidMetadata(
      'The CIBA grant needs openid in the client scope: every CIBA request asks for it (CIBA Core section 7.1).',
    )
  }
  return {
    backchannel_token_delivery_mode: 'poll',
    extra: userCode === false ? { backchannel_user_code_parameter: false } : {},
  }
}
