/**
 * The registry of walkthroughs. To add a grant: write `src/flows/<grant>.ts` exporting a
 * `defineFlow(...)` value, then add it to this list. The index page, the route
 * `/walkthrough/<id>` and the callback route `/walkthrough/<id>/callback` pick it up.
 */
import { authorizationCodeFlow } from './authorization-code.ts'
import { cibaFlow } from './ciba.ts'
import { clientCredentialsFlow } from './client-credentials.ts'
import { deviceCodeFlow } from './device-code.ts'
import { dpopFlow } from './dpop.ts'
import { fapi2Flow } from './fapi2.ts'
import type { Flow } from './flow-model.ts'
import { hybridFlow } from './hybrid.ts'
import { implicitFlow } from './implicit.ts'
import { jwtBearerFlow } from './jwt-bearer.ts'
import { logoutFlow } from './logout.ts'
import { mcpAgentFlow } from './mcp-agent.ts'
import { parFlow } from './par.ts'
import { passwordFlow } from './password.ts'
import { refreshTokenFlow } from './refresh-token.ts'
import { tokenExchangeFlow } from './token-exchange.ts'

export const allFlows: readonly Flow[] = [
  authorizationCodeFlow,
  refreshTokenFlow,
  parFlow,
  logoutFlow,
  deviceCodeFlow,
  cibaFlow,
  clientCredentialsFlow,
  jwtBearerFlow,
  tokenExchangeFlow,
  dpopFlow,
  fapi2Flow,
  mcpAgentFlow,
  hybridFlow,
  implicitFlow,
  passwordFlow,
]

export function findFlow(id: string | undefined): Flow | undefined {
  return allFlows.find((flow) => flow.id === id)
}
