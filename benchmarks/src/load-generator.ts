// The load generator: a separate process, so the server under test does not share its event loop with the load.
// Input (JSON file path in argv[2]): { url, method, path, requests: [{ headers, body }], connections, durationMs }.
// Requests are sent round-robin from the list. Output: one JSON line with figures and status counts.
import { readFileSync } from 'node:fs'
import { Pool } from 'undici'
import type { LoadOptions } from './run-load.js'
import { figuresOf } from './stats.js'

type LoadSpec = Required<LoadOptions>

const spec = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as LoadSpec
const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1 })
let next = 0
const latencies: number[] = []
const statuses: Record<string, number> = {}
let measuring = false

async function worker(stopAt: number) {
  while (Date.now() < stopAt) {
    const r = spec.requests[next++ % spec.requests.length]
    if (!r) break
    const started = performance.now()
    try {
      const res = await pool.request({
        method: spec.method,
        path: r.path ?? spec.path,
        headers: r.headers,
        body: r.body ?? null,
      })
      await res.body.dump()
      if (measuring) {
        latencies.push(performance.now() - started)
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
      }
    } catch {
      if (measuring) statuses.error = (statuses.error ?? 0) + 1
    }
  }
}

// Warm up (connections, JIT), then measure.
await Promise.all(Array.from({ length: spec.connections }, () => worker(Date.now() + spec.warmupMs)))
measuring = true
const started = performance.now()
await Promise.all(Array.from({ length: spec.connections }, () => worker(Date.now() + spec.durationMs)))
const elapsed = performance.now() - started
await pool.close()
process.stdout.write(`${JSON.stringify({ ...figuresOf(latencies, elapsed), statuses })}\n`)
