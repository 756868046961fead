import { createBoundedCache } from '../internal/bounded-cache.js'

/** Resolves the signing key (`did:key:…`) of a DID; `forceRefresh` bypasses every cache. */
export type KeyResolver = (did: string, forceRefresh: boolean) => Promise<string>

export interface SigningKeyCacheOptions {
  /** How long a resolved key is trusted before it is resolved again. */
  readonly ttlMs: number
  /** How many DIDs are remembered; the least recently used leaves first. */
  readonly maxEntries: number
  readonly now?: () => number
}

/**
 * Wraps `resolve` so that each DID is resolved at most once per `ttlMs`. A `forceRefresh` call (made after a
 * signature failed, in case the key rotated) resolves again and replaces the cached key. Concurrent calls for one
 * DID share one lookup, so a burst of tokens from a new issuer, or of forged ones, costs one resolution. A failed
 * lookup is not remembered.
 */
export function cacheSigningKeys(resolve: KeyResolver, options: SigningKeyCacheOptions): KeyResolver {
  const keys = createBoundedCache<string, Promise<string>>(options)
  const refreshing = new Map<string, Promise<string>>()

  const remember = (did: string, lookup: Promise<string>) => {
    keys.set(did, lookup)
    lookup.catch(() => {
      if (keys.get(did) === lookup) keys.delete(did)
    })
    return lookup
  }

  return (did, forceRefresh) => {
    if (!forceRefresh) return keys.get(did) ?? remember(did, resolve(did, false))
    const pending = refreshing.get(did)
    if (pending) return pending
    const lookup = remember(did, resolve(did, true))
    refreshing.set(did, lookup)
    const done = () => refreshing.delete(did)
    lookup.then(done, done)
    return lookup
  }
}
