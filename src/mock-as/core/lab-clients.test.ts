import { describe, expect, test } from 'vitest'
import { buildDemoClients, demoClientIds } from './demo-data'
import { buildLabClients, labCallbackUri } from './lab-clients'
import { computeS256Challenge } from './pkce'
import { createTestAuthorizationServer, driveAuthorization, testAppOrigin } from './test-server'
import { authorizeUrl, basic, get, postForm, register, testVerifier } from './test-support'

// The attack lab's weakened demo clients (docs/decisions/126): each weakness holds for its own
// client only; its unweakened twin, the walkthroughs' clients and any registered client keep the
// rule. Tests use the attack's real requests, cut down to the one that matters.

const callback = labCallbackUri(testAppOrigin, 'redirect-uri-manipulation')
const sneaky = `${callback}/../../../attacker/callback`

async function labAuthorize(
  t: ReturnType<typeof createTestAuthorizationServer>,
  clientId: string,
  overrides: Record<string, string | undefined> = {},
) {
  return authorizeUrl(t, {
    client_id: clientId,
    redirect_uri: callback,
    nonce: undefined,
    ...overrides,
  })
}

const csp = (response: Response) => response.headers.get('content-security-policy') ?? ''

describe('grantlab-lax-redirects: redirect URIs matched by prefix', () => {
  test('its prefix lets a dot-segment address through, to the attacker', async () => {
    const t = createTestAuthorizationServer()
    const driven = await driveAuthorization(
      t.server,
      await labAuthorize(t, 'grantlab-lax-redirects', { redirect_uri: sneaky }),
    )
    const location = new URL(driven.location ?? '')
    expect(location.pathname).toBe('/attacker/callback')
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  test.each(['grantlab-lab-spa', 'grantlab-no-rotation'])(
    'the same address is refused for %s, with a page and no redirect',
    async (clientId) => {
      const t = createTestAuthorizationServer()
      const response = await get(t, await labAuthorize(t, clientId, { redirect_uri: sneaky }))
      expect(response.status).toBe(400)
      expect(response.headers.get('location')).toBeNull()
      expect(await response.text()).toContain('does not exactly match')
    },
  )

  test('the walkthroughs’ own SPA client refuses a prefix too', async () => {
    const t = createTestAuthorizationServer()
    const registered = `${testAppOrigin}/walkthrough/authorization-code/callback`
    const response = await get(
      t,
      await authorizeUrl(t, { redirect_uri: `${registered}/../../../attacker/callback` }),
    )
    expect(response.status).toBe(400)
  })

  test('registration cannot ask for a weakness: the field is dropped', async () => {
    const t = createTestAuthorizationServer()
    const registered = await register(t, {
      redirect_uris: [callback],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: 'profile',
      lab: { weakness: 'prefix-redirect-uri', firstParty: true },
    })
    expect(registered.status).toBe(201)
    const { client_id } = (await registered.json()) as { client_id: string }
    const response = await get(
      t,
      await labAuthorize(t, client_id, { redirect_uri: sneaky, scope: 'profile' }),
    )
    expect(response.status).toBe(400)
  })
})

/** A code for alice at a lab client, as the lab's attacks get one. */
async function labCode(
  t: ReturnType<typeof createTestAuthorizationServer>,
  clientId: string,
  overrides: Record<string, string | undefined> = {},
) {
  const driven = await driveAuthorization(t.server, await labAuthorize(t, clientId, overrides))
  const code = new URL(driven.location ?? 'http://x/').searchParams.get('code')
  if (!code) throw new Error(`no code: ${driven.location}`)
  return code
}

describe('grantlab-no-rotation: refresh tokens neither rotated nor checked for reuse', () => {
  async function refreshTokenFor(t: ReturnType<typeof createTestAuthorizationServer>, id: string) {
    const code = await labCode(t, id, { scope: 'profile' })
    const response = await postForm(t, '/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: callback,
      code_verifier: testVerifier,
      client_id: id,
    })
    return ((await response.json()) as { refresh_token: string }).refresh_token
  }
  const refresh = (
    t: ReturnType<typeof createTestAuthorizationServer>,
    id: string,
    token: string,
  ) => postForm(t, '/token', { grant_type: 'refresh_token', refresh_token: token, client_id: id })

  test('the same token comes back and keeps working, used three times', async () => {
    const t = createTestAuthorizationServer()
    const token = await refreshTokenFor(t, 'grantlab-no-rotation')
    for (let use = 0; use < 3; use++) {
      const response = await refresh(t, 'grantlab-no-rotation', token)
      expect(response.status).toBe(200)
      expect(((await response.json()) as { refresh_token: string }).refresh_token).toBe(token)
    }
  })

  test('its twin rotates, and a replay of the retired token revokes the family', async () => {
    const t = createTestAuthorizationServer()
    const token = await refreshTokenFor(t, 'grantlab-lab-spa')
    const first = (await (await refresh(t, 'grantlab-lab-spa', token)).json()) as {
      refresh_token: string
    }
    expect(first.refresh_token).not.toBe(token)
    const replay = await refresh(t, 'grantlab-lab-spa', token)
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
    expect((await refresh(t, 'grantlab-lab-spa', first.refresh_token)).status).toBe(400)
  })
})

describe('grantlab-lax-pkce: a verifier accepted for a code issued without a challenge', () => {
  const redeem = (t: ReturnType<typeof createTestAuthorizationServer>, id: string, code: string) =>
    postForm(
      t,
      '/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: callback,
        code_verifier: testVerifier,
      },
      { authorization: basic(id, `${id}-secret`) },
    )

  test('it redeems; its twin refuses with invalid_grant (RFC 9700 §4.8.2)', async () => {
    const t = createTestAuthorizationServer()
    const plain = { code_challenge: undefined, code_challenge_method: undefined }
    const weak = await redeem(t, 'grantlab-lax-pkce', await labCode(t, 'grantlab-lax-pkce', plain))
    expect(weak.status).toBe(200)
    const twin = await redeem(t, 'grantlab-lab-web', await labCode(t, 'grantlab-lab-web', plain))
    expect(twin.status).toBe(400)
    expect(await twin.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/had no code_challenge/),
    })
  })

  test('with a challenge it still checks the verifier: a wrong one is refused', async () => {
    const t = createTestAuthorizationServer()
    const code = await labCode(t, 'grantlab-lax-pkce', {
      code_challenge: await computeS256Challenge('a'.repeat(43)),
    })
    const response = await redeem(t, 'grantlab-lax-pkce', code)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
  })
})

