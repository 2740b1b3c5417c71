/**
 * The shape of one HTTP exchange, shared by the service worker (which publishes every exchange
 * the mock server answers) and the page (whose flows record the requests they make). Worker-safe:
 * no DOM, no React; only `idb` for the short traffic log.
 */
import { type IDBPDatabase, openDB } from 'idb'
import { redactExchange } from './redaction.ts'

/** Name of the BroadcastChannel on which the worker publishes each answered exchange. */
export const trafficChannelName = 'grantlab-traffic'

export interface HttpRequestRecord {
  method: string
  url: string
  headers: Record<string, string>
  /** The body as text, or null when there is none. */
  body: string | null
  /** `navigate` for top-level navigations (the browser, not client code, sent it). */
  mode?: string
}

export interface HttpResponseRecord {
  status: number
  headers: Record<string, string>
  body: string | null
  /** Set when `body` is only the start of an HTML page (the stored log): the page's length. */
  bodyLength?: number
}

/** How much of an HTML page the HTTP inspector shows, and so all that the stored log keeps. */
export const htmlPreviewLength = 400

/** One request and its response, with when it started and how long it took. */
export interface HttpExchange {
  id: string
  startedAt: number
  durationMs: number
  request: HttpRequestRecord
  response: HttpResponseRecord
}

/** What the worker posts on `BroadcastChannel('grantlab-traffic')`. */
export type TrafficMessage = HttpExchange

export function headersToRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {}
  headers.forEach((value, name) => {
    record[name] = value
  })
  return record
}

async function readText(message: Request | Response): Promise<string | null> {
  if (message.body === null) return null
  const text = await message.clone().text()
  return text === '' ? null : text
}

/** Copies a request into a plain record; the request itself stays readable. */
export async function recordRequest(request: Request): Promise<HttpRequestRecord> {
  return {
    method: request.method,
    url: request.url,
    headers: headersToRecord(request.headers),
    body: request.method === 'GET' || request.method === 'HEAD' ? null : await readText(request),
    mode: request.mode,
  }
}

/** Copies a response into a plain record; the response itself stays readable. */
export async function recordResponse(response: Response): Promise<HttpResponseRecord> {
  return {
    status: response.status,
    headers: headersToRecord(response.headers),
    body: await readText(response),
  }
}

export function isHttpExchange(value: unknown): value is HttpExchange {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<HttpExchange>
  return (
    typeof candidate.id === 'string' &&
    typeof candidate.startedAt === 'number' &&
    typeof candidate.request?.url === 'string' &&
    typeof candidate.response?.status === 'number'
  )
}

/*
 * The traffic log. While the browser shows the server's own login and consent pages, no page of
 * the app is open to hear the BroadcastChannel, so the worker also keeps the last exchanges in
 * IndexedDB; the walkthrough reads them when the browser comes back. The log survives restarts,
 * so it keeps every exchange redacted (redaction.ts, docs/decisions/081): the live channel is the
 * only place where the current run's secrets show.
 */
const logDatabaseName = 'grantlab-traffic'
const logStoreName = 'exchanges'
export const trafficLogLimit = 200

/**
 * The worker's connection to the log, opened once: opening an IndexedDB database for every
 * exchange cost more than answering the request itself.
 */
let appendConnection: Promise<IDBPDatabase> | undefined

/** Version 2: records are stored redacted; the upgrade drops the clear-text ones of version 1. */
const logVersion = 2

function openLog() {
  return openDB(logDatabaseName, logVersion, {
    upgrade(database, oldVersion, _newVersion, transaction) {
      if (oldVersion < 1) {
        const store = database.createObjectStore(logStoreName, { keyPath: 'id' })
        store.createIndex('startedAt', 'startedAt')
      } else {
        void transaction.objectStore(logStoreName).clear()
      }
    },
    // A newer version wants the database: let go, and reopen on the next exchange.
    blocking(_currentVersion, _blockedVersion, event) {
      const database = event.target as IDBDatabase
      database.close()
      appendConnection = undefined
    },
  })
}

/**
 * What the log keeps of a page: its start, which is all the HTTP inspector shows. The rest of a
 * sign-in or consent page (the user's name, the demo users' hint) stays out of storage.
 */
function shortenPage(response: HttpResponseRecord): HttpResponseRecord {
  const type = Object.entries(response.headers).find(
    ([name]) => name.toLowerCase() === 'content-type',
  )?.[1]
  if (!response.body || response.body.length <= htmlPreviewLength || !type?.includes('text/html'))
    return response
  return {
    ...response,
    body: response.body.slice(0, htmlPreviewLength),
    bodyLength: response.bodyLength ?? response.body.length,
  }
}

/** The exchange as the log stores it: redacted (after the whole page was searched), pages cut. */
export function storedExchange(exchange: HttpExchange): HttpExchange {
  const redacted = redactExchange(exchange)
  return { ...redacted, response: shortenPage(redacted.response) }
}

/** Exchanges waiting for the next commit of the log, and that commit once it has begun. */
interface Waiting {
  /** Already as `storedExchange` keeps it. */
  exchange: HttpExchange
  resolve: () => void
  reject: (error: unknown) => void
}
let queued: Waiting[] = []
let draining = false

/**
 * Writes every queued exchange in one transaction, then trims the log to its limit; repeats
 * while exchanges arrived meanwhile. Under load many exchanges share one commit and one count
 * (docs/decisions/133); an exchange that arrives alone is written at once, as before.
 */
async function drainLog(): Promise<void> {
  while (queued.length > 0) {
    const batch = queued
    queued = []
    try {
      appendConnection ??= openLog().catch((error: unknown) => {
        appendConnection = undefined
        throw error
      })
      const database = await appendConnection
      const transaction = database.transaction(logStoreName, 'readwrite')
      for (const { exchange } of batch) void transaction.store.put(exchange)
      const count = await transaction.store.count()
      if (count > trafficLogLimit) {
        let cursor = await transaction.store.index('startedAt').openCursor()
        for (let excess = count - trafficLogLimit; cursor && excess > 0; excess--) {
          await cursor.delete()
          cursor = await cursor.continue()
        }
      }
      await transaction.done
      for (const waiting of batch) waiting.resolve()
    } catch (error) {
      for (const waiting of batch) waiting.reject(error)
    }
  }
  draining = false
}

/**
 * Adds one exchange to the log, as `storedExchange` keeps it; drops the oldest beyond the limit.
 * Resolves once the exchange is stored.
 */
export function appendToTrafficLog(exchange: HttpExchange): Promise<void> {
  return appendStoredToTrafficLog([storedExchange(exchange)])
}

/**
 * Adds exchanges that `storedExchange` already made what the log keeps, in one transaction
 * (unless a commit is under way): the worker redacts them one at a time, between requests.
 */
export async function appendStoredToTrafficLog(exchanges: HttpExchange[]): Promise<void> {
  const stored = exchanges.map(
    (exchange) =>
      new Promise<void>((resolve, reject) => {
        queued.push({ exchange, resolve, reject })
      }),
  )
  if (!draining) {
    draining = true
    void drainLog()
  }
  await Promise.all(stored)
}

/** The logged exchanges that started at or after `since` (ms since the epoch), oldest first. */
export async function readTrafficLog(since = 0): Promise<HttpExchange[]> {
  const database = await openLog()
  try {
    const range = IDBKeyRange.lowerBound(since)
    const all = await database.getAllFromIndex(logStoreName, 'startedAt', range)
    return all.filter(isHttpExchange)
  } finally {
    database.close()
  }
}
