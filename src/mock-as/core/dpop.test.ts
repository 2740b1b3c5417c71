import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose'
import { expect, test } from 'vitest'
import { createContext } from './context'
import {
  accessTokenHash,
  checkDpopProof,
  dpopNonceLifetime,
  dpopProofWindow,
  jwkThumbprint,
  maxDpopJtiLength,
} from './dpop'
import type { OAuthError } from './errors'
import { makeProof, makeProofKey, type ProofKey, tokenProof } from './test-dpop'
import { createSettableClock, createTestAuthorizationServer } from './test-server'
import { basic, introspect, postForm } from './test-support'

// RFC 9449 §4.3, one check at a time, at the token endpoint (client credentials for grantlab-m2m,
// which needs no nonce), plus the RFC's own examples as vectors.

const m2m = { authorization: basic('grantlab-m2m', 'grantlab-m2m-secret') }

function ccRequest(t: ReturnType<typeof createTestAuthorizationServer>, proof?: string) {
  return postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', scope: 'orders:read' },
    { ...m2m, ...(proof === undefined ? {} : { dpop: proof }) },
  )
}

/** 400 invalid_dpop_proof as JSON, no-store, with a description naming what failed. */
async function expectProofRefused(response: Response, reason: RegExp) {
  expect(response.status).toBe(400)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = await response.json()
  expect(body.error).toBe('invalid_dpop_proof')
  expect(body.error_description).toMatch(/^DPoP proof: /)
  expect(body.error_description).toMatch(reason)
}

// ——— RFC 9449's own examples ———

/** The proof of RFC 9449 §4.2 (Figure 4), for POST https://server.example.com/token. */
const rfcProof =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg'

/** A server at the RFC's example issuer, its clock at the example proof's iat. */
function rfcExampleServer(offsetSeconds = 0) {
  const clock = createSettableClock((1562262616 + offsetSeconds) * 1000)
  const t = createTestAuthorizationServer({ issuer: 'https://server.example.com', clock })
  return { t, ctx: createContext(t.deps) }
}

function rfcRequest(url = 'https://server.example.com/token', method = 'POST') {
  return new Request(url, { method, headers: { dpop: rfcProof } })
}

const asRecipient = { recipient: { kind: 'authorization-server' as const }, requireNonce: false }

test('RFC 9449 §4.2: the example proof passes every check, and its key has the §6.1 thumbprint', async () => {
  expect(decodeProtectedHeader(rfcProof)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' })
  expect(decodeJwt(rfcProof)).toEqual({
    jti: '-BwC3ESc6acc2lTc',
    htm: 'POST',
    htu: 'https://server.example.com/token',
    iat: 1562262616,
  })
  const { ctx } = rfcExampleServer()
  const proof = await checkDpopProof(ctx, rfcRequest(), asRecipient)
  expect(proof?.jkt).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I')
  // The thumbprint of the same key, computed from the JWK of RFC 9449 §4.2 (RFC 7638 §3).
  expect(
    await jwkThumbprint({
      kty: 'EC',
      crv: 'P-256',
      x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs',
      y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA',
    }),
  ).toBe('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I')
})

test('RFC 9449 §4.2 example, replayed, at another URI or method, or too late: each refused', async () => {
  const { ctx } = rfcExampleServer()
  expect(await checkDpopProof(ctx, rfcRequest(), asRecipient)).toBeDefined()
  const refusal = (request: Request, context = ctx) =>
    checkDpopProof(context, request, asRecipient).then(
      () => 'accepted',
      (error: OAuthError) => `${error.error}: ${error.description}`,
    )
  expect(await refusal(rfcRequest())).toMatch(/^invalid_dpop_proof: .*already used/)
  // The query is ignored (§4.3 item 9); a fresh server so the jti is new to it.
  expect(
    await refusal(rfcRequest('https://server.example.com/token?x=1'), rfcExampleServer().ctx),
  ).toBe('accepted')
  expect(await refusal(rfcRequest('https://server.example.com/par'))).toMatch(/htu .* is not/)
  expect(await refusal(rfcRequest('https://server.example.com/token', 'PUT'))).toMatch(
    /htm is POST/,
  )
  const late = rfcExampleServer(dpopProofWindow + 1).ctx
  expect(await refusal(rfcRequest(), late)).toMatch(/iat is 61 seconds from the server's clock/)
  const early = rfcExampleServer(-(dpopProofWindow + 1)).ctx
  expect(await refusal(rfcRequest(), early)).toMatch(/iat is -61 seconds/)
})

test('RFC 9449 §7.1: the ath of the example access token', async () => {
  expect(await accessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe(
    'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo',
  )
})

// ——— Each check of §4.3 at the token endpoint ———

test('a valid proof binds the client credentials token to the key: token_type DPoP, cnf.jkt, introspection', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const response = await ccRequest(t, await tokenProof(t, key))
  expect(response.status).toBe(200)
  const body = await response.json()
  expect(body.token_type).toBe('DPoP')
  // RFC 9449 §6.1: the JWT access token confirms the key by its thumbprint.
  expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.jkt })
  // §6.2: introspection reports the binding.
  expect(await introspect(t, body.access_token)).toMatchObject({
    active: true,
    token_type: 'DPoP',
    cnf: { jkt: key.jkt },
  })
  // Without a proof the same client gets a bearer token, as before.
  const bearer = await (await ccRequest(t)).json()
  expect(bearer.token_type).toBe('Bearer')
  expect(decodeJwt(bearer.access_token).cnf).toBeUndefined()
  expect(await introspect(t, bearer.access_token)).not.toHaveProperty('cnf')
})

