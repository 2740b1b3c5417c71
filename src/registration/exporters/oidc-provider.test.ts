import { mkdir, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import {
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { allAnswerCombinations } from '../../advisor/answer-space.ts'
import { recommend } from '../../advisor/recommend.ts'
import { jwtBearerWalkthroughClient } from '../../flows/jwt-bearer.ts'
import { grantTypes } from '../checks.ts'
import type { ClientMetadata, JwkSet } from '../client-metadata.ts'
import { presets } from '../presets.ts'
import { everyFieldClient } from './export-samples.ts'
import { exampleApi, exampleDownstreamApi, exportOidcProviderModule } from './oidc-provider.ts'
import { clientAssertionType } from './platform-assertion.ts'
import { readForms, signInAndConsent, TestBrowser } from './test-browser.ts'

// Every export the page can produce for a preset or an advisor draft is loaded, as the module
// text the user downloads, into a real oidc-provider 9 and used: the client's grants run end to
// end against it (review 2026-12, Factual 3). Port 9441 serves one provider per export.
// A service client on private_key_jwt runs twice: signing its own assertions, and, with the
// module's assertionPlatform named as a user names it, with the JWT its platform issued
// (docs/decisions/135), which oidc-provider alone would refuse (its iss is not the client_id).
const port = 9441
const origin = `http://127.0.0.1:${port}`
const clientSecret = 'an-example-client-secret-that-is-long-enough-0123456789'
const helperSecret = 'the-test-helper-client-secret-that-is-long-enough-0123'

/** oidc-provider ships no type declarations: the little this test uses, typed by hand. */
type Provider = {
  callback: () => (request: unknown, response: unknown) => void
  Client: { find: (id: string) => Promise<{ metadata: () => Record<string, unknown> } | undefined> }
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => Provider
type ExportedModule = {
  client: Record<string, unknown> & { client_id: string; grant_types?: string[]; scope?: string }
  features: Record<string, unknown>
  configuration: Record<string, unknown>
  setup?: (provider: Provider) => Promise<void>
  trustedAssertionIssuers?: { issuer: string; jwksUri: string }[]
  waitingForUser?: Map<string, string>
  answerBackchannelRequest?: (
    provider: Provider,
    authReqId: string,
    allowed: boolean,
  ) => Promise<void>
}
const oidcProviderModule = 'oidc-provider'
const { default: OidcProvider } = (await import(/* @vite-ignore */ oidcProviderModule)) as {
  default: ProviderConstructor
}

const providers = new Map<string, Provider>()
let server: Server
let providerKeys: JWK[]
/** The identity provider the JWT bearer samples trust: the test plays it. */
let idpKey: CryptoKey
let idpJwks: { keys: JWK[] }
/** The client's own key pairs, one per algorithm, for private_key_jwt (jwks, or served at jwks_uri). */
const clientKeys = new Map<string, { key: CryptoKey; jwks: JwkSet }>()
/** The workload platform the platform samples trust: the test plays it, with a key per algorithm. */
const platformIssuer = `${origin}/platform`
const platformKeys = new Map<string, { key: CryptoKey; kid: string }>()
let platformJwks: { keys: JWK[] }
/** A key of the right kind the platform never published. */
let strangerKey: CryptoKey
const moduleDir = join(process.cwd(), 'node_modules', '.tmp', 'grantlab-oidc-provider-exports')

const assertionAlgorithms = ['ES256', 'RS256'] as const

/** The client's key for its registered algorithm (what it signs its assertions with). */
function ownKey(metadata: ClientMetadata) {
  const found = clientKeys.get(metadata.token_endpoint_auth_signing_alg ?? 'ES256')
  if (!found) throw new Error(`no test key for ${metadata.token_endpoint_auth_signing_alg}`)
  return found
}

function uniqueDrafts(): [string, ClientMetadata][] {
  const seen = new Map<string, ClientMetadata>()
  for (const answers of allAnswerCombinations()) {
    const { client } = recommend(answers)
    seen.set(JSON.stringify(client), client)
  }
  return [...seen.values()].map((client, index) => [`advisor draft ${index + 1}`, client])
}

/** Its public key stands in for the one the walkthrough makes in the browser. */
const walkthroughKey = await generateKeyPair('ES256', { extractable: true })
const walkthroughJwk = { ...(await exportJWK(walkthroughKey.publicKey)), kid: 'walkthrough' }

const samples: [string, ClientMetadata][] = [
  ...presets.map((preset): [string, ClientMetadata] => [`preset ${preset.id}`, preset.metadata]),
  ['the every-field client', everyFieldClient],
  // No advisor draft uses the JWT bearer grant any more: its walkthrough's client keeps it proven.
  [
    'the JWT bearer walkthrough’s client',
    {
      ...jwtBearerWalkthroughClient(walkthroughJwk),
      jwks: { keys: [{ ...walkthroughJwk, kty: 'EC' }] },
    },
  ],
  ...uniqueDrafts(),
]

beforeAll(async () => {
  await mkdir(moduleDir, { recursive: true })
  providerKeys = await Promise.all(
    (['RS256', 'ES256'] as const).map(async (alg) => ({
      ...(await exportJWK((await generateKeyPair(alg, { extractable: true })).privateKey)),
      alg,
      use: 'sig',
      kid: `provider-${alg}`,
    })),
  )
  const idp = await generateKeyPair('ES256', { extractable: true })
  idpKey = idp.privateKey
  idpJwks = { keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'idp-1', alg: 'ES256' }] }
  const published: JWK[] = []
  for (const alg of assertionAlgorithms) {
    const own = await generateKeyPair(alg, { extractable: true })
    const clientJwk = await exportJWK(own.publicKey)
    clientKeys.set(alg, {
      key: own.privateKey,
      jwks: {
        keys: [
          {
            ...clientJwk,
            kty: clientJwk.kty as string,
            kid: await calculateJwkThumbprint(clientJwk),
            alg,
            use: 'sig',
          },
        ],
      },
    })
    const platform = await generateKeyPair(alg, { extractable: true })
    platformKeys.set(alg, { key: platform.privateKey, kid: `platform-${alg}` })
    published.push({ ...(await exportJWK(platform.publicKey)), kid: `platform-${alg}`, alg })
  }
  platformJwks = { keys: published }
  strangerKey = (await generateKeyPair('RS256', { extractable: true })).privateKey
  server = createServer((request, response) => {
    const url = request.url ?? '/'
    const keySet = url === '/idp/jwks' ? idpJwks : url === '/platform/jwks' ? platformJwks : null
    if (keySet) {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(keySet))
      return
    }
    const match = /^\/p\/([\w-]+)/.exec(url)
    const provider = match ? providers.get(match[1] as string) : undefined
    if (!match || !provider) {
      response.writeHead(404).end()
      return
    }
    // Mounted below /p/<name>, as an app mounts it under a path: the issuer carries the path.
    Object.assign(request, { originalUrl: url, url: url.slice(match[0].length) || '/' })
    provider.callback()(request, response)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

type Loaded = {
  exported: ExportedModule
  provider: Provider
  as: oauth.AuthorizationServer
  client: oauth.Client
  clientAuth: oauth.ClientAuth
  dpop: oauth.DPoPHandle | undefined
}

const insecure = { [oauth.allowInsecureRequests]: true } as const

/** The module's switch, as a user sets it: the platform the workload's JWTs come from. */
const unnamedPlatform = 'export const assertionPlatform = null'

type LoadOptions = {
  /** Name the test's platform in the module's assertionPlatform. */
  platform?: boolean
  /** Call the module's setup(provider), as its usage says (default true). */
  setup?: boolean
}

async function loadExport(
  name: string,
  metadata: ClientMetadata,
  { platform = false, setup = true }: LoadOptions = {},
): Promise<Loaded> {
  const id = [
    name.replace(/[^a-z0-9]+/gi, '-').toLowerCase(),
    ...(platform ? ['platform'] : []),
    ...(setup ? [] : ['no-setup']),
  ].join('-')
  const own =
    metadata.token_endpoint_auth_method === 'private_key_jwt' ? ownKey(metadata) : undefined
  // The key this test can sign with stands in for the example key of the every-field client.
  const withKey = metadata.jwks && own ? { ...metadata, jwks: own.jwks } : metadata
  let text = exportOidcProviderModule(withKey)
  if (platform) {
    expect(text, 'the module has the platform switch').toContain(unnamedPlatform)
    const alg = metadata.token_endpoint_auth_signing_alg ?? 'RS256'
    text = text.replace(
      unnamedPlatform,
      `export const assertionPlatform = ${JSON.stringify({
        issuer: platformIssuer,
        jwksUri: `${origin}/platform/jwks`,
        algorithms: [alg],
      })}`,
    )
  }
  const file = join(moduleDir, `${id}.mjs`)
  await writeFile(file, text)
  process.env.OAUTH_CLIENT_SECRET = clientSecret
  const exported = (await import(/* @vite-ignore */ file)) as ExportedModule
  const issuer = `${origin}/p/${id}`
  const exchanges = exported.client.grant_types?.includes(grantTypes.tokenExchange)
  const provider = new OidcProvider(issuer, {
    ...exported.configuration,
    features: {
      ...exported.features,
      // A second client that fetches a subject token for the token-exchange samples.
      ...(exchanges ? { clientCredentials: { enabled: true } } : {}),
    },
    clients: [
      exported.client,
      ...(exchanges
        ? [
            {
              client_id: 'subject-token-source',
              client_secret: helperSecret,
              grant_types: ['client_credentials'],
              response_types: [],
              redirect_uris: [],
              scope: exported.client.scope,
            },
          ]
        : []),
    ],
    jwks: { keys: providerKeys },
    // The drafts' jwks_uri names the app's own host (or the platform's); this test answers for it.
    fetch: async (url: URL | string) =>
      String(url) === metadata.jwks_uri && own
        ? Response.json(own.jwks)
        : new Response('not here', { status: 404 }),
  })
  if (exported.trustedAssertionIssuers) {
    // What a user does with the placeholder: name the identity provider they trust.
    exported.trustedAssertionIssuers.splice(0, Infinity, {
      issuer: `${origin}/idp`,
      jwksUri: `${origin}/idp/jwks`,
    })
  }
  if (setup) await exported.setup?.(provider)
  providers.set(id, provider)

  const as = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), { ...insecure, algorithm: 'oidc' }),
  )
  const client: oauth.Client = { client_id: exported.client.client_id }
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const clientAuth = platform
    ? // One JWT for the whole run, as a platform hands out one until it renews it.
      sendAssertion(await platformJwt(issuer, client.client_id, metadata))
    : method === 'none'
      ? oauth.None()
      : method === 'private_key_jwt' && own
        ? oauth.PrivateKeyJwt({ key: own.key, kid: own.jwks.keys[0]?.kid })
        : oauth.ClientSecretBasic(clientSecret)
  const dpop = metadata.dpop_bound_access_tokens
    ? oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
    : undefined
  return { exported, provider, as, client, clientAuth, dpop }
}

type PlatformClaims = {
  iss?: string
  sub?: string
  aud?: string | string[]
  iat?: number
  exp?: number
  jti?: string
}

/**
 * A JWT as the workload's platform issues it: iss the platform, sub the client_id, aud the
 * issuer alone, a few minutes to live; `claims` and `sign` make the broken ones.
 */
async function platformJwt(
  issuer: string,
  clientId: string,
  metadata: ClientMetadata,
  claims: PlatformClaims = {},
  sign: { alg?: string; key?: CryptoKey } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const alg = sign.alg ?? metadata.token_endpoint_auth_signing_alg ?? 'RS256'
  const platform = platformKeys.get(alg)
  if (!platform) throw new Error(`no platform key for ${alg}`)
  const payload = {
    iss: platformIssuer,
    sub: clientId,
    aud: issuer,
    iat: now,
    exp: now + 600,
    jti: crypto.randomUUID(),
    ...claims,
  }
  if (claims.exp === undefined && 'exp' in claims) delete (payload as { exp?: number }).exp
  return new SignJWT(payload)
    .setProtectedHeader({ alg, kid: platform.kid, typ: 'JWT' })
    .sign(sign.key ?? platform.key)
}

/** Client authentication with a given JWT as client_assertion (RFC 7523 §2.2), as the starter sends it. */
function sendAssertion(assertion: string): oauth.ClientAuth {
  return (_as, client, body) => {
    body.set('client_id', client.client_id)
    body.set('client_assertion_type', clientAssertionType)
    body.set('client_assertion', assertion)
  }
}

function options(loaded: Loaded) {
  return { ...insecure, ...(loaded.dpop ? { DPoP: loaded.dpop } : {}) }
}

/** oauth4webapi throws on an error response; this returns the RFC 6749 §5.2 error code instead. */
async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) return error.error
    throw error
  }
  return 'no error'
}

