import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose'
import { expect, test } from 'vitest'
import type { Store } from './deps'
import { accessTokenType, ordersAudience, tokenExchangeGrantType } from './grants/token-exchange'
import { createMemoryStore } from './memory-store'
import { makeProofKey, tokenProof } from './test-dpop'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import { basic, callApi, introspect, obtainTokens, postForm } from './test-support'
import { accessTokensKind, selfContainedJtiPrefix } from './tokens'

// Client-credentials access tokens are self-contained (docs/decisions/141): the token request
// stores nothing, introspection (RFC 7662) reads the verified claims, and a revocation (RFC 7009)
// stores the token's jti until it expires. Each refusal below is what a stored token gets too.

const m2m = { id: 'grantlab-m2m', secret: 'grantlab-m2m-secret' }
const m2mAuth = { authorization: basic(m2m.id, m2m.secret) }

/** A memory store that counts the writes made through it. */
function countingStore(): { store: Store; writes: string[] } {
  const inner = createMemoryStore()
  const writes: string[] = []
  return {
    writes,
    store: {
      ...inner,
      put(kind, id, value, options) {
        writes.push(`put ${kind}`)
        return inner.put(kind, id, value, options)
      },
      update(kind, id, change) {
        writes.push(`update ${kind}`)
        return inner.update(kind, id, change)
      },
      delete(kind, id) {
        writes.push(`delete ${kind}`)
        return inner.delete(kind, id)
      },
    },
  }
}

async function m2mToken(t: TestAuthorizationServer, params: Record<string, string> = {}) {
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', scope: 'orders:read', ...params },
    m2mAuth,
  )
  expect(response.status).toBe(200)
  return ((await response.json()) as { access_token: string }).access_token
}

const revoke = (t: TestAuthorizationServer, token: string, auth = m2mAuth) =>
  postForm(t, '/revoke', { token }, auth)

test('a client_credentials token request writes nothing, and introspection reports the token’s own claims', async () => {
  const { store, writes } = countingStore()
  const t = createTestAuthorizationServer({ store })
  const token = await m2mToken(t)
  expect(writes).toEqual([])
  const claims = decodeJwt(token)
  expect(String(claims.jti).startsWith(selfContainedJtiPrefix)).toBe(true)
  expect(await introspect(t, token, m2m)).toEqual({
    active: true,
    scope: 'orders:read',
    client_id: 'grantlab-m2m',
    sub: 'grantlab-m2m',
    token_type: 'Bearer',
    iss: t.deps.issuer,
    aud: `${t.deps.appOrigin}/api`,
    iat: claims.iat,
    exp: claims.exp,
    jti: claims.jti,
  })
  // The resource server accepts it as it accepts a stored one.
  expect((await callApi(t, '/api/orders', token)).status).toBe(200)
  expect(writes).toEqual([])
})

test('the owner’s revocation stores the jti until the token expires; the token is refused everywhere, a replayed revocation is still 200', async () => {
  const t = createTestAuthorizationServer()
  const token = await m2mToken(t)
  const other = await m2mToken(t)
  expect((await revoke(t, token)).status).toBe(200)
  expect(await introspect(t, token, m2m)).toEqual({ active: false })
  expect((await callApi(t, '/api/orders', token)).status).toBe(401)
  expect((await revoke(t, token)).status).toBe(200)
  // Only that token: another one of the same client stays active.
  expect(await introspect(t, other, m2m)).toMatchObject({ active: true })

  const jti = String(decodeJwt(token).jti)
  expect(await t.deps.store.get(accessTokensKind, jti)).toMatchObject({ jti, revoked: true })
  // Past the token's expiry the revocation's record is purged, and the token is still refused.
  t.clock.advance(301_000)
  expect(await t.server.purgeExpired()).toBeGreaterThan(0)
  expect(await t.deps.store.get(accessTokensKind, jti)).toBeUndefined()
  expect(await introspect(t, token, m2m)).toEqual({ active: false })
})

test('another client cannot revoke it (unauthorized_client) and writes nothing; the token stays active', async () => {
  const { store, writes } = countingStore()
  const t = createTestAuthorizationServer({ store })
  const token = await m2mToken(t)
  const refused = await revoke(t, token, {
    authorization: basic('grantlab-web', 'grantlab-web-secret'),
  })
  expect(refused.status).toBe(400)
  expect((await refused.json()).error).toBe('unauthorized_client')
  expect(writes).toEqual([])
  expect(await introspect(t, token, m2m)).toMatchObject({ active: true })
})

