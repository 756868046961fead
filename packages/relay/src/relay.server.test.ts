import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createPostgresStore, fromPgPool, migrate, type SqlDatabase } from '@joinery/postgres-store'
import { postgresBinaries, startThrowawayPostgres, type ThrowawayPostgres } from '@joinery/postgres-store/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { appendJoins, recordingSubscriber, subjectsByGroup, unpublishedCount } from './internal/test-kit.js'
import { pgListener } from './listeners.js'
import { createRelay } from './relay.js'
import type { RelayEvent } from './subscriber.js'

// Needs a PostgreSQL server, as the store's server tests do: CI sets JOINERY_REQUIRE_POSTGRES to fail, not skip.
const available = Boolean(process.env.DATABASE_URL) || existsSync(join(postgresBinaries(), 'pg_ctl'))
if (!available && process.env.JOINERY_REQUIRE_POSTGRES)
  throw new Error(`no PostgreSQL binaries in ${postgresBinaries()} and no DATABASE_URL`)

describe.runIf(available)('the relay on a PostgreSQL server', () => {
  let server: ThrowawayPostgres
  const pools: pg.Pool[] = []
  let db: SqlDatabase
  let schemas = 0

  function newPool(max: number): pg.Pool {
    const pool = new pg.Pool({ connectionString: server.url, max })
    pool.on('error', () => {})
    pools.push(pool)
    return pool
  }
  async function fresh() {
    const schema = `relay_${process.pid}_${schemas++}`
    await migrate(db, schema)
    return { schema, store: createPostgresStore(db, { schema }) }
  }

  beforeAll(async () => {
    server = await startThrowawayPostgres()
    db = fromPgPool(newPool(8))
  }, 120_000)
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()))
    await server?.stop()
  })

  it('shares the work between instances: each event delivered once, in order per group', async () => {
    const { schema, store } = await fresh()
    const groups = Array.from({ length: 30 }, (_, i) => `g${i}`)
    const received: RelayEvent[] = []
    const instances = Array.from({ length: 3 }, (_, i) =>
      createRelay({
        db: fromPgPool(newPool(4)),
        schema,
        subscribers: [recordingSubscriber('hook', { deliver: async (e) => void received.push(e) })],
        listener: pgListener(newPool(1)),
        instanceId: `i${i}`,
        concurrency: 4,
        batchSize: 20,
      }),
    )
    await Promise.all(instances.map((r) => r.start()))
    // Appended while the instances run, 10 per group per transaction.
    for (let round = 0; round < 10; round++) await Promise.all(groups.map((g) => appendJoins(store, g, 10, round * 10)))
    await vi.waitFor(async () => expect(await unpublishedCount(db, schema)).toBe(0), { timeout: 60_000, interval: 100 })
    await Promise.all(instances.map((r) => r.stop()))

    expect(received).toHaveLength(3_000)
    expect(new Set(received.map((e) => e.id)).size).toBe(3_000)
    const byGroup = subjectsByGroup(received)
    for (const g of groups) expect(byGroup.get(g)).toEqual(Array.from({ length: 100 }, (_, i) => `u${i}`))
    const leases = await db.query(
      `SELECT count(*)::integer AS n FROM ${schema}.outbox_streams WHERE lease_owner IS NOT NULL`,
    )
    expect(leases.rows).toEqual([{ n: 0 }])
  }, 90_000)

  it('wakes on NOTIFY from another connection, and listens again after the server restarts', async () => {
    const { schema, store } = await fresh()
    const sub = recordingSubscriber('s')
    const relay = createRelay({
      db: fromPgPool(newPool(2)),
      schema,
      subscribers: [sub],
      listener: pgListener(newPool(1), { retryMs: 200 }),
      pollIntervalMs: 3_600_000,
    })
    await relay.start()
    await appendJoins(store, 'g', 2)
    await vi.waitFor(() => expect(sub.received).toHaveLength(2), { timeout: 10_000 })

    await server.restart()
    // The listener reconnects and wakes the relay, which finds what was appended meanwhile.
    await vi.waitFor(async () => appendJoins(store, 'g', 1, 2), { timeout: 20_000, interval: 200 })
    await vi.waitFor(() => expect(sub.received.length).toBeGreaterThanOrEqual(3), { timeout: 20_000 })
    await appendJoins(store, 'g', 1, 3)
    await vi.waitFor(() => expect(subjectsByGroup(sub.received).get('g')?.at(-1)).toBe('u3'), { timeout: 20_000 })
    await relay.stop()
  }, 60_000)
})
