import { decodeJwt } from 'jose'
import { driveAuthorization, type TestAuthorizationServer } from './test-server'
import { authorizeUrl, basic, spaRedirect, testVerifier } from './test-support'

/** The test server's resource identifiers (RFC 9728 §1.2, protected-resources.ts). */
export const apiResource = 'http://127.0.0.1:4173/api'
export const mcpResource = 'http://127.0.0.1:4173/mcp'

/** A form body with `resource` repeated once per value (RFC 8707 §2). */
export function formWithResources(
  params: Record<string, string>,
  resources: readonly string[],
): URLSearchParams {
  const body = new URLSearchParams(params)
  for (const resource of resources) body.append('resource', resource)
  return body
}

export function postFormBody(
  t: TestAuthorizationServer,
  path: string,
  body: URLSearchParams,
  headers: Record<string, string> = {},
): Promise<Response> {
  return t.server.handle(
    new Request(`${t.deps.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    }),
  )
}

/** Redeems a code for grantlab-spa, sending `resource` at the token endpoint as given. */
export function redeem(
  t: TestAuthorizationServer,
  code: string,
  resources: readonly string[] = [],
): Promise<Response> {
  return postFormBody(
    t,
    '/token',
    formWithResources(
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: spaRedirect,
        code_verifier: testVerifier,
        client_id: 'grantlab-spa',
      },
      resources,
    ),
  )
}

/** The authorization URL for grantlab-spa with `resource` repeated once per value. */
export async function authorizeUrlWithResources(
  t: TestAuthorizationServer,
  resources: readonly string[],
  overrides: Record<string, string | undefined> = {},
): Promise<string> {
  const url = new URL(
    await authorizeUrl(t, { scope: 'orders:read orders:write', nonce: undefined, ...overrides }),
  )
  for (const resource of resources) url.searchParams.append('resource', resource)
  return url.href
}

/** Runs /authorize as alice with `resource` values and returns the code. */
export async function codeForResources(
  t: TestAuthorizationServer,
  resources: readonly string[],
  overrides: Record<string, string | undefined> = {},
): Promise<string> {
  const driven = await driveAuthorization(
    t.server,
    await authorizeUrlWithResources(t, resources, overrides),
  )
  const code = new URL(driven.location ?? 'http://invalid/').searchParams.get('code')
  if (!code) throw new Error(`no code in ${driven.location}`)
  return code
}

/**
 * A code flow for grantlab-spa as alice whose authorization request names `resources`, and the
 * token response of redeeming it with `atToken` as the token request's `resource` values.
 */
export async function tokensForResources(
  t: TestAuthorizationServer,
  resources: readonly string[],
  options: { atToken?: readonly string[]; scope?: string } = {},
): Promise<{ access_token: string; refresh_token: string; scope: string }> {
  const code = await codeForResources(
    t,
    resources,
    options.scope === undefined ? {} : { scope: options.scope },
  )
  const response = await redeem(t, code, options.atToken ?? [])
  if (response.status !== 200) throw new Error(`token request failed: ${await response.text()}`)
  return response.json()
}

/** The `aud` claim of a JWT access token. */
export function audienceOf(token: string): unknown {
  return decodeJwt(token).aud
}

/** A client_credentials token for grantlab-m2m, optionally for `resources`. */
export async function serviceToken(
  t: TestAuthorizationServer,
  scope: string,
  resources: readonly string[] = [],
): Promise<Response> {
  return postFormBody(
    t,
    '/token',
    formWithResources({ grant_type: 'client_credentials', scope }, resources),
    {
      authorization: basic('grantlab-m2m', 'grantlab-m2m-secret'),
    },
  )
}
