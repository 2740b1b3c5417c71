import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, test } from 'vitest'
import { cacheSlots, maxCacheSeconds, maxDocumentBytes } from './client-id-metadata-document'
import type { ClientMetadataDocumentPolicy } from './deps'
import { computeS256Challenge } from './pkce'
import {
  createTestAuthorizationServer,
  driveAuthorization,
  type TestAuthorizationServer,
} from './test-server'
import { get, postForm, testVerifier } from './test-support'

const clientId = 'https://agent.example.com/oauth/client-metadata.json'
const redirectUri = 'http://127.0.0.1:53682/callback'

const goodDocument = {
  client_id: clientId,
  client_name: 'Example agent',
  redirect_uris: [redirectUri],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  scope: 'orders:read orders:write',
}

type Serve = (url: string, init: RequestInit) => Response | Promise<Response>

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    headers: { 'content-type': 'application/json', ...headers },
  })

/** A server whose document fetches go to `serve`, counted. */
function setUp(
  serve: Serve = () => json(goodDocument),
  policy: Partial<ClientMetadataDocumentPolicy> = {},
) {
  const calls: string[] = []
  const t = createTestAuthorizationServer({
    clientMetadataDocuments: {
      fetch: async (url, init) => {
        calls.push(url)
        return serve(url, init as RequestInit)
      },
      timeoutMs: 200,
      ...policy,
    },
  })
  return { t, calls }
}

async function authorizeUrl(
  t: TestAuthorizationServer,
  overrides: Record<string, string> = {},
): Promise<string> {
  const url = new URL(`${t.deps.issuer}/authorize`)
  const params = {
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'orders:read',
    state: 'state-1',
    code_challenge: await computeS256Challenge(testVerifier),
    code_challenge_method: 'S256',
    resource: 'http://127.0.0.1:4173/mcp',
    ...overrides,
  }
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return url.href
}

/** The error page of a refused authorization request: its status and its message. */
async function refusalPage(t: TestAuthorizationServer, overrides: Record<string, string> = {}) {
  const response = await get(t, await authorizeUrl(t, overrides))
  const html = await response.text()
  const message = /<p class="error" role="alert">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? ''
  return {
    status: response.status,
    location: response.headers.get('location'),
    message: message
      .replace(/<[^>]+>/g, '')
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"'),
  }
}

describe('a client_id that is an https URL is read from its metadata document', () => {
  test('the whole code flow works: sign-in, consent that names both hosts, token for /mcp', async () => {
    const { t, calls } = setUp()
    const driven = await driveAuthorization(t.server, await authorizeUrl(t))
    expect(driven.pages[0]).toContain('Example agent')
    const consent = driven.pages[1] ?? ''
    expect(consent).toContain(
      'describes itself in a metadata document published by agent.example.com',
    )
    expect(consent).toContain('you are sent back to 127.0.0.1:53682')
    expect(consent).toContain('any program could be listening')
    const location = new URL(driven.location ?? 'http://invalid/')
    expect(location.origin + location.pathname).toBe(redirectUri)
    const token = await postForm(t, '/token', {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code') ?? '',
      redirect_uri: redirectUri,
      code_verifier: testVerifier,
      client_id: clientId,
    })
    expect(token.status).toBe(200)
    const body = await token.json()
    expect(body.refresh_token).toEqual(expect.any(String))
    // One fetch for the whole flow: the authorization request, the consent post and the token
    // request all used the cached document.
    expect(calls).toEqual([clientId])
  })

  test('the server says it supports them, and a server without a policy says not and refuses', async () => {
    const { t } = setUp()
    const metadata = await (
      await get(t, `${t.deps.issuer}/.well-known/openid-configuration`)
    ).json()
    expect(metadata.client_id_metadata_document_supported).toBe(true)
    const plain = createTestAuthorizationServer()
    const plainMetadata = await (
      await get(plain, `${plain.deps.issuer}/.well-known/openid-configuration`)
    ).json()
    expect(plainMetadata.client_id_metadata_document_supported).toBe(false)
    const page = await refusalPage(plain)
    expect(page.status).toBe(400)
    expect(page.message).toContain('this server does not fetch client metadata documents')
  })

  test('a private_key_jwt client with its keys in jwks authenticates with an assertion', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'agent-key', alg: 'ES256', use: 'sig' }
    const { t } = setUp(() =>
      json({
        ...goodDocument,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [jwk] },
      }),
    )
    const driven = await driveAuthorization(t.server, await authorizeUrl(t))
    const code = new URL(driven.location ?? 'http://invalid/').searchParams.get('code') ?? ''
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'agent-key' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(t.deps.issuer)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey)
    const token = await postForm(t, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: testVerifier,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    })
    expect(token.status).toBe(200)
    // Without the assertion the same client is refused: it registered a key, not none.
    const bare = await postForm(t, '/token', {
      grant_type: 'refresh_token',
      refresh_token: (await token.json()).refresh_token,
      client_id: clientId,
    })
    expect(bare.status).toBe(400)
    expect((await bare.json()).error).toBe('invalid_client')
  })
})

