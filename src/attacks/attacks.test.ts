import { describe, expect, test } from 'vitest'
import { decodeJwt } from '../shared/jwt.ts'
import { allAttacks, findAttack } from './all-attacks.ts'
import type { AttackOutcome, Loot, StoppedAt } from './attack-model.ts'
import type { AttackRun } from './attack-runner.ts'
import { setUpLab } from './attack-test-support.ts'

// Every attack of the lab, played in Node against the server core (oauth4webapi unmocked, the
// browsers as drivers with their own cookies): with the defence off it must get the loot, with it
// on it must be stopped at the one check the defence is, with the error that check raises.

const claimsOf = (token: string | undefined) => decodeJwt(token ?? '')?.claims ?? {}
const tokenLabelled = (loot: Loot, label: RegExp) =>
  loot.tokens.find((token) => label.test(token.label))?.value
const valueLabelled = (loot: Loot, label: RegExp) =>
  loot.values.find((value) => label.test(value.label))?.value ?? ''

function lootOf(outcome: AttackOutcome | undefined): Loot {
  if (outcome?.status !== 'succeeded') {
    throw new Error(`expected the attack to succeed: ${JSON.stringify(outcome)}`)
  }
  return outcome.loot
}

function stoppedOf(outcome: AttackOutcome | undefined): StoppedAt {
  if (outcome?.status !== 'stopped') {
    throw new Error(`expected the attack to be stopped: ${JSON.stringify(outcome)}`)
  }
  return outcome.stoppedAt
}

interface Expectation {
  loot(loot: Loot, run: AttackRun): void
  stopped: Omit<StoppedAt, 'message' | 'spec'> & { spec: string; message: RegExp }
}

const aliceProfile = (loot: Loot) =>
  expect(JSON.parse(valueLabelled(loot, /profile/))).toMatchObject({
    sub: 'user-alice',
    username: 'alice',
    email: 'alice@example.com',
  })

