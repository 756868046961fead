import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { describe, expect, it } from 'vitest'
import { appendJoins, recordingSubscriber, usePglite } from './internal/test-kit.js'
import { createRelay, type DeliveryReport } from './relay.js'

const lite = usePglite('observed')

/** An SDK meter provider whose metrics a test reads on demand. */
function inMemoryMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const provider = new MeterProvider({ readers: [reader] })
  return {
    provider,
    /** The latest points of a metric, as `subscriber/outcome → value`. */
    async points(name: string): Promise<Record<string, unknown>> {
      exporter.reset()
      await reader.forceFlush()
      const metric = exporter
        .getMetrics()
        .flatMap((r) => r.scopeMetrics)
        .flatMap((s) => s.metrics)
        .find((m) => m.descriptor.name === name)
      const out: Record<string, unknown> = {}
      for (const p of (metric?.dataPoints ?? []) as DataPoint<unknown>[]) {
        const key = [p.attributes['joinery.subscriber'], p.attributes['joinery.outcome']].filter(Boolean).join('/')
        const v = p.value as number | { count: number }
        out[key] = typeof v === 'number' ? v : v.count
      }
      return out
    },
    close: () => provider.shutdown(),
  }
}

describe('delivery observability', () => {
  it('counts attempts and outcomes per subscriber, reports lag and backlog, through a method, hooks and OpenTelemetry', async () => {
    const { schema, store } = await lite.fresh()
    const db = lite.db
    await appendJoins(store, 'g', 3)
    await db.query(`UPDATE ${schema}.outbox SET created_at = now() - interval '1 minute'`)
    const otel = inMemoryMetrics()
    const reports: DeliveryReport[] = []
    const relay = createRelay({
      db,
      schema,
      subscribers: [recordingSubscriber('ok'), recordingSubscriber('bad', { fail: (e) => e.event.actor === 'u1' })],
      maxAttempts: 2,
      backoff: { initialMs: 100, maxMs: 100 },
      random: () => 1,
      meterProvider: otel.provider,
      hooks: { onDelivery: (r) => reports.push(r) },
    })
    try {
      await relay.deliverPending()
      // 'bad' delivered u0, failed u1 and waits: u1 and u2 are pending for it, a minute old.
      const [ok, bad] = await relay.stats()
      expect(ok).toMatchObject({ subscriber: 'ok', pending: 0, lagMs: 0, attempts: 3, delivered: 3, failures: 0 })
      expect(bad).toMatchObject({ subscriber: 'bad', pending: 2, retrying: 1, dead: 0, attempts: 2, failures: 1 })
      expect(bad?.lagMs).toBeGreaterThanOrEqual(60_000)
      expect(bad?.lastError).toMatch(/refused/)
      expect(await otel.points('joinery.relay.pending')).toEqual({ ok: 0, bad: 2 })
      expect(await otel.points('joinery.relay.retrying')).toEqual({ ok: 0, bad: 1 })
      expect(((await otel.points('joinery.relay.lag')).bad as number) >= 60_000).toBe(true)

      await new Promise((r) => setTimeout(r, 150))
      await relay.deliverPending()
      expect(await otel.points('joinery.relay.delivery.attempts')).toEqual({
        'ok/delivered': 3,
        'bad/delivered': 2,
        'bad/failed': 1,
        'bad/dead': 1,
      })
      expect(await otel.points('joinery.relay.delivery.latency')).toEqual({ ok: 3, bad: 2 })
      expect(await otel.points('joinery.relay.delivery.duration')).toEqual({
        'ok/delivered': 3,
        'bad/delivered': 2,
        'bad/failed': 1,
        'bad/dead': 1,
      })
      expect(await otel.points('joinery.relay.dead_letters')).toEqual({ ok: 0, bad: 1 })
      expect(await otel.points('joinery.relay.pending')).toEqual({ ok: 0, bad: 0 })
      expect(reports.map((r) => `${r.subscriber}:${r.event.event.actor}:${r.outcome}:${r.attempt}`).sort()).toEqual([
        'bad:u0:delivered:1',
        'bad:u1:dead:2',
        'bad:u1:failed:1',
        'bad:u2:delivered:1',
        'ok:u0:delivered:1',
        'ok:u1:delivered:1',
        'ok:u2:delivered:1',
      ])
      expect(reports.every((r) => r.lagMs >= 60_000 && r.durationMs >= 0)).toBe(true)
    } finally {
      await relay.stop()
      await otel.close()
    }
  })

  it('ignores a hook that throws', async () => {
    const { schema, store } = await lite.fresh()
    await appendJoins(store, 'g', 2)
    const sub = recordingSubscriber('s')
    await createRelay({
      db: lite.db,
      schema,
      subscribers: [sub],
      hooks: {
        onDelivery: () => {
          throw new Error('a broken hook')
        },
      },
    }).deliverPending()
    expect(sub.received).toHaveLength(2)
    expect(sub.calls).toHaveLength(2)
  })
})
