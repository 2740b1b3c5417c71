import { expect, test } from 'vitest'
import { formatBody, formFields, requestLine } from './http-format.ts'

test('requestLine shows the method, path and query as sent on the wire', () => {
  expect(requestLine({ method: 'GET', url: 'http://127.0.0.1:4173/as/authorize?a=1&b=2' })).toBe(
    'GET /as/authorize?a=1&b=2 HTTP/1.1',
  )
})

test('formatBody pretty-prints JSON, whatever the header case and charset', () => {
  expect(formatBody('{"a":1}', { 'Content-Type': 'application/json;charset=UTF-8' })).toBe(
    '{\n  "a": 1\n}',
  )
  expect(formatBody('{broken', { 'content-type': 'application/json' })).toBe('{broken')
  expect(formatBody(null, {})).toBeNull()
})

test('formatBody shortens long HTML pages and says how long they were', () => {
  const page = `<html>${'x'.repeat(1000)}</html>`
  expect(formatBody(page, { 'content-type': 'text/html' })).toMatch(
    /an HTML page of 1013 characters/,
  )
})

test('formatBody says how long a page was when only its start was stored', () => {
  const start = `<html>${'x'.repeat(394)}`
  expect(formatBody(start, { 'content-type': 'text/html' }, 2345)).toMatch(
    /^<html>x+\n… \(an HTML page of 2345 characters\)$/,
  )
})

test('formFields decodes a form body and ignores other bodies', () => {
  const request = {
    method: 'POST',
    url: 'http://x/as/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: 'grant_type=authorization_code&redirect_uri=http%3A%2F%2Fx%2Fcb',
  }
  expect(formFields(request)).toEqual([
    ['grant_type', 'authorization_code'],
    ['redirect_uri', 'http://x/cb'],
  ])
  expect(formFields({ ...request, headers: { 'content-type': 'application/json' } })).toEqual([])
})
