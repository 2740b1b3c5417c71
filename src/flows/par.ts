/**
 * Pushed authorization requests (RFC 9126) for `grantlab-par`, a confidential client registered
 * with `require_pushed_authorization_requests: true`. The client first sees its plain request
 * refused, then pushes the request over the back channel with oauth4webapi
 * (`pushedAuthorizationRequest`), sends the browser with only `client_id` and `request_uri`,
 * finishes the code flow, and shows that a `request_uri` works once and expires.
 * @see [RFC 9126](https://www.rfc-editor.org/rfc/rfc9126)
 */
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import {
  type CodeFlowData,
  type CodeFlowOptions,
  callbackStep,
  discover,
  need,
  prepareStep,
  tokenStep,
} from './code-flow-steps.ts'
import { commonActors, defineFlow, type StepContext, type StepResult } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'

export const parFlowId = 'par'

const client: oauth.Client = {
  client_id: 'grantlab-par',
  token_endpoint_auth_method: 'client_secret_basic',
}
/** A demo secret: a real client keeps it on its server; this page plays that server. */
const clientAuth = oauth.ClientSecretBasic('grantlab-par-secret')

const options: CodeFlowOptions = {
  flowId: parFlowId,
  client,
  clientAuth,
  scope: 'openid profile email',
}

type ParData = CodeFlowData & {
  /** The state of the plain request that the server is expected to refuse. */
  plainState?: string
  requestUri?: string
  /** The front-channel URL that carries only client_id and request_uri. */
  shortUrl?: string
  /** A second pushed request, kept unused until it expires. */
  expiring?: { url: string; pushedAt: number; expiresAt: number }
}

type Ctx = StepContext<ParData>

const redirectUriOf = (ctx: { appOrigin: string }) =>
  `${ctx.appOrigin}/walkthrough/${parFlowId}/callback`

/** Every parameter of the authorization request, as the client would put them on the URL. */
function authorizationParameters(ctx: Ctx, state: string): URLSearchParams {
  return new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirectUriOf(ctx),
    scope: options.scope,
    state,
    nonce: need(ctx.data.nonce, 'The nonce'),
    code_challenge: need(ctx.data.codeChallenge, 'The code challenge'),
    code_challenge_method: 'S256',
  })
}

/** The authorization endpoint with these parameters as its query. */
function authorizationUrl(as: oauth.AuthorizationServer, params: URLSearchParams): string {
  const url = new URL(need(as.authorization_endpoint, 'The authorization endpoint'))
  url.search = params.toString()
  return url.href
}

/** RFC 9126 §4: the front channel carries the client_id and the request_uri, nothing else. */
function pushedRequestUrl(as: oauth.AuthorizationServer, requestUri: string): string {
  return authorizationUrl(
    as,
    new URLSearchParams({ client_id: client.client_id, request_uri: requestUri }),
  )
}

async function push(ctx: Ctx, as: oauth.AuthorizationServer) {
  const response = await oauth.pushedAuthorizationRequest(
    as,
    client,
    clientAuth,
    authorizationParameters(ctx, need(ctx.data.state, 'The state')),
    oauthOptions(ctx),
  )
  return oauth.processPushedAuthorizationResponse(as, client, response)
}

const entities: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
}

/**
 * What the server's page says: its error (`code: description`), or that it is the sign-in page.
 * The browser would show the page; the client reads the same HTML here.
 */
export function readServerPage(html: string): {
  error?: string
  description?: string
  signIn: boolean
} {
  const decodeEntities = (text: string) =>
    text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => entities[entity] ?? entity)
  const match = /<p class="error" role="alert"><code>([^<]*)<\/code>: ([^<]*)<\/p>/.exec(html)
  return {
    ...(match
      ? { error: decodeEntities(match[1] ?? ''), description: decodeEntities(match[2] ?? '') }
      : {}),
    signIn: html.includes('name="password"'),
  }
}

/**
 * Opens the front-channel URL as the browser would, and reads what the server answers: its
 * error page, or an acceptance (its sign-in page, or, with a session, the redirect back with a
 * code, which a page's fetch sees only as an opaque redirect).
 */