async function runCodeFlow(loaded: Loaded, metadata: ClientMetadata) {
  const { as, client, clientAuth } = loaded
  const redirectUri = metadata.redirect_uris?.[0] as string
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const openid = (metadata.scope ?? '').split(' ').includes('openid')
  // A nonce belongs to OpenID Connect requests only (OIDC Core §3.1.2.1).
  const nonce = openid ? oauth.generateRandomNonce() : undefined
  const params = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: metadata.scope ?? 'openid',
    state,
    ...(nonce ? { nonce } : {}),
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  })
  const authorize = new URL(as.authorization_endpoint as string)
  const browser = new TestBrowser()
  const toClient = (url: string) => url.startsWith(redirectUri)

  // PKCE is required of every client by the exported configuration, confidential ones too.
  const withoutPkce = new URL(authorize)
  const plain = new URLSearchParams(params)
  plain.delete('code_challenge')
  plain.delete('code_challenge_method')
  withoutPkce.search = plain.toString()
  const refused = new URL((await browser.open(withoutPkce.href, { stopAt: toClient })).url)
  expect(refused.searchParams.get('error')).toBe('invalid_request')
  // A client that registered require_pushed_authorization_requests is refused a plain request first.
  expect(refused.searchParams.get('error_description')).toMatch(
    metadata.require_pushed_authorization_requests ? /Pushed Authorization Request/i : /PKCE/,
  )

  if (metadata.require_pushed_authorization_requests) {
    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(as, client, clientAuth, params, options(loaded)),
    )
    authorize.search = new URLSearchParams({
      client_id: client.client_id,
      request_uri: pushed.request_uri,
    }).toString()
  } else {
    authorize.search = params.toString()
  }
  const login = await browser.open(authorize.href, { stopAt: toClient })
  // The authorization request reaches the sign-in (oidc-provider's interaction).
  expect(login.url).toMatch(new RegExp(`^${as.issuer}/interaction/`))
  expect(readForms(login.html, login.url).some((form) => form.inputs.includes('password'))).toBe(
    true,
  )
  const back = await signInAndConsent(browser, login, {
    username: 'alice',
    password: 'any password (development interactions)',
    stopAt: toClient,
    done: (page) => toClient(page.url),
  })
  const callback = oauth.validateAuthResponse(as, client, new URL(back.url), state)
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      callback,
      redirectUri,
      verifier,
      options(loaded),
    ),
    { ...(nonce ? { expectedNonce: nonce } : {}), requireIdToken: openid },
  )
  expect(tokens.token_type).toBe(loaded.dpop ? 'dpop' : 'bearer')
  if (metadata.grant_types?.includes(grantTypes.refreshToken)) {
    // The exported issueRefreshToken policy hands one out, offline_access or not.
    expect(tokens.refresh_token, 'a refresh token').toEqual(expect.any(String))
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(
        as,
        client,
        clientAuth,
        tokens.refresh_token as string,
        options(loaded),
      ),
    )
    expect(refreshed.access_token).not.toBe(tokens.access_token)
  } else {
    expect(tokens.refresh_token).toBeUndefined()
  }
}

