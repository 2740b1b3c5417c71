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
import { grantTypes } from '../checks.ts'
import type { ClientMetadata, JwkSet } from '../client-metadata.ts'
import { presets } from '../presets.ts'
import { everyFieldClient } from './export-samples.ts'
import { exampleApi, exampleDownstreamApi, exportOidcProviderModule } from './oidc-provider.ts'
import { readForms, signInAndConsent, TestBrowser } from './test-browser.ts'

// Every export the page can produce for a preset or an advisor draft is loaded, as the module
// text the user downloads, into a real oidc-provider 9 and used: the client's grants run end to
// end against it (review 2026-12, Factual 3). Port 9441 serves one provider per export.
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
/** The client's own key pair, for private_key_jwt (its jwks_uri is served to the provider). */
let clientKey: CryptoKey
let clientJwks: JwkSet
const moduleDir = join(process.cwd(), 'node_modules', '.tmp', 'grantlab-oidc-provider-exports')

function uniqueDrafts(): [string, ClientMetadata][] {
  const seen = new Map<string, ClientMetadata>()
  for (const answers of allAnswerCombinations()) {
    const { client } = recommend(answers)
    seen.set(JSON.stringify(client), client)
  }
  return [...seen.values()].map((client, index) => [`advisor draft ${index + 1}`, client])
}

const samples: [string, ClientMetadata][] = [
  ...presets.map((preset): [string, ClientMetadata] => [`preset ${preset.id}`, preset.metadata]),
  ['the every-field client', everyFieldClient],
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
  const own = await generateKeyPair('ES256', { extractable: true })
  clientKey = own.privateKey
  const clientJwk = await exportJWK(own.publicKey)
  clientJwks = {
    keys: [
      {
        ...clientJwk,
        kty: 'EC',
        kid: await calculateJwkThumbprint(clientJwk),
        alg: 'ES256',
        use: 'sig',
      },
    ],
  }
  server = createServer((request, response) => {
    const url = request.url ?? '/'
    if (url === '/idp/jwks') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(idpJwks))
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

async function loadExport(name: string, metadata: ClientMetadata): Promise<Loaded> {
  const id = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()
  // The key this test can sign with stands in for the example key of the every-field client.
  const withKey = metadata.jwks ? { ...metadata, jwks: clientJwks } : metadata
  const file = join(moduleDir, `${id}.mjs`)
  await writeFile(file, exportOidcProviderModule(withKey))
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
    // The drafts' jwks_uri names the app's own host; this test answers for it.
    fetch: async (url: URL | string) =>
      String(url) === metadata.jwks_uri
        ? Response.json(clientJwks)
        : new Response('not here', { status: 404 }),
  })
  if (exported.trustedAssertionIssuers) {
    // What a user does with the placeholder: name the identity provider they trust.
    exported.trustedAssertionIssuers.splice(0, Infinity, {
      issuer: `${origin}/idp`,
      jwksUri: `${origin}/idp/jwks`,
    })
  }
  await exported.setup?.(provider)
  providers.set(id, provider)

  const as = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), { ...insecure, algorithm: 'oidc' }),
  )
  const client: oauth.Client = { client_id: exported.client.client_id }
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  const clientAuth =
    method === 'none'
      ? oauth.None()
      : method === 'private_key_jwt'
        ? oauth.PrivateKeyJwt({ key: clientKey, kid: clientJwks.keys[0]?.kid })
        : oauth.ClientSecretBasic(clientSecret)
  const dpop = metadata.dpop_bound_access_tokens
    ? oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
    : undefined
  return { exported, provider, as, client, clientAuth, dpop }
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

async function runTokenExchange(loaded: Loaded) {
  const { as, client, clientAuth } = loaded
  const source: oauth.Client = { client_id: 'subject-token-source' }
  const subject = await oauth.processClientCredentialsResponse(
    as,
    source,
    await oauth.clientCredentialsGrantRequest(
      as,
      source,
      oauth.ClientSecretBasic(helperSecret),
      new URLSearchParams({ resource: exampleApi, scope: loaded.exported.client.scope ?? '' }),
      insecure,
    ),
  )
  const exchange = (subjectToken: string) =>
    oauth
      .genericTokenEndpointRequest(
        as,
        client,
        clientAuth,
        grantTypes.tokenExchange,
        {
          subject_token: subjectToken,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        },
        options(loaded),
      )
      .then((response) => oauth.processGenericTokenEndpointResponse(as, client, response))
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

for (const [name, metadata] of samples) {
  test(`node-oidc-provider loads the ${name} export and runs its grants`, async () => {
    const loaded = await loadExport(name, metadata)
    const registered = await loaded.provider.Client.find(loaded.client.client_id)
    expect(registered, 'oidc-provider accepts the client').toBeDefined()
    const seen = registered?.metadata() ?? {}
    for (const field of ['redirect_uris', 'grant_types', 'token_endpoint_auth_method'] as const) {
      if (metadata[field] !== undefined) expect(seen[field], field).toEqual(metadata[field])
    }
    const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
    const { as, client, clientAuth } = loaded
    if (grants.includes(grantTypes.authorizationCode)) await runCodeFlow(loaded, metadata)
    if (grants.includes(grantTypes.clientCredentials)) {
      // No user, so no OpenID Connect scopes: the API's.
      const apiScope = (metadata.scope ?? '')
        .split(' ')
        .filter((scope) => !['openid', 'profile', 'email', 'offline_access'].includes(scope))
        .join(' ')
      const tokens = await oauth.processClientCredentialsResponse(
        as,
        client,
        await oauth.clientCredentialsGrantRequest(
          as,
          client,
          clientAuth,
          new URLSearchParams({ scope: apiScope }),
          options(loaded),
        ),
      )
      expect(tokens.scope).toBe(apiScope)
      expect(decodeJwt(tokens.access_token).aud).toBe(exampleApi)
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
        await errorOf(
          poll.then((response) => oauth.processDeviceCodeResponse(as, client, response)),
        ),
      ).toBe('authorization_pending')
    }
    if (grants.includes(grantTypes.ciba)) await runCiba(loaded, metadata)
    if (grants.includes(grantTypes.jwtBearer)) await runJwtBearer(loaded)
    if (grants.includes(grantTypes.tokenExchange)) await runTokenExchange(loaded)
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
