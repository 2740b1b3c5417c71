import { decodeJwt } from 'jose'
import { expect, test } from 'vitest'
import { mcpResource } from './resource-test-support'
import { makeProof, makeProofKey, type ProofKey, tokenProof } from './test-dpop'
import { createTestAuthorizationServer, type TestAuthorizationServer } from './test-server'
import {
  authorizeUrl,
  basic,
  get,
  obtainCode,
  postForm,
  register,
  spaRedirect,
  testVerifier,
} from './test-support'

// What a DPoP-bound token, refresh token and code mean afterwards (RFC 9449 §5, §7, §9, §10), at
// the token endpoint, PAR, the demo API and UserInfo. Each refusal with its error and header.

const dpopRedirect = 'http://127.0.0.1:4173/walkthrough/dpop/callback'

async function json(response: Response) {
  return (await response.json()) as Record<string, unknown> & { error?: string }
}

/** A token request with a proof, retried once with the nonce if the server asks for one. */
async function tokenRequest(
  t: TestAuthorizationServer,
  key: ProofKey | undefined,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const send = async (nonce?: string) =>
    postForm(t, '/token', params, {
      ...headers,
      ...(key ? { dpop: await tokenProof(t, key, nonce === undefined ? {} : { nonce }) } : {}),
    })
  const first = await send()
  const nonce = first.headers.get('dpop-nonce')
  if (first.status === 400 && nonce && (await first.clone().json()).error === 'use_dpop_nonce') {
    return send(nonce)
  }
  return first
}

async function codeTokens(
  t: TestAuthorizationServer,
  key: ProofKey | undefined,
  client: 'grantlab-spa' | 'grantlab-dpop' | 'grantlab-web' = 'grantlab-spa',
  extra: Record<string, string> = {},
) {
  const redirect = client === 'grantlab-dpop' ? dpopRedirect : spaRedirect
  const code = await obtainCode(t, { client_id: client, redirect_uri: redirect, ...extra })
  const response = await tokenRequest(
    t,
    key,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect,
      code_verifier: testVerifier,
      ...(client === 'grantlab-web' ? {} : { client_id: client }),
    },
    client === 'grantlab-web'
      ? { authorization: basic('grantlab-web', 'grantlab-web-secret') }
      : {},
  )
  expect(response.status).toBe(200)
  return (await response.json()) as {
    access_token: string
    refresh_token: string
    token_type: string
  }
}

function refresh(
  t: TestAuthorizationServer,
  key: ProofKey | undefined,
  refreshToken: string,
  client = 'grantlab-spa',
) {
  return tokenRequest(
    t,
    key,
    {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      ...(client === 'grantlab-web' ? {} : { client_id: client }),
    },
    client === 'grantlab-web'
      ? { authorization: basic('grantlab-web', 'grantlab-web-secret') }
      : {},
  )
}

// ——— Refresh tokens (§5) ———

test('§5: a public client’s refresh token is bound to the key: without a proof or with another key it is refused', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const thief = await makeProofKey()
  const tokens = await codeTokens(t, key)
  expect(tokens.token_type).toBe('DPoP')

  const withoutProof = await refresh(t, undefined, tokens.refresh_token)
  expect(withoutProof.status).toBe(400)
  expect(await json(withoutProof)).toMatchObject({
    error: 'invalid_grant',
    error_description: expect.stringMatching(/bound to a DPoP key: send a DPoP proof/),
  })
  const otherKey = await refresh(t, thief, tokens.refresh_token)
  expect(await json(otherKey)).toMatchObject({
    error: 'invalid_grant',
    error_description: expect.stringMatching(/another key than the one the refresh token/),
  })
  // Neither refusal spent the token or revoked anything: the key holder refreshes.
  const refreshed = await refresh(t, key, tokens.refresh_token)
  expect(refreshed.status).toBe(200)
  const body = (await refreshed.json()) as { token_type: string; access_token: string }
  expect(body.token_type).toBe('DPoP')
  expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.jkt })
})