test('§4.3 items 1-2: more than one DPoP header, or a header that is not one JWT', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const headers = new Headers({ ...m2m, 'content-type': 'application/x-www-form-urlencoded' })
  headers.append('dpop', await tokenProof(t, key))
  headers.append('dpop', await tokenProof(t, key))
  const twice = await t.server.handle(
    new Request(`${t.deps.issuer}/token`, {
      method: 'POST',
      headers,
      body: 'grant_type=client_credentials',
    }),
  )
  await expectProofRefused(twice, /exactly one DPoP header/)
  await expectProofRefused(await ccRequest(t, 'not-a-jwt'), /not a JWT/)
  await expectProofRefused(await ccRequest(t, 'a.b.c.d.e'), /not a JWT/)
  await expectProofRefused(await ccRequest(t, 'e30.e30.'), /not a JWT/)
  await expectProofRefused(await ccRequest(t, '!!!.e30.abc'), /not a JWT/)
  await expectProofRefused(await ccRequest(t, 'bm90anNvbg.e30.abc'), /header is not base64url/)
  await expectProofRefused(await ccRequest(t, 'x'.repeat(9000)), /longer than 8192/)
})

test('§4.3 items 4-5: typ must be dpop+jwt, alg asymmetric and accepted (never none or HS256)', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { header: { typ: 'JWT' } })),
    /typ must be dpop\+jwt, not JWT\./,
  )
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { header: { typ: undefined } })),
    /typ must be dpop\+jwt, not \(absent\)/,
  )
  const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '')
  const unsigned = `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk })}.${b64({
    jti: 'x',
    htm: 'POST',
    htu: `${t.deps.issuer}/token`,
    iat: Math.floor(t.clock.now() / 1000),
  })}.c2ln`
  await expectProofRefused(await ccRequest(t, unsigned), /alg none is not accepted/)
  const hmac = await new SignJWT({ jti: 'y', htm: 'POST', htu: `${t.deps.issuer}/token`, iat: 1 })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.publicJwk } as never)
    .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256'))
  await expectProofRefused(
    await ccRequest(t, hmac),
    /alg HS256 is not accepted.*never none or a MAC/,
  )
})

test('§4.3 items 6-7: the jwk must be a public key only, and must verify the signature', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const other = await makeProofKey()
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { header: { jwk: undefined } })),
    /public key as a jwk object/,
  )
  const { exportJWK } = await import('jose')
  const privateJwk = await exportJWK(key.privateKey)
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { header: { jwk: privateJwk } })),
    /private key material \(d\)/,
  )
  await expectProofRefused(
    await ccRequest(
      t,
      await tokenProof(t, key, { header: { jwk: { kty: 'oct', k: 'c2VjcmV0' } } }),
    ),
    /private key material \(k\)/,
  )
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { signWith: other.privateKey })),
    /signature does not verify/,
  )
  const small = await makeProofKey('RS256', { modulusLength: 1024 })
  await expectProofRefused(await ccRequest(t, await tokenProof(t, small)), /at least 2048 bits/)
})

test('every accepted algorithm works: ES256, Ed25519, RS256, PS256', async () => {
  const t = createTestAuthorizationServer()
  for (const alg of ['ES256', 'Ed25519', 'RS256', 'PS256'] as const) {
    const key = await makeProofKey(alg)
    const response = await ccRequest(t, await tokenProof(t, key))
    expect(response.status, alg).toBe(200)
    expect(decodeJwt((await response.json()).access_token).cnf).toEqual({ jkt: key.jkt })
  }
})

