/**
 * The mock server's state in IndexedDB, behind the core's `Store` interface. The browser stops an
 * idle service worker whenever it likes and all memory goes with it, so every code, token,
 * session and key the core keeps lives here (docs/decisions/001, 020, 072).
 */
import { type IDBPDatabase, openDB } from 'idb'
import type { RecordOptions, Store, StoreChange } from './core/deps.ts'

/** Version 1 kept bare values; version 2 wraps them with their expiry and secondary keys. */
const legacyRecordsStore = 'records'
const entriesStore = 'entries'
const byExpiry = 'by-expiry'
const byIndexKey = 'by-index-key'

interface Entry {
  value: unknown
  expiresAt?: number
  /** `kind`, index name and value of each secondary key, joined (see `indexKey`). */
  indexKeys?: string[]
  indexes?: Record<string, string>
}

const indexKey = (kind: string, index: string, value: string) =>
  JSON.stringify([kind, index, value])

function toEntry(kind: string, value: unknown, options: RecordOptions): Entry {
  const entry: Entry = { value }
  if (options.expiresAt !== undefined) entry.expiresAt = options.expiresAt
  if (options.indexes && Object.keys(options.indexes).length > 0) {
    entry.indexes = { ...options.indexes }
    entry.indexKeys = Object.entries(options.indexes).map(([name, key]) =>
      indexKey(kind, name, key),
    )
  }
  return entry
}

const optionsOf = (entry: Entry | undefined): RecordOptions => ({
  ...(entry?.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }),
  ...(entry?.indexes === undefined ? {} : { indexes: entry.indexes }),
})

/** What {@link createIndexedDbStore} returns: the core's Store, and the commit of a unit of work. */
export interface IndexedDbStore extends Store {
  /** Opens a unit of work (one request): pass what it returns to `flush`. */
  begin(): number
  /**
   * Commits every write made since the last flush, in one readwrite transaction, and resolves once
   * it is durable. Without `batched` every write is committed on its own and this does nothing.
   * It rejects if this commit, or any commit since `begin()` returned `unit`, failed: writes of
   * concurrent requests share commits, so a failed one may have held this request's writes.
   */
  flush(unit?: number): Promise<void>
}

export interface IndexedDbStoreOptions {
  /**
   * The service worker's mode (docs/decisions/131): reads go through an in-memory cache, writes
   * land in the cache at once and are committed together by `flush()`, which the worker calls
   * before it sends each response. The cache is coherent because this store is the database's
   * only writer (one active worker serves every tab of the origin); another connection that
   * upgrades or deletes the database drops it.
   */
  batched?: boolean
}

/** A cached record: its entry, or `null` for a record known to be absent. */
type Cached = Entry | null

/** Past this many cached records, the ones already stored are let go (a worker lives briefly). */
const cacheLimit = 20_000

/**
 * Opens (once, lazily) a database with one object store keyed by `[kind, id]`, an index on the
 * expiry (a purge reads only the records that are due) and a multi-entry index on the secondary
 * keys (`listBy` reads only the matching records).
 */