const expectations: Record<string, Expectation> = {
  csrf: {
    loot(loot) {
      expect(claimsOf(tokenLabelled(loot, /^ID token planted/))).toMatchObject({
        sub: 'user-bob',
        aud: 'grantlab-lab-web',
      })
      const order = JSON.parse(valueLabelled(loot, /Alice’s order/))
      expect(order).toMatchObject({ owner: 'user-bob', item: 'Passport photos for Alice Liddell' })
      const bobs = JSON.parse(valueLabelled(loot, /attacker reads/)) as { id: string }[]
      expect(bobs.map((listed) => listed.id)).toContain(order.id)
    },
    stopped: {
      stepId: 'client-callback',
      check: 'state',
      spec: 'RFC 6749 §10.12',
      by: 'client',
      code: 'OAUTH_INVALID_RESPONSE',
      message: /unexpected "state" response parameter value/,
    },
  },
  'code-injection': {
    loot(loot) {
      expect(claimsOf(tokenLabelled(loot, /access token/))).toMatchObject({
        sub: 'user-alice',
        client_id: 'grantlab-lab-web',
      })
      aliceProfile(loot)
    },
    stopped: {
      stepId: 'client-redeems',
      check: 'PKCE code_verifier',
      spec: 'RFC 7636 §4.6',
      by: 'authorization server',
      code: 'invalid_grant',
      message: /code_verifier does not match the code_challenge/,
    },
  },
  'pkce-downgrade': {
    loot(loot) {
      expect(claimsOf(tokenLabelled(loot, /^ID token planted/))).toMatchObject({
        sub: 'user-bob',
        aud: 'grantlab-lax-pkce',
      })
      expect(JSON.parse(valueLabelled(loot, /Alice’s order/))).toMatchObject({ owner: 'user-bob' })
      expect(valueLabelled(loot, /without code_challenge/)).not.toContain('code_challenge=')
    },
    stopped: {
      stepId: 'client-redeems',
      check: 'code_verifier without code_challenge',
      spec: 'RFC 9700 §4.8.2',
      by: 'authorization server',
      code: 'invalid_grant',
      message: /code_verifier was sent but the authorization request had no code_challenge/,
    },
  },
  'mix-up': {
    loot(loot) {
      // A token of the honest server, for the client the victim used.
      expect(claimsOf(tokenLabelled(loot, /access token/))).toMatchObject({
        iss: 'http://127.0.0.1:4173/as',
        sub: 'user-alice',
        client_id: 'grantlab-lab-spa',
      })
      aliceProfile(loot)
    },
    stopped: {
      stepId: 'client-callback',
      check: 'iss',
      spec: 'RFC 9207 §2.4',
      by: 'client',
      code: 'OAUTH_INVALID_RESPONSE',
      message: /unexpected "iss" \(issuer\) response parameter value/,
    },
  },
  'redirect-uri-manipulation': {
    loot(loot) {
      expect(claimsOf(tokenLabelled(loot, /access token/))).toMatchObject({
        sub: 'user-alice',
        client_id: 'grantlab-lax-redirects',
      })
      expect(valueLabelled(loot, /redirect_uri that passed/)).toMatch(
        /^http:\/\/127\.0\.0\.1:4173\/attacks\/redirect-uri-manipulation\/callback\/\.\.\/\.\.\/\.\.\/attacker\/callback$/,
      )
      aliceProfile(loot)
    },
    stopped: {
      stepId: 'victim-opens-link',
      check: 'exact redirect URI match',
      spec: 'RFC 9700 §4.1.3',
      by: 'authorization server',
      code: 'invalid_request',
      message: /redirect_uri does not exactly match any URI registered for this client/,
    },
  },
  'refresh-token-replay': {
    loot(loot) {
      expect(claimsOf(tokenLabelled(loot, /minted for the attacker/))).toMatchObject({
        sub: 'user-alice',
        client_id: 'grantlab-no-rotation',
      })
      aliceProfile(loot)
    },
    stopped: {
      stepId: 'attacker-replays',
      check: 'refresh token reuse',
      spec: 'RFC 9700 §4.14.2',
      by: 'authorization server',
      code: 'invalid_grant',
      message: /already used; every token of its family is now revoked/,
    },
  },
  'id-token-replay': {
    loot(loot, run) {
      const idToken = claimsOf(tokenLabelled(loot, /ID token/))
      expect(idToken).toMatchObject({ sub: 'user-alice', aud: 'grantlab-lab-hybrid' })
      // The token was minted for Alice's login, not for the attacker's session that accepted it.
      const sessionNonce = run.records
        .find((record) => record.stepId === 'attacker-starts')
        ?.values.find((value) => /Nonce/.test(value.label))?.value
      expect(sessionNonce).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(idToken.nonce).not.toBe(sessionNonce)
    },
    stopped: {
      stepId: 'client-checks',
      check: 'nonce',
      spec: 'OIDC Core §3.1.3.7',
      by: 'client',
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      message: /unexpected ID Token "nonce" claim value/,
    },
  },
  'implicit-token-leakage': {
    loot(loot) {
      expect(claimsOf(tokenLabelled(loot, /access token/))).toMatchObject({
        sub: 'user-alice',
        client_id: 'grantlab-lab-implicit',
      })
      expect(valueLabelled(loot, /leaked address/)).toMatch(/#access_token=/)
      aliceProfile(loot)
    },
    stopped: {
      stepId: 'attacker-redeems',
      check: 'PKCE code_verifier',
      spec: 'RFC 7636 §4.6',
      by: 'authorization server',
      code: 'invalid_grant',
      message: /code_verifier is required for this code/,
    },
  },
  'consent-csrf': {
    loot(loot) {
      expect(claimsOf(tokenLabelled(loot, /access token/))).toMatchObject({
        sub: 'user-alice',
        client_id: 'grantlab-unbound-consent',
      })
      aliceProfile(loot)
    },
    stopped: {
      stepId: 'server-decides',
      check: 'form bound to the browser',
      spec: 'RFC 6749 §10.12',
      by: 'authorization server',
      code: 'access_denied',
      message: /posted by another site \(a page that hides its origin\)/,
    },
  },
}

const complete = allAttacks.filter((attack) => attack.pending === undefined)

test('every attack whose defence can be switched on has its expectations here', () => {
  expect(Object.keys(expectations).sort()).toEqual(complete.map((attack) => attack.id).sort())
})

describe.each(complete.map((attack) => [attack.id, attack] as const))('%s', (id, attack) => {
  const expected = expectations[id] as Expectation

  test('with the defence off the attack succeeds and the attacker has the loot', async () => {
    const run = await setUpLab(allAttacks).run(attack, false)
    const loot = lootOf(run.outcome)
    expect(loot.tokens.length).toBeGreaterThan(0)
    expected.loot(loot, run)
    // Every step ran, in order, with real requests.
    expect(run.records.map((record) => [record.stepId, record.status])).toEqual(
      attack.steps.map((step) => [step.id, 'done']),
    )
    expect(run.records.flatMap((record) => record.exchanges).length).toBeGreaterThan(3)
  })

  test('with the defence on the attack is stopped at its check, and nothing after it runs', async () => {
    const run = await setUpLab(allAttacks).run(attack, true)
    const { message, spec, ...rest } = expected.stopped
    const stopped = stoppedOf(run.outcome)
    expect(stopped).toMatchObject(rest)
    expect(stopped.spec.label).toBe(spec)
    expect(stopped.message).toMatch(message)
    const stepIds = attack.steps.map((step) => step.id)
    const stoppedIndex = stepIds.indexOf(stopped.stepId)
    expect(run.records.map((record) => record.stepId)).toEqual(stepIds.slice(0, stoppedIndex + 1))
    expect(run.records.at(-1)?.status).toBe('stopped')
  })
})

test('the access token replay runs with the bearer token, and says its DPoP half is not there yet', async () => {
  const attack = findAttack('access-token-replay')
  if (!attack) throw new Error('missing attack')
  const lab = setUpLab(allAttacks)
  const off = await lab.run(attack, false)
  const loot = lootOf(off.outcome)
  expect(claimsOf(tokenLabelled(loot, /access token/))).toMatchObject({ sub: 'user-alice' })
  aliceProfile(loot)
  // The token the attacker replayed is the one the counterfeit API was sent.
  const kept = off.records
    .find((record) => record.stepId === 'client-calls-counterfeit')
    ?.values.find((value) => /Authorization header/.test(value.label))?.value
  expect(kept).toBe(`Bearer ${tokenLabelled(loot, /access token/)}`)
  const on = await lab.run(attack, true)
  expect(on.outcome).toMatchObject({ status: 'error', summary: expect.stringMatching(/DPoP/) })
  expect(on.records).toEqual([])
})

test('a refusal that is not the defence’s check is reported as an error, not as stopped', async () => {
  // A step expected to meet the PKCE check fails for another reason: the outcome must not
  // claim that PKCE stopped it.
  const attack = findAttack('code-injection')
  if (!attack) throw new Error('missing attack')
  const lab = setUpLab(allAttacks)
  const broken = {
    ...attack,
    async run(ctx: Parameters<typeof attack.run>[0]) {
      await ctx.step('client-redeems', async () => {
        throw ctx.stopped(new Error('something else entirely'), {
          check: 'PKCE code_verifier',
          spec: { label: 'RFC 7636 §4.6', href: '' },
          by: 'authorization server',
          expected: { code: 'invalid_grant', text: /code_verifier/ },
        })
      })
      return { status: 'error', summary: 'unreachable' } as const
    },
  }
  const run = await lab.run(broken, true)
  expect(run.outcome).toMatchObject({
    status: 'error',
    stepId: 'client-redeems',
    summary: expect.stringMatching(/not at the PKCE code_verifier check: .*something else/),
  })
})
