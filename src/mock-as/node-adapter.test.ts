import { once } from 'node:events'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { browser, logoutUrl, signInFor } from './core/logout-test-support'
import { createTestAuthorizationServer, driveAuthorization } from './core/test-server'
import { authorizeUrl, register } from './core/test-support'
import { createNodeDeliver, createNodeListener, maxNodeBodyBytes } from './node-adapter'

let server: Server | undefined

afterEach(async () => {
  server?.close()
  server = undefined
})

/** The adapter on an ephemeral 127.0.0.1 port (nothing else can hold it). */
async function start(): Promise<string> {
  const t = createTestAuthorizationServer()
  server = createServer(createNodeListener(t.server, new URL(t.deps.issuer).origin))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Sends a body in 64 KB chunks, as a slow client would, and reads the whole answer. */
function post(
  url: string,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
      },
    })
    request.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      )
      response.on('error', reject)
    })
    request.on('error', reject)
    const chunk = 64 * 1024
    for (let offset = 0; offset < body.length; offset += chunk) {
      request.write(body.subarray(offset, offset + chunk))
    }
    request.end()
  })
}

test('a 10 MB body gets 413 with the RFC JSON, the connection is not reset, and the server goes on', async () => {
  const origin = await start()
  const huge = Buffer.alloc(10 * 1024 * 1024, 'a')
  const answer = await post(`${origin}/as/token`, huge)
  expect(answer.status).toBe(413)
  expect(answer.headers['content-type']).toMatch(/^application\/json/)
  expect(answer.headers['cache-control']).toBe('no-store')
  expect(JSON.parse(answer.text)).toEqual({
    error: 'invalid_request',
    error_description: `The request body is larger than ${maxNodeBodyBytes} bytes.`,
  })

  // The same server still answers an ordinary request.
  const ok = await post(
    `${origin}/as/token`,
    Buffer.from('grant_type=client_credentials&client_id=grantlab-spa'),
  )
  expect(ok.status).toBe(400)
  expect(JSON.parse(ok.text).error).toBe('unauthorized_client')
})

test('a body just under the Node limit reaches the core, which refuses it by its own 64 KB rule', async () => {
  const origin = await start()
  const answer = await post(`${origin}/as/token`, Buffer.alloc(maxNodeBodyBytes - 1, 'a'))
  expect(answer.status).toBe(400)
  expect(JSON.parse(answer.text).error).toBe('invalid_request')
})

/** A relying party's back-channel endpoint on 127.0.0.1:9482 (this work's port range). */
async function startRelyingParty(
  answer: (
    body: string,
    respond: (status: number, headers?: Record<string, string>) => void,
  ) => void,
): Promise<{ url: string; close: () => void }> {
  const listener = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () =>
      answer(Buffer.concat(chunks).toString(), (status, headers = {}) => {
        response.writeHead(status, headers)
        response.end()
      }),
    )
  })
  listener.listen(9482, '127.0.0.1')
  await once(listener, 'listening')
  return {
    url: 'http://127.0.0.1:9482/backchannel',
    close: () => {
      listener.closeAllConnections()
      listener.close()
    },
  }
}

test('in Node the server delivers a logout token with fetch; a client that never answers or redirects does not hold up the logout', async () => {
  for (const behaviour of ['answers', 'hangs', 'redirects'] as const) {
    const bodies: string[] = []
    const rp = await startRelyingParty((body, respond) => {
      bodies.push(body)
      if (behaviour === 'answers') respond(200)
      if (behaviour === 'redirects') respond(302, { location: 'http://127.0.0.1:9483/elsewhere' })
    })
    try {
      const t = createTestAuthorizationServer({ deliver: createNodeDeliver(300) })
      const client = (await (
        await register(t, {
          client_name: 'node rp',
          token_endpoint_auth_method: 'none',
          redirect_uris: ['http://127.0.0.1:9482/cb'],
          backchannel_logout_uri: rp.url,
        })
      ).json()) as { client_id: string }
      const user = browser(t)
      const signed = await signInFor(t, user)
      await driveAuthorization(
        t.server,
        await authorizeUrl(t, {
          client_id: client.client_id,
          redirect_uri: 'http://127.0.0.1:9482/cb',
        }),
        { cookie: user.cookie ?? '' },
      )
      const started = performance.now()
      const response = await user.open(logoutUrl(t, { id_token_hint: signed.idToken }))
      const took = performance.now() - started
      expect(response.status).toBe(200)
      expect(bodies).toHaveLength(1)
      expect(new URLSearchParams(bodies[0]).get('logout_token')?.split('.')).toHaveLength(3)
      // The timeout bounds a hanging client (300 ms here, 5 s by default).
      expect(took).toBeLessThan(behaviour === 'hangs' ? 3000 : 2000)
    } finally {
      rp.close()
    }
  }
})