describe('a document is refused, with a clear reason, when', () => {
  const big = { ...goodDocument, client_uri: `https://agent.example.com/${'x'.repeat(1000)}` }
  const oversized = {
    ...goodDocument,
    contacts: Array.from({ length: 10 }, () => `${'a'.repeat(600)}@example.com`),
  }
  test.each<[string, Serve, RegExp]>([
    [
      'its server is unreachable',
      () => {
        throw new TypeError('connect ECONNREFUSED')
      },
      /could not be fetched: connect ECONNREFUSED/,
    ],
    [
      'it answers 404',
      () => new Response('missing', { status: 404 }),
      /answered HTTP 404, not 200/,
    ],
    [
      'it redirects',
      () => new Response(null, { status: 302, headers: { location: 'http://10.0.0.1/' } }),
      /redirect, which this server does not follow/,
    ],
    [
      'it is HTML',
      () => new Response('<html></html>', { headers: { 'content-type': 'text/html' } }),
      /not JSON \(Content-Type text\/html\)/,
    ],
    ['it is not valid JSON', () => json('{"client_id":'), /not valid JSON/],
    ['it is a JSON array', () => json([goodDocument]), /not a JSON object/],
    [
      'its client_id is another URL',
      () => json({ ...goodDocument, client_id: 'https://agent.example.com/other.json' }),
      /client_id \(https:\/\/agent\.example\.com\/other\.json\) is not exactly its URL/,
    ],
    [
      'its client_id differs only by a trailing slash',
      () => json({ ...goodDocument, client_id: `${clientId}/` }),
      /is not exactly its URL/,
    ],
    [
      'it asks for a shared secret method',
      () => json({ ...goodDocument, token_endpoint_auth_method: 'client_secret_basic' }),
      /client_secret_basic is not allowed/,
    ],
    [
      'it names no auth method',
      () => json({ ...goodDocument, token_endpoint_auth_method: undefined }),
      /default of RFC 7591, client_secret_basic, needs a shared secret/,
    ],
    [
      'it carries a client secret',
      () => json({ ...goodDocument, client_secret: 'hunter2' }),
      /carries a client secret/,
    ],
    [
      'it names a jwks_uri',
      () =>
        json({
          ...goodDocument,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: 'https://agent.example.com/jwks.json',
        }),
      /does not fetch key sets/,
    ],
    [
      'it asks for client_credentials',
      () => json({ ...goodDocument, grant_types: ['client_credentials'] }),
      /client_credentials is not available/,
    ],
    [
      'it has no redirect_uris',
      () => json({ ...goodDocument, redirect_uris: [] }),
      /redirect_uris must be a non-empty array/,
    ],
    [
      'a redirect URI is http on a public host',
      () => json({ ...goodDocument, redirect_uris: ['http://agent.example.com/cb'] }),
      /must use https/,
    ],
    [
      `it is larger than ${maxDocumentBytes} bytes (streamed, no Content-Length)`,
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(JSON.stringify(oversized)))
              controller.close()
            },
          }),
          { headers: { 'content-type': 'application/json' } },
        ),
      /larger than 5120 bytes/,
    ],
    [
      'its Content-Length says it is too large',
      () =>
        new Response(JSON.stringify(big), {
          headers: { 'content-type': 'application/json', 'content-length': '999999' },
        }),
      /larger than 5120 bytes/,
    ],
    ['it never answers', () => new Promise<Response>(() => {}), /took longer than 200 ms/],
    [
      'its body stalls after the headers',
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"client_id":'))
            },
          }),
          { headers: { 'content-type': 'application/json' } },
        ),
      /took longer than 200 ms/,
    ],
  ])('%s: at /authorize (a page, never a redirect) and at /token', async (_name, serve, reason) => {
    const { t } = setUp(serve)
    const page = await refusalPage(t)
    expect(page.status).toBe(400)
    expect(page.location).toBeNull()
    expect(page.message).toMatch(/^invalid_client: /)
    expect(page.message).toMatch(reason)
    const token = await postForm(t, '/token', {
      grant_type: 'authorization_code',
      code: 'whatever',
      redirect_uri: redirectUri,
      code_verifier: testVerifier,
      client_id: clientId,
    })
    expect(token.status).toBe(400)
    const body = await token.json()
    expect(body.error).toBe('invalid_client')
    expect(body.error_description).toMatch(reason)
  })

  test('the redirect URI of the request is not listed in the document', async () => {
    const { t } = setUp()
    const page = await refusalPage(t, { redirect_uri: 'http://127.0.0.1:53682/other' })
    expect(page.status).toBe(400)
    expect(page.location).toBeNull()
    expect(page.message).toMatch(/redirect_uri does not exactly match/)
  })
})