async function assertion(loaded: Loaded, claims: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    sub: 'alice',
    aud: loaded.as.issuer,
    jti: crypto.randomUUID(),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'JWT' })
    .setIssuer(`${origin}/idp`)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(idpKey)
}

async function runJwtBearer(loaded: Loaded) {
  const { as, client, clientAuth } = loaded
  const send = (value: string) =>
    oauth
      .genericTokenEndpointRequest(
        as,
        client,
        clientAuth,
        grantTypes.jwtBearer,
        { assertion: value },
        options(loaded),
      )
      .then((response) => oauth.processGenericTokenEndpointResponse(as, client, response))
  const first = await assertion(loaded)
  const tokens = await send(first)
  expect(tokens.token_type).toBe(loaded.dpop ? 'dpop' : 'bearer')
  expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'alice', aud: exampleApi })
  // The registered handler refuses what RFC 7523 §3 refuses, each with invalid_grant.
  expect(await errorOf(send(first))).toBe('invalid_grant')
  expect(await errorOf(send(await assertion(loaded, { aud: as.token_endpoint })))).toBe(
    'invalid_grant',
  )
  expect(await errorOf(send(await assertion(loaded, { aud: [as.issuer, 'x'] })))).toBe(
    'invalid_grant',
  )
}

/** A token for the API, from the helper client, for the exchanging client to exchange. */
async function subjectToken(loaded: Loaded) {
  const source: oauth.Client = { client_id: 'subject-token-source' }
  return oauth.processClientCredentialsResponse(
    loaded.as,
    source,
    await oauth.clientCredentialsGrantRequest(
      loaded.as,
      source,
      oauth.ClientSecretBasic(helperSecret),
      new URLSearchParams({ resource: exampleApi, scope: loaded.exported.client.scope ?? '' }),
      insecure,
    ),
  )
}

