export interface LeakyBucketOptions {
  /** Requests a user may send at once. Default 50, as Bitrix24. */
  readonly burst: number
  /** Requests per second the bucket drains. Default 2, as Bitrix24. */
  readonly perSecond: number
}

/** Bitrix24's per-user leaky bucket: each request adds one; the bucket drains steadily; a full bucket refuses. */
export function createLeakyBucket(options: LeakyBucketOptions, now: () => number = Date.now) {
  const levels = new Map<string, { level: number; at: number }>()
  let nextSweep = 0
  return {
    /** Counts one request of `user`; `false` when the bucket is full (the request must be refused). */
    take(user: string): boolean {
      const t = now()
      if (t >= nextSweep) {
        // Forget users whose bucket has drained, so the map stays as small as the active users.
        for (const [key, b] of levels) if (b.level - ((t - b.at) / 1000) * options.perSecond <= 0) levels.delete(key)
        nextSweep = t + 60_000
      }
      const b = levels.get(user)
      const level = b ? Math.max(0, b.level - ((t - b.at) / 1000) * options.perSecond) : 0
      if (level + 1 > options.burst) {
        levels.set(user, { level, at: t })
        return false
      }
      levels.set(user, { level: level + 1, at: t })
      return true
    },
  }
}