test('§4.3 item 3: jti, htm, htu and iat are required; jti has a length limit', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  for (const claim of ['jti', 'htm', 'htu', 'iat']) {
    await expectProofRefused(
      await ccRequest(t, await tokenProof(t, key, { claims: { [claim]: undefined } })),
      new RegExp(`${claim} \\(.*\\) is missing`),
    )
  }
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { claims: { iat: 'now' } })),
    /iat .* is missing/,
  )
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { jti: 'j'.repeat(maxDpopJtiLength + 1) })),
    /jti is longer than 256/,
  )
})

test('§4.3 items 8-9 and 11: htm, htu (query and fragment ignored, normalised) and the iat window', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { htm: 'GET' })),
    /htm is GET, but the request is a POST/,
  )
  // Cross-site: a proof minted for another server's token endpoint.
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { htu: 'https://other.example/as/token' })),
    /htu https:\/\/other.example\/as\/token is not this request's URI/,
  )
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { htu: `${t.deps.issuer}/par` })),
    /is not this request's URI/,
  )
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { htu: 'not a url' })),
    /is not this request's URI/,
  )
  for (const htu of [
    `${t.deps.issuer}/token?x=1#frag`,
    `${t.deps.issuer.replace('http://', 'HTTP://')}/token`,
    `${t.deps.issuer}/../as/token`,
  ]) {
    expect((await ccRequest(t, await tokenProof(t, key, { htu }))).status, htu).toBe(200)
  }
  const now = Math.floor(t.clock.now() / 1000)
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { iat: now - dpopProofWindow - 1 })),
    /iat is 61 seconds from the server's clock; at most 60/,
  )
  await expectProofRefused(
    await ccRequest(t, await tokenProof(t, key, { iat: now + dpopProofWindow + 1 })),
    /iat is -61 seconds/,
  )
  expect(
    (await ccRequest(t, await tokenProof(t, key, { iat: now - dpopProofWindow }))).status,
  ).toBe(200)
})

test('§11.1: a proof is accepted once per key; the same jti from another key is another proof', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const proof = await tokenProof(t, key, { jti: 'fixed-jti' })
  expect((await ccRequest(t, proof)).status).toBe(200)
  await expectProofRefused(
    await ccRequest(t, proof),
    /jti fixed-jti was already used with this key/,
  )
  const other = await makeProofKey()
  expect((await ccRequest(t, await tokenProof(t, other, { jti: 'fixed-jti' }))).status).toBe(200)
})

test('§11.1, concurrent: the same proof sent twice at once is accepted exactly once', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const proof = await tokenProof(t, key)
  const answers = await Promise.all(Array.from({ length: 6 }, () => ccRequest(t, proof)))
  expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400, 400, 400, 400])
})

test('the replay record of a proof is purged once the proof could no longer be accepted', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  expect((await ccRequest(t, await tokenProof(t, key))).status).toBe(200)
  const stored = async () => (await t.deps.store.list('dpop-proof-jtis')).length
  expect(await stored()).toBe(1)
  t.clock.advance((dpopProofWindow + 2) * 1000)
  await t.server.purgeExpired()
  expect(await stored()).toBe(0)
})

// ——— Nonces (§8) ———