async function exchangeOnce(loaded: Loaded, subjectToken: string, auth = loaded.clientAuth) {
  const { as, client } = loaded
  return oauth.processGenericTokenEndpointResponse(
    as,
    client,
    await oauth.genericTokenEndpointRequest(
      as,
      client,
      auth,
      grantTypes.tokenExchange,
      {
        subject_token: subjectToken,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      },
      options(loaded),
    ),
  )
}

async function runTokenExchange(loaded: Loaded) {
  const subject = await subjectToken(loaded)
  const exchange = (value: string) => exchangeOnce(loaded, value)
  const exchanged = await exchange(subject.access_token)
  expect(exchanged.issued_token_type).toBe('urn:ietf:params:oauth:token-type:access_token')
  const claims = decodeJwt(exchanged.access_token)
  expect(claims).toMatchObject({ aud: exampleDownstreamApi, sub: 'subject-token-source' })
  expect(claims.exp).toBeLessThanOrEqual(decodeJwt(subject.access_token).exp as number)
  // A token that was not issued for this API (or not by this server) is refused.
  expect(await errorOf(exchange(exchanged.access_token))).toBe('invalid_request')
  expect(await errorOf(exchange('not-a-token'))).toBe('invalid_request')
}

/** CIBA poll mode: pending until the user answers through the module's own hook, then tokens. */
async function runCiba(loaded: Loaded, metadata: ClientMetadata) {
  const { as, client, clientAuth, exported, provider } = loaded
  const start = async (bindingMessage: string) =>
    oauth.processBackchannelAuthenticationResponse(
      as,
      client,
      await oauth.backchannelAuthenticationRequest(
        as,
        client,
        clientAuth,
        { scope: metadata.scope ?? 'openid', login_hint: 'alice', binding_message: bindingMessage },
        insecure,
      ),
    )
  const poll = (authReqId: string) =>
    oauth
      .backchannelAuthenticationGrantRequest(as, client, clientAuth, authReqId, options(loaded))
      .then((response) => oauth.processBackchannelAuthenticationGrantResponse(as, client, response))
  expect(as.backchannel_token_delivery_modes_supported).toEqual(['poll'])
  const allowed = await start('GL-1234')
  expect(await errorOf(poll(allowed.auth_req_id))).toBe('authorization_pending')
  // The module noted who to ask; the user's device answers through answerBackchannelRequest.
  expect(exported.waitingForUser?.get(allowed.auth_req_id)).toBe('alice')
  await exported.answerBackchannelRequest?.(provider, allowed.auth_req_id, true)
  const tokens = await poll(allowed.auth_req_id)
  expect(tokens.token_type).toBe(loaded.dpop ? 'dpop' : 'bearer')
  expect(oauth.getValidatedIdTokenClaims(tokens)?.sub).toBe('alice')
  expect(decodeJwt(tokens.access_token).aud).toBe(exampleApi)
  if (metadata.grant_types?.includes(grantTypes.refreshToken)) {
    expect(tokens.refresh_token, 'a refresh token').toEqual(expect.any(String))
  }
  const denied = await start('GL-5678')
  await exported.answerBackchannelRequest?.(provider, denied.auth_req_id, false)
  expect(await errorOf(poll(denied.auth_req_id))).toBe('access_denied')
}

