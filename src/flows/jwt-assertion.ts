/**
 * What a client needs to use the JWT bearer grant (RFC 7523 §2.1): a key pair made in the
 * browser, the public half registered with the server, and assertions signed with the private
 * half. Shared by the JWT bearer and token exchange walkthroughs. oauth4webapi does not make
 * assertions, so jose signs them.
 * @see [RFC 7523 §2.1](https://www.rfc-editor.org/rfc/rfc7523#section-2.1)
 * @see [RFC 7523 §3](https://www.rfc-editor.org/rfc/rfc7523#section-3)
 */
import type { JWK, JWTPayload } from 'jose'
import * as oauth from 'oauth4webapi'
import { rfc } from '../shared/spec-links.ts'
import { discover } from './code-flow-steps.ts'
import type { JsonValue, Step } from './flow-model.ts'
import { type HasFetch, oauthOptions } from './http-capture.ts'

/** jose loads when a step first signs, not with the walkthrough pages (docs/decisions/091). */
export const loadJose = () => import('./jose-signing.ts')

export const jwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/** A JWK as flow data (flow data must be JSON). */
export type JwkData = { [key: string]: JsonValue | undefined }

export interface AssertionKey {
  privateJwk: JwkData
  publicJwk: JwkData
  kid: string
}

/** An ES256 key pair, exportable so the walkthrough can keep it across reloads. */
export async function makeAssertionKey(): Promise<AssertionKey> {
  const { calculateJwkThumbprint, exportJWK, generateKeyPair } = await loadJose()
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid } as JwkData,
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } as JwkData,
    kid,
  }
}

/** Signs the claims as they are (whatever the learner wrote), with the key's kid in the header. */
export async function signAssertion(
  claims: JWTPayload,
  key: { privateJwk: JwkData; kid: string },
): Promise<string> {
  const { importJWK, SignJWT } = await loadJose()
  const privateKey = await importJWK(key.privateJwk as JWK, 'ES256')
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .sign(privateKey)
}

/** A valid set of claims: issued by the client, about the user, for this server's token endpoint. */
export function freshClaims(init: {
  clientId: string
  sub: string
  audience: string
  nowMs: number
}): JWTPayload & { iss: string; sub: string; aud: string; exp: number; jti: string } {
  const now = Math.floor(init.nowMs / 1000)
  return {
    iss: init.clientId,
    sub: init.sub,
    aud: init.audience,
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: crypto.randomUUID(),
  }
}

/**
 * The mock server's demo administrator's initial access token (RFC 7591 §3). Registering a key
 * does not make its client a trusted assertion issuer; a registration that carries this token
 * does. A demo shortcut, said so in the walkthrough: a real server gives such a token to its
 * administrators, never to a page (docs/decisions/056).
 */
export const demoAdminInitialAccessToken = 'grantlab-demo-admin-initial-access-token'

/**
 * The metadata of an assertion issuer: the key in `jwks`, the jwt-bearer grant, its scope, and no
 * response type (RFC 7591 §2: an absent response_types means "code", which needs a code grant).
 */
export function assertionIssuerMetadata(init: { name: string; publicJwk: JwkData; scope: string }) {
  return {
    client_name: init.name,
    token_endpoint_auth_method: 'none',
    grant_types: [jwtBearerGrantType],
    response_types: [],
    scope: init.scope,
    jwks: { keys: [init.publicJwk] },
  }
}

/**
 * The client registration that makes the server trust the key (docs/decisions/056): the key in
 * `jwks`, the jwt-bearer grant, and the demo administrator's initial access token.
 */
export async function registerAssertionIssuer(
  ctx: HasFetch,
  as: oauth.AuthorizationServer,
  init: { name: string; publicJwk: JwkData; scope: string },
): Promise<{ clientId: string; registered: Record<string, unknown> }> {
  const response = await oauth.dynamicClientRegistrationRequest(as, assertionIssuerMetadata(init), {
    ...oauthOptions(ctx),
    initialAccessToken: demoAdminInitialAccessToken,
  })
  const registered = await oauth.processDynamicClientRegistrationResponse(response)
  return { clientId: registered.client_id, registered }
}

/** Sends an assertion to the token endpoint with oauth4webapi's generic grant request. */
export async function requestWithAssertion(
  ctx: HasFetch,
  as: oauth.AuthorizationServer,
  clientId: string,
  assertion: string,
  scope: string,
): Promise<oauth.TokenEndpointResponse> {
  const client: oauth.Client = { client_id: clientId }
  const response = await oauth.genericTokenEndpointRequest(
    as,
    client,
    oauth.None(),
    jwtBearerGrantType,
    { assertion, scope },
    oauthOptions(ctx),
  )
  return oauth.processGenericTokenEndpointResponse(as, client, response)
}

/**
 * Fetches the server's metadata, checking that it lists the grant the walkthrough is about.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export function discoverGrantStep<D extends { as?: oauth.AuthorizationServer }>(init: {
  grantType: string
  from: string
  explanation: string
}): Step<D> {
  return {
    id: 'discover',
    label: 'GET metadata',
    title: 'Discover the authorization server',
    from: init.from,
    to: 'as',
    kind: 'request',
    spec: rfc(8414, '3'),
    moreSpecs: [rfc(8414, '2')],
    explanation: init.explanation,
    async run(ctx) {
      const as = await discover(ctx, 'oauth2')
      const grants = as.grant_types_supported ?? []
      if (!grants.includes(init.grantType)) {
        return {
          status: 'error',
          message: `The server does not list ${init.grantType} in grant_types_supported.`,
          exchanges: ctx.exchanges(),
        }
      }
      return {
        status: 'ok',
        summary: `The server's metadata lists ${init.grantType}.`,
        exchanges: ctx.exchanges(),
        values: [
          { label: 'Token endpoint', value: String(as.token_endpoint) },
          { label: 'grant_types_supported', value: grants.join('\n') },
        ],
        save: { as } as Partial<D>,
      }
    },
  }
}
