import { authorizationCodeGrant } from './authorization-code'
import { cibaGrant } from './ciba'
import { clientCredentialsGrant } from './client-credentials'
import { deviceCodeGrant } from './device-code'
import type { GrantDefinition } from './grant-types'
import { jwtBearerGrant } from './jwt-bearer'
import { passwordGrant } from './password'
import { refreshTokenGrant } from './refresh-token'
import { tokenExchangeGrant } from './token-exchange'

/**
 * Every grant_type the token endpoint supports. To add a grant: write one file in this folder
 * exporting a {@link GrantDefinition} and add one line here. Discovery (`grant_types_supported`)
 * and registration read this table too.
 */
export const grantTable: readonly GrantDefinition[] = [
  authorizationCodeGrant,
  refreshTokenGrant,
  clientCredentialsGrant,
  deviceCodeGrant,
  passwordGrant,
  jwtBearerGrant,
  tokenExchangeGrant,
  cibaGrant,
]

export function findGrant(grantType: string): GrantDefinition | undefined {
  return grantTable.find((entry) => entry.grantType === grantType)
}
