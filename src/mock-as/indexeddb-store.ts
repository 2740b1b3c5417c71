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

/**
 * Opens (once, lazily) a database with one object store keyed by `[kind, id]`, an index on the
 * expiry (a purge reads only the records that are due) and a multi-entry index on the secondary
 * keys (`listBy` reads only the matching records).
 */
export function createIndexedDbStore(databaseName = 'grantlab-mock-as'): Store {
  let database: Promise<IDBPDatabase> | undefined

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
      blocking() {
        void database?.then((db) => db.close())
        database = undefined
      },
      terminated() {
        database = undefined
      },
    }).catch((error: unknown) => {
      database = undefined
      throw error
    })
    return database
  }

  return {
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
      return due.length
    },
  }
}