describe('URLs the server will not fetch at all (SSRF)', () => {
  test.each([
    ['plain http', 'http://agent.example.com/client.json', /must use https/],
    ['loopback IPv4', 'https://127.0.0.1/client.json', /loopback, private or reserved/],
    ['a private network', 'https://10.1.2.3/client.json', /loopback, private or reserved/],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data', /loopback, private/],
    ['loopback IPv6', 'https://[::1]/client.json', /loopback, private/],
    ['IPv4 mapped in IPv6', 'https://[::ffff:10.0.0.1]/client.json', /loopback, private/],
    ['localhost', 'https://localhost/client.json', /loopback, private/],
    ['a user name', 'https://user@agent.example.com/client.json', /user name or password/],
    ['a fragment', `${clientId}#x`, /fragment/],
    ['no path', 'https://agent.example.com', /must contain a path/],
    ['a dot segment', 'https://agent.example.com/a/../client.json', /\. or \.\. segments/],
    ['an encoded dot segment', 'https://agent.example.com/a/%2E%2E/client.json', /segments/],
    ['a huge URL', `https://agent.example.com/${'x'.repeat(2100)}`, /longer than 2000/],
  ])('%s', async (_name, url, reason) => {
    const { t, calls } = setUp()
    const page = await refusalPage(t, { client_id: url })
    expect(page.status).toBe(400)
    expect(page.message).toMatch(reason)
    expect(calls).toEqual([])
  })

  test('with the worker’s policy, only its own origin is fetched; http is fine there', async () => {
    const own = 'http://127.0.0.1:4173'
    const { t, calls } = setUp(() => json(goodDocument), {
      allowedOrigins: [own],
      trustedOrigins: [own],
    })
    const other = await refusalPage(t)
    expect(other.message).toMatch(/fetches metadata documents only from http:\/\/127\.0\.0\.1:4173/)
    expect(calls).toEqual([])
    const ownUrl = `${own}/demo-agent/client-metadata.json`
    const ownPage = await refusalPage(t, { client_id: ownUrl })
    // Fetched (and refused only because this test serves another document there).
    expect(calls).toEqual([ownUrl])
    expect(ownPage.message).toMatch(/is not exactly its URL/)
  })
})

