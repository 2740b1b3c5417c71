import { expect, test } from 'vitest'
import { settleResponse } from './settled-response.ts'

// What the worker sends is what the core answered, byte for byte, status and headers included;
// the traffic record reads the same body (docs/decisions/142).

test('a JSON answer reaches the browser whole, as a stream, with its status and headers; the record has its text', async () => {
  const body = JSON.stringify({ access_token: 'eyJ…', token_type: 'Bearer', expires_in: 300 })
  const { response, body: recorded } = await settleResponse(
    new Response(body, {
      status: 201,
      statusText: 'Created',
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    }),
  )
  expect(response.body).toBeInstanceOf(ReadableStream)
  expect(response.status).toBe(201)
  expect(response.statusText).toBe('Created')
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(await response.text()).toBe(body)
  expect(recorded).toBe(body)
})

test('a page with characters outside ASCII arrives byte for byte', async () => {
  const page = '<!doctype html><h1>Zugriff erlauben? — ✓ 日本</h1>'
  const { response, body } = await settleResponse(
    new Response(page, { headers: { 'Content-Type': 'text/html;charset=UTF-8' } }),
  )
  expect(new Uint8Array(await response.arrayBuffer())).toEqual(new TextEncoder().encode(page))
  expect(body).toBe(page)
})

test('a redirect without a body is passed on untouched; an empty body stays empty', async () => {
  const redirect = new Response(null, { status: 302, headers: { Location: '/callback?code=x' } })
  const settled = await settleResponse(redirect)
  expect(settled.response).toBe(redirect)
  expect(settled.body).toBeNull()

  const empty = await settleResponse(new Response('', { status: 200 }))
  expect(empty.body).toBe('')
  expect(await empty.response.text()).toBe('')
})