/** No user, so no OpenID Connect scopes: the API's. */
function apiScopeOf(metadata: ClientMetadata): string {
  return (metadata.scope ?? '')
    .split(' ')
    .filter((scope) => !['openid', 'profile', 'email', 'offline_access'].includes(scope))
    .join(' ')
}

async function clientCredentials(
  loaded: Loaded,
  metadata: ClientMetadata,
  auth = loaded.clientAuth,
) {
  const { as, client } = loaded
  return oauth.processClientCredentialsResponse(
    as,
    client,
    await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      new URLSearchParams({ scope: apiScopeOf(metadata) }),
      options(loaded),
    ),
  )
}

/** Every grant the client registered, run with the loaded client authentication. */
async function runGrants(loaded: Loaded, metadata: ClientMetadata) {
  const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
  const { as, client, clientAuth } = loaded
  if (grants.includes(grantTypes.authorizationCode)) await runCodeFlow(loaded, metadata)
  if (grants.includes(grantTypes.clientCredentials)) {
    const tokens = await clientCredentials(loaded, metadata)
    expect(tokens.token_type).toBe(loaded.dpop ? 'dpop' : 'bearer')
    expect(tokens.scope).toBe(apiScopeOf(metadata))
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      aud: exampleApi,
      client_id: client.client_id,
    })
  }
  if (grants.includes(grantTypes.deviceCode)) {
    const started = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(
        as,
        client,
        clientAuth,
        new URLSearchParams({ scope: metadata.scope ?? 'openid' }),
        insecure,
      ),
    )
    expect(started.user_code).toMatch(/\S/)
    expect(started.verification_uri).toMatch(new RegExp(`^${as.issuer}`))
    const poll = oauth.deviceCodeGrantRequest(
      as,
      client,
      clientAuth,
      started.device_code,
      options(loaded),
    )
    expect(
      await errorOf(poll.then((response) => oauth.processDeviceCodeResponse(as, client, response))),
    ).toBe('authorization_pending')
  }
  if (grants.includes(grantTypes.ciba)) await runCiba(loaded, metadata)
  if (grants.includes(grantTypes.jwtBearer)) await runJwtBearer(loaded)
  if (grants.includes(grantTypes.tokenExchange)) await runTokenExchange(loaded)
}

