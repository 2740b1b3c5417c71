import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, test } from 'vitest'
import { createMemoryStore } from '../core/memory-store'
import { createTestAuthorizationServer, testAppOrigin } from '../core/test-server'
import { createNodeListener } from '../node-adapter'
import { maxAttackerRecords, maxReportBytes } from './attacker-server'
import { createLabServers } from './lab-servers'

// The attacker's server and the malicious authorization server (docs/decisions/127): they record
// what reaches them, serve sandboxed pages, and answer every malformed request with RFC-shaped
// JSON like the honest server, never a 500.

function setUp() {
  const t = createTestAuthorizationServer()
  const lab = createLabServers({
    honest: t.server,
    honestDeps: t.deps,
    clock: t.clock,
    random: t.deps.random,
    evilStore: createMemoryStore(),
    attackerStore: createMemoryStore(),
  })
  const at = (path: string, init?: RequestInit) =>
    lab.handle(new Request(`${testAppOrigin}${path}`, init))
  const received = async (since = 0) =>
    (
      (await (await at(`/attacker/received?since=${since}`)).json()) as {
        received: Array<Record<string, unknown>>
      }
    ).received
  const report = (body: string) =>
    at('/attacker/collect', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
  return { t, lab, at, received, report }
}

describe("the attacker's server", () => {
  test('its redirect URI records the query it receives, with the Referer, and answers a sandboxed page', async () => {
    const { at, received } = setUp()
    const response = await at('/attacker/callback?code=abc&state=xyz', {
      headers: { referer: 'http://127.0.0.1:4173/as/authorize' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-security-policy')).toMatch(
      /^sandbox allow-forms allow-scripts; default-src 'none'; script-src 'none'/,
    )
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    expect(await received()).toEqual([
      expect.objectContaining({
        channel: 'redirect',
        url: 'http://127.0.0.1:4173/attacker/callback?code=abc&state=xyz',
        headers: { referer: 'http://127.0.0.1:4173/as/authorize' },
      }),
    ])
  })

  test('a report is kept with the page address and what it stole; a replayed one is kept again', async () => {
    const { received, report } = setUp()
    const body = JSON.stringify({ page: 'http://127.0.0.1:4173/cb#access_token=t', stolen: 'rt' })
    expect((await report(body)).status).toBe(204)
    expect((await report(body)).status).toBe(204)
    const records = await received()
    expect(records.map((record) => [record.channel, record.page, record.stolen])).toEqual([
      ['script', 'http://127.0.0.1:4173/cb#access_token=t', 'rt'],
      ['script', 'http://127.0.0.1:4173/cb#access_token=t', 'rt'],
    ])
    expect(records[0]?.id).not.toBe(records[1]?.id)
  })

  test.each([
    ['not JSON', '{page:', 400, 'invalid_request'],
    ['no page', '{}', 400, 'invalid_request'],
    ['a page that is no http address', '{"page":"javascript:alert(1)"}', 400, 'invalid_request'],
    ['stolen not a string', '{"page":"http://x/","stolen":{"a":1}}', 400, 'invalid_request'],
    ['JSON null', 'null', 400, 'invalid_request'],
    [
      'a report too large',
      JSON.stringify({ page: `http://x/?${'a'.repeat(maxReportBytes)}` }),
      413,
      'payload_too_large',
    ],
  ])(
    'a malformed report (%s) is refused with %s JSON and nothing is kept',
    async (_name, body, status, error) => {
      const { received, report } = setUp()
      const response = await report(body)
      expect(response.status).toBe(status)
      expect(await response.json()).toMatchObject({ error })
      expect(await received()).toEqual([])
    },
  )

  test('20 reports at once are all kept; the log keeps the newest', async () => {
    const { received, report } = setUp()
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        report(JSON.stringify({ page: `http://x/${index}` })),
      ),
    )
    expect(new Set((await received()).map((record) => record.page)).size).toBe(20)
    for (let index = 0; index < maxAttackerRecords + 5; index++) {
      await report(JSON.stringify({ page: `http://y/${index}` }))
    }
    const kept = await received()
    expect(kept).toHaveLength(maxAttackerRecords)
    expect(kept.at(-1)?.page).toBe(`http://y/${maxAttackerRecords + 4}`)
  })

  test('received lists only what came since the time asked for, and records expire after an hour', async () => {
    const { t, received, report } = setUp()
    await report(JSON.stringify({ page: 'http://x/old' }))
    t.clock.advance(1000)
    const since = t.clock.now()
    await report(JSON.stringify({ page: 'http://x/new' }))
    expect((await received(since)).map((record) => record.page)).toEqual(['http://x/new'])
    t.clock.advance(60 * 60 * 1000)
    expect(await received()).toEqual([])
  })

  test('the forged-form page posts its fields to the target, its one script allowed by hash', async () => {
    const { at } = setUp()
    const target = `${testAppOrigin}/as/authorize/consent`
    const response = await at(
      `/attacker/csrf?to=${encodeURIComponent(target)}&pending=p%22%3E&decision=approve`,
    )
    const html = await response.text()
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[^']+'/)
    expect(html).toContain(`<form id="forged" method="post" action="${target}">`)
    // Fields are escaped: a quote in a value cannot break out of the attribute.
    expect(html).toContain('<input type="hidden" name="pending" value="p&quot;&gt;">')
    const script = /<script>([^<]*)<\/script>/.exec(html)?.[1] ?? ''
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(script))
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)))
    expect(response.headers.get('content-security-policy')).toContain(`'sha256-${hash}'`)
  })

  test.each([
    ['/attacker/csrf', 'no target'],
    ['/attacker/csrf?to=javascript:alert(1)', 'a script target'],
  ])('the forged-form page without a usable target (%s: %s) answers 400', async (path) => {
    const { at } = setUp()
    const response = await at(path)
    expect(response.status).toBe(400)
    expect(await response.text()).not.toContain('<form')
  })

  test('wrong methods, unknown paths and long queries get JSON errors, never a 500', async () => {
    const { at } = setUp()
    const post = await at('/attacker/callback', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET')
    expect(await (await at('/attacker/nothing')).json()).toMatchObject({ error: 'not_found' })
    expect((await at(`/attacker/callback?${'a'.repeat(9000)}`)).status).toBe(414)
    expect((await at('/attacker/received?since=-1')).status).toBe(400)
    expect((await at('/attacker/received?since=soon')).status).toBe(400)
  })

  test('the counterfeit API keeps the Authorization and DPoP headers it is sent', async () => {
    const { at, received } = setUp()
    await at('/attacker/api/profile', {
      headers: { authorization: 'Bearer stolen', dpop: 'proof' },
    })
    expect((await received())[0]).toMatchObject({
      channel: 'api',
      headers: { authorization: 'Bearer stolen', dpop: 'proof' },
    })
  })

  test('the analytics script reports to this server’s collect endpoint', async () => {
    const { at } = setUp()
    const response = await at('/attacker/analytics.js')
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await response.text()).toContain('"http://127.0.0.1:4173/attacker/collect"')
  })
})

