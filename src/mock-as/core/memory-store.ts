import type { RecordOptions, Store, StoreChange } from './deps'

interface Entry {
  value: unknown
  expiresAt?: number
  indexes?: Record<string, string>
}

/** One scheduled expiry; stale when the record was deleted or given another expiry since. */
interface Expiry {
  at: number
  kind: string
  id: string
}

/**
 * A binary min-heap of expiries, so a purge looks only at the records that are due instead of
 * scanning every record. Entries for records that changed are skipped when they come up.
 */
function createExpiryHeap() {
  const heap: Expiry[] = []
  const swap = (a: number, b: number) => {
    const held = heap[a] as Expiry
    heap[a] = heap[b] as Expiry
    heap[b] = held
  }
  return {
    push(expiry: Expiry): void {
      heap.push(expiry)
      let index = heap.length - 1
      while (index > 0) {
        const parent = (index - 1) >> 1
        if ((heap[parent] as Expiry).at <= (heap[index] as Expiry).at) break
        swap(parent, index)
        index = parent
      }
    },
    /** Removes and returns the earliest expiry if it is at or before `now`. */
    popDue(now: number): Expiry | undefined {
      const top = heap[0]
      if (top === undefined || top.at > now) return undefined
      const last = heap.pop() as Expiry
      if (heap.length > 0) {
        heap[0] = last
        let index = 0
        for (;;) {
          const left = index * 2 + 1
          const right = left + 1
          let smallest = index
          if (left < heap.length && (heap[left] as Expiry).at < (heap[smallest] as Expiry).at) {
            smallest = left
          }
          if (right < heap.length && (heap[right] as Expiry).at < (heap[smallest] as Expiry).at) {
            smallest = right
          }
          if (smallest === index) break
          swap(index, smallest)
          index = smallest
        }
      }
      return top
    },
  }
}

/**
 * An in-memory {@link Store} for Node and tests. Values are structured-cloned on the way in and
 * out, as IndexedDB does, so code that mutates a record it read cannot change the stored copy.
 * Expiries sit in a min-heap and secondary keys in maps, so neither a purge nor `listBy` reads
 * every record.
 */
export function createMemoryStore(): Store {
  const kinds = new Map<string, Map<string, Entry>>()
  /** `kind`, index name and value → ids of the records with that secondary key. */
  const secondary = new Map<string, Set<string>>()
  const expiries = createExpiryHeap()

  const kindMap = (kind: string): Map<string, Entry> => {
    let map = kinds.get(kind)
    if (!map) {
      map = new Map()
      kinds.set(kind, map)
    }
    return map
  }
  const secondaryKey = (kind: string, index: string, value: string) =>
    JSON.stringify([kind, index, value])

  function remove(kind: string, id: string): void {
    const map = kinds.get(kind)
    const entry = map?.get(id)
    if (!map || !entry) return
    for (const [index, value] of Object.entries(entry.indexes ?? {})) {
      const key = secondaryKey(kind, index, value)
      const ids = secondary.get(key)
      ids?.delete(id)
      if (ids?.size === 0) secondary.delete(key)
    }
    map.delete(id)
  }

  function write(kind: string, id: string, value: unknown, options: RecordOptions): void {
    remove(kind, id)
    const entry: Entry = { value: structuredClone(value) }
    if (options.expiresAt !== undefined) {
      entry.expiresAt = options.expiresAt
      expiries.push({ at: options.expiresAt, kind, id })
    }
    if (options.indexes) {
      entry.indexes = { ...options.indexes }
      for (const [index, indexValue] of Object.entries(options.indexes)) {
        const key = secondaryKey(kind, index, indexValue)
        let ids = secondary.get(key)
        if (!ids) {
          ids = new Set()
          secondary.set(key, ids)
        }
        ids.add(id)
      }
    }
    kindMap(kind).set(id, entry)
  }

  const optionsOf = (entry: Entry | undefined): RecordOptions => ({
    ...(entry?.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }),
    ...(entry?.indexes === undefined ? {} : { indexes: entry.indexes }),
  })

  return {
    async get<T>(kind: string, id: string): Promise<T | undefined> {
      const entry = kinds.get(kind)?.get(id)
      return entry === undefined ? undefined : (structuredClone(entry.value) as T)
    },
    async put<T>(kind: string, id: string, value: T, options: RecordOptions = {}): Promise<void> {
      write(kind, id, value, options)
    },
    async delete(kind: string, id: string): Promise<void> {
      remove(kind, id)
    },
    async update<T>(
      kind: string,
      id: string,
      change: (current: T | undefined) => StoreChange<T>,
    ): Promise<T | undefined> {
      // No await between the read and the write: nothing else runs in between.
      const entry = kinds.get(kind)?.get(id)
      const current = entry === undefined ? undefined : (structuredClone(entry.value) as T)
      const decided = change(current)
      if (decided === undefined) return current
      if ('delete' in decided) {
        remove(kind, id)
        return undefined
      }
      write(kind, id, decided.put, decided.options ?? optionsOf(entry))
      // The caller's own object, never the stored copy: write() stored a clone of it.
      return decided.put
    },
    async listBy<T>(kind: string, index: string, value: string): Promise<T[]> {
      const ids = secondary.get(secondaryKey(kind, index, value)) ?? new Set<string>()
      const map = kinds.get(kind)
      return [...ids].map((id) => structuredClone(map?.get(id)?.value) as T)
    },
    async list<T>(kind: string): Promise<T[]> {
      return [...(kinds.get(kind)?.values() ?? [])].map(
        (entry) => structuredClone(entry.value) as T,
      )
    },
    async purgeExpired(nowSeconds: number): Promise<number> {
      let removed = 0
      for (let due = expiries.popDue(nowSeconds); due; due = expiries.popDue(nowSeconds)) {
        const entry = kinds.get(due.kind)?.get(due.id)
        // Skip heap entries of records deleted or rescheduled since.
        if (entry?.expiresAt === undefined || entry.expiresAt > nowSeconds) continue
        remove(due.kind, due.id)
        removed += 1
      }
      return removed
    },
  }
}
