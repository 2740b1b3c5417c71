import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { expect, test } from 'vitest'
import { createTestAuthorizationServer, testIssuer } from './core/test-server.ts'
import {
  collectExchangeSecrets,
  redactExchange,
  redactedMarker,
  redactToken,
  redactUrl,
} from './redaction.ts'
import {
  type HttpExchange,
  type HttpRequestRecord,
  type HttpResponseRecord,
  recordRequest,
  recordResponse,
} from './traffic.ts'

const form = { 'content-type': 'application/x-www-form-urlencoded' }
const json = { 'content-type': 'application/json' }

function exchange(
  request: Partial<HttpRequestRecord>,
  response: Partial<HttpResponseRecord> = {},
): HttpExchange {
  return {
    id: 'x1',
    startedAt: 1,
    durationMs: 1,
    request: { method: 'POST', url: `${testIssuer}/token`, headers: {}, body: null, ...request },
    response: { status: 200, headers: {}, body: null, ...response },
  }
}

async function signedJwt(claims: Record<string, unknown>): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256')
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey)
}

test('the sign-in form keeps the username and the per-visit handle, and loses the password', () => {
  const stored = redactExchange(
    exchange({
      url: `${testIssuer}/authorize/login`,
      headers: form,
      body: 'pending=p-123&username=alice&password=alice-password',
      mode: 'navigate',
    }),
  )
  expect(stored.request.body).toBe(`pending=p-123&username=alice&password=${redactedMarker}`)
  expect(JSON.stringify(stored)).not.toContain('alice-password')
})

test('a percent-encoded secret goes too, and so does its echo elsewhere in the exchange', () => {
  const stored = redactExchange(
    exchange(
      {
        headers: form,
        body: 'grant_type=password&username=bob&password=s%C3%A9cret%2Bpass%2Blong%2Benough',
      },
      {
        status: 400,
        headers: json,
        body: JSON.stringify({
          error: 'invalid_grant',
          error_description: 'Bad: sécret+pass+long+enough',
        }),
      },
    ),
  )
  expect(stored.request.body).toBe(`grant_type=password&username=bob&password=${redactedMarker}`)
  expect(JSON.parse(stored.response.body ?? '{}').error_description).toBe(`Bad: ${redactedMarker}`)
})

test('a short secret goes where it is named, but is not hunted for in ordinary text', () => {
  // Someone guessed "password" as bob's password: the grant type must not turn into [redacted].
  const stored = redactExchange(
    exchange(
      { headers: form, body: 'grant_type=password&username=bob&password=password' },
      {
        status: 400,
        headers: json,
        body: JSON.stringify({ error: 'invalid_grant', error_description: 'Wrong password' }),
      },
    ),
  )
  expect(stored.request.body).toBe(`grant_type=password&username=bob&password=${redactedMarker}`)
  expect(JSON.parse(stored.response.body ?? '{}').error_description).toBe('Wrong password')
})

test('token request: Basic credentials and the PKCE verifier go, the code and the scheme stay', () => {
  const basic = `Basic ${btoa('grantlab%2Dweb:grantlab%2Dweb%2Dsecret')}`
  const stored = redactExchange(
    exchange(
      {
        headers: { ...form, authorization: basic },
        body: 'grant_type=authorization_code&code=c-1&code_verifier=v'.padEnd(80, 'v'),
      },
      {
        status: 401,
        headers: json,
        // An echo of the decoded secret, as a careless server might write it.
        body: JSON.stringify({ error: 'invalid_client', error_description: 'grantlab-web-secret' }),
      },
    ),
  )
  expect(stored.request.headers.authorization).toBe(`Basic ${redactedMarker}`)
  expect(stored.request.body).toBe(
    `grant_type=authorization_code&code=c-1&code_verifier=${redactedMarker}`,
  )
  const text = JSON.stringify(stored)
  expect(text).not.toContain('grantlab-web-secret')
  expect(text).not.toContain('grantlab%2Dweb%2Dsecret')
  expect(text).not.toContain(basic.slice(6))
})

test('token response: a JWT keeps its header and claims but not its signature; opaque tokens go whole', async () => {
  const accessToken = await signedJwt({ sub: 'user-alice', scope: 'openid profile' })
  const idToken = await signedJwt({ sub: 'user-alice', nonce: 'n-1' })
  const refreshToken = 'rt-0123456789abcdefghijklmnopqrstuvwxyz'
  const stored = redactExchange(
    exchange(
      { headers: form, body: `grant_type=refresh_token&refresh_token=${refreshToken}` },
      {
        headers: json,
        body: JSON.stringify({
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: 600,
          id_token: idToken,
          refresh_token: 'rt-second-0123456789',
          scope: 'openid profile',
        }),
      },
    ),
  )
  const body = JSON.parse(stored.response.body ?? '{}')
  expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'openid profile' })
  expect(body.refresh_token).toBe(redactedMarker)
  expect(body.access_token).toBe(
    `${accessToken.split('.').slice(0, 2).join('.')}.${redactedMarker}`,
  )
  expect(decodeJwt(body.id_token.replace(redactedMarker, 'x'))).toMatchObject({ nonce: 'n-1' })
  const text = JSON.stringify(stored)
  for (const token of [accessToken, idToken, refreshToken, 'rt-second-0123456789']) {
    expect(text).not.toContain(token)
  }
  for (const token of [accessToken, idToken]) expect(text).not.toContain(token.split('.')[2])
})

