import { OAuthError } from './errors'
import { grantTable } from './grants/grant-table'
import { findResponseType, responseTypeTable } from './response-types/response-type-table'

/** Error descriptions are ASCII only (RFC 6749 §5.2), hence "section" for §. */
const registrationSpec = 'OpenID Connect Registration section 2'

function invalidMetadata(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', description)
}

/** Every grant type a client can register: the token endpoint's, and implicit (no endpoint of its own). */
export function registrableGrantTypes(): string[] {
  return [
    ...new Set([
      ...grantTable.map((entry) => entry.grantType),
      ...responseTypeTable.flatMap((entry) => entry.requiredGrantTypes),
    ]),
  ]
}

/**
 * Checks that `grant_types` and `response_types` (normalised, words sorted) fit together, in the
 * order a learner would fix them:
 * 1. Every name is known; the deprecated ones are refused: the password grant (RFC 9700 §2.4)
 *    and response_type `token`, the implicit flow itself (§2.1.2).
 * 2. Each response type brings the grants it stands for (OpenID Connect Registration §2):
 *    `code` needs authorization_code, `code id_token` needs authorization_code and implicit.
 * 3. Each grant used through the authorization endpoint has a response type that stands for it:
 *    authorization_code one that returns a code, implicit one that needs it. So implicit can be
 *    registered only as the front-channel half of the hybrid flow, never on its own.
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2.1
 */
export function checkGrantAndResponseTypes(grantTypes: string[], responseTypes: string[]): void {
  const registrable = registrableGrantTypes()
  const unknownGrant = grantTypes.find((grant) => !registrable.includes(grant))
  if (unknownGrant !== undefined) {
    throw invalidMetadata(`grant_type ${unknownGrant} is not supported.`)
  }
  for (const entry of grantTable) {
    if (entry.legacyOnly && grantTypes.includes(entry.grantType)) {
      throw invalidMetadata(
        `grant_type ${entry.grantType} cannot be registered: ${entry.legacyOnly.reason} (${entry.legacyOnly.spec}).`,
      )
    }
  }

  const entries = responseTypes.map((type) => {
    const entry = findResponseType(type)
    if (!entry) throw invalidMetadata(`response_type ${type} is not supported.`)
    if (entry.legacyOnly) {
      throw invalidMetadata(
        `response_type ${entry.responseType} cannot be registered: ${entry.legacyOnly.reason} (${entry.legacyOnly.spec}).`,
      )
    }
    return entry
  })

  for (const entry of entries) {
    const missing = entry.requiredGrantTypes.filter((grant) => !grantTypes.includes(grant))
    if (missing.length > 0) {
      throw invalidMetadata(
        `response_type ${entry.responseType} needs grant_types ${entry.requiredGrantTypes.join(' and ')} (${registrationSpec}); add ${missing.join(' and ')}.`,
      )
    }
  }

  const standsFor = (grant: string) =>
    entries.some((entry) => entry.requiredGrantTypes.includes(grant))
  if (grantTypes.includes('authorization_code') && !standsFor('authorization_code')) {
    throw invalidMetadata(
      `grant_type authorization_code needs a response type that returns a code, such as code (${registrationSpec}).`,
    )
  }
  if (grantTypes.includes('implicit') && !standsFor('implicit')) {
    const token = responseTypeTable.find(
      (entry) => entry.legacyOnly && entry.responseType === 'token',
    )
    throw invalidMetadata(
      `grant_type implicit can be registered only with the hybrid response type code id_token, which needs it (${registrationSpec}); the implicit flow itself cannot be registered: ${token?.legacyOnly?.reason ?? 'it is deprecated'} (${token?.legacyOnly?.spec ?? 'RFC 9700 section 2.1.2'}).`,
    )
  }
}
