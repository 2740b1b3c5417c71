import { exportJWK, generateKeyPair } from 'jose'
import { expect, test } from 'vitest'
import { createTestAuthorizationServer } from '../mock-as/core/test-server.ts'
import { runChecks } from '../registration/checks.ts'
import { parseClientMetadata } from '../registration/client-metadata.ts'
import { allAnswerCombinations } from './answer-space.ts'
import { serializeAnswers } from './questions.ts'
import { recommend } from './recommend.ts'

// The advisor hands its draft to the configuration page, which may register it live at the mock
// server. Every draft must survive that journey: import cleanly, raise no error-level finding, and
// be accepted by /as/register.
const server = createTestAuthorizationServer()

async function publicJwks() {
  const { publicKey } = await generateKeyPair('ES256')
  return {
    keys: [{ ...(await exportJWK(publicKey)), kid: 'configure-key', alg: 'ES256', use: 'sig' }],
  }
}

test.each(allAnswerCombinations().map((answers) => [serializeAnswers(answers), answers] as const))(
  'the draft for %s imports, passes the checks and registers at the mock server',
  async (_label, answers) => {
    const { client } = recommend(answers)
    const parsed = parseClientMetadata(JSON.parse(JSON.stringify(client)))
    expect(parsed.ok ? [] : parsed.errors).toEqual([])
    if (!parsed.ok) return
    const errors = runChecks(parsed.metadata).filter((finding) => finding.severity === 'error')
    expect(errors.map((finding) => finding.message)).toEqual([])

    // The mock server never fetches a jwks_uri, so for private_key_jwt the user makes a key
    // pair on the configuration page, which puts the public key in jwks instead.
    const { jwks_uri: jwksUri, ...rest } = client as typeof client & { jwks_uri?: string }
    const registered = jwksUri === undefined ? client : { ...rest, jwks: await publicJwks() }
    const response = await server.server.handle(
      new Request(`${server.deps.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(registered),
      }),
    )
    expect(response.status, JSON.stringify(await response.clone().json())).toBe(201)
  },
)
