import { RateLimiterMemory } from './internal/rate-limiter-flexible.js'
import { type RateLimiterFactory, withinLimit } from './rate-limiters.js'

export interface UnknownCodeLimit {
  /** How many unknown codes one caller may try per window. Default 20. */
  readonly attempts: number
  /** The window, in milliseconds. Default one minute. */
  readonly windowMs: number
}

/**
 * Counts each caller's attempts with codes that do not exist, so code guessing is answered with
 * `RateLimitExceeded` long before it could find a live code (codes carry 128 random bits). The shared count is read
 * only for callers this instance saw try an unknown code within the window, so everyone else's joins cost no read of
 * a shared store; a caller who used up their attempts on other instances gets one more try here.
 */
export function createUnknownCodeLimiter(limit: UnknownCodeLimit, limiters: RateLimiterFactory) {
  const unknown = limiters({
    keyPrefix: 'atproto-unknown-codes',
    points: limit.attempts,
    duration: limit.windowMs / 1000,
  })
  const triedHere = new RateLimiterMemory({ points: 1, duration: limit.windowMs / 1000 })
  return {
    /** Whether the caller used up their unknown-code attempts for this window. */
    async isBlocked(caller: string): Promise<boolean> {
      if ((await triedHere.get(caller)) === null) return false
      const seen = await unknown.get(caller)
      return seen !== null && seen.consumedPoints >= limit.attempts
    },
    /** Counts one unknown-code attempt. */
    async recordUnknownCode(caller: string): Promise<void> {
      await triedHere.set(caller, 1, limit.windowMs / 1000)
      await withinLimit(unknown, caller)
    },
  }
}

export interface AnonymousPreviewLimit {
  /** How many `getJoinLinkPreviews` calls without a token one IP address may make per window. Default 60. */
  readonly calls: number
  /** The window, in seconds. Default 60. */
  readonly windowSeconds: number
}

/** Counts the anonymous preview calls of each IP address; `take` answers `false` past the limit. */
export function createAnonymousPreviewLimiter(limit: AnonymousPreviewLimit, limiters: RateLimiterFactory) {
  const calls = limiters({
    keyPrefix: 'atproto-anonymous-previews',
    points: limit.calls,
    duration: limit.windowSeconds,
  })
  return { take: (address: string) => withinLimit(calls, address) }
}
