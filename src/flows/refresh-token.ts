/**
 * Refresh tokens with rotation, and what happens when a rotated one comes back: the public
 * client `grantlab-spa` gets tokens for alice (authorization code + PKCE), refreshes twice
 * (RT1 → RT2 → RT3), then replays RT1 as a thief would; the server revokes the whole family, so
 * RT3 and the newest access token die too.
 * @see [RFC 6749 §6](https://www.rfc-editor.org/rfc/rfc6749#section-6)
 * @see [RFC 9700 §4.14](https://www.rfc-editor.org/rfc/rfc9700#section-4.14)
 */
import * as oauth from 'oauth4webapi'
import { oidc, rfc } from '../shared/spec-links.ts'
import {
  authorizeStep,
  type CodeFlowData,
  type CodeFlowOptions,
  callbackStep,
  checkRefreshedIdToken,
  discoverStep,
  need,
  opaqueRefreshToken,
  prepareStep,
  refreshGrant,
  refuses,
  tokenStep,
} from './code-flow-steps.ts'
import {
  commonActors,
  defineFlow,
  type ShownToken,
  type Step,
  type StepResult,
} from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'
import { checklistValues } from './id-token-checks.ts'

export const refreshTokenFlowId = 'refresh-token'

const options: CodeFlowOptions = {
  flowId: refreshTokenFlowId,
  client: { client_id: 'grantlab-spa', token_endpoint_auth_method: 'none' },
  clientAuth: oauth.None(),
  scope: 'openid profile offline_access',
}

/**
 * The demo API's own credentials at the introspection endpoint: a confidential client registered
 * as the resource server for the API's tokens (RFC 7662 §4).
 */
const introspector: oauth.Client = { client_id: 'grantlab-api' }
const introspectorAuth = oauth.ClientSecretBasic('grantlab-api-secret')

type RefreshTokenData = CodeFlowData & {
  /** The refresh tokens in the order they were issued: RT1, RT2, RT3. */
  refreshTokens?: string[]
}

const ordinal = (index: number) => `RT${index + 1}`

function short(token: string): string {
  return token.length > 14 ? `${token.slice(0, 6)}…${token.slice(-6)}` : token
}

/** One refresh: the newest refresh token in, a new access token and a new refresh token out. */
function refreshStep(
  id: string,
  label: string,
  title: string,
  explanation: string,
): Step<RefreshTokenData> {
  return {
    id,
    label,
    title,
    from: 'client',
    to: 'as',
    kind: 'request',
    spec: rfc(6749, '6'),
    moreSpecs: [
      rfc(9700, '4.14.2'),
      rfc(9700, '2.2.2'),
      oidc('Core', '12.2', 'RefreshTokenResponse'),
    ],
    explanation,
    async run(ctx): Promise<StepResult<RefreshTokenData>> {
      const as = need(ctx.data.as, 'The server metadata')
      const chain = ctx.data.refreshTokens ?? [need(ctx.data.refreshToken, 'The refresh token')]
      const current = need(chain[chain.length - 1], 'The refresh token')
      const result = await refreshGrant(ctx, as, options, current)
      const { tokens } = result
      const idToken = await checkRefreshedIdToken(ctx, as, options.client, result, ctx.data.idToken)
      if (idToken?.status === 'error') return idToken
      const next = tokens.refresh_token
      if (next === undefined || next === current) {
        return {
          status: 'error',
          message:
            'The server did not rotate the refresh token: it sent no new one, or the same one back. This walkthrough needs rotation.',
          exchanges: ctx.exchanges(),
        }
      }
      const before = ordinal(chain.length - 1)
      const after = ordinal(chain.length)
      const shown: ShownToken[] = [
        {
          label: 'New access token',
          value: tokens.access_token,
          signature: 'not-checked',
          subject: 'user',
          signatureNote: 'For the resource server to validate; the client treats it as opaque.',
        },
        opaqueRefreshToken(next, `New refresh token (${after})`),
      ]
      if (idToken) shown.unshift(idToken.token)
      return {
        status: 'ok',
        summary: `The server accepted ${before} and answered with a new access token and a different refresh token, ${after}. ${before} is now used up.`,
        exchanges: ctx.exchanges(),
        values: [
          { label: `${before} (sent, now retired)`, value: current },
          { label: `${after} (received)`, value: next },
          {
            label: 'Did the refresh token change?',
            value: `yes: ${short(current)} → ${short(next)}`,
            note: 'The client must store the new one and forget the old one.',
          },
          ...(idToken ? checklistValues(idToken.checks) : []),
        ],
        tokens: shown,
        save: {
          accessToken: tokens.access_token,
          refreshToken: next,
          refreshTokens: [...chain, next],
        },
      }
    },
  }
}

