/**
 * The attack lab's registry. To add an attack: write `src/attacks/<id>.ts` exporting a
 * `defineAttack(...)` value and add it here; `/attacks`, `/attacks/<id>` and the client's callback
 * page `/attacks/<id>/callback` pick it up (docs/decisions/125).
 */
import { accessTokenReplayAttack } from './access-token-replay.ts'
import type { Attack } from './attack-model.ts'
import { codeInjectionAttack } from './code-injection.ts'
import { consentCsrfAttack } from './consent-csrf.ts'
import { csrfAttack } from './csrf.ts'
import { idTokenReplayAttack } from './id-token-replay.ts'
import { implicitTokenLeakageAttack } from './implicit-token-leakage.ts'
import { mixUpAttack } from './mix-up.ts'
import { pkceDowngradeAttack } from './pkce-downgrade.ts'
import { redirectUriManipulationAttack } from './redirect-uri-manipulation.ts'
import { refreshTokenReplayAttack } from './refresh-token-replay.ts'

export const allAttacks: readonly Attack[] = [
  csrfAttack,
  codeInjectionAttack,
  pkceDowngradeAttack,
  mixUpAttack,
  redirectUriManipulationAttack,
  refreshTokenReplayAttack,
  accessTokenReplayAttack,
  idTokenReplayAttack,
  implicitTokenLeakageAttack,
  consentCsrfAttack,
]

export function findAttack(id: string | undefined): Attack | undefined {
  return allAttacks.find((attack) => attack.id === id)
}