export function createIndexedDbStore(
  databaseName = 'grantlab-mock-as',
  options: IndexedDbStoreOptions = {},
): IndexedDbStore {
  let database: Promise<IDBPDatabase> | undefined
  const cache = new Map<string, Cached>()
  /** Writes not yet committed, by cache key; `null` is a delete. */
  let pending = new Map<string, { key: [string, string]; entry: Cached }>()
  let safetyFlush: ReturnType<typeof setTimeout> | undefined
  /** How many commits failed so far: a unit of work that saw one fails too. */
  let failures = 0
  const cacheKey = (kind: string, id: string) => `${kind}\u0000${id}`

  function open(): Promise<IDBPDatabase> {
    database ??= openDB(databaseName, 2, {
      async upgrade(db, oldVersion, _newVersion, transaction) {
        const entries = db.createObjectStore(entriesStore)
        entries.createIndex(byExpiry, 'expiresAt')
        entries.createIndex(byIndexKey, 'indexKeys', { multiEntry: true })
        if (oldVersion === 1) {
          // Keep what version 1 stored (keys, clients, sessions); none of it had an expiry.
          const legacy = transaction.objectStore(legacyRecordsStore)
          const [keys, values] = await Promise.all([legacy.getAllKeys(), legacy.getAll()])
          await Promise.all(
            keys.map((key, index) => entries.put({ value: values[index] } satisfies Entry, key)),
          )
          db.deleteObjectStore(legacyRecordsStore)
        }
      },
      // Another tab upgraded or deleted the database: let go so it can proceed, reopen later.
      // What this store cached may no longer be what the database holds.
      blocking() {
        void database?.then((db) => db.close())
        database = undefined
        cache.clear()
      },
      terminated() {
        database = undefined
        cache.clear()
      },
    }).catch((error: unknown) => {
      database = undefined
      throw error
    })
    return database
  }

  const plain: Store = {
    async get<T>(kind: string, id: string): Promise<T | undefined> {
      const entry = (await (await open()).get(entriesStore, [kind, id])) as Entry | undefined
      return entry?.value as T | undefined
    },
    async put<T>(kind: string, id: string, value: T, options: RecordOptions = {}): Promise<void> {
      await (await open()).put(entriesStore, toEntry(kind, value, options), [kind, id])
    },
    async delete(kind: string, id: string): Promise<void> {
      await (await open()).delete(entriesStore, [kind, id])
    },
    async update<T>(
      kind: string,
      id: string,
      change: (current: T | undefined) => StoreChange<T>,
    ): Promise<T | undefined> {
      const transaction = (await open()).transaction(entriesStore, 'readwrite')
      const key = [kind, id]
      // The read and the write are requests of one readwrite transaction: IndexedDB runs no other
      // readwrite transaction on this store in between, in this worker or in any other.
      const entry = (await transaction.store.get(key)) as Entry | undefined
      const current = entry?.value as T | undefined
      const decided = change(current)
      let after = current
      if (decided !== undefined) {
        if ('delete' in decided) {
          void transaction.store.delete(key)
          after = undefined
        } else {
          const options = decided.options ?? optionsOf(entry)
          void transaction.store.put(toEntry(kind, decided.put, options), key)
          after = decided.put
        }
      }
      await transaction.done
      return after
    },
    async listBy<T>(kind: string, index: string, value: string): Promise<T[]> {
      const entries = (await (
        await open()
      ).getAllFromIndex(entriesStore, byIndexKey, indexKey(kind, index, value))) as Entry[]
      return entries.map((entry) => entry.value as T)
    },
    async list<T>(kind: string): Promise<T[]> {
      // In IndexedDB key order every string sorts below every array, so [kind, []] closes the range.
      const range = IDBKeyRange.bound([kind], [kind, []])
      const entries = (await (await open()).getAll(entriesStore, range)) as Entry[]
      return entries.map((entry) => entry.value as T)
    },
    async purgeExpired(nowSeconds: number): Promise<number> {
      const transaction = (await open()).transaction(entriesStore, 'readwrite')
      const due = await transaction.store
        .index(byExpiry)
        .getAllKeys(IDBKeyRange.upperBound(nowSeconds))
      for (const key of due) void transaction.store.delete(key)
      await transaction.done
      for (const key of due) {
        const [kind, id] = key as [string, string]
        cache.delete(cacheKey(kind, id))
      }
      return due.length
    },
  }
  if (!options.batched) return { ...plain, begin: () => 0, flush: async () => {} }

  /** Commits that have started and not yet settled; a flush waits for them too. */
  const inFlight = new Set<Promise<void>>()

  async function commit(writes: typeof pending): Promise<void> {
    try {
      const transaction = (await open()).transaction(entriesStore, 'readwrite')
      for (const { key, entry } of writes.values()) {
        if (entry === null) void transaction.store.delete(key)
        else void transaction.store.put(entry, key)
      }
      await transaction.done
    } catch (error) {
      // The cache held writes the database does not: forget them, keep only the newer writes.
      failures += 1
      cache.clear()
      for (const [key, write] of pending) cache.set(key, write.entry)
      throw error
    }
  }

  async function flush(unit = failures): Promise<void> {
    if (safetyFlush !== undefined) clearTimeout(safetyFlush)
    safetyFlush = undefined
    const earlier = [...inFlight]
    if (pending.size > 0) {
      const writes = pending
      pending = new Map()
      const committing = commit(writes)
      inFlight.add(committing)
      void committing.then(
        () => inFlight.delete(committing),
        () => inFlight.delete(committing),
      )
      earlier.push(committing)
    }
    // Readwrite transactions on one store commit in the order they began: once these settle,
    // every write made before this call is stored.
    await Promise.all(earlier)
    if (failures !== unit) throw new Error('A commit of this unit of work failed.')
    if (cache.size > cacheLimit) {
      for (const key of cache.keys()) if (!pending.has(key)) cache.delete(key)
    }
  }

  function write(kind: string, id: string, entry: Cached): void {
    const key = cacheKey(kind, id)
    cache.set(key, entry)
    pending.set(key, { key: [kind, id], entry })
    // A write that no request flushes (none should) is still committed soon.
    safetyFlush ??= setTimeout(() => {
      safetyFlush = undefined
      flush().catch((error: unknown) => console.error('mock authorization server: flush', error))
    }, 50)
  }

  /** The cached entry, read from the database on a miss (a newer cached value wins a race). */
  async function read(kind: string, id: string): Promise<Cached> {
    const key = cacheKey(kind, id)
    const cached = cache.get(key)
    if (cached !== undefined) return cached
    const stored =
      ((await (await open()).get(entriesStore, [kind, id])) as Entry | undefined) ?? null
    if (!cache.has(key)) cache.set(key, stored)
    return cache.get(key) ?? null
  }

  // Values are cloned on the way in and out, as IndexedDB itself does, so a caller that changes a
  // record it read changes nothing stored.
  const cloneValue = <T>(entry: Cached) =>
    entry === null ? undefined : (structuredClone(entry.value) as T)

  return {
    async get<T>(kind: string, id: string): Promise<T | undefined> {
      return cloneValue<T>(await read(kind, id))
    },
    async put<T>(kind: string, id: string, value: T, recordOptions: RecordOptions = {}) {
      write(kind, id, toEntry(kind, structuredClone(value), recordOptions))
    },
    async delete(kind: string, id: string): Promise<void> {
      write(kind, id, null)
    },
    async update<T>(
      kind: string,
      id: string,
      change: (current: T | undefined) => StoreChange<T>,
    ): Promise<T | undefined> {
      await read(kind, id)
      // From here to the write nothing awaits: no other change to this record runs in between.
      const entry = cache.get(cacheKey(kind, id)) ?? null
      const current = cloneValue<T>(entry)
      const decided = change(current)
      if (decided === undefined) return current
      if ('delete' in decided) {
        write(kind, id, null)
        return undefined
      }
      const recordOptions = decided.options ?? optionsOf(entry ?? undefined)
      write(kind, id, toEntry(kind, structuredClone(decided.put), recordOptions))
      return structuredClone(decided.put)
    },
    // Index and range reads go to the database, after the pending writes are committed.
    async listBy<T>(kind: string, index: string, value: string): Promise<T[]> {
      await flush()
      return plain.listBy<T>(kind, index, value)
    },
    async list<T>(kind: string): Promise<T[]> {
      await flush()
      return plain.list<T>(kind)
    },
    async purgeExpired(nowSeconds: number): Promise<number> {
      await flush()
      return plain.purgeExpired(nowSeconds)
    },
    begin: () => failures,
    flush,
  }
}
