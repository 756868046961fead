/** How long to wait before retrying a failed delivery. */
export interface Backoff {
  /** The wait after the first failure. Default 1,000 ms. */
  readonly initialMs?: number
  /** The longest wait. Default 600,000 ms (10 minutes). */
  readonly maxMs?: number
}

/**
 * Exponential back-off with jitter: after the n-th failure, a wait drawn uniformly from [d/2, d] where
 * d = min(maxMs, initialMs · 2^(n-1)), so instances retrying together spread out ("equal jitter").
 */
export function backoffDelay(failures: number, backoff: Backoff, random: () => number): number {
  const initial = backoff.initialMs ?? 1_000
  const max = backoff.maxMs ?? 600_000
  const d = Math.min(max, initial * 2 ** Math.min(60, Math.max(0, failures - 1)))
  return Math.round(d / 2 + random() * (d / 2))
}