test('§8: a client that must send a nonce gets use_dpop_nonce with a DPoP-Nonce header, then succeeds with it', async () => {
  const t = createTestAuthorizationServer()
  const registered = await (
    await t.server.handle(
      new Request(`${t.deps.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_types: ['client_credentials'],
          scope: 'orders:read',
          dpop_bound_access_tokens: true,
        }),
      }),
    )
  ).json()
  const auth = { authorization: basic(registered.client_id, registered.client_secret) }
  const send = (proof: string) =>
    postForm(t, '/token', { grant_type: 'client_credentials' }, { ...auth, dpop: proof })
  const key: ProofKey = await makeProofKey()

  const challenged = await send(await tokenProof(t, key))
  expect(challenged.status).toBe(400)
  const nonce = challenged.headers.get('dpop-nonce') ?? ''
  expect(nonce).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/)
  expect(await challenged.json()).toMatchObject({
    error: 'use_dpop_nonce',
    error_description: expect.stringMatching(/requires nonce in DPoP proof/),
  })
  const stale = await send(await tokenProof(t, key, { nonce: 'made-up-nonce' }))
  expect(stale.status).toBe(400)
  expect((await stale.json()).error).toBe('use_dpop_nonce')
  expect(stale.headers.get('dpop-nonce')).toBe(nonce)

  const accepted = await send(await tokenProof(t, key, { nonce }))
  expect(accepted.status).toBe(200)
  expect((await accepted.json()).token_type).toBe('DPoP')

  // The nonce is current for dpopNonceLifetime, then the previous one for as long again.
  t.clock.advance(dpopNonceLifetime * 1000)
  const rotated = await send(await tokenProof(t, key, { nonce }))
  expect(rotated.status).toBe(200)
  t.clock.advance(1000)
  const next = await send(await tokenProof(t, key))
  const newNonce = next.headers.get('dpop-nonce')
  expect(newNonce).not.toBe(nonce)
  expect((await send(await tokenProof(t, key, { nonce }))).status).toBe(200)
  t.clock.advance(dpopNonceLifetime * 1000)
  expect((await send(await tokenProof(t, key, { nonce }))).status).toBe(400)
})

test('two requests at a nonce rotation hand out the same new nonce', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const send = async () =>
    postForm(
      t,
      '/token',
      { grant_type: 'authorization_code', code: 'x', client_id: 'grantlab-dpop' },
      { dpop: await tokenProof(t, key) },
    )
  const answers = await Promise.all([send(), send(), send()])
  const nonces = new Set(answers.map((answer) => answer.headers.get('dpop-nonce')))
  expect(nonces.size).toBe(1)
  expect([...nonces][0]).toBeTruthy()
})

test('a client registered with dpop_bound_access_tokens is refused without a proof: invalid_request', async () => {
  const t = createTestAuthorizationServer()
  const response = await postForm(t, '/token', {
    grant_type: 'authorization_code',
    code: 'whatever',
    client_id: 'grantlab-dpop',
  })
  expect(response.status).toBe(400)
  expect(await response.json()).toMatchObject({
    error: 'invalid_request',
    error_description: expect.stringMatching(/dpop_bound_access_tokens.*must carry a DPoP proof/),
  })
})

test('a bad proof never reaches the grant: a refused proof leaves nothing behind', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  await expectProofRefused(await ccRequest(t, await tokenProof(t, key, { htm: 'GET' })), /htm/)
  expect(await t.deps.store.list('grants')).toEqual([])
  expect(await t.deps.store.list('access-tokens')).toEqual([])
})

test('checkDpopProof resolves to undefined when the request has no DPoP header', async () => {
  const { ctx } = rfcExampleServer()
  expect(
    await checkDpopProof(ctx, new Request('https://server.example.com/token'), asRecipient),
  ).toBeUndefined()
})

test('makeProof covers the proof shape of RFC 9449 §4.2 (header typ, alg, jwk; claims jti, htm, htu, iat)', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const proof = await makeProof(t, key, {
    htm: 'GET',
    htu: 'https://x.example/r',
    accessToken: 'a',
  })
  expect(decodeProtectedHeader(proof)).toEqual({
    typ: 'dpop+jwt',
    alg: 'ES256',
    jwk: key.publicJwk,
  })
  expect(Object.keys(decodeJwt(proof)).sort()).toEqual(['ath', 'htm', 'htu', 'iat', 'jti'])
})

test('§8: a nonce challenge comes before client authentication, so the same client assertion works on the retry', async () => {
  // A workload sends its platform's JWT as it is, twice when the server asks for a nonce
  // (docs/decisions/135): the challenge must not spend the assertion's jti.
  const t = createTestAuthorizationServer()
  const { exportJWK, generateKeyPair } = await import('jose')
  const signing = await generateKeyPair('ES256', { extractable: true })
  const registered = await (
    await t.server.handle(
      new Request(`${t.deps.issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_types: ['client_credentials'],
          scope: 'orders:read',
          token_endpoint_auth_method: 'private_key_jwt',
          dpop_bound_access_tokens: true,
          jwks: { keys: [{ ...(await exportJWK(signing.publicKey)), kid: 'k', alg: 'ES256' }] },
        }),
      }),
    )
  ).json()
  const now = Math.floor(t.clock.now() / 1000)
  const assertion = await new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: 'k' })
    .setIssuer(registered.client_id)
    .setSubject(registered.client_id)
    .setAudience(t.deps.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(signing.privateKey)
  const key = await makeProofKey()
  const send = async (nonce?: string) =>
    postForm(
      t,
      '/token',
      {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      },
      { dpop: await tokenProof(t, key, nonce === undefined ? {} : { nonce }) },
    )
  const challenged = await send()
  expect((await challenged.json()).error).toBe('use_dpop_nonce')
  const nonce = challenged.headers.get('dpop-nonce') ?? ''
  const accepted = await send(nonce)
  expect(accepted.status).toBe(200)
  expect((await accepted.json()).token_type).toBe('DPoP')
  // Used once now: a third send is the replay the jti check is for.
  const replayed = await send(nonce)
  expect(await replayed.json()).toMatchObject({
    error: 'invalid_client',
    error_description: expect.stringMatching(/jti replay/),
  })
})