test('§5: a thief with another key presenting a used refresh token does not revoke the real client’s tokens', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const tokens = await codeTokens(t, key)
  const rotated = (await (await refresh(t, key, tokens.refresh_token)).json()) as {
    refresh_token: string
  }
  const replay = await refresh(t, await makeProofKey(), tokens.refresh_token)
  expect((await json(replay)).error).toBe('invalid_grant')
  expect((await refresh(t, key, rotated.refresh_token)).status).toBe(200)
  // The key holder replaying the used one is reuse, and revokes the family as before.
  const reuse = await refresh(t, key, tokens.refresh_token)
  expect(await json(reuse)).toMatchObject({
    error_description: expect.stringMatching(/already used/),
  })
})

test('§5: a confidential client’s refresh token is not bound to the key (its credentials bind it)', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const tokens = await codeTokens(t, key, 'grantlab-web')
  expect(tokens.token_type).toBe('DPoP')
  const plain = await refresh(t, undefined, tokens.refresh_token, 'grantlab-web')
  expect(plain.status).toBe(200)
  expect((await plain.json()).token_type).toBe('Bearer')
})

// ——— Codes bound with dpop_jkt (§10) ———

test('§10: a code requested with dpop_jkt is redeemed only with a proof of that key; refusals leave it unspent', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const code = await obtainCode(t, { dpop_jkt: key.jkt })
  const params = {
    grant_type: 'authorization_code',
    code,
    redirect_uri: spaRedirect,
    code_verifier: testVerifier,
    client_id: 'grantlab-spa',
  }
  const noProof = await tokenRequest(t, undefined, params)
  expect(await json(noProof)).toMatchObject({
    error: 'invalid_grant',
    error_description: expect.stringMatching(/bound to a DPoP key \(dpop_jkt\)/),
  })
  const otherKey = await tokenRequest(t, await makeProofKey(), params)
  expect(await json(otherKey)).toMatchObject({
    error: 'invalid_grant',
    error_description: expect.stringMatching(/another key than the one the code is bound to/),
  })
  const redeemed = await tokenRequest(t, key, params)
  expect(redeemed.status).toBe(200)
  expect(decodeJwt((await redeemed.json()).access_token).cnf).toEqual({ jkt: key.jkt })
})

test('§10: a dpop_jkt that is not a thumbprint is redirected back as invalid_request', async () => {
  const t = createTestAuthorizationServer()
  const response = await get(t, await authorizeUrl(t, { dpop_jkt: 'not-a-thumbprint' }))
  expect(response.status).toBe(302)
  const location = new URL(response.headers.get('location') ?? '')
  expect(location.searchParams.get('error')).toBe('invalid_request')
  expect(location.searchParams.get('error_description')).toMatch(/dpop_jkt must be/)
})

// ——— PAR with a proof (§10.1) ———

async function spaPushParams(t: TestAuthorizationServer, extra: Record<string, string> = {}) {
  return {
    ...Object.fromEntries(new URL(await authorizeUrl(t)).searchParams),
    ...extra,
  }
}

test('§10.1: a proof sent to /as/par binds the code; a dpop_jkt naming another key is refused', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const parProof = (k: ProofKey) => makeProof(t, k, { htm: 'POST', htu: `${t.deps.issuer}/par` })
  const mismatch = await postForm(
    t,
    '/par',
    await spaPushParams(t, { dpop_jkt: (await makeProofKey()).jkt }),
    { dpop: await parProof(key) },
  )
  expect(mismatch.status).toBe(400)
  expect(await json(mismatch)).toMatchObject({
    error: 'invalid_request',
    error_description: expect.stringMatching(/dpop_jkt names another key/),
  })
  // A token-endpoint proof is not a PAR proof (htu).
  const wrongTarget = await postForm(t, '/par', await spaPushParams(t), {
    dpop: await tokenProof(t, key),
  })
  expect(await json(wrongTarget)).toMatchObject({ error: 'invalid_dpop_proof' })

  const pushed = await postForm(t, '/par', await spaPushParams(t, { dpop_jkt: key.jkt }), {
    dpop: await parProof(key),
  })
  expect(pushed.status).toBe(201)
  const { request_uri: requestUri } = (await pushed.json()) as { request_uri: string }
  const { driveAuthorization } = await import('./test-server')
  const driven = await driveAuthorization(
    t.server,
    `${t.deps.issuer}/authorize?client_id=grantlab-spa&request_uri=${encodeURIComponent(requestUri)}`,
  )
  const code = new URL(driven.location ?? '').searchParams.get('code') ?? ''
  const params = {
    grant_type: 'authorization_code',
    code,
    redirect_uri: spaRedirect,
    code_verifier: testVerifier,
    client_id: 'grantlab-spa',
  }
  expect((await json(await tokenRequest(t, await makeProofKey(), params))).error).toBe(
    'invalid_grant',
  )
  expect((await tokenRequest(t, key, params)).status).toBe(200)
})