/** The client's own (service) grant once, with `auth`: the error code, or 'no error'. */
async function attempt(loaded: Loaded, metadata: ClientMetadata, auth: oauth.ClientAuth) {
  if (metadata.grant_types?.includes(grantTypes.clientCredentials)) {
    return errorOf(clientCredentials(loaded, metadata, auth))
  }
  if (metadata.grant_types?.includes(grantTypes.tokenExchange)) {
    return errorOf(exchangeOnce(loaded, (await subjectToken(loaded)).access_token, auth))
  }
  throw new Error('no service grant to attempt')
}

/**
 * The refusals a platform's JWT meets in the module (decision 135), each the RFC 6749 §5.2 answer:
 * every check of RFC 7523 §3 it makes, a JWT that is not the platform's, and not a JWT at all.
 */
async function platformRefusals(loaded: Loaded, metadata: ClientMetadata) {
  const { as, client } = loaded
  const jwt = (claims: PlatformClaims = {}, sign: { alg?: string; key?: CryptoKey } = {}) =>
    platformJwt(as.issuer, client.client_id, metadata, claims, sign)
  const refused = async (assertion: string) => attempt(loaded, metadata, sendAssertion(assertion))
  const now = Math.floor(Date.now() / 1000)
  const alg = metadata.token_endpoint_auth_signing_alg ?? 'RS256'
  const otherAlg = alg === 'RS256' ? 'ES256' : 'RS256'
  const cases: [string, Promise<string>, string?][] = [
    ['aud is the token endpoint', jwt({ aud: as.token_endpoint })],
    ['aud is a list', jwt({ aud: [as.issuer, 'https://other.example.com'] })],
    ['aud is another server', jwt({ aud: 'https://other.example.com' })],
    ['iss is another issuer', jwt({ iss: 'https://other-platform.example.com' })],
    // The body's client_id names this client: oidc-provider refuses the mismatch outright.
    ['sub is another client', jwt({ sub: 'another-client' }), 'invalid_request'],
    ['signed with a key the platform never published', jwt({}, { alg: 'RS256', key: strangerKey })],
    [`signed with ${otherAlg}, not the configured ${alg}`, jwt({}, { alg: otherAlg })],
    ['expired', jwt({ iat: now - 900, exp: now - 60 })],
    ['no exp', jwt({ exp: undefined })],
    ['two hours to live', jwt({ exp: now + 7200 })],
    // Signed with the platform's key but self-issued: only the module's vouching key counts now.
    ['iss = sub = client_id', jwt({ iss: client.client_id })],
  ]
  for (const [what, assertion, error = 'invalid_client'] of cases) {
    expect(await refused(await assertion), what).toBe(error)
  }
  expect(await refused('not-a-jwt'), 'not a JWT').toBe('invalid_request')
  // This module's policy: the same JWT again is accepted until it expires, also at the same time.
  const reused = await jwt()
  const twice = await Promise.all([refused(reused), refused(reused)])
  expect(twice).toEqual(['no error', 'no error'])
  expect(await refused(reused), 'a third time').toBe('no error')
}

