// Relay throughput (issue 14): events delivered per second as signed webhooks to a local HTTP receiver, beside the
// rate at which joins write events, on a PostgreSQL server. The receiver answers 204 at once; it runs in this
// process, as the relay does, so both share the machine with PostgreSQL.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createJoinery, type Joinery } from '@joinery/core'
import { createPostgresStore, fromPgPool, migrate, type SqlDatabase } from '@joinery/postgres-store'
import { startThrowawayPostgres } from '@joinery/postgres-store/testing'
import {
  createRelay,
  createWebhookSubscriber,
  type DeliveryReport,
  generateWebhookSecret,
  pgListener,
} from '@joinery/relay'
import pg from 'pg'
import { type Figures, figuresOf, measure, percentile } from './stats.js'

async function unpublished(db: SqlDatabase, schema: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM ${schema}.outbox WHERE published_at IS NULL`,
  )
  return Number(r.rows[0]?.n ?? 0)
}

async function until(done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((r) => setTimeout(r, 5))
}

export interface RelayBench {
  /** Joins over 16 groups, 16 in flight: the rate events are written (one MemberJoined per join). */
  readonly joins: Figures
  /** The same joins on a store made with `notify: false`. */
  readonly joinsWithoutNotify: Figures
  /** Draining that backlog with one relay instance (16 groups at once): events/s; latencies are each attempt's. */
  readonly drain: Figures
  /** The same with every event in one group (delivered one after another: the per-group order). */
  readonly oneGroup: Figures
  /** Joins and the relay running together: join figures, and the delay from each event's write to its delivery. */
  readonly together: {
    readonly joins: Figures
    readonly lagP50Ms: number
    readonly lagP99Ms: number
    readonly backlogAfterMs: number
  }
}

export async function benchRelay(n = 4000): Promise<RelayBench> {
  const server = await startThrowawayPostgres()
  const pool = new pg.Pool({ connectionString: server.url, max: 24 })
  pool.on('error', () => {})
  // The relay's own connections, as a separate instance would have them (the listener keeps one).
  const relayPool = new pg.Pool({ connectionString: server.url, max: 10 })
  relayPool.on('error', () => {})
  const receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(204).end())
  })
  receiver.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
  const secret = generateWebhookSecret()
  try {
    const db = fromPgPool(pool)
    let schemas = 0
    const setup = async (groups: number, notify = true) => {
      const schema = `bench_relay_${schemas++}`
      await migrate(db, schema)
      const joinery = createJoinery({ store: createPostgresStore(db, { schema, notify }) })
      const codes: string[] = []
      for (let g = 0; g < groups; g++) {
        const group = (await joinery.createGroup({ actor: 'owner', name: `G${g}`, admission: 'open' }))._unsafeUnwrap()
        codes.push((await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().code)
      }
      return { schema, joinery, codes }
    }
    const join = (joinery: Joinery, codes: string[], i: number) => async () => {
      const r = await joinery.requestJoinByCode({ actor: `user${i}`, code: codes[i % codes.length] as string })
      if (r.isErr()) throw new Error(`join failed: ${r.error.code}`)
    }
    const relayOn = (schema: string, reports: DeliveryReport[]) =>
      createRelay({
        db: fromPgPool(relayPool),
        schema,
        subscribers: [createWebhookSubscriber({ id: 'bench', url, secret })],
        listener: pgListener(relayPool),
        hooks: { onDelivery: (r) => reports.push(r) },
      })
    const drain = async (schema: string) => {
      const reports: DeliveryReport[] = []
      const relay = relayOn(schema, reports)
      const backlog = await unpublished(db, schema)
      const started = performance.now()
      await relay.start()
      await until(async () => (await unpublished(db, schema)) === 0)
      const elapsed = performance.now() - started
      await relay.stop()
      const f = figuresOf(
        reports.map((r) => r.durationMs),
        elapsed,
      )
      return { ...f, opsPerSecond: (backlog / elapsed) * 1000 }
    }

    // 1. Joins write the backlog, 2. one relay drains it.
    const many = await setup(16)
    const joins = await measure(n, 16, (i) => join(many.joinery, many.codes, i)())
    const drained = await drain(many.schema)

    // The same joins without NOTIFY (the store's `notify: false`): what waking the relay costs the writers.
    const quiet = await setup(16, false)
    const joinsWithoutNotify = await measure(n, 16, (i) => join(quiet.joinery, quiet.codes, i)())

    // 3. Every event in one group.
    const one = await setup(1)
    await measure(n / 2, 16, (i) => join(one.joinery, one.codes, i)())
    const oneGroup = await drain(one.schema)

    // 4. Both at once.
    const both = await setup(16)
    const reports: DeliveryReport[] = []
    const relay = relayOn(both.schema, reports)
    await relay.start()
    const together = await measure(n, 16, (i) => join(both.joinery, both.codes, i)())
    const ended = performance.now()
    await until(async () => (await unpublished(db, both.schema)) === 0)
    const backlogAfterMs = performance.now() - ended
    await relay.stop()
    const lags = reports.filter((r) => r.outcome === 'delivered' && r.event.type === 'MemberJoined').map((r) => r.lagMs)
    lags.sort((a, b) => a - b)
    return {
      joins,
      joinsWithoutNotify,
      drain: drained,
      oneGroup,
      together: { joins: together, lagP50Ms: percentile(lags, 50), lagP99Ms: percentile(lags, 99), backlogAfterMs },
    }
  } finally {
    receiver.closeAllConnections()
    receiver.close()
    await Promise.all([pool.end(), relayPool.end()])
    await server.stop()
  }
}