test('§8 at /as/par: a client that must send nonces gets use_dpop_nonce there too, with the header', async () => {
  const t = createTestAuthorizationServer()
  const registered = await json(
    await register(t, {
      token_endpoint_auth_method: 'none',
      redirect_uris: [spaRedirect],
      dpop_bound_access_tokens: true,
    }),
  )
  expect(registered.dpop_bound_access_tokens).toBe(true)
  // Server policy is not registration metadata: it is not echoed.
  expect(registered).not.toHaveProperty('dpopNonceRequired')
  const key = await makeProofKey()
  const params = await spaPushParams(t)
  params.client_id = String(registered.client_id)
  const first = await postForm(t, '/par', params, {
    dpop: await makeProof(t, key, { htm: 'POST', htu: `${t.deps.issuer}/par` }),
  })
  expect(first.status).toBe(400)
  expect((await json(first)).error).toBe('use_dpop_nonce')
  const nonce = first.headers.get('dpop-nonce') ?? ''
  const retry = await postForm(t, '/par', params, {
    dpop: await makeProof(t, key, { htm: 'POST', htu: `${t.deps.issuer}/par`, nonce }),
  })
  expect(retry.status).toBe(201)
})

test('registration keeps dpop_bound_access_tokens as a boolean and refuses anything else', async () => {
  const t = createTestAuthorizationServer()
  const bad = await register(t, { redirect_uris: [spaRedirect], dpop_bound_access_tokens: 'yes' })
  expect(bad.status).toBe(400)
  expect(await json(bad)).toMatchObject({
    error: 'invalid_client_metadata',
    error_description: 'dpop_bound_access_tokens must be a boolean.',
  })
  const off = await json(
    await register(t, { redirect_uris: [spaRedirect], dpop_bound_access_tokens: false }),
  )
  expect(off.dpop_bound_access_tokens).toBe(false)
})

test('the metadata lists the DPoP proof algorithms (RFC 9449 §5.1)', async () => {
  const t = createTestAuthorizationServer()
  const metadata = await json(await get(t, `${t.deps.issuer}/.well-known/openid-configuration`))
  expect(metadata.dpop_signing_alg_values_supported).toEqual(['ES256', 'Ed25519', 'RS256', 'PS256'])
})

// ——— The demo API and UserInfo (§7, §9) ———

function api(
  t: TestAuthorizationServer,
  path: string,
  authorization: string | undefined,
  proof?: string,
  method = 'GET',
) {
  const url = path.startsWith('/api') ? `${t.deps.appOrigin}${path}` : `${t.deps.issuer}${path}`
  return t.server.handle(
    new Request(url, {
      method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(proof ? { dpop: proof } : {}),
      },
    }),
  )
}

function resourceProof(
  t: TestAuthorizationServer,
  key: ProofKey,
  path: string,
  accessToken: string | undefined,
  extra: { nonce?: string; htm?: string } = {},
) {
  const url = path.startsWith('/api') ? `${t.deps.appOrigin}${path}` : `${t.deps.issuer}${path}`
  return makeProof(t, key, {
    htm: extra.htm ?? 'GET',
    htu: url,
    ...(accessToken === undefined ? {} : { accessToken }),
    ...(extra.nonce === undefined ? {} : { nonce: extra.nonce }),
  })
}

async function expectChallenge(
  response: Response,
  status: number,
  error: string,
  challenge: RegExp,
) {
  expect(response.status).toBe(status)
  expect((await json(response)).error).toBe(error)
  expect(response.headers.get('www-authenticate')).toMatch(challenge)
}

test('§7.1: the API and UserInfo accept a bound token with the DPoP scheme and a proof with ath', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const { access_token: token } = await codeTokens(t, key)
  const profile = await api(
    t,
    '/api/profile',
    `DPoP ${token}`,
    await resourceProof(t, key, '/api/profile', token),
  )
  expect(profile.status).toBe(200)
  expect(await json(profile)).toMatchObject({ sub: 'user-alice' })
  const userinfo = await api(
    t,
    '/userinfo',
    `DPoP ${token}`,
    await resourceProof(t, key, '/userinfo', token),
  )
  expect(userinfo.status).toBe(200)
  const posted = await api(
    t,
    '/userinfo',
    `DPoP ${token}`,
    await resourceProof(t, key, '/userinfo', token, { htm: 'POST' }),
    'POST',
  )
  expect(posted.status).toBe(200)
})

