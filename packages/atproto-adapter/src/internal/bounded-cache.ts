/** A map with a size cap and an optional time to live; the least recently used entry leaves first. */
export interface BoundedCache<K, V> {
  /** The live value of `key`, or `undefined` when absent or expired. */
  get(key: K): V | undefined
  set(key: K, value: V): void
  delete(key: K): void
  readonly size: number
}

export interface BoundedCacheOptions {
  readonly maxEntries: number
  /** How long a value lives after `set`; forever when absent. */
  readonly ttlMs?: number
  readonly now?: () => number
}

/**
 * Keys here come from callers (any `did:key` in a token), so the cap is what keeps memory bounded. Expired entries
 * are dropped when read or pushed out by newer ones, so no sweeper is needed. Hand-written rather than a dependency
 * because the adapter needs only these four operations.
 */
export function createBoundedCache<K, V>(options: BoundedCacheOptions): BoundedCache<K, V> {
  const { maxEntries, ttlMs = Number.POSITIVE_INFINITY, now = Date.now } = options
  if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1')
  const entries = new Map<K, { readonly value: V; readonly expiresAt: number }>()
  return {
    get(key) {
      const entry = entries.get(key)
      if (!entry) return undefined
      entries.delete(key)
      if (entry.expiresAt <= now()) return undefined
      entries.set(key, entry) // re-inserted: Map order is the recency order
      return entry.value
    },
    set(key, value) {
      entries.delete(key)
      entries.set(key, { value, expiresAt: now() + ttlMs })
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break
        entries.delete(oldest)
      }
    },
    delete(key) {
      entries.delete(key)
    },
    get size() {
      return entries.size
    },
  }
}