export const refreshTokenFlow = defineFlow<RefreshTokenData>({
  id: refreshTokenFlowId,
  title: 'Refresh token rotation and reuse detection',
  summary:
    'A single-page app refreshes its tokens twice; every refresh hands out a new refresh token. Then an old one is replayed, as a thief would, and the server revokes the whole token family.',
  whenToUse:
    'Any client that keeps a user signed in beyond the access token’s few minutes. A public client (a SPA, a mobile app) must either rotate its refresh tokens, as here, or bind them to a key (DPoP).',
  specs: [rfc(6749, '6'), rfc(9700, '4.14'), rfc(9700, '2.2.2')],
  actors: [commonActors.user, commonActors.client, commonActors.as, commonActors.rs],
  steps: [
    discoverStep(),
    prepareStep(),
    authorizeStep(options),
    callbackStep(options),
    tokenStep(options),
    refreshStep(
      'refresh-1',
      'POST /token (refresh_token=RT1)',
      'Refresh: trade RT1 for new tokens',
      'The access token lives five minutes; instead of sending alice through the sign-in again, the client posts its refresh token (RT1) to the token endpoint. This server rotates refresh tokens: the answer carries a new access token and a new refresh token, RT2, and RT1 is marked used. With openid in scope it also sends a new ID token, which the client checks like the first, and that it names the same user and sign-in (OpenID Connect Core §12.2). Rotation is one of two defences RFC 9700 allows for a public client’s refresh tokens (the other is binding them to a key the client holds, e.g. with DPoP); confidential clients need neither, since their refresh tokens only work with their client credentials.',
    ),
    refreshStep(
      'refresh-2',
      'POST /token (refresh_token=RT2)',
      'Refresh again: trade RT2 for RT3',
      'The next refresh uses the newest token, RT2, and gets RT3. A legitimate client always holds exactly one live refresh token: the latest. Each used one is kept by the server only to recognise it if it ever comes back.',
    ),
    {
      id: 'replay',
      label: 'POST /token (RT1 again)',
      title: 'Replay RT1, as a thief would',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9700, '4.14.2'),
      moreSpecs: [rfc(6749, '10.4')],
      explanation:
        'Suppose an attacker copied RT1 before it was used. Now the attacker presents it. The server sees a refresh token that was already rotated away: someone is replaying it, and the server cannot tell whether it is the attacker or the real client (maybe the client was the one that lost the race). So it refuses with invalid_grant and revokes every token descending from the same grant, the whole family, including the RT3 and the access token the real client holds right now. RFC 9700 asks the server to revoke the active refresh token; that this server also revokes the grant’s access tokens is its own policy, which the next steps show. The stolen token is worthless, and alice simply signs in again.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const chain = need(ctx.data.refreshTokens, 'The refresh tokens')
        const first = need(chain[0], 'RT1')
        const replay = await refuses(() => refreshGrant(ctx, as, options, first))
        if (!replay) {
          return {
            status: 'error',
            message:
              'The server accepted a refresh token it had already rotated away. It should have refused it.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `The server refused RT1 with ${replay.error}, and revoked the family.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'error', value: replay.error },
            { label: 'error_description', value: replay.error_description ?? '(none)' },
          ],
        }
      },
    },
    {
      id: 'newest-refresh-fails',
      label: 'POST /token (RT3)',
      title: 'The newest refresh token (RT3) fails too',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9700, '4.14.2'),
      explanation:
        'Now the real client refreshes with RT3, the token it legitimately holds. It was never used, yet the server refuses it: it belongs to the revoked family. This is the price of reuse detection, and the point of it: whoever holds any token of the family, thief or client, is locked out until the user signs in again.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const chain = need(ctx.data.refreshTokens, 'The refresh tokens')
        const newest = need(chain[chain.length - 1], 'The newest refresh token')
        const refused = await refuses(() => refreshGrant(ctx, as, options, newest))
        if (!refused) {
          return {
            status: 'error',
            message: `The server still accepted ${ordinal(chain.length - 1)}: it revoked only the replayed token, not the family.`,
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `${ordinal(chain.length - 1)} is refused with ${refused.error}: the family is revoked.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'error', value: refused.error },
            { label: 'error_description', value: refused.error_description ?? '(none)' },
          ],
        }
      },
    },
    {
      id: 'api-fails',
      label: 'GET /api/profile → 401',
      title: 'The newest access token no longer works at the API',
      from: 'client',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '3.1'),
      moreSpecs: [rfc(9700, '4.14.2')],
      explanation:
        'The access token from the last refresh has not expired yet, but it was issued under the revoked grant. The resource server checks that (this one looks the token up at the server it shares a store with), and answers 401 with a WWW-Authenticate challenge carrying error="invalid_token".',
      async run(ctx) {
        const accessToken = need(ctx.data.accessToken, 'The newest access token')
        let response: Response | undefined
        let challenge: oauth.WWWAuthenticateChallenge | undefined
        try {
          response = await oauth.protectedResourceRequest(
            accessToken,
            'GET',
            new URL('/api/profile', ctx.appOrigin),
            undefined,
            undefined,
            oauthOptions(ctx),
          )
        } catch (error) {
          if (!(error instanceof oauth.WWWAuthenticateChallengeError)) throw error
          response = error.response
          challenge = error.cause[0]
        }
        if (response.ok) {
          return {
            status: 'error',
            message: 'The API still accepted the access token of a revoked family.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: `The API answered ${response.status}${challenge?.parameters.error ? ` with error="${challenge.parameters.error}"` : ''}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Status', value: String(response.status) },
            {
              label: 'WWW-Authenticate',
              value: response.headers.get('www-authenticate') ?? '(none)',
            },
          ],
        }
      },
    },
    {
      id: 'introspect',
      label: 'POST /introspect → active: false',
      title: 'Introspection says the access token is inactive',
      from: 'rs',
      to: 'as',
      kind: 'request',
      spec: rfc(7662, '2.2'),
      moreSpecs: [rfc(7662, '2.1'), rfc(7662, '4')],
      explanation:
        'A resource server that cannot check tokens itself asks the authorization server: is this token active? RFC 7662 requires the endpoint to authorize its callers, because an open one would let anyone test stolen or guessed tokens (token scanning); which caller may ask about which tokens is the server\'s policy. This server answers a caller only about its own tokens and about access tokens meant for it (their aud); to anyone else every token is {"active": false} (RFC 7662 §4). So the walkthrough plays the demo API with its own credentials, the confidential demo client grantlab-api and its secret. For a revoked token the answer is just {"active": false}: the server says nothing more about a token that no longer counts.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const accessToken = need(ctx.data.accessToken, 'The newest access token')
        const response = await oauth.introspectionRequest(
          as,
          introspector,
          introspectorAuth,
          accessToken,
          { ...oauthOptions(ctx), additionalParameters: { token_type_hint: 'access_token' } },
        )
        const result = await oauth.processIntrospectionResponse(as, introspector, response)
        if (result.active) {
          return {
            status: 'error',
            message: 'The server still calls the access token active.',
            exchanges: ctx.exchanges(),
          }
        }
        return {
          status: 'ok',
          summary: 'The authorization server reports the newest access token as inactive.',
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Introspection answer', value: JSON.stringify(result), format: 'json' },
          ],
        }
      },
    },
  ],
})