test('§7.2: a DPoP-bound token sent as a bearer token is refused, with both challenges', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const { access_token: token } = await codeTokens(t, key)
  for (const path of ['/api/profile', '/userinfo']) {
    await expectChallenge(
      await api(t, path, `Bearer ${token}`),
      401,
      'invalid_token',
      /^Bearer realm="grantlab-(api|userinfo)", error="invalid_token", error_description="This access token is bound to a DPoP key.*", DPoP algs="ES256 Ed25519 RS256 PS256"$/,
    )
    // A proof beside the Bearer scheme does not make it a DPoP request.
    const withProof = await api(
      t,
      path,
      `Bearer ${token}`,
      await resourceProof(t, key, path, token),
    )
    expect(withProof.status).toBe(401)
  }
})

test('§7.1: the DPoP scheme needs a proof, of the bound key, for this request and this token', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const { access_token: token } = await codeTokens(t, key)
  const { access_token: otherToken } = await codeTokens(t, key)
  const scheme = `DPoP ${token}`
  await expectChallenge(
    await api(t, '/api/profile', scheme),
    400,
    'invalid_request',
    /^DPoP error="invalid_request", error_description="The DPoP scheme needs a DPoP proof.*", algs="ES256 Ed25519 RS256 PS256", resource_metadata="[^"]+\/oauth-protected-resource\/api"$/,
  )
  // Stolen with another key: the proof is valid, but not of the key the token is bound to.
  await expectChallenge(
    await api(
      t,
      '/api/profile',
      scheme,
      await resourceProof(t, await makeProofKey(), '/api/profile', token),
    ),
    401,
    'invalid_token',
    /^DPoP error="invalid_token", error_description="The DPoP proof was made with another key.*", algs=/,
  )
  await expectChallenge(
    await api(t, '/api/profile', scheme, await resourceProof(t, key, '/api/profile', undefined)),
    401,
    'invalid_dpop_proof',
    /^DPoP error="invalid_dpop_proof", error_description="DPoP proof: ath \(the hash of the access token\) is missing\.", algs=/,
  )
  await expectChallenge(
    await api(t, '/api/profile', scheme, await resourceProof(t, key, '/api/profile', otherToken)),
    401,
    'invalid_dpop_proof',
    /ath does not match the access token/,
  )
  await expectChallenge(
    await api(t, '/api/profile', scheme, await resourceProof(t, key, '/api/orders', token)),
    401,
    'invalid_dpop_proof',
    /htu .* is not this request's URI/,
  )
  const once = await resourceProof(t, key, '/api/profile', token)
  expect((await api(t, '/api/profile', scheme, once)).status).toBe(200)
  await expectChallenge(
    await api(t, '/api/profile', scheme, once),
    401,
    'invalid_dpop_proof',
    /already used with this key/,
  )
})

test('§7.1: a bearer token sent with the DPoP scheme is refused: it is not bound to a key', async () => {
  const t = createTestAuthorizationServer()
  const { access_token: token } = await codeTokens(t, undefined)
  const key = await makeProofKey()
  await expectChallenge(
    await api(
      t,
      '/api/profile',
      `DPoP ${token}`,
      await resourceProof(t, key, '/api/profile', token),
    ),
    401,
    'invalid_token',
    /^DPoP error="invalid_token", error_description="This access token is not bound to a DPoP key/,
  )
})

test('§7.1: insufficient scope with the DPoP scheme answers 403 with a DPoP challenge naming the scope', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const { access_token: token } = await codeTokens(t, key)
  await expectChallenge(
    await api(
      t,
      '/api/orders',
      `DPoP ${token}`,
      await resourceProof(t, key, '/api/orders', token, { htm: 'POST' }),
      'POST',
    ),
    403,
    'insufficient_scope',
    /^DPoP error="insufficient_scope", error_description=".*orders:write.*", scope="orders:write", algs=/,
  )
})

