/**
 * The mock server's state in IndexedDB, behind the core's `Store` interface. The browser stops an
 * idle service worker whenever it likes and all memory goes with it, so every code, token,
 * session and key the core keeps lives here (docs/decisions/001, 020).
 */
import { type IDBPDatabase, openDB } from 'idb'
import type { Store } from './core/deps.ts'

const recordsStore = 'records'

/** Opens (once, lazily) a database with one object store whose keys are `[kind, id]`. */
export function createIndexedDbStore(databaseName = 'grantlab-mock-as'): Store {
  let database: Promise<IDBPDatabase> | undefined

  function open(): Promise<IDBPDatabase> {
    database ??= openDB(databaseName, 1, {
      upgrade(db) {
        db.createObjectStore(recordsStore)
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
      return (await (await open()).get(recordsStore, [kind, id])) as T | undefined
    },
    async put<T>(kind: string, id: string, value: T): Promise<void> {
      await (await open()).put(recordsStore, value, [kind, id])
    },
    async delete(kind: string, id: string): Promise<void> {
      await (await open()).delete(recordsStore, [kind, id])
    },
    async list<T>(kind: string): Promise<T[]> {
      // In IndexedDB key order every string sorts below every array, so [kind, []] closes the range.
      const range = IDBKeyRange.bound([kind], [kind, []])
      return (await (await open()).getAll(recordsStore, range)) as T[]
    },
  }
}