test('bearer, DPoP, cookies: the header stays, the credential goes', async () => {
  const accessToken = await signedJwt({ sub: 'user-alice' })
  const proof = await signedJwt({ htm: 'GET', htu: 'http://127.0.0.1/api/profile' })
  const stored = redactExchange(
    exchange(
      {
        method: 'GET',
        url: 'http://127.0.0.1:4173/api/profile',
        headers: { Authorization: `DPoP ${accessToken}`, DPoP: proof, cookie: 'sid=abc' },
      },
      { headers: { 'set-cookie': 'sid=def; HttpOnly', 'content-type': 'text/plain' }, body: 'ok' },
    ),
  )
  expect(stored.request.headers.Authorization).toMatch(/^DPoP ey[^.]+\.ey[^.]+\.\[redacted\]$/)
  expect(stored.request.headers.DPoP).toMatch(/\.\[redacted\]$/)
  expect(decodeJwt(String(stored.request.headers.DPoP).replace(redactedMarker, 'x')).htm).toBe(
    'GET',
  )
  expect(stored.request.headers.cookie).toBe(redactedMarker)
  expect(stored.response.headers['set-cookie']).toBe(redactedMarker)
  expect(stored.response.body).toBe('ok')
})

test('tokens in a redirect: the fragment (implicit, hybrid) and the query lose them, the code stays', async () => {
  const accessToken = await signedJwt({ sub: 'user-alice' })
  const location = `http://127.0.0.1:4173/walkthrough/implicit/callback#access_token=${accessToken}&token_type=Bearer&state=s-1&code=c-2`
  const stored = redactExchange(
    exchange(
      { url: `${testIssuer}/authorize/consent?id_token_hint=${accessToken}`, headers: form },
      { status: 302, headers: { location } },
    ),
  )
  const redirected = String(stored.response.headers.location)
  expect(redirected).toMatch(
    /#access_token=ey[^.&]+\.ey[^.&]+\.\[redacted\]&token_type=Bearer&state=s-1&code=c-2$/,
  )
  expect(stored.request.url).toContain(`id_token_hint=${redactToken(accessToken)}`)
  expect(JSON.stringify(stored)).not.toContain(accessToken)
})

test('JSON at any depth: client secrets, registration tokens and private JWK members go, public members stay', async () => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(privateKey)
  const stored = redactExchange(
    exchange(
      {
        url: `${testIssuer}/register`,
        headers: json,
        body: JSON.stringify({ client_name: 'x', jwks: { keys: [jwk] } }),
      },
      {
        status: 201,
        headers: json,
        body: JSON.stringify({
          client_id: 'client-1',
          client_secret: 'a-registered-secret-value',
          registration_access_token: 'rat-0123456789',
          jwks: { keys: [jwk] },
        }),
      },
    ),
  )
  const sent = JSON.parse(stored.request.body ?? '{}')
  expect(sent.jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y })
  expect(sent.jwks.keys[0].d).toBe(redactedMarker)
  const answer = JSON.parse(stored.response.body ?? '{}')
  expect(answer).toMatchObject({
    client_id: 'client-1',
    client_secret: redactedMarker,
    registration_access_token: redactedMarker,
  })
  expect(JSON.stringify(stored)).not.toContain(String(jwk.d))
})

test('assertions and the tokens of revocation, introspection and token exchange go', async () => {
  const assertion = await signedJwt({ iss: 'c', sub: 'alice', aud: testIssuer })
  const subject = await signedJwt({ sub: 'user-alice' })
  const body = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    assertion,
    subject_token: subject,
    actor_token: 'opaque-actor-token-value',
    token: 'opaque-token-to-revoke',
    device_code: 'device-code-0123456789',
    auth_req_id: 'auth-req-id-0123456789',
  }).toString()
  const stored = redactExchange(exchange({ headers: form, body }))
  const fields = new URLSearchParams(stored.request.body ?? '')
  expect(fields.get('client_assertion_type')).toBe(
    'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  )
  for (const name of ['client_assertion', 'assertion', 'subject_token']) {
    expect(fields.get(name)).toMatch(/^ey[^.]+\.ey[^.]+\.\[redacted\]$/)
  }
  for (const name of ['actor_token', 'token', 'device_code', 'auth_req_id']) {
    expect(fields.get(name)).toBe(redactedMarker)
  }
})

