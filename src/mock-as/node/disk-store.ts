/**
 * The core's {@link Store} on disk, for `npm run as -- --data DIR`: one LMDB file in DIR
 * (docs/decisions/115). Every operation is one LMDB write transaction, committed and flushed to
 * disk before it returns, so an answer the server has sent is never lost to a crash, and `update`
 * reads, decides and writes inside that transaction: no other write, from this process or another
 * one on the same directory, lands in between.
 *
 * Layout: `records` maps `kind id` to `{ v: value, e?: expiresAt, i?: indexes }`; `expiries`
 * holds `expiresAt record-key` for the purge, `indexes` holds `kind index value record-key` for
 * `listBy` (parts separated by a space); `meta` marks the file as this server's. Ids and index values are
 * percent-encoded, or hashed when long, so a key never holds a separator and never outgrows
 * LMDB's key limit, whatever a client sends as a `jti`.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { accessSync, constants, mkdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { type Database, open, type RootDatabase } from 'lmdb'
import type { RecordOptions, Store, StoreChange } from '../core/deps'

/** The data directory cannot be used; the message says why and what to do. */
export class DataDirError extends Error {
  override name = 'DataDirError'
}

export const dataFileName = 'grantlab-mock-as.mdb'

const formatMarker = { format: 'grantlab-mock-as', version: 1 } as const

interface Entry {
  v: unknown
  e?: number
  i?: Record<string, string>
}

export interface DiskStore extends Store {
  /** The data file. */
  readonly file: string
  close(): Promise<void>
}

/**
 * Between the parts of a key. Not NUL: LMDB's key encoding (ordered-binary) gives NUL a meaning
 * of its own. A space never occurs inside a part: ids are percent-encoded, kinds are constants.
 */
const sep = ' '

/** A percent-encoded id, or the hash of a long one: never a space, never longer than ~500 bytes. */
function keyPart(value: string): string {
  const encoded = encodeURIComponent(value)
  return encoded.length <= 480
    ? `v${encoded}`
    : `h${createHash('sha256').update(value).digest('hex')}`
}

const recordKey = (kind: string, id: string) => `${kind}${sep}${keyPart(id)}`
const expiryKey = (at: number, key: string) =>
  `${String(Math.max(0, Math.floor(at))).padStart(16, '0')}${sep}${key}`
const indexPrefix = (kind: string, index: string, value: string) =>
  `${kind}${sep}${keyPart(index)}${sep}${keyPart(value)}${sep}`
/** Above every byte the keys use (ASCII), so `prefix … prefix + rangeEnd` covers a prefix. */
const rangeEnd = '\uffff'

/**
 * A record value must be plain data (what JSON and structured clone agree on, plus Uint8Array):
 * a CryptoKey or a class instance would be written as an empty object and come back broken.
 * The signing keys are therefore stored as JWKs here (`createStoredKeys(store, { format: 'jwk' })`).
 */
function assertPlainData(value: unknown, path = 'value', depth = 0): void {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw new TypeError(`The disk store keeps plain data only; ${path} is a ${typeof value}.`)
    }
    return
  }
  if (depth > 64) throw new TypeError(`The disk store keeps plain data only; ${path} is too deep.`)
  if (value instanceof Uint8Array) return
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null && !Array.isArray(value)) {
    throw new TypeError(
      `The disk store keeps plain data only; ${path} is a ${value.constructor?.name ?? 'class instance'}.`,
    )
  }
  for (const [name, item] of Object.entries(value)) {
    assertPlainData(item, `${path}.${name}`, depth + 1)
  }
}

/**
 * Reads every entry of the file in a separate Node process before this one opens it. LMDB maps
 * the file into memory, and a damaged file can crash the process that reads it (a segmentation
 * fault, not an exception): in the child, that crash is a finding, and the server stops with a
 * clear message instead of dying, and dying again on every restart.
 */
const checkScript = `
const { open } = require(process.argv[1]);
const env = open({ path: process.argv[2], noSubdir: true, readOnly: true, maxDbs: 8 });
let n = 0;
for (const name of ['meta', 'records', 'expiries', 'indexes']) {
  let db;
  try { db = env.openDB(name, { encoding: name === 'records' ? 'msgpack' : 'json' }); }
  catch { continue; }
  if (!db) continue;
  for (const { value } of db.getRange()) { n += value === undefined ? 0 : 1; }
}
process.stdout.write(String(n));
`

