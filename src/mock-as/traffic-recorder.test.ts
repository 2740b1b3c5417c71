import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import type { HttpExchange } from './traffic.ts'
import { createTrafficRecorder, shareRequestBody } from './traffic-recorder.ts'

// The worker records what it answered once it is idle, all waiting exchanges in one write, the
// log before the live channel (docs/decisions/140).

const exchange = (id: string): HttpExchange => ({
  id,
  startedAt: 0,
  durationMs: 1,
  request: { method: 'GET', url: `http://127.0.0.1:4173/as/${id}`, headers: {}, body: null },
  response: { status: 200, headers: {}, body: null },
})

function recorder(options: { failStore?: boolean } = {}) {
  const events: string[] = []
  const writes: string[][] = []
  const traffic = createTrafficRecorder({
    async store(exchanges) {
      writes.push(exchanges.map(({ id }) => id))
      events.push(`store ${exchanges.map(({ id }) => id).join(',')}`)
      if (options.failStore) throw new Error('quota')
    },
    announce(recorded) {
      events.push(`announce ${recorded.id}`)
    },
    quietMs: 10,
    maxWaitMs: 100,
  })
  return { traffic, events, writes }
}

beforeEach(() => {
  vi.useFakeTimers()
  vi.spyOn(console, 'error').mockImplementation(() => {})
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

test('nothing is recorded while requests keep coming; once idle, all of them in one write, then announced', async () => {
  const { traffic, events, writes } = recorder()
  const recorded: Promise<void>[] = []
  for (const id of ['a', 'b', 'c']) {
    const finish = traffic.begin()
    await vi.advanceTimersByTimeAsync(4)
    recorded.push(finish(async () => exchange(id)))
    await vi.advanceTimersByTimeAsync(4)
  }
  expect(events).toEqual([])
  await vi.advanceTimersByTimeAsync(10)
  await Promise.all(recorded)
  expect(writes).toEqual([['a', 'b', 'c']])
  // The log first: a page that subscribes, then reads the log, misses none.
  expect(events).toEqual(['store a,b,c', 'announce a', 'announce b', 'announce c'])
})

test('a request still being answered holds the recording back, up to the oldest exchange’s deadline', async () => {
  const { traffic, writes } = recorder()
  const first = traffic.begin()
  const slow = traffic.begin()
  const recorded = first(async () => exchange('first'))
  await vi.advanceTimersByTimeAsync(50)
  expect(writes).toEqual([])
  await vi.advanceTimersByTimeAsync(51)
  await recorded
  expect(writes).toEqual([['first']])
  const later = slow(async () => exchange('slow'))
  await vi.advanceTimersByTimeAsync(9)
  expect(writes).toEqual([['first']])
  await vi.advanceTimersByTimeAsync(5)
  await later
  expect(writes).toEqual([['first'], ['slow']])
})

test('under steady load every exchange is still recorded within the longest wait', async () => {
  const { traffic, writes } = recorder()
  const recorded: Promise<void>[] = []
  for (let index = 0; index < 60; index += 1) {
    const finish = traffic.begin()
    recorded.push(finish(async () => exchange(String(index))))
    await vi.advanceTimersByTimeAsync(5)
  }
  // 300 ms of requests 5 ms apart: never idle, so the deadlines drained them.
  expect(writes.length).toBeGreaterThanOrEqual(2)
  expect(writes.flat().length).toBeGreaterThan(30)
  await vi.advanceTimersByTimeAsync(200)
  await Promise.all(recorded)
  expect(writes.flat()).toEqual(Array.from({ length: 60 }, (_, index) => String(index)))
})

test('the log gets the prepared (redacted) exchange, the live channel the exchange as it was', async () => {
  const stored: HttpExchange[][] = []
  const announced: HttpExchange[] = []
  const traffic = createTrafficRecorder({
    prepare: (recorded) => ({ ...recorded, request: { ...recorded.request, body: '[redacted]' } }),
    async store(exchanges) {
      stored.push(exchanges)
    },
    announce: (recorded) => announced.push(recorded),
  })
  const secret = { ...exchange('login'), request: { ...exchange('login').request, body: 'pw' } }
  const recorded = traffic.record(async () => secret)
  await vi.advanceTimersByTimeAsync(20)
  await recorded
  expect(stored.map((batch) => batch.map(({ request }) => request.body))).toEqual([['[redacted]']])
  expect(announced.map(({ request }) => request.body)).toEqual(['pw'])
})

test('a request that comes in while the recording runs goes first: the rest waits until it is answered', async () => {
  const built: string[] = []
  let releaseFirst = () => {}
  const firstBuilt = new Promise<void>((resolve) => {
    releaseFirst = resolve
  })
  const { traffic, writes } = recorder()
  const recorded = ['a', 'b', 'c'].map((id) =>
    traffic.record(async () => {
      if (id === 'a') await firstBuilt
      built.push(id)
      return exchange(id)
    }),
  )
  await vi.advanceTimersByTimeAsync(11)
  // The recording is under way (building `a`) when a request, an app file say, arrives.
  const finish = traffic.begin()
  releaseFirst()
  await vi.advanceTimersByTimeAsync(30)
  expect(built).toEqual(['a'])
  await finish()
  await vi.advanceTimersByTimeAsync(5)
  await Promise.all(recorded)
  expect(built).toEqual(['a', 'b', 'c'])
  expect(writes).toEqual([['a', 'b', 'c']])
})

test('a request that is never answered delays the recording no longer than the longest wait', async () => {
  const { traffic, writes } = recorder()
  const recorded = traffic.record(async () => exchange('a'))
  traffic.begin()
  await vi.advanceTimersByTimeAsync(99)
  expect(writes).toEqual([])
  await vi.advanceTimersByTimeAsync(5)
  await recorded
  expect(writes).toEqual([['a']])
})

test('work left for later (the app cache’s copies) runs once idle, after the exchanges are recorded', async () => {
  const { traffic, events } = recorder()
  const finish = traffic.begin()
  const copied = traffic.later(async () => {
    events.push('cache put')
  })
  const recorded = finish(async () => exchange('page'))
  await vi.advanceTimersByTimeAsync(9)
  expect(events).toEqual([])
  await vi.advanceTimersByTimeAsync(10)
  await Promise.all([copied, recorded])
  expect(events).toEqual(['store page', 'announce page', 'cache put'])
})

test('a record that cannot be built, or a log that cannot be written, loses only that: the rest is announced and every promise settles', async () => {
  const { traffic, events } = recorder({ failStore: true })
  const broken = traffic.record(async () => {
    throw new Error('body gone')
  })
  const fine = traffic.record(async () => exchange('fine'))
  await vi.advanceTimersByTimeAsync(20)
  await expect(Promise.all([broken, fine])).resolves.toEqual([undefined, undefined])
  expect(events).toEqual(['store fine', 'announce fine'])
})

test('the core and the record share one read of the body; a body the core did not read is read for the record', async () => {
  const post = () =>
    new Request('http://127.0.0.1:4173/as/token', {
      method: 'POST',
      body: 'grant_type=client_credentials&scope=orders%3Aread',
    })
  const read = post()
  const recordBody = shareRequestBody(read)
  const bytes = await read.arrayBuffer()
  expect(new TextDecoder().decode(bytes)).toBe('grant_type=client_credentials&scope=orders%3Aread')
  // Read again: the same bytes, not a "body used" error.
  expect(await read.text()).toBe('grant_type=client_credentials&scope=orders%3Aread')
  expect(await recordBody()).toBe('grant_type=client_credentials&scope=orders%3Aread')

  const unread = post()
  expect(await shareRequestBody(unread)()).toBe('grant_type=client_credentials&scope=orders%3Aread')

  // Read another way (a stream): the record has no body, and says so rather than failing.
  const streamed = post()
  const streamedBody = shareRequestBody(streamed)
  await new Response(streamed.body).text()
  expect(await streamedBody()).toBeNull()

  expect(await shareRequestBody(new Request('http://127.0.0.1:4173/as/jwks'))()).toBeNull()
})
