import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { expect, test, vi } from 'vitest'
import { redactedMarker } from './redaction.ts'
import {
  appendToTrafficLog,
  type HttpExchange,
  htmlPreviewLength,
  readTrafficLog,
  storedExchange,
  trafficLogLimit,
} from './traffic.ts'

const signIn = (id: string, startedAt: number): HttpExchange => ({
  id,
  startedAt,
  durationMs: 1,
  request: {
    method: 'POST',
    url: 'http://127.0.0.1:4173/as/authorize/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'username=alice&password=alice-password',
    mode: 'navigate',
  },
  response: { status: 303, headers: { location: '/as/authorize/consent' }, body: null },
})

// Runs first: the log left by the old version (clear-text records) is emptied on upgrade.
test('opening the log drops the clear-text records that version 1 stored', async () => {
  const old = await openDB('grantlab-traffic', 1, {
    upgrade(database) {
      database
        .createObjectStore('exchanges', { keyPath: 'id' })
        .createIndex('startedAt', 'startedAt')
    },
  })
  await old.put('exchanges', signIn('old', 5))
  old.close()
  expect(await readTrafficLog(0)).toEqual([])
})

test('the stored log keeps the exchange but not the password; the caller’s copy is untouched', async () => {
  const exchange = signIn('e1', 10)
  await appendToTrafficLog(exchange)
  const [stored] = await readTrafficLog(10)
  expect(stored?.request.body).toBe(`username=alice&password=${redactedMarker}`)
  expect(stored?.response.status).toBe(303)
  expect(exchange.request.body).toContain('alice-password')
})

test('the log keeps the start of a page, as the inspector shows it, and the page’s length', () => {
  const page = `<!doctype html><h1>Sign in</h1>${'<p>filler</p>'.repeat(60)}<p class="hint">alice / alice-password</p>`
  const stored = storedExchange({
    ...signIn('e2', 20),
    response: { status: 200, headers: { 'Content-Type': 'text/html;charset=UTF-8' }, body: page },
  })
  expect(stored.response.body).toBe(page.slice(0, htmlPreviewLength))
  expect(stored.response.bodyLength).toBe(page.length)
  expect(JSON.stringify(stored)).not.toContain('alice-password')
  // JSON bodies are kept whole.
  const json = storedExchange({
    ...signIn('e3', 30),
    response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}' },
  })
  expect(json.response).toEqual({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
  })
})

test('exchanges logged at once share commits, and the log still keeps exactly the newest ones', async () => {
  const transactions = vi.spyOn(IDBDatabase.prototype, 'transaction')
  const count = trafficLogLimit + 50
  // Started long after the earlier tests' exchanges, so those are the oldest and go first.
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      appendToTrafficLog(signIn(`burst-${index}`, 1000 + index)),
    ),
  )
  const readwrite = transactions.mock.calls.filter((call) => call[1] === 'readwrite').length
  transactions.mockRestore()
  expect(readwrite).toBeLessThan(count / 10)
  const log = await readTrafficLog(0)
  expect(log).toHaveLength(trafficLogLimit)
  expect(log[0]?.id).toBe(`burst-${count - trafficLogLimit}`)
  expect(log.at(-1)?.id).toBe(`burst-${count - 1}`)
})
