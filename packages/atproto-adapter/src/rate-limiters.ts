import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import { RateLimiterMemory, RateLimiterRes } from './internal/rate-limiter-flexible.js'

/** What a limiter counts: `points` per `duration` seconds for each key, keys kept apart by `keyPrefix`. */
export interface RateLimiterSpec {
  readonly keyPrefix: string
  readonly points: number
  readonly duration: number
}

/**
 * Makes a `rate-limiter-flexible` limiter for a spec. The default counts in this process; pass
 * `createSharedRateLimiters(db)` from `@joinery/postgres-store` so that every instance on one database counts
 * against one limit (and sees every token id the others saw).
 */
export type RateLimiterFactory = (spec: RateLimiterSpec) => RateLimiterAbstract

/** Limiters that count in this process: right for one instance (the in-memory store, PGlite). */
export const inMemoryRateLimiters: RateLimiterFactory = (spec) => new RateLimiterMemory({ ...spec })

/** Counts `points` against `limiter` for `key`: `false` when the limit is used up; a store failure throws. */
export async function withinLimit(
  limiter: RateLimiterAbstract,
  key: string,
  points = 1,
  options?: { customDuration: number },
): Promise<boolean> {
  try {
    await limiter.consume(key, points, options)
    return true
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return false
    throw refusal
  }
}
