/** Latency figures from a list of durations in milliseconds. */
export interface Figures {
  readonly opsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly count: number
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] as number
}

export function figuresOf(latenciesMs: number[], elapsedMs: number): Figures {
  const sorted = [...latenciesMs].sort((a, b) => a - b)
  return {
    opsPerSecond: (sorted.length / elapsedMs) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    count: sorted.length,
  }
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')

/** Runs `n` operations with `concurrency` in flight and measures each. */
export async function measure(n: number, concurrency: number, op: (i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++
        const t = performance.now()
        await op(i)
        latencies.push(performance.now() - t)
      }
    }),
  )
  return figuresOf(latencies, performance.now() - started)
}
