import { once } from 'node:events'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { createTestAuthorizationServer } from './core/test-server'
import { createNodeListener, maxNodeBodyBytes } from './node-adapter'

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
