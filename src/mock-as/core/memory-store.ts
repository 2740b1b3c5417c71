import type { Store } from './deps'

/**
 * An in-memory {@link Store} for Node and tests. Values are structured-cloned on the way in and
 * out, as IndexedDB does, so code that mutates a record it read cannot change the stored copy.
 */
export function createMemoryStore(): Store {
  const kinds = new Map<string, Map<string, unknown>>()
  const kindMap = (kind: string): Map<string, unknown> => {
    let map = kinds.get(kind)
    if (!map) {
      map = new Map()
      kinds.set(kind, map)
    }
    return map
  }
  return {
    async get<T>(kind: string, id: string): Promise<T | undefined> {
      const map = kinds.get(kind)
      if (!map?.has(id)) return undefined
      return structuredClone(map.get(id)) as T
    },
    async put<T>(kind: string, id: string, value: T): Promise<void> {
      kindMap(kind).set(id, structuredClone(value))
    },
    async delete(kind: string, id: string): Promise<void> {
      kinds.get(kind)?.delete(id)
    },
    async list<T>(kind: string): Promise<T[]> {
      return [...(kinds.get(kind)?.values() ?? [])].map((value) => structuredClone(value) as T)
    },
  }
}