test('redactToken: only a signed JWT keeps its claims; unsigned, encrypted and opaque tokens go whole', async () => {
  const unsigned = `${btoa('{"alg":"none"}').replace(/=/g, '')}.${btoa('{"sub":"a"}').replace(/=/g, '')}.`
  expect(redactToken(unsigned)).toBe(redactedMarker)
  expect(redactToken('a.b.c.d.e')).toBe(redactedMarker)
  expect(redactToken('not-a-jwt')).toBe(redactedMarker)
  expect(redactToken('x.y.z')).toBe(redactedMarker)
  const signed = await signedJwt({ sub: 'a' })
  expect(redactToken(redactToken(signed))).toBe(redactToken(signed))
  expect(redactUrl('http://h/p?a=1#b=2')).toBe('http://h/p?a=1#b=2')
})

test('redaction is stable: a redacted exchange redacted again is the same, and one without secrets is unchanged', async () => {
  const accessToken = await signedJwt({ sub: 'user-alice' })
  const once = redactExchange(
    exchange(
      { headers: { ...form, authorization: `Bearer ${accessToken}` }, body: 'token=abcdefghijkl' },
      { headers: json, body: JSON.stringify({ access_token: accessToken }) },
    ),
  )
  expect(redactExchange(once)).toEqual(once)
  const plain = exchange(
    { method: 'GET', url: `${testIssuer}/.well-known/openid-configuration` },
    { headers: json, body: '{ "issuer": "x" }' },
  )
  expect(redactExchange(plain)).toEqual(plain)
})

test('secrets found in one exchange are redacted in another (a walkthrough redacts its run with them)', () => {
  const first = exchange({ headers: form, body: 'client_secret=grantlab-m2m-secret' })
  const known = collectExchangeSecrets(first)
  expect(first.request.body).toBe('client_secret=grantlab-m2m-secret')
  const other = exchange(
    { method: 'GET', url: 'http://127.0.0.1/x' },
    { headers: { 'content-type': 'text/html' }, body: '<p>grantlab-m2m-secret</p>' },
  )
  expect(redactExchange(other, known).response.body).toBe(`<p>${redactedMarker}</p>`)
})

test('a real token exchange with the server core: nothing in the stored copy is a usable credential', async () => {
  const { server } = createTestAuthorizationServer()
  const request = new Request(`${testIssuer}/token`, {
    method: 'POST',
    headers: {
      ...form,
      authorization: `Basic ${btoa('grantlab-m2m:grantlab-m2m-secret')}`,
    },
    body: 'grant_type=client_credentials&scope=orders%3Aread',
  })
  const requestRecord = await recordRequest(request)
  const response = await server.handle(request)
  const responseRecord = await recordResponse(response)
  const issued = JSON.parse(responseRecord.body ?? '{}') as { access_token: string }
  expect(typeof issued.access_token).toBe('string')
  const stored = redactExchange({
    id: 'real',
    startedAt: 0,
    durationMs: 0,
    request: requestRecord,
    response: responseRecord,
  })
  const text = JSON.stringify(stored)
  expect(text).not.toContain(issued.access_token)
  expect(text).not.toContain('grantlab-m2m-secret')
  // The issued token works at the server's own API; the stored copy is refused there.
  const callApi = (token: string) =>
    server.handle(
      new Request('http://127.0.0.1:4173/api/orders', {
        headers: { authorization: `Bearer ${token}` },
      }),
    )
  expect((await callApi(issued.access_token)).status).toBe(200)
  const storedToken = String(JSON.parse(stored.response.body ?? '{}').access_token)
  expect(storedToken).toContain(redactedMarker)
  expect([400, 401]).toContain((await callApi(storedToken)).status)
  const signatureless = storedToken.replace(redactedMarker, '')
  expect((await callApi(signatureless)).status).toBe(401)
})

test('malformed input: bad percent-encoding, bad base64, broken JSON and a body nested 20,000 deep', () => {
  const broken = redactExchange(
    exchange(
      {
        headers: { ...form, authorization: 'Basic %%%not-base64%%%' },
        body: 'password=%E0%A4%A&code_verifier=%zz',
      },
      { headers: json, body: '{"access_token": "abc\\"def", "refresh_token": "cut-off-here' },
    ),
  )
  expect(broken.request.headers.authorization).toBe(`Basic ${redactedMarker}`)
  expect(broken.request.body).toBe(`password=${redactedMarker}&code_verifier=${redactedMarker}`)
  // Not JSON after all (cut off): the secret members still go.
  expect(broken.response.body).toBe(
    `{"access_token": "${redactedMarker}", "refresh_token": "${redactedMarker}`,
  )

  const deep = `{"client_name":"x","client_secret":"deep-secret-0123456789","jwks":${'['.repeat(20_000)}${']'.repeat(20_000)}}`
  const stored = redactExchange(
    exchange({ url: `${testIssuer}/register`, headers: json, body: deep }),
  )
  const body = JSON.parse(stored.request.body ?? '{}')
  expect(body).toMatchObject({ client_name: 'x', client_secret: redactedMarker })
  expect(JSON.stringify(body).length).toBeLessThan(1000)
  expect(JSON.stringify(stored)).not.toContain('deep-secret-0123456789')
})
