/**
 * The implicit grant (RFC 6749 §4.2), deprecated: the access token itself comes back in the URL
 * fragment. Run with the demo client `grantlab-legacy`, the only one the mock server lets use it.
 * oauth4webapi has no API for this grant (on purpose), so the client builds the request and
 * parses the response by hand, and the walkthrough shows what goes wrong.
 * @see [RFC 6749 §4.2](https://www.rfc-editor.org/rfc/rfc6749#section-4.2)
 * @see [RFC 9700 §2.1.2](https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { authorizationCodeFlowId } from './authorization-code.ts'
import { discover, need, notBackYet } from './code-flow-steps.ts'
import { type Actor, commonActors, defineFlow, type ShownValue } from './flow-model.ts'
import { callResourceServer } from './resource-server-call.ts'

export const implicitFlowId = 'implicit'

const clientId = 'grantlab-legacy'
const scope = 'profile orders:read'

const anyone: Actor = {
  id: 'anyone',
  label: 'Anyone with the token',
  description: 'A script on the page, a browser extension, someone reading the history.',
}

type ImplicitData = {
  as?: oauth.AuthorizationServer
  redirectUri?: string
  state?: string
  accessToken?: string
  arrivedAt?: string
}

/** Reads the fragment of the address the browser came back to: every parameter, once. */
export function parseFragment(url: URL): Map<string, string> {
  const params = new URLSearchParams(url.hash.slice(1))
  const values = new Map<string, string>()
  for (const [name, value] of params) {
    if (values.has(name)) throw new Error(`The parameter ${name} appears twice in the fragment.`)
    values.set(name, value)
  }
  return values
}