async function openAuthorizationUrl(ctx: Ctx, url: string) {
  const response = await ctx.fetch(url, { redirect: 'manual' })
  const redirected =
    response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)
  const page = readServerPage(redirected ? '' : await response.text())
  return {
    status: response.status,
    ...page,
    accepted: redirected || (response.status === 200 && page.signIn),
    answer: redirected
      ? 'a redirect back to the client (the browser is still signed in, so no page was needed)'
      : page.signIn
        ? 'the sign-in page'
        : `${response.status}${page.error ? ` ${page.error}: ${page.description ?? ''}` : ''}`,
  }
}

export const parFlow = defineFlow<ParData>({
  id: parFlowId,
  title: 'Pushed authorization requests (PAR)',
  summary:
    'The client sends its authorization request straight to the server over the back channel, authenticated, and gets a short-lived request_uri; the browser then carries only that reference instead of the whole request.',
  whenToUse:
    'Confidential clients that want their authorization requests authenticated and kept out of the browser’s address bar and history: high-assurance apps and FAPI 2.0 profiles. A server can require it per client.',
  specs: [rfc(9126), rfc(9126, '2'), rfc(9126, '4'), rfc(6749, '4.1')],
  actors: [commonActors.user, commonActors.client, commonActors.as],
  steps: [
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the authorization server and its PAR endpoint',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9126, '5'),
      moreSpecs: [rfc(8414, '3'), rfc(9126, '6')],
      explanation:
        'The metadata names the pushed authorization request endpoint. Its "require_pushed_authorization_requests" says whether the server insists on PAR for every client; this server does not, but a client can be registered so that PAR is required for it alone, and grantlab-par is: RFC 9126 §6 defines that as client metadata of the same name.',
      async run(ctx) {
        const as = await discover(ctx, 'oidc')
        return {
          status: 'ok',
          summary: `Found the server's metadata; its PAR endpoint is ${String(as.pushed_authorization_request_endpoint)}.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'pushed_authorization_request_endpoint',
              value: String(as.pushed_authorization_request_endpoint ?? '(not listed)'),
            },
            {
              label: 'require_pushed_authorization_requests (server-wide)',
              value: String(as.require_pushed_authorization_requests ?? false),
              note: 'False here: PAR is required per client, and grantlab-par was registered with require_pushed_authorization_requests: true.',
            },
            { label: 'Authorization endpoint', value: String(as.authorization_endpoint) },
          ],
          save: { as },
        }
      },
    },
    prepareStep(),
    {
      id: 'plain-request',
      label: 'redirect to /authorize (not pushed)',
      title: 'Try a plain authorization request first',
      from: 'client',
      to: 'as',
      kind: 'redirect',
      spec: rfc(9126, '6'),
      moreSpecs: [rfc(6749, '4.1.1'), rfc(6749, '4.1.2.1')],
      explanation:
        'To see the requirement hold, the client first sends the browser with an ordinary authorization request, every parameter in the URL, as a client that never heard of PAR would. The client and its redirect URI are known, so the server can safely send the browser back with an error rather than show its own error page. You will not see a sign-in page: the server refuses at once.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const plainState = oauth.generateRandomState()
        const url = authorizationUrl(as, authorizationParameters(ctx, plainState))
        return {
          status: 'ok',
          summary: 'A plain authorization request is ready. The browser now leaves this page.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'Plain authorization request', value: url, format: 'url' }],
          save: { plainState, redirectUri: redirectUriOf(ctx) },
          destination: {
            url,
            how: 'navigate',
            label: 'Send the plain request',
            hint: 'The server refuses the request and sends the browser straight back here.',
          },
        }
      },
    },
    {
      id: 'plain-refused',
      label: 'redirect back: error, state, iss',
      title: 'See the plain request refused',
      from: 'as',
      to: 'client',
      kind: 'redirect',
      spec: rfc(9126, '6'),
      moreSpecs: [rfc(6749, '4.1.2.1'), rfc(9207, '2')],
      explanation:
        'The browser came back with error=invalid_request instead of a code, with the state the client sent and the server’s iss, so the client can tell it is the answer to its own request. oauth4webapi’s validateAuthResponse checks state and iss first and then reports the error. A client registered for PAR cannot be tricked into a request that skipped it, for example by someone who builds the URL by hand.',
      async run(ctx): Promise<StepResult<ParData>> {
        const as = need(ctx.data.as, 'The server metadata')
        if (!ctx.returnUrl) {
          return {
            status: 'error',
            message: 'The browser has not come back yet. Run the previous step and follow it.',
            exchanges: ctx.exchanges(),
          }
        }
        const returned = new URL(ctx.returnUrl)
        try {
          oauth.validateAuthResponse(as, client, returned, need(ctx.data.plainState, 'The state'))
        } catch (error) {
          if (!(error instanceof oauth.AuthorizationResponseError)) throw error
          return {
            status: 'ok',
            summary: `The server refused the plain request with ${error.error}, as it must for this client.`,
            exchanges: ctx.exchanges(),
            values: [
              { label: 'Address the browser came back to', value: returned.href, format: 'url' },
              { label: 'error', value: error.error },
              { label: 'error_description', value: error.error_description ?? '' },
              {
                label: 'state',
                value: returned.searchParams.get('state') ?? '',
                note: 'The plain request’s state: this answer is for it.',
              },
              {
                label: 'iss',
                value: returned.searchParams.get('iss') ?? '',
                note: 'Matches the issuer.',
              },
            ],
          }
        }
        return {
          status: 'error',
          message:
            'The server answered a plain authorization request of a client that requires PAR with a code. It should have refused it.',
          exchanges: ctx.exchanges(),
        }
      },
    },
    {
      id: 'push',
      label: 'POST /par',
      title: 'Push the authorization request',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9126, '2.1'),
      moreSpecs: [rfc(9126, '2.2'), rfc(9126, '1')],
      explanation:
        'The client POSTs the same parameters to the PAR endpoint, authenticated as at the token endpoint (here HTTP Basic with its secret: a real client does this from its server). The server validates them as it would at the authorization endpoint, and answers 201 with a request_uri, a one-time reference to the stored request, and expires_in, its lifetime in seconds. The request itself never travels through the browser, so it cannot be read or changed there, and the server knows which client sent it. oauth4webapi: pushedAuthorizationRequest, then processPushedAuthorizationResponse, which insists on the 201.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const pushed = await push(ctx, as)
        const shortUrl = pushedRequestUrl(as, pushed.request_uri)
        const longUrl = authorizationUrl(
          as,
          authorizationParameters(ctx, need(ctx.data.state, 'The state')),
        )
        return {
          status: 'ok',
          summary: `The server stored the request and answered 201 with a request_uri that expires in ${pushed.expires_in} seconds.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'request_uri',
              value: pushed.request_uri,
              note: 'urn:ietf:params:oauth:request_uri: plus a random part: it means nothing outside this server, and cannot be guessed (RFC 9126 §7.1).',
            },
            {
              label: 'expires_in',
              value: `${pushed.expires_in} seconds`,
              note: 'Short on purpose: the client sends the browser right away (RFC 9126 §2.2).',
            },
            {
              label: `Front-channel URL with PAR (${shortUrl.length} characters)`,
              value: shortUrl,
              format: 'url',
              note: 'Only client_id and request_uri (RFC 9126 §4).',
            },
            {
              label: `The URL it replaces (${longUrl.length} characters)`,
              value: longUrl,
              format: 'url',
              note: 'Every parameter in the address bar, the history and the server logs. Not sent.',
            },
          ],
          save: { requestUri: pushed.request_uri, shortUrl, redirectUri: redirectUriOf(ctx) },
        }
      },
    },
    {
      id: 'authorize',
      label: 'redirect to /authorize (request_uri)',
      title: 'Send the browser with the request_uri',
      from: 'client',
      to: 'as',
      kind: 'redirect',
      spec: rfc(9126, '4'),
      moreSpecs: [rfc(6749, '4.1.1')],
      explanation:
        'The browser goes to the authorization endpoint with only client_id and request_uri. The server looks the request up, checks that it was pushed by this client and has not expired, and goes on as with any authorization request: sign in as alice (password alice-password) and allow. The server deletes the request as it uses it.',
      async run(ctx) {
        const url = need(ctx.data.shortUrl, 'The front-channel URL')
        return {
          status: 'ok',
          summary: 'The short authorization request is ready. The browser now leaves this page.',
          exchanges: ctx.exchanges(),
          values: [{ label: 'Authorization request', value: url, format: 'url' }],
          destination: {
            url,
            how: 'navigate',
            label: 'Continue to the authorization server',
            hint: 'Sign in there as alice with the password alice-password, choose Allow, and the server sends the browser back here.',
          },
        }
      },
    },
    callbackStep(options),
    tokenStep(options),
    {
      id: 'reuse',
      label: 'GET /authorize (same request_uri)',
      title: 'Use the request_uri a second time',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9126, '4'),
      moreSpecs: [rfc(9126, '7.3')],
      explanation:
        'A request_uri that was already used must not start a second authorization: whoever copied it from the address bar could otherwise replay the request. This server treats each one as single use, as RFC 9126 §4 recommends, and answers a reused one with its error page; it does not redirect, because nothing in the request can be trusted any more. A browser would show that page; here the client opens the same URL itself so that you can see the answer without leaving.',
      async run(ctx): Promise<StepResult<ParData>> {
        const url = need(ctx.data.shortUrl, 'The front-channel URL')
        const page = await openAuthorizationUrl(ctx, url)
        if (page.status === 400 && page.error) {
          return {
            status: 'ok',
            summary: `The server refused the used request_uri with ${page.status} ${page.error}, on its error page.`,
            exchanges: ctx.exchanges(),
            values: [
              { label: 'Answer', value: `${page.status} ${page.error}: ${page.description ?? ''}` },
            ],
          }
        }
        return {
          status: 'error',
          message: `The server answered a used request_uri with ${page.answer}. It should refuse it.`,
          exchanges: ctx.exchanges(),
        }
      },
    },
    {
      id: 'expire',
      label: 'POST /par, wait, GET /authorize',
      title: 'Let a pushed request expire',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(9126, '2.2'),
      moreSpecs: [rfc(9126, '4')],
      explanation:
        'The client pushes another request and does not use it. Once expires_in seconds have passed, the server refuses the request_uri: a pushed request is only meant to bridge the moment between the push and the browser’s arrival. The step waits the whole lifetime (a minute) and then opens the URL, as a browser arriving late would. Using it sooner shows that it still works, and spends it, so the step then pushes a new one and waits again.',
      async run(ctx): Promise<StepResult<ParData>> {
        const as = need(ctx.data.as, 'The server metadata')
        const expiring = ctx.data.expiring
        if (!expiring) {
          const pushed = await push(ctx, as)
          const url = pushedRequestUrl(as, pushed.request_uri)
          return {
            status: 'ok',
            summary: `A new request_uri was pushed; it expires in ${pushed.expires_in} seconds. The step opens it once that time has passed.`,
            exchanges: ctx.exchanges(),
            values: [
              { label: 'request_uri', value: pushed.request_uri },
              { label: 'expires_in', value: `${pushed.expires_in} seconds` },
            ],
            save: {
              expiring: {
                url,
                pushedAt: ctx.now(),
                expiresAt: ctx.now() + pushed.expires_in * 1000,
              },
            },
            repeat: {
              afterSeconds: pushed.expires_in + 1,
              runNowLabel: 'Use it now',
              waitingLabel: 'Using it',
            },
          }
        }
        const page = await openAuthorizationUrl(ctx, expiring.url)
        const late = ctx.now() >= expiring.expiresAt
        if (page.accepted) {
          return {
            status: 'ok',
            summary: `Still valid${late ? '' : ` ${Math.ceil((expiring.expiresAt - ctx.now()) / 1000)} seconds before it expires`}: the server accepted it, and that spent the request_uri. The step pushes a new one next.`,
            exchanges: ctx.exchanges(),
            values: [{ label: 'Answer', value: page.answer }],
            save: { expiring: undefined },
            repeat: {
              afterSeconds: 1,
              runNowLabel: 'Push another one',
              waitingLabel: 'Pushing another one',
            },
          }
        }
        if (page.status === 400 && page.error && /expired/.test(page.description ?? '')) {
          return {
            status: 'ok',
            summary: `${Math.round((ctx.now() - expiring.pushedAt) / 1000)} seconds after the push, the server refused the request_uri as expired.`,
            exchanges: ctx.exchanges(),
            values: [
              { label: 'Answer', value: `${page.status} ${page.error}: ${page.description ?? ''}` },
            ],
            save: { expiring: undefined },
          }
        }
        return {
          status: 'error',
          message: `The server answered the unused request_uri with ${page.answer}.`,
          exchanges: ctx.exchanges(),
        }
      },
    },
  ],
})