for (const [name, metadata] of samples) {
  test(`node-oidc-provider loads the ${name} export and runs its grants`, async () => {
    const loaded = await loadExport(name, metadata)
    const registered = await loaded.provider.Client.find(loaded.client.client_id)
    expect(registered, 'oidc-provider accepts the client').toBeDefined()
    const seen = registered?.metadata() ?? {}
    for (const field of ['redirect_uris', 'grant_types', 'token_endpoint_auth_method'] as const) {
      if (metadata[field] !== undefined) expect(seen[field], field).toEqual(metadata[field])
    }
    await runGrants(loaded, metadata)
    if (!exportOidcProviderModule(metadata).includes(unnamedPlatform)) return

    // A service on private_key_jwt may hold its platform's JWT instead (the advisor's workload).
    // Before the platform is named, oidc-provider refuses it: its iss is not the client_id.
    const { as, client } = loaded
    const fromPlatform = await platformJwt(as.issuer, client.client_id, metadata)
    expect(await attempt(loaded, metadata, sendAssertion(fromPlatform))).toBe('invalid_client')
    // Named, with setup(provider) called: the grants run on the platform's JWT.
    const federated = await loadExport(name, metadata, { platform: true })
    const keys = (await federated.provider.Client.find(client.client_id))?.metadata() ?? {}
    expect(keys.token_endpoint_auth_method).toBe('private_key_jwt')
    expect(keys.jwks_uri, 'oidc-provider sees only the vouching key').toBeUndefined()
    await runGrants(federated, metadata)
    await platformRefusals(federated, metadata)
    // Named, but setup(provider) forgotten: nothing authenticates (it fails closed). A token
    // exchange client is refused even sooner: oidc-provider knows its grant only from setup.
    const unguarded = await loadExport(name, metadata, { platform: true, setup: false })
    const again = await platformJwt(unguarded.as.issuer, client.client_id, metadata)
    expect(await attempt(unguarded, metadata, sendAssertion(again))).toBe(
      metadata.grant_types?.includes(grantTypes.clientCredentials)
        ? 'invalid_client'
        : 'invalid_client_metadata',
    )
  })
}

test('node-oidc-provider refuses an export built from bad metadata, so loading it proves something', async () => {
  const loaded = await loadExport('bad redirect', {
    ...everyFieldClient,
    redirect_uris: ['https://orders.example.com/cb#x'],
  }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
  const found =
    loaded instanceof Error
      ? loaded
      : await loaded.provider.Client.find(loaded.client.client_id).catch((error: unknown) => error)
  expect(String(found)).toMatch(/invalid_redirect_uri/)
})
