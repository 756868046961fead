export interface UnknownCodeLimit {
  /** How many unknown codes one caller may try per window. Default 20. */
  readonly attempts: number
  /** The window, in milliseconds. Default one minute. */
  readonly windowMs: number
}

/**
 * Counts each caller's attempts with codes that do not exist, so code guessing is answered with
 * `RateLimitExceeded` long before it could find a live code (codes carry 128 random bits).
 */
export function createUnknownCodeLimiter(limit: UnknownCodeLimit, now: () => number = Date.now) {
  const windows = new Map<string, { count: number; resetAt: number }>()
  let nextSweep = 0

  function current(caller: string) {
    const t = now()
    if (t >= nextSweep) {
      for (const [key, w] of windows) if (w.resetAt <= t) windows.delete(key)
      nextSweep = t + limit.windowMs
    }
    const w = windows.get(caller)
    return w && w.resetAt > t ? w : null
  }

  return {
    /** Whether the caller used up their unknown-code attempts for this window. */
    isBlocked: (caller: string) => (current(caller)?.count ?? 0) >= limit.attempts,
    /** Counts one unknown-code attempt. */
    recordUnknownCode(caller: string) {
      const w = current(caller)
      if (w) w.count++
      else windows.set(caller, { count: 1, resetAt: now() + limit.windowMs })
    },
  }
}