function checkFile(file: string): void {
  const lmdbPath = createRequire(import.meta.url).resolve('lmdb')
  const result = spawnSync(process.execPath, ['-e', checkScript, lmdbPath, file], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (result.status === 0) return
  const why =
    result.signal !== null
      ? `reading it crashed a test process (${result.signal})`
      : (result.stderr
          .trim()
          .split('\n')
          .find((line) => /error/i.test(line)) ??
        result.error?.message ??
        `the check ended with status ${result.status}`)
  throw new DataDirError(
    `The data file ${file} is damaged or is not a Grantlab data store: ${why}. Move it away (or delete it) to start with an empty store; nothing was started.`,
  )
}

/**
 * Opens (or creates) the store in `dir`. Throws a {@link DataDirError} when `dir` is not a usable
 * directory or its data file is damaged or someone else's.
 */
export function openDiskStore(dir: string): DiskStore {
  const directory = resolve(dir)
  let isDirectory = false
  try {
    isDirectory = statSync(directory).isDirectory()
  } catch {
    try {
      // Private: the file holds the signing keys and client secrets.
      mkdirSync(directory, { recursive: true, mode: 0o700 })
      isDirectory = true
    } catch (error) {
      throw new DataDirError(
        `The data directory ${directory} cannot be created: ${(error as Error).message}.`,
      )
    }
  }
  if (!isDirectory) throw new DataDirError(`${directory} is not a directory.`)
  try {
    accessSync(directory, constants.R_OK | constants.W_OK)
  } catch {
    throw new DataDirError(`The data directory ${directory} is not readable and writable.`)
  }
  const file = join(directory, dataFileName)
  let exists = false
  try {
    exists = statSync(file).size > 0
  } catch {
    exists = false
  }
  if (exists) checkFile(file)

  let env: RootDatabase
  let meta: Database
  let records: Database<Entry, string>
  let expiries: Database<string, string>
  let indexes: Database<string, string>
  try {
    env = open({ path: file, noSubdir: true, maxDbs: 8, overlappingSync: false })
    meta = env.openDB('meta', { encoding: 'json' })
    records = env.openDB('records', { encoding: 'msgpack' })
    expiries = env.openDB('expiries', { encoding: 'json' })
    indexes = env.openDB('indexes', { encoding: 'json' })
  } catch (error) {
    throw new DataDirError(
      `The data file ${file} cannot be opened: ${(error as Error).message}. Move it away (or delete it) to start with an empty store.`,
    )
  }
  const marker = meta.get('format')
  if (marker === undefined) {
    if (records.getCount() > 0) {
      throw new DataDirError(`The data file ${file} holds records that this server did not write.`)
    }
    env.transactionSync(() => meta.put('format', formatMarker))
  } else if (
    typeof marker !== 'object' ||
    marker === null ||
    marker.format !== formatMarker.format ||
    marker.version !== formatMarker.version
  ) {
    throw new DataDirError(
      `The data file ${file} was written by another program or format (${JSON.stringify(marker)}).`,
    )
  }

  function remove(key: string): void {
    const entry = records.get(key)
    if (entry === undefined) return
    if (entry.e !== undefined) expiries.remove(expiryKey(entry.e, key))
    const kind = key.slice(0, key.indexOf(sep))
    for (const [index, value] of Object.entries(entry.i ?? {})) {
      indexes.remove(`${indexPrefix(kind, index, value)}${key}`)
    }
    records.remove(key)
  }

  function write(kind: string, id: string, value: unknown, options: RecordOptions): void {
    assertPlainData(value)
    const key = recordKey(kind, id)
    remove(key)
    const entry: Entry = { v: value }
    if (options.expiresAt !== undefined) {
      entry.e = options.expiresAt
      expiries.put(expiryKey(options.expiresAt, key), key)
    }
    if (options.indexes) {
      entry.i = { ...options.indexes }
      for (const [index, indexValue] of Object.entries(options.indexes)) {
        indexes.put(`${indexPrefix(kind, index, indexValue)}${key}`, key)
      }
    }
    records.put(key, entry)
  }

  const optionsOf = (entry: Entry | undefined): RecordOptions => ({
    ...(entry?.e === undefined ? {} : { expiresAt: entry.e }),
    ...(entry?.i === undefined ? {} : { indexes: entry.i }),
  })

  const inTransaction = <T>(task: () => T): T => env.transactionSync(task)

  return {
    file,
    async get<T>(kind: string, id: string): Promise<T | undefined> {
      return records.get(recordKey(kind, id))?.v as T | undefined
    },
    async put<T>(kind: string, id: string, value: T, options: RecordOptions = {}): Promise<void> {
      inTransaction(() => write(kind, id, value, options))
    },
    async delete(kind: string, id: string): Promise<void> {
      inTransaction(() => remove(recordKey(kind, id)))
    },
    async update<T>(
      kind: string,
      id: string,
      change: (current: T | undefined) => StoreChange<T>,
    ): Promise<T | undefined> {
      return inTransaction(() => {
        const key = recordKey(kind, id)
        const entry = records.get(key)
        const decided = change(entry?.v as T | undefined)
        if (decided === undefined) return entry?.v as T | undefined
        if ('delete' in decided) {
          remove(key)
          return undefined
        }
        write(kind, id, decided.put, decided.options ?? optionsOf(entry))
        return structuredClone(decided.put)
      })
    },
    async listBy<T>(kind: string, index: string, value: string): Promise<T[]> {
      const prefix = indexPrefix(kind, index, value)
      const found: T[] = []
      for (const { value: key } of indexes.getRange({
        start: prefix,
        end: `${prefix}${rangeEnd}`,
      })) {
        const entry = records.get(key)
        if (entry !== undefined) found.push(entry.v as T)
      }
      return found
    },
    async list<T>(kind: string): Promise<T[]> {
      const start = `${kind}${sep}`
      return [...records.getRange({ start, end: `${start}${rangeEnd}` })].map(
        ({ value }) => value.v as T,
      )
    },
    async purgeExpired(nowSeconds: number): Promise<number> {
      return inTransaction(() => {
        const due = [...expiries.getRange({ end: expiryKey(nowSeconds + 1, '') })]
        let removed = 0
        for (const { key: dueKey, value: key } of due) {
          const entry = records.get(key)
          if (entry?.e === undefined || entry.e > nowSeconds) {
            // An expiry left behind by a record rewritten since is cleaned up; the record's own
            // (due later within this second) stays.
            if (entry?.e === undefined || expiryKey(entry.e, key) !== dueKey) {
              expiries.remove(dueKey)
            }
            continue
          }
          remove(key)
          removed += 1
        }
        return removed
      })
    },
    async close(): Promise<void> {
      await env.close()
    },
  }
}