describe('caching (draft section 4.4)', () => {
  test('concurrent first uses of one URL make one fetch', async () => {
    const { t, calls } = setUp(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      return json(goodDocument)
    })
    const urls = await Promise.all(Array.from({ length: 10 }, () => authorizeUrl(t)))
    const pages = await Promise.all(urls.map((url) => get(t, url)))
    expect(pages.map((page) => page.status)).toEqual(Array(10).fill(200))
    expect(calls).toHaveLength(1)
  })

  test('no-store is fetched every time; max-age is kept, capped at one hour', async () => {
    const noStore = setUp(() => json(goodDocument, { 'cache-control': 'no-store' }))
    await get(noStore.t, await authorizeUrl(noStore.t))
    await get(noStore.t, await authorizeUrl(noStore.t))
    expect(noStore.calls).toHaveLength(2)

    const forever = setUp(() => json(goodDocument, { 'cache-control': 'max-age=99999999' }))
    await get(forever.t, await authorizeUrl(forever.t))
    forever.t.clock.advance((maxCacheSeconds - 10) * 1000)
    await get(forever.t, await authorizeUrl(forever.t))
    expect(forever.calls).toHaveLength(1)
    forever.t.clock.advance(20_000)
    await get(forever.t, await authorizeUrl(forever.t))
    expect(forever.calls).toHaveLength(2)
  })

  test('a failure is not cached, and a changed document counts once the cached one expires', async () => {
    let answer: () => Response = () => new Response('down', { status: 503 })
    const { t, calls } = setUp(() => answer())
    expect((await refusalPage(t)).message).toMatch(/HTTP 503/)
    answer = () => json(goodDocument, { 'cache-control': 'max-age=60' })
    expect((await get(t, await authorizeUrl(t))).status).toBe(200)
    expect(calls).toHaveLength(2)
    // The client drops the redirect URI: the cached copy still has it, the next fetch does not.
    answer = () => json({ ...goodDocument, redirect_uris: ['https://agent.example.com/cb'] })
    expect((await get(t, await authorizeUrl(t))).status).toBe(200)
    t.clock.advance(61_000)
    expect((await refusalPage(t)).message).toMatch(/redirect_uri does not exactly match/)
    expect(calls).toHaveLength(3)
  })

  test(`the cache is bounded: ${cacheSlots} slots, whatever the number of URLs`, async () => {
    const { t } = setUp((url) => json({ ...goodDocument, client_id: url }))
    for (let index = 0; index < 200; index++) {
      await get(t, await authorizeUrl(t, { client_id: `https://agent${index}.example.com/c.json` }))
    }
    const kept = await t.deps.store.list('client-metadata-documents')
    expect(kept.length).toBeLessThanOrEqual(cacheSlots)
    expect(kept.length).toBeGreaterThan(cacheSlots / 2)
  })
})

test('the demo agent’s document is served beside the server and accepted by it', async () => {
  const origin = 'http://127.0.0.1:4173'
  // The worker's set-up: the document is answered by the server core itself.
  const holder: { t?: TestAuthorizationServer } = {}
  const t = createTestAuthorizationServer({
    clientMetadataDocuments: {
      allowedOrigins: [origin],
      trustedOrigins: [origin],
      fetch: (url, init) =>
        (holder.t as TestAuthorizationServer).server.handle(new Request(url, init)),
    },
  })
  holder.t = t
  const demoId = `${origin}/demo-agent/client-metadata.json`
  const document = await (await get(t, demoId)).json()
  expect(document).toMatchObject({
    client_id: demoId,
    redirect_uris: [`${origin}/walkthrough/mcp-agent/callback`],
    token_endpoint_auth_method: 'none',
  })
  const driven = await driveAuthorization(
    t.server,
    await authorizeUrl(t, { client_id: demoId, redirect_uri: document.redirect_uris[0] }),
  )
  expect(new URL(driven.location ?? 'http://invalid/').searchParams.get('code')).toEqual(
    expect.any(String),
  )
})