describe('grantlab-unbound-consent: forms not bound to the browser', () => {
  /** alice signed in (cookies), and the attacker's own pending request, from his browser. */
  async function setting(clientId: string) {
    const t = createTestAuthorizationServer()
    const alice = await driveAuthorization(t.server, await labAuthorize(t, 'grantlab-lab-spa'))
    const attackers = await get(
      t,
      await authorizeUrl(t, {
        client_id: clientId,
        redirect_uri: `${testAppOrigin}/attacker/callback`,
        nonce: undefined,
      }),
    )
    const pending = /name="pending" value="([^"]*)"/.exec(await attackers.text())?.[1] ?? ''
    const post = () =>
      t.server.handle(
        new Request(`${t.deps.issuer}/authorize/consent`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            origin: 'null',
            cookie: alice.cookie ?? '',
          },
          body: new URLSearchParams({ pending, decision: 'approve' }),
        }),
      )
    return { t, post }
  }

  test('an Allow posted by another site with alice’s cookies sends her code to the attacker', async () => {
    const { post } = await setting('grantlab-unbound-consent')
    const response = await post()
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('location') ?? '')
    expect(location.pathname).toBe('/attacker/callback')
    expect(location.searchParams.get('code')).not.toBeNull()
  })

  test('the twin refuses the same post with a 403 page', async () => {
    const { post } = await setting('grantlab-lab-third-party')
    const response = await post()
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('posted by another site')
  })

  test('weakened or not, 20 concurrent forged posts give one code (the lock still holds)', async () => {
    const { post } = await setting('grantlab-unbound-consent')
    const responses = await Promise.all(Array.from({ length: 20 }, post))
    const codes = responses.filter((response) => response.status === 302)
    expect(codes).toHaveLength(1)
    expect(responses.filter((response) => response.status === 400)).toHaveLength(19)
  })
})

describe('every lab client', () => {
  test('is a demo client, named for its weakness when it has one, with lab redirect URIs', () => {
    const lab = buildLabClients(testAppOrigin)
    const demo = buildDemoClients(testAppOrigin).map((client) => client.client_id)
    for (const client of lab) {
      expect(demo).toContain(client.client_id)
      expect(client.source).toBe('demo')
      if (client.lab?.weakness) expect(client.client_name).toMatch(/WEAKENED/)
      else expect(client.client_name).not.toMatch(/WEAKENED/)
      for (const uri of client.redirect_uris) {
        expect(uri).toMatch(
          /^http:\/\/127\.0\.0\.1:4173\/(attacks\/[a-z-]+\/callback|attacker\/callback)$/,
        )
      }
    }
    // The walkthroughs' clients are no lab clients: neither weakened nor first-party.
    for (const client of buildDemoClients(testAppOrigin)) {
      if (demoClientIds.includes(client.client_id as (typeof demoClientIds)[number])) {
        expect(client.lab).toBeUndefined()
      }
    }
  })

  test('a first-party lab app skips the consent page, unless prompt=consent asks for it', async () => {
    const t = createTestAuthorizationServer()
    const straight = await driveAuthorization(t.server, await labAuthorize(t, 'grantlab-lab-spa'))
    expect(straight.pages).toHaveLength(1)
    expect(straight.pages[0]).toContain('name="password"')
    expect(straight.location).toMatch(/code=/)
    const asked = await driveAuthorization(
      t.server,
      await labAuthorize(t, 'grantlab-lab-spa', { prompt: 'consent' }),
      { cookie: straight.cookie },
    )
    expect(asked.pages.some((page) => page.includes('value="approve"'))).toBe(true)
    // The walkthroughs' SPA still asks the first time.
    const spa = await driveAuthorization(t.server, await authorizeUrl(t))
    expect(spa.pages.some((page) => page.includes('value="approve"'))).toBe(true)
  })

  test('lab pages may be framed by the app itself, every other client’s by nobody', async () => {
    const t = createTestAuthorizationServer()
    const lab = await get(t, await labAuthorize(t, 'grantlab-lab-spa'))
    expect(csp(lab)).toContain("frame-ancestors 'self'")
    const labError = await get(
      t,
      await labAuthorize(t, 'grantlab-lab-spa', { redirect_uri: sneaky }),
    )
    expect(csp(labError)).toContain("frame-ancestors 'self'")
    const walkthrough = await get(t, await authorizeUrl(t))
    expect(csp(walkthrough)).toContain("frame-ancestors 'none'")
    const unknown = await get(t, await authorizeUrl(t, { client_id: 'nobody' }))
    expect(csp(unknown)).toContain("frame-ancestors 'none'")
  })
})
