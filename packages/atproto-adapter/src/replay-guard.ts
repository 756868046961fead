import { createHash } from 'node:crypto'
import type { ReplayGuard } from './auth.js'
import { inMemoryRateLimiters, type RateLimiterFactory, withinLimit } from './rate-limiters.js'

/**
 * A replay guard on `rate-limiter-flexible`: each token id may be used once until its `exp`. With
 * `createSharedRateLimiters(db)` the ids live in the database, so a token used on one instance is refused by every
 * other instance on that database.
 * @example
 * registerJoineryMethods(server, { joinery, serviceDid, replayGuard: createReplayGuard(createSharedRateLimiters(db)) })
 */
export function createReplayGuard(limiters: RateLimiterFactory): ReplayGuard {
  const seen = limiters({ keyPrefix: 'atproto-jti', points: 1, duration: 60 })
  return {
    firstUse(jti, expiresAtMs) {
      // Kept until the token expires (a second at least, as 0 would mean "forever"); hashed so that a key's length
      // does not depend on what a caller sent.
      const seconds = Math.max(1, Math.ceil((expiresAtMs - Date.now()) / 1000))
      return withinLimit(seen, createHash('sha256').update(jti).digest('base64url'), 1, { customDuration: seconds })
    },
  }
}

/** A replay guard in memory: enough for one process; `createReplayGuard(createSharedRateLimiters(db))` shares it. */
export function createMemoryReplayGuard(): ReplayGuard {
  return createReplayGuard(inMemoryRateLimiters)
}
