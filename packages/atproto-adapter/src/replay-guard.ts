import { NODE_PLATFORM } from './node-platform.js'
import { inMemoryRateLimiters, type RateLimiterFactory } from './rate-limiters.js'
import type { ReplayGuard } from './token-check.js'
import { guardTokenIds } from './token-replay.js'

/**
 * A replay guard on `rate-limiter-flexible`: each token id may be used once until its `exp`. With
 * `createSharedRateLimiters(db)` the ids live in the database, so a token used on one instance is refused by every
 * other instance on that database.
 * @example
 * registerJoineryMethods(server, { joinery, serviceDid, replayGuard: createReplayGuard(createSharedRateLimiters(db)) })
 */
export function createReplayGuard(limiters: RateLimiterFactory): ReplayGuard {
  return guardTokenIds(limiters, NODE_PLATFORM.sha256)
}

/** A replay guard in memory: enough for one process; `createReplayGuard(createSharedRateLimiters(db))` shares it. */
export function createMemoryReplayGuard(): ReplayGuard {
  return createReplayGuard(inMemoryRateLimiters)
}
