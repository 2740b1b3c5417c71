import { decodeJwt } from 'jose'
import { demoRedirectUri } from './demo-data'
import { mergeCookies, type TestAuthorizationServer } from './test-server'
import { authorizeUrl, basic, get, postForm, testVerifier } from './test-support'

/** Helpers shared by the logout tests: a browser with a cookie jar, and a sign-in for a client. */

export const hiddenPending = (html: string) =>
  /<input type="hidden" name="pending" value="([^"]*)">/.exec(html)?.[1] ?? ''

/** A browser: its cookie jar, and form posts with the `Origin` that the posting page has. */
export function browser(t: TestAuthorizationServer, options: { dropCookies?: boolean } = {}) {
  let cookie: string | undefined
  const ownOrigin = new URL(t.deps.issuer).origin
  const keep = (response: Response) => {
    if (!options.dropCookies) cookie = mergeCookies(cookie, response)
    return response
  }
  return {
    get cookie() {
      return cookie
    },
    forgetCookies() {
      cookie = undefined
    },
    async open(url: string): Promise<Response> {
      return keep(await get(t, url, cookie ? { cookie } : {}))
    },
    async post(
      path: string,
      fields: Record<string, string>,
      from: string | null = ownOrigin,
    ): Promise<Response> {
      return keep(
        await postForm(t, path, fields, {
          ...(cookie ? { cookie } : {}),
          ...(from === null ? {} : { origin: from }),
        }),
      )
    },
  }
}

export type Browser = ReturnType<typeof browser>

export const logoutCallback = (t: TestAuthorizationServer) =>
  demoRedirectUri(t.deps.appOrigin, 'logout')

const secrets: Record<string, string> = {
  'grantlab-logout': 'grantlab-logout-secret',
  'grantlab-web': 'grantlab-web-secret',
}

export interface SignedIn {
  idToken: string
  accessToken: string
  refreshToken: string
  sid: string
  sub: string
}

/**
 * Signs `user` in for a confidential demo client (the login page the first time, no page when
 * the browser's session and the consent are there), and redeems the code.
 */
export async function signInFor(
  t: TestAuthorizationServer,
  user: Browser,
  options: { clientId?: string; scope?: string; redirectUri?: string; username?: string } = {},
): Promise<SignedIn> {
  const clientId = options.clientId ?? 'grantlab-logout'
  const redirectUri =
    options.redirectUri ??
    (clientId === 'grantlab-logout'
      ? logoutCallback(t)
      : demoRedirectUri(t.deps.appOrigin, 'authorization-code'))
  let response = await user.open(
    await authorizeUrl(t, {
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: options.scope ?? 'openid profile offline_access',
    }),
  )
  for (let page = 0; page < 3 && response.status === 200; page += 1) {
    const html = await response.text()
    const pending = hiddenPending(html)
    if (html.includes('name="password"')) {
      const name = options.username ?? 'alice'
      response = await user.post('/authorize/login', {
        pending,
        username: name,
        password: `${name}-password`,
      })
    } else {
      response = await user.post('/authorize/consent', { pending, decision: 'approve' })
    }
  }
  if (response.status !== 302) throw new Error(`sign-in ended with ${response.status}`)
  const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? ''
  const token = await postForm(
    t,
    '/token',
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: testVerifier,
    },
    { authorization: basic(clientId, secrets[clientId] ?? '') },
  )
  if (token.status !== 200) throw new Error(`token request failed: ${await token.text()}`)
  const body = (await token.json()) as {
    id_token: string
    access_token: string
    refresh_token: string
  }
  const claims = decodeJwt(body.id_token)
  return {
    idToken: body.id_token,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    sid: String(claims.sid),
    sub: String(claims.sub),
  }
}

/** The end-session URL with these parameters. */
export function logoutUrl(t: TestAuthorizationServer, params: Record<string, string>): string {
  const url = new URL(`${t.deps.issuer}/logout`)
  for (const [name, value] of Object.entries(params)) url.searchParams.append(name, value)
  return url.href
}

/** Whether the browser's next authorization request must sign in again (`prompt=none`). */
export async function mustSignInAgain(t: TestAuthorizationServer, user: Browser) {
  const silent = await user.open(
    await authorizeUrl(t, {
      client_id: 'grantlab-logout',
      redirect_uri: logoutCallback(t),
      scope: 'openid',
      prompt: 'none',
    }),
  )
  const location = new URL(silent.headers.get('location') ?? 'http://invalid/')
  return location.searchParams.get('error') === 'login_required'
}

/** A refresh-token grant for a confidential demo client; resolves to the status and error. */
export async function refresh(
  t: TestAuthorizationServer,
  refreshToken: string,
  clientId = 'grantlab-logout',
) {
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    { authorization: basic(clientId, secrets[clientId] ?? '') },
  )
  const body = (await response.json()) as { error?: string }
  return { status: response.status, error: body.error }
}
