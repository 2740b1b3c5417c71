import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { decodeJwt } from 'jose'
import { afterEach, expect, test } from 'vitest'
import type { AuthorizationServer } from './core/authorization-server'
import { createCorsPolicy, loopbackCorsEntry } from './core/cors'
import { PlainResponse, toFetchResponse } from './core/request-response'
import { createTestAuthorizationServer } from './core/test-server'
import { createNodeListener } from './node-adapter'

// The Node adapter hands the core a plain request and writes a PlainResponse from its string
// (docs/decisions/137). These tests hold it to what it wrote when both were Fetch objects.

const servers: Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

async function listen(core: AuthorizationServer, origin: string): Promise<number> {
  const server = createServer(createNodeListener(core, origin))
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/** One raw HTTP/1.1 exchange: the bytes as they came, with the Date and random values masked. */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(raw, 'latin1')))
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('close', () =>
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .replace(/Date: [^\r]+/g, 'Date: X')
          .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, 'JWT')
          .replace(/[\w-]{22,}/g, 'RANDOM'),
      ),
    )
    socket.on('error', reject)
  })
}

const basic = Buffer.from('grantlab-m2m:grantlab-m2m-secret').toString('base64')
const form = (body: string, headers = '') =>
  `POST /as/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
const get = (path: string, headers = '') =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`

const requests = {
  token: form(
    'grant_type=client_credentials&scope=orders%3Aread',
    `Authorization: Basic ${basic}\r\n`,
  ),
  'token from an allowed origin': form(
    'grant_type=client_credentials',
    `Authorization: Basic ${basic}\r\nOrigin: http://localhost:5173\r\n`,
  ),
  'token from a foreign origin': form(
    'grant_type=client_credentials',
    `Authorization: Basic ${basic}\r\nOrigin: https://evil.example\r\n`,
  ),
  'wrong secret (401 with a challenge)': form(
    'grant_type=client_credentials',
    `Authorization: Basic ${Buffer.from('grantlab-m2m:wrong').toString('base64')}\r\n`,
  ),
  'repeated parameter': form('grant_type=a&grant_type=b', `Authorization: Basic ${basic}\r\n`),
  'JSON body': form('{}').replace('x-www-form-urlencoded', 'json'),
  'wrong method (405 with Allow)': get('/as/token'),
  'unknown path': get('/as/nothing'),
  discovery: get('/as/.well-known/openid-configuration', 'Origin: http://127.0.0.1:3000\r\n'),
  jwks: get('/as/jwks'),
  'allowed preflight': `OPTIONS /as/token HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:5173\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n`,
  'cross-site preflight': `OPTIONS /as/token HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n`,
  'sign-in page with its Set-Cookie': get(
    '/as/authorize?client_id=grantlab-spa&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A5173%2Fwalkthrough%2Fauthorization-code%2Fcallback&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256',
  ),
  'error page': get('/as/authorize'),
  stylesheet: get('/as/assets/style.css'),
  'no bearer token': get('/api/orders'),
}

test('every answer written from a PlainResponse is byte for byte what the Fetch Response path writes', async () => {
  const t = createTestAuthorizationServer({ cors: createCorsPolicy([loopbackCorsEntry]) })
  const origin = new URL(t.deps.issuer).origin
  // The same core, but every answer turned into a Fetch Response before the adapter sees it.
  const throughFetch: AuthorizationServer = {
    ...t.server,
    respond: async (request) => toFetchResponse(await t.server.respond(request)),
  }
  const plainPort = await listen(t.server, origin)
  const fetchPort = await listen(throughFetch, origin)
  for (const [name, raw] of Object.entries(requests)) {
    const plain = await exchange(plainPort, raw)
    const viaFetch = await exchange(fetchPort, raw)
    expect(plain.split('\r\n')[0], name).toMatch(/^HTTP\/1\.1 [1-5]\d\d /)
    expect(plain, name).toBe(viaFetch)
  }
  // The fast path is the one taken: the core answered these itself.
  const answer = await t.server.respond(new Request(`${t.deps.issuer}/jwks`))
  expect(answer).toBeInstanceOf(PlainResponse)
})

test('requests a Fetch Request could not be are refused with 405 JSON, and a body that is not UTF-8 with 400', async () => {
  const t = createTestAuthorizationServer()
  const port = await listen(t.server, new URL(t.deps.issuer).origin)
  for (const raw of [
    'TRACE /as/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    get('//user:password@127.0.0.1/as/jwks'),
  ]) {
    const answer = await exchange(port, raw)
    expect(answer).toMatch(/^HTTP\/1\.1 405 /)
    expect(answer).toContain('"error":"method_not_allowed"')
  }
  const notUtf8 =
    'POST /as/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\nConnection: close\r\n\r\n\xff\xfe\xfd'
  const answer = await exchange(port, notUtf8)
  expect(answer).toMatch(/^HTTP\/1\.1 400 /)
  expect(answer).toContain('The request body is not valid UTF-8.')
})

test('concurrent token requests through the adapter each get their own token, and a replayed Basic header is parsed per request', async () => {
  const t = createTestAuthorizationServer()
  const port = await listen(t.server, new URL(t.deps.issuer).origin)
  const send = (secret: string) =>
    fetch(`http://127.0.0.1:${port}/as/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`grantlab-m2m:${secret}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=orders%3Aread',
    })
  const answers = await Promise.all(
    Array.from({ length: 24 }, (_, index) =>
      send(index % 3 === 2 ? 'wrong' : 'grantlab-m2m-secret'),
    ),
  )
  const bodies = await Promise.all(answers.map((answer) => answer.json()))
  const issued = bodies.filter((_, index) => index % 3 !== 2)
  expect(answers.map((answer) => answer.status)).toEqual(
    Array.from({ length: 24 }, (_, index) => (index % 3 === 2 ? 401 : 200)),
  )
  const jtis = issued.map((body) => decodeJwt(body.access_token as string).jti)
  expect(new Set(jtis).size).toBe(issued.length)
})
