/// <reference path="./internal/rate-limiter-flexible.d.ts" />
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
// By file, not through the package's index, which also loads Node-only parts (see internal/rate-limiter-flexible.d.ts).
import BurstyRateLimiter from 'rate-limiter-flexible/lib/BurstyRateLimiter.js'
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js'
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js'

export interface LeakyBucketOptions {
  /** Requests a user may send at once. Default 50, as Bitrix24. */
  readonly burst: number
  /** Requests per second the bucket drains. Default 2, as Bitrix24. */
  readonly perSecond: number
}

/** What a limiter counts: `points` per `duration` seconds for each key, keys kept apart by `keyPrefix`. */
export interface RateLimiterSpec {
  readonly keyPrefix: string
  readonly points: number
  readonly duration: number
}

/**
 * Makes a `rate-limiter-flexible` limiter for a spec. The default counts in this process; pass
 * `createSharedRateLimiters(db)` from `@joinery/postgres-store` so that every instance on one database counts
 * against one limit.
 */
export type RateLimiterFactory = (spec: RateLimiterSpec) => RateLimiterAbstract

/** Limiters that count in this process: right for one instance (the in-memory store, PGlite). */
export const inMemoryRateLimiters: RateLimiterFactory = (spec) => new RateLimiterMemory({ ...spec })

/** Counts one point against `limiter` for `key`: `false` when the limit is used up; a store failure throws. */
export async function withinLimit(
  limiter: Pick<RateLimiterAbstract, 'consume'> | BurstyRateLimiter,
  key: string,
): Promise<boolean> {
  try {
    await limiter.consume(key)
    return true
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return false
    throw refusal
  }
}

/**
 * Bitrix24's per-user leaky bucket (`burst` at once, then `perSecond`), on `rate-limiter-flexible`, which has fixed
 * windows and no draining bucket. The nearest it expresses is its bursty limiter: a steady window of `perSecond`
 * requests per second (one request per `1 / perSecond` seconds below 1/s; fractions above 1/s round down), and a
 * burst allowance of `burst` minus that, renewed every `burst / perSecond` seconds. A fresh user gets `burst`
 * requests at once, and a client pacing itself at `perSecond` after a burst is never refused, as on a portal; a
 * full allowance is renewed whole at the end of its window instead of draining request by request.
 */
export function createLeakyBucket(options: LeakyBucketOptions, limiters: RateLimiterFactory = inMemoryRateLimiters) {
  if (!(options.burst >= 1 && options.perSecond > 0)) throw new RangeError('a bucket needs burst ≥ 1 and perSecond > 0')
  const steady =
    options.perSecond >= 1
      ? { points: Math.floor(options.perSecond), duration: 1 }
      : { points: 1, duration: 1 / options.perSecond }
  const bucket = new BurstyRateLimiter(
    limiters({ keyPrefix: 'bitrix-steady', ...steady }),
    limiters({
      keyPrefix: 'bitrix-burst',
      points: Math.max(0, Math.floor(options.burst) - steady.points),
      duration: options.burst / options.perSecond,
    }),
  )
  return {
    /** Counts one request of `user`; `false` when the bucket is full (the request must be refused). */
    take: (user: string): Promise<boolean> => withinLimit(bucket, user),
  }
}

export interface CredentialFailureLimit {
  /** Wrong webhook codes or tokens one IP address may send per window. Default 10. */
  readonly attempts: number
  /** The window, in seconds. Default 60. */
  readonly windowSeconds: number
  /** How long an address that went past the limit is refused, in seconds, whatever it sends. Default 300. */
  readonly blockSeconds: number
}

/**
 * Counts the wrong credentials (webhook codes, tokens) each IP address sends. Past `attempts` in a window the
 * address is refused for `blockSeconds`, right codes included, so that guessing a code costs time.
 *
 * The shared count is read only for addresses this instance saw send a wrong credential within `blockSeconds`, so
 * the calls of everyone else cost no read of a shared store. An address blocked through other instances thus gets
 * one more wrong try here before this instance refuses it too.
 */
export function createCredentialFailureLimiter(
  limit: CredentialFailureLimit,
  limiters: RateLimiterFactory = inMemoryRateLimiters,
) {
  const failures = limiters({
    keyPrefix: 'bitrix-auth-failures',
    points: limit.attempts,
    duration: limit.windowSeconds,
  })
  const failedHere = new RateLimiterMemory({ points: 1, duration: limit.blockSeconds })
  // When this instance saw no wrong credential within blockSeconds, no address can be blocked here: the common case
  // answers at once, without a turn of the event loop.
  let lastFailureAt = Number.NEGATIVE_INFINITY
  async function isRecordedBlock(address: string): Promise<boolean> {
    if ((await failedHere.get(address)) === null) return false
    const seen = await failures.get(address)
    return seen !== null && seen.consumedPoints > limit.attempts
  }
  return {
    /** Whether `address` is refused now (`false` synchronously while this instance saw no wrong credential). */
    isBlocked(address: string): boolean | Promise<boolean> {
      if (Date.now() - lastFailureAt > limit.blockSeconds * 1000) return false
      return isRecordedBlock(address)
    },
    /** Counts one wrong credential from `address`; `false` once it went past the limit (it is blocked now). */
    async recordFailure(address: string): Promise<boolean> {
      lastFailureAt = Date.now()
      await failedHere.set(address, 1, limit.blockSeconds)
      const within = await withinLimit(failures, address)
      // Best effort: while a shared store is down the window's own limit (counted in this process) still holds.
      if (!within) await failures.block(address, limit.blockSeconds).catch(() => {})
      return within
    },
  }
}