describe('the malicious authorization server (evil-as)', () => {
  test('it is discoverable as its own issuer, with its own keys', async () => {
    const { at } = setUp()
    const metadata = (await (await at('/evil-as/.well-known/openid-configuration')).json()) as {
      issuer: string
      authorization_endpoint: string
      jwks_uri: string
    }
    expect(metadata.issuer).toBe(`${testAppOrigin}/evil-as`)
    expect(metadata.authorization_endpoint).toBe(`${testAppOrigin}/evil-as/authorize`)
    const rfc8414 = await at('/.well-known/oauth-authorization-server/evil-as')
    expect(((await rfc8414.json()) as { issuer: string }).issuer).toBe(metadata.issuer)
    const evilKeys = (await (await at('/evil-as/jwks')).json()) as { keys: { kid: string }[] }
    const honestKeys = (await (await at('/as/jwks')).json()) as { keys: { kid: string }[] }
    expect(evilKeys.keys.map((key) => key.kid)).not.toEqual(honestKeys.keys.map((k) => k.kid))
  })

  test('its authorization endpoint sends the browser on to the honest one, with the same request', async () => {
    const { at, received } = setUp()
    const query = 'client_id=grantlab-lab-spa&state=s&code_challenge=c'
    const response = await at(`/evil-as/authorize?${query}`)
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(`${testAppOrigin}/as/authorize?${query}`)
    expect((await received())[0]).toMatchObject({ channel: 'authorize' })
  })

  test('its token endpoint keeps the code and verifier, then refuses them like any server', async () => {
    const { at, received } = setUp()
    const response = await at('/evil-as/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=honest-code&code_verifier=v&client_id=grantlab-lab-spa&redirect_uri=x',
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
    expect((await received())[0]).toMatchObject({
      channel: 'token',
      form: { code: 'honest-code', code_verifier: 'v' },
    })
  })

  test('a token request too large for it is refused as JSON and not recorded', async () => {
    const { at, received } = setUp()
    const response = await at('/evil-as/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `code=${'a'.repeat(70 * 1024)}`,
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_request' })
    expect(await received()).toEqual([])
  })

  test('evil-as keeps its own state: a token unknown to it is refused, and the honest server answers its own paths', async () => {
    const { at } = setUp()
    // evil-as' own core knows nothing of the honest server's state.
    const evil = await at('/evil-as/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=anything&client_id=grantlab-lab-spa',
    })
    expect(await evil.json()).toMatchObject({ error: 'invalid_grant' })
    // and the honest server still answers its own paths.
    expect((await at('/as/.well-known/openid-configuration')).status).toBe(200)
  })
})

test('behind node:http, as npm run as serves them, all three servers answer on their paths', async () => {
  const { lab } = setUp()
  const server = createServer(createNodeListener(lab, testAppOrigin))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  try {
    const issuers = await Promise.all(
      ['/as', '/evil-as'].map(async (path) => {
        const response = await fetch(`${base}${path}/.well-known/openid-configuration`)
        return ((await response.json()) as { issuer: string }).issuer
      }),
    )
    expect(issuers).toEqual([`${testAppOrigin}/as`, `${testAppOrigin}/evil-as`])
    const report = await fetch(`${base}/attacker/collect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ page: 'http://x/' }),
    })
    expect(report.status).toBe(204)
    const { received } = (await (await fetch(`${base}/attacker/received`)).json()) as {
      received: unknown[]
    }
    expect(received).toHaveLength(1)
  } finally {
    server.close()
  }
})