test('§9: the API asks a nonce-requiring client’s token for a nonce: 401 use_dpop_nonce and DPoP-Nonce', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const { access_token: token } = await codeTokens(t, key, 'grantlab-dpop')
  const first = await api(
    t,
    '/api/profile',
    `DPoP ${token}`,
    await resourceProof(t, key, '/api/profile', token),
  )
  await expectChallenge(
    first,
    401,
    'use_dpop_nonce',
    /^DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof.*", algs=/,
  )
  const nonce = first.headers.get('dpop-nonce') ?? ''
  expect(nonce).not.toBe('')
  const retry = await api(
    t,
    '/api/profile',
    `DPoP ${token}`,
    await resourceProof(t, key, '/api/profile', token, { nonce }),
  )
  expect(retry.status).toBe(200)
})

test('concurrent: the same resource proof sent twice at once is accepted exactly once', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const { access_token: token } = await codeTokens(t, key)
  const proof = await resourceProof(t, key, '/api/profile', token)
  const answers = await Promise.all(
    Array.from({ length: 4 }, () => api(t, '/api/profile', `DPoP ${token}`, proof)),
  )
  expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401, 401, 401])
})

test('a revoked DPoP token is refused at the API whatever the proof', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const { access_token: token } = await codeTokens(t, key)
  expect((await postForm(t, '/revoke', { token, client_id: 'grantlab-spa' })).status).toBe(200)
  await expectChallenge(
    await api(
      t,
      '/api/profile',
      `DPoP ${token}`,
      await resourceProof(t, key, '/api/profile', token),
    ),
    401,
    'invalid_token',
    /^DPoP error="invalid_token", error_description="The access token was revoked\."/,
  )
})

test('the CIBA grant binds its tokens too when the poll carries a proof (RFC 9449 §5: every grant)', async () => {
  const t = createTestAuthorizationServer()
  const { driveAuthenticationDevice } = await import('./test-authentication-device')
  const demo = { authorization: basic('grantlab-ciba', 'grantlab-ciba-secret') }
  const started = await postForm(
    t,
    '/bc-authorize',
    { scope: 'openid orders:read', login_hint: 'alice' },
    demo,
  )
  const { auth_req_id: authReqId, interval } = (await started.json()) as {
    auth_req_id: string
    interval: number
  }
  await driveAuthenticationDevice(t.server, t.deps.issuer)
  t.clock.advance(interval * 1000)
  const key = await makeProofKey()
  const response = await postForm(
    t,
    '/token',
    { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId },
    { ...demo, dpop: await tokenProof(t, key) },
  )
  expect(response.status).toBe(200)
  const body = (await response.json()) as { token_type: string; access_token: string }
  expect(body.token_type).toBe('DPoP')
  expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.jkt })
})

test('a DPoP-bound token for /mcp (RFC 8707 resource) works there only with the DPoP scheme and a proof', async () => {
  const t = createTestAuthorizationServer()
  const key = await makeProofKey()
  const { access_token: token } = await codeTokens(t, key, 'grantlab-spa', {
    resource: mcpResource,
  })
  expect(decodeJwt(token)).toMatchObject({ aud: mcpResource, cnf: { jkt: key.jkt } })
  const call = (authorization: string, proof?: string) =>
    t.server.handle(
      new Request(mcpResource, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/json',
          ...(proof ? { dpop: proof } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      }),
    )
  const proofFor = () => makeProof(t, key, { htm: 'POST', htu: mcpResource, accessToken: token })
  expect((await call(`DPoP ${token}`, await proofFor())).status).toBe(200)
  const asBearer = await call(`Bearer ${token}`)
  expect(asBearer.status).toBe(401)
  expect(asBearer.headers.get('www-authenticate')).toMatch(
    /^Bearer realm="grantlab-mcp", error="invalid_token", .*resource_metadata=".*\/oauth-protected-resource\/mcp", DPoP algs=/,
  )
  const noProof = await call(`DPoP ${token}`)
  expect(noProof.status).toBe(400)
  expect((await json(noProof)).error).toBe('invalid_request')
  // RFC 9728 §5.1: the DPoP challenge names the resource's metadata too.
  expect(noProof.headers.get('www-authenticate')).toMatch(
    /^DPoP error="invalid_request", .*algs="[^"]+", resource_metadata=".*\/oauth-protected-resource\/mcp"$/,
  )
})