test('an expired one is inactive, and so is a forged one: another key, alg none, a changed claim', async () => {
  const t = createTestAuthorizationServer()
  const token = await m2mToken(t)
  const header = decodeProtectedHeader(token)
  const claims = decodeJwt(token)

  // Signed by the attacker's key under the server's kid, the jti marked self-contained.
  const { privateKey } = await generateKeyPair('ES256')
  const forged = await new SignJWT({ ...claims, scope: 'orders:read orders:write' })
    .setProtectedHeader({ alg: 'ES256', kid: String(header.kid), typ: 'at+jwt' })
    .sign(privateKey)
  const [encodedHeader, , signature] = token.split('.')
  const changedClaims = Buffer.from(JSON.stringify({ ...claims, sub: 'user-alice' })).toString(
    'base64url',
  )
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`
  for (const candidate of [forged, `${encodedHeader}.${changedClaims}.${signature}`, unsigned]) {
    expect(await introspect(t, candidate, m2m)).toEqual({ active: false })
    expect((await callApi(t, '/api/orders', candidate)).status).toBe(401)
  }

  t.clock.advance(301_000)
  expect(await introspect(t, token, m2m)).toEqual({ active: false })
  const api = await callApi(t, '/api/orders', token)
  expect(api.status).toBe(401)
  expect(api.headers.get('www-authenticate')).toMatch(/expired/)
})

test('only a self-contained jti may lack a record: a user’s token whose record is gone is unknown', async () => {
  const t = createTestAuthorizationServer()
  const { tokens } = await obtainTokens(t)
  const jti = String(decodeJwt(tokens.access_token).jti)
  expect(jti.startsWith(selfContainedJtiPrefix)).toBe(false)
  await t.deps.store.delete(accessTokensKind, jti)
  expect(await introspect(t, tokens.access_token)).toEqual({ active: false })
  const api = await callApi(t, '/api/profile', tokens.access_token)
  expect(api.status).toBe(401)
  expect(api.headers.get('www-authenticate')).toMatch(/unknown/)
})

test('concurrent revocations and introspections: every revocation answers 200, and after them the token is inactive', async () => {
  const t = createTestAuthorizationServer()
  const token = await m2mToken(t)
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, index) =>
      index % 2 === 0 ? revoke(t, token) : postForm(t, '/introspect', { token }, m2mAuth),
    ),
  )
  expect(answers.every((response) => response.status === 200)).toBe(true)
  expect(await introspect(t, token, m2m)).toEqual({ active: false })
})

test('a DPoP-bound one keeps its binding: introspection says DPoP with cnf.jkt, the API refuses it as Bearer', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'client_credentials', scope: 'orders:read' },
    { ...m2mAuth, dpop: await tokenProof(t, key) },
  )
  expect(response.status).toBe(200)
  const { access_token: token, token_type } = await response.json()
  expect(token_type).toBe('DPoP')
  expect(await introspect(t, token, m2m)).toMatchObject({
    active: true,
    token_type: 'DPoP',
    cnf: { jkt: key.jkt },
  })
  expect((await callApi(t, '/api/orders', token)).status).toBe(401)
})

test('it can be the subject of a token exchange; the exchanged token lives no longer than it', async () => {
  const t = createTestAuthorizationServer()
  const token = await m2mToken(t)
  const exchanger = { id: 'grantlab-exchanger', secret: 'grantlab-exchanger-secret' }
  const exchanged = await postForm(
    t,
    '/token',
    {
      grant_type: tokenExchangeGrantType,
      subject_token: token,
      subject_token_type: accessTokenType,
      audience: ordersAudience,
      scope: 'orders:read',
    },
    { authorization: basic(exchanger.id, exchanger.secret) },
  )
  expect(exchanged.status).toBe(200)
  const issued = (await exchanged.json()) as { access_token: string }
  const claims = decodeJwt(issued.access_token)
  expect(claims).toMatchObject({
    sub: 'grantlab-m2m',
    client_id: exchanger.id,
    aud: ordersAudience,
  })
  expect(claims.exp).toBeLessThanOrEqual(Number(decodeJwt(token).exp))
  expect(await introspect(t, issued.access_token, exchanger)).toMatchObject({ active: true })
  // A revoked subject token cannot be exchanged again.
  expect((await revoke(t, token)).status).toBe(200)
  const again = await postForm(
    t,
    '/token',
    {
      grant_type: tokenExchangeGrantType,
      subject_token: token,
      subject_token_type: accessTokenType,
      audience: ordersAudience,
    },
    { authorization: basic(exchanger.id, exchanger.secret) },
  )
  expect(again.status).toBe(400)
  expect((await again.json()).error_description).toMatch(/revoked/)
})
