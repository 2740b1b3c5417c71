import { expect, test } from 'vitest'
import { PlainResponse } from './request-response'

// A PlainResponse keeps its headers as a plain list until someone reads `headers` (decision 144).
// These hold the list to what a Fetch `Headers` makes of the same input.

/** What a Fetch Response built from the same input lists, in node:http's shape. */
function viaHeaders(init: HeadersInit): Record<string, string | string[]> {
  const headers = new Headers(init)
  const record: Record<string, string | string[]> = {}
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') record[name] = value
  })
  if (headers.getSetCookie().length > 0) record['set-cookie'] = headers.getSetCookie()
  return record
}

const inits: HeadersInit[] = [
  {},
  { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store', Pragma: 'x' },
  { Vary: 'Origin', vary: 'Accept', 'X-Zeta': '1', 'x-alpha': '2' },
  [
    ['Set-Cookie', 'a=1; Path=/'],
    ['set-cookie', 'b=2; Path=/'],
    ['Location', '  https://app.example/cb?code=x \t'],
  ],
]

test('the plain list gives the names, order, values and every Set-Cookie that Headers gives', () => {
  for (const init of inits) {
    const answer = new PlainResponse('{}', { headers: init })
    expect(answer.headerRecord()).toEqual(viaHeaders(init))
    expect(Object.keys(answer.headerRecord())).toEqual(Object.keys(viaHeaders(init)))
    // And once `headers` is read, the real Headers says the same.
    const headers = answer.headers
    expect(headers).toBeInstanceOf(Headers)
    expect(answer.headerRecord()).toEqual(viaHeaders(init))
  }
})

test('get, set and append behave as on Headers, before and after the Headers is made', () => {
  for (const materialise of [false, true]) {
    const answer = new PlainResponse(null, { headers: { Vary: 'Origin' } })
    if (materialise) void answer.headers
    answer.append('vary', 'Accept')
    answer.set('Content-Type', 'text/plain')
    answer.append('Set-Cookie', 'a=1')
    answer.append('Set-Cookie', 'b=2')
    expect(answer.get('VARY')).toBe('Origin, Accept')
    expect(answer.get('content-type')).toBe('text/plain')
    expect(answer.get('set-cookie')).toBe('a=1, b=2')
    expect(answer.get('x-missing')).toBeNull()
    expect(answer.headerRecord()['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(answer.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
  }
})

test('a header value with CR, LF or NUL, or a name that is no token, is refused as Headers refuses it', () => {
  for (const [name, value] of [
    ['Location', 'https://app.example/\r\nSet-Cookie: evil=1'],
    ['Location', 'https://app.example/\nx'],
    ['X-Nul', 'a\0b'],
    ['Bad Name', 'x'],
    ['', 'x'],
  ] as const) {
    expect(() => new Headers({ [name]: value })).toThrow(TypeError)
    expect(() => new PlainResponse(null, { headers: { [name]: value } })).toThrow(TypeError)
    const answer = new PlainResponse(null)
    expect(() => answer.set(name, value)).toThrow(TypeError)
    expect(() => answer.append(name, value)).toThrow(TypeError)
    expect(answer.headerRecord()).toEqual({})
  }
})

test('a copy made with withBody or clone has its own headers', () => {
  const template = new PlainResponse(null, { headers: { 'Cache-Control': 'no-store' } })
  const first = template.withBody('{"a":1}', 201)
  const second = template.clone()
  first.set('Vary', 'Origin')
  first.append('Set-Cookie', 'a=1')
  expect(first.status).toBe(201)
  expect(first.body).toBe('{"a":1}')
  expect(template.headerRecord()).toEqual({ 'cache-control': 'no-store' })
  expect(second.headerRecord()).toEqual({ 'cache-control': 'no-store' })
  expect(first.headerRecord()).toEqual({
    'cache-control': 'no-store',
    'set-cookie': ['a=1'],
    vary: 'Origin',
  })
})

test('concurrent answers from one template never share a header list', async () => {
  const template = new PlainResponse(null, { headers: { 'Cache-Control': 'no-store' } })
  const answers = await Promise.all(
    Array.from({ length: 50 }, async (_, index) => {
      await Promise.resolve()
      const answer = template.withBody(String(index), 200)
      answer.set('X-Index', String(index))
      return answer
    }),
  )
  answers.forEach((answer, index) => {
    expect(answer.get('x-index')).toBe(String(index))
  })
  expect(template.get('x-index')).toBeNull()
})

test('as a Fetch Response, the answer has the same status, body and headers, every cookie apart', async () => {
  const answer = new PlainResponse('{"ok":true}', {
    status: 201,
    headers: [
      ['Content-Type', 'application/json'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['Vary', 'Origin'],
    ],
  })
  const response = answer.toResponse()
  expect(response.status).toBe(201)
  expect(await response.text()).toBe('{"ok":true}')
  expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
  expect([...response.headers]).toEqual([...answer.headers])
})
