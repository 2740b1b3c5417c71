import { demoAdminInitialAccessToken } from './demo-data'
import { computeS256Challenge } from './pkce'
import {
  createTestAuthorizationServer,
  driveAuthorization,
  type TestAuthorizationServer,
} from './test-server'

/** Request builders shared by the core's unit tests. */

export const spaRedirect = 'http://127.0.0.1:4173/walkthrough/authorization-code/callback'
export const testVerifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'

export function basic(id: string, secret: string): string {
  return `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`
}

export async function authorizeUrl(
  t: TestAuthorizationServer,
  overrides: Record<string, string | undefined> = {},
): Promise<string> {
  const params: Record<string, string | undefined> = {
    client_id: 'grantlab-spa',
    redirect_uri: spaRedirect,
    response_type: 'code',
    scope: 'openid profile orders:read',
    state: 'state-123',
    nonce: 'nonce-456',
    code_challenge: await computeS256Challenge(testVerifier),
    code_challenge_method: 'S256',
    ...overrides,
  }
  const url = new URL(`${t.deps.issuer}/authorize`)
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.append(name, value)
  }
  return url.href
}

export function get(t: TestAuthorizationServer, url: string, headers: Record<string, string> = {}) {
  return t.server.handle(new Request(url, { headers }))
}

/** POST a form to an endpoint below the issuer (`/token`, `/revoke`, …). */
export function postForm(
  t: TestAuthorizationServer,
  path: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return t.server.handle(
    new Request(`${t.deps.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(params),
    }),
  )
}

/** The demo administrator's initial access token (demo-data.ts), as a registration header. */
export const asAdmin = { authorization: `Bearer ${demoAdminInitialAccessToken}` }

/**
 * POSTs client metadata to /register (RFC 7591 dynamic registration), as JSON. `headers` may
 * carry an initial access token (`asAdmin`).
 */
export function register(
  t: TestAuthorizationServer,
  metadata: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return t.server.handle(
    new Request(`${t.deps.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(metadata),
    }),
  )
}

export function callApi(
  t: TestAuthorizationServer,
  path: string,
  token: string,
  init: RequestInit = {},
): Promise<Response> {
  return t.server.handle(
    new Request(`${t.deps.appOrigin}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    }),
  )
}

/**
 * Introspects as the demo API's own client (a resource server for `/api` tokens), or as another
 * confidential client. A caller learns only about its own tokens and access tokens meant for it.
 */
export async function introspect(
  t: TestAuthorizationServer,
  token: string,
  caller: { id: string; secret: string } = { id: 'grantlab-api', secret: 'grantlab-api-secret' },
): Promise<unknown> {
  const response = await postForm(
    t,
    '/introspect',
    { token },
    { authorization: basic(caller.id, caller.secret) },
  )
  return response.json()
}

/** Runs /authorize as alice and returns the code from the redirect. */
export async function obtainCode(
  t: TestAuthorizationServer,
  overrides: Record<string, string | undefined> = {},
): Promise<string> {
  const driven = await driveAuthorization(t.server, await authorizeUrl(t, overrides))
  const code = new URL(driven.location ?? 'http://invalid/').searchParams.get('code')
  if (!code) throw new Error(`no code in ${driven.location}`)
  return code
}

export interface TokenSet {
  access_token: string
  refresh_token: string
  id_token?: string
  scope: string
}

/** A full code flow for grantlab-spa, returning the token response. */
export async function obtainTokens(
  t: TestAuthorizationServer = createTestAuthorizationServer(),
): Promise<{ tokens: TokenSet; code: string }> {
  const code = await obtainCode(t)
  const response = await postForm(t, '/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: spaRedirect,
    code_verifier: testVerifier,
    client_id: 'grantlab-spa',
  })
  if (response.status !== 200) throw new Error(`token request failed: ${await response.text()}`)
  return { tokens: (await response.json()) as TokenSet, code }
}