export const implicitFlow = defineFlow<ImplicitData>({
  id: implicitFlowId,
  title: 'Implicit grant (deprecated)',
  summary:
    'The authorization server puts the access token itself in the URL it sends the browser back to, after a "#". There is no code and no token request. This walkthrough runs it against a client kept only for this demo, and shows what goes wrong.',
  whenToUse:
    'Never for new apps. It was made for browser apps before they could call a token endpoint across origins; use the authorization code flow with PKCE instead.',
  specs: [rfc(6749, '4.2'), rfc(9700, '2.1.2'), rfc(6749, '10.16')],
  deprecated: {
    reason:
      'RFC 9700 (OAuth 2.0 Security Best Current Practice) says clients SHOULD NOT use the implicit grant, and the OAuth 2.1 draft leaves it out. It is still part of RFC 6749, so old clients and servers still have it.',
    spec: rfc(9700, '2.1.2'),
    useInstead: {
      flowId: authorizationCodeFlowId,
      why: 'The redirect carries only a one-time code, useless without the PKCE verifier, and a refresh token can be issued.',
    },
  },
  actors: [commonActors.user, commonActors.client, commonActors.as, commonActors.rs, anyone],
  steps: [
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the authorization server',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(8414, '2'),
      explanation:
        'The client reads the server metadata. This server lists the response type "token" and the grant type "implicit" because it still supports them, but only for one legacy demo client; registering a new client for them is refused. Discovery describes what a server can do, not what each client may do.',
      async run(ctx) {
        const as = await discover(ctx, 'oauth2')
        return {
          status: 'ok',
          summary: `Found the metadata of ${as.issuer}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Authorization endpoint', value: String(as.authorization_endpoint) },
            {
              label: 'response_types_supported',
              value: (as.response_types_supported ?? []).join(', '),
            },
            {
              label: 'grant_types_supported',
              value: (as.grant_types_supported ?? []).join(', '),
            },
          ],
          save: { as },
        }
      },
    },
    {
      id: 'prepare',
      label: 'make state',
      title: 'Make the state (and notice what is missing)',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: rfc(6749, '4.2.1'),
      moreSpecs: [rfc(6749, '10.12')],
      explanation:
        'The client makes a state value to tie the response to this browser session. That is all it can do. PKCE does not fit this grant: a PKCE verifier is revealed at the token endpoint, and the implicit grant never calls it. The server hands the token straight to whoever receives the redirect.',
      async run(ctx) {
        const state = oauth.generateRandomState()
        return {
          status: 'ok',
          summary: 'The client made a state value. There is no code verifier to make.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'state', value: state, note: 'Must come back in the fragment.' }],
          save: { state },
        }
      },
    },
    {
      id: 'authorize',
      label: 'redirect to /authorize (token)',
      title: 'Send the browser to the authorization endpoint',
      from: 'client',
      to: 'as',
      kind: 'redirect',
      spec: rfc(6749, '4.2.1'),
      explanation:
        'The request asks for response_type "token": "send the access token itself back". The client builds this URL by hand; oauth4webapi has no API for the implicit grant, on purpose, because current advice is not to use it. Sign in as alice (password alice-password) and allow.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const redirectUri = `${ctx.appOrigin}/walkthrough/${implicitFlowId}/callback`
        const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
        url.searchParams.set('response_type', 'token')
        url.searchParams.set('client_id', clientId)
        url.searchParams.set('redirect_uri', redirectUri)
        url.searchParams.set('scope', scope)
        url.searchParams.set('state', need(ctx.data.state, 'The state'))
        return {
          status: 'ok',
          summary: 'The authorization request is ready. The browser now leaves this page.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'Authorization request', value: url.href, format: 'url' }],
          notes: ['Built by hand: oauth4webapi has no API for the implicit grant.'],
          save: { redirectUri },
          destination: {
            url: url.href,
            how: 'navigate',
            label: 'Continue to the authorization server',
            hint: 'Sign in there as alice with the password alice-password and choose Allow. The server sends the browser back with the access token in the address.',
          },
        }
      },
    },
    {
      id: 'callback',
      label: 'redirect back: #access_token',
      title: 'Read the access token from the address, by hand',
      from: 'as',
      to: 'client',
      kind: 'redirect',
      spec: rfc(6749, '4.2.2'),
      moreSpecs: [rfc(9207, '2'), rfc(6749, '10.12')],
      explanation:
        'The browser is back, and the access token is in the address: "#access_token=…&token_type=Bearer&expires_in=…&state=…&iss=…". oauth4webapi has no API for this response either, so this step parses the fragment by hand and does the checks a library would do: the state is ours, iss is the server we meant, an access token and a token type are present. Look at what this step could read, because any other script on the page could read it just as easily.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        if (!ctx.returnUrl) return notBackYet(ctx)
        const returned = new URL(ctx.returnUrl)
        const params = parseFragment(returned)
        const error = params.get('error')
        if (params.get('state') !== ctx.data.state) {
          return {
            status: 'error',
            message: 'The state in the fragment is not the one this client sent: reject it.',
            exchanges: ctx.exchanges(),
          }
        }
        if (params.get('iss') !== as.issuer) {
          return {
            status: 'error',
            message: `The iss in the fragment (${params.get('iss') ?? 'none'}) is not the expected issuer ${as.issuer}: reject it.`,
            exchanges: ctx.exchanges(),
          }
        }
        if (error !== undefined) {
          return {
            status: 'error',
            message: `The authorization server sent the browser back with the error "${error}".`,
            code: error,
            detail: params.get('error_description'),
            exchanges: ctx.exchanges(),
          }
        }
        const accessToken = params.get('access_token')
        const tokenType = params.get('token_type')
        if (!accessToken || tokenType?.toLowerCase() !== 'bearer') {
          return {
            status: 'error',
            message: 'The fragment lacks an access token or a Bearer token_type.',
            exchanges: ctx.exchanges(),
          }
        }
        const fragment: ShownValue[] = [...params].map(([name, value]) => ({
          label: `#${name}`,
          value,
        }))
        return {
          status: 'ok',
          summary:
            'The access token arrived in the address; state and iss are the expected ones. Now look at where it is.',
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'location.href as it arrived',
              value: returned.href,
              note: 'This was in the address bar, token included. Select it, copy it, share a screenshot of it, and the token goes along.',
            },
            {
              label: 'Browser history',
              value: returned.href,
              note: 'The browser recorded this address, token included, in its history when it arrived. This page then replaced the tab’s entry (history.replaceState), the usual clean-up, but the history list (Ctrl+H) keeps the address as it arrived: we checked in Chromium. Anyone who opens it later finds the token.',
            },
            {
              label: 'What any script on the page reads (location.hash)',
              value: returned.hash,
              note: 'Analytics, a chat widget, a browser extension, an injected script: anything running on this page reads the token exactly as this step did.',
            },
            ...fragment,
            {
              label: 'refresh_token',
              value: '(none: RFC 6749 §4.2.2 forbids one here)',
              note: `When this token expires (in ${params.get('expires_in') ?? '?'} seconds) the app must send the user to the authorization server again.`,
            },
          ],
          tokens: [
            {
              label: 'Access token (from the address)',
              value: accessToken,
              signature: 'not-checked',
              subject: 'user',
              signatureNote:
                'The client treats it as opaque. Nothing in it names a key or a secret of this client: it is a bearer token, good for whoever holds it.',
            },
          ],
          notes: [
            'Hand-built: oauth4webapi has no API for the implicit grant.',
            'The fragment is not sent to servers, but it is shown and stored by the browser, and readable by the page.',
          ],
          save: { accessToken, arrivedAt: returned.href },
        }
      },
    },
    {
      id: 'call-api',
      label: 'GET /api/profile (Bearer)',
      title: 'Call the API with the access token',
      from: 'client',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation:
        'The app uses the token as a bearer token. It works, which is why the implicit grant was popular: one redirect and the app can call the API.',
      async run(ctx) {
        return callResourceServer(ctx, need(ctx.data.accessToken, 'The access token'), {
          path: '/api/profile',
          summary: 'The API accepted the token.',
        })
      },
    },
    {
      id: 'replay',
      label: 'GET /api/profile with the copied token',
      title: 'Use the token from somewhere else',
      from: 'anyone',
      to: 'rs',
      kind: 'request',
      spec: rfc(9700, '2.1.2'),
      moreSpecs: [
        rfc(9700, '4.1.2'),
        rfc(9700, '4.2'),
        rfc(9700, '4.3.2'),
        rfc(9700, '4.6'),
        rfc(6749, '10.16'),
        rfc(6750, '5.2'),
      ],
      explanation:
        'Now play whoever picked the token up: send it with a bare request that carries nothing of the client. The API accepts it, because nothing binds the token to the app that asked for it. RFC 9700 names the ways a token in the redirect leaks: a manipulated redirect URI or an open redirector carries the fragment to an attacker’s page; a Referer header can leak it; the browser history keeps it; and a script on the page reads it. A stolen token can also be injected into another app that accepts tokens this way, which then acts for the victim (access token injection). With the code flow a token can be bound to the client (for example with DPoP) at the token endpoint; the implicit grant has no token request where that could happen.',
      async run(ctx) {
        const token = need(ctx.data.accessToken, 'The access token')
        const response = await ctx.fetch(new URL('/api/profile', ctx.appOrigin).href, {
          headers: { authorization: `Bearer ${token}` },
        })
        const body = await response.text()
        return {
          status: 'ok',
          summary: response.ok
            ? 'The API answered the copied token as it answered the app: whoever holds it is the app.'
            : `The API refused the copied token (${response.status}).`,
          exchanges: ctx.exchanges(),
          values: [{ label: 'API answer to the copied token', value: body, format: 'json' }],
        }
      },
    },
    {
      id: 'instead',
      label: 'use code + PKCE instead',
      title: 'What to use instead',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: rfc(9700, '2.1.1'),
      moreSpecs: [rfc(7636), rfc(6749, '4.1')],
      explanation:
        'Browser apps use the authorization code grant with PKCE. The redirect then carries only a short-lived, single-use code that is useless without the verifier the app kept; the tokens come from a direct request to the token endpoint, where they can be bound to the client, and a refresh token can be issued (with rotation for public clients).',
      async run(ctx) {
        return {
          status: 'ok',
          summary: `Use the authorization code grant with PKCE: /walkthrough/${authorizationCodeFlowId}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Token in the address?', value: 'implicit: yes · code + PKCE: no, a code' },
            {
              label: 'Refresh token?',
              value: 'implicit: never · code + PKCE: yes, rotated or bound to a key',
            },
            {
              label: 'Token bound to the client?',
              value: 'implicit: no · code + PKCE: can be (DPoP)',
            },
          ],
        }
      },
    },
  ],
})
