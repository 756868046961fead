import { createPostgresStore, fromPgPool, migrate, type SqlDatabase } from '@joinery/postgres-store'
import {
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '@joinery/postgres-store/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Delivery, type RelayProcess, startReceiver, startRelayProcess } from './internal/relay-processes.js'
import { appendJoins, recordingSubscriber, subjectsByGroup, unpublishedCount } from './internal/test-kit.js'
import { pgListener } from './listeners.js'
import { createRelay } from './relay.js'
import type { RelayEvent } from './subscriber.js'
import { generateWebhookSecret } from './webhook.js'

/** Subjects per group in arrival order, and the same with repeats removed (first arrival kept). */
function arrivals(deliveries: readonly Delivery[]) {
  const all = new Map<string, string[]>()
  const firsts = new Map<string, string[]>()
  const seen = new Set<string>()
  for (const d of deliveries) {
    all.set(d.groupId, [...(all.get(d.groupId) ?? []), d.subject])
    if (seen.has(d.eventId)) continue
    seen.add(d.eventId)
    firsts.set(d.groupId, [...(firsts.get(d.groupId) ?? []), d.subject])
  }
  return { all, firsts, distinct: seen.size }
}
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`)

// Needs a PostgreSQL server, as the store's server tests do: CI sets JOINERY_REQUIRE_POSTGRES to fail, not skip.
const available = postgresServerAvailable('the relay server tests')

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

  it('loses nothing when an instance is killed mid-delivery (kill -9): every event at least once, in order per group', async () => {
    const { schema, store } = await fresh()
    const secret = generateWebhookSecret()
    const receiver = await startReceiver(secret)
    const [groups, perGroup] = [30, 100]
    for (let g = 0; g < groups; g += 10)
      await Promise.all(Array.from({ length: 10 }, (_, i) => appendJoins(store, `g${g + i}`, perGroup)))
    const base = { url: server.url, schema, receiver: receiver.url, secret, leaseMs: 1_500, batchSize: 25 }
    const processes: RelayProcess[] = []
    try {
      const [a, b] = await Promise.all([
        startRelayProcess({ ...base, instanceId: 'a' }),
        startRelayProcess({ ...base, instanceId: 'b' }),
      ])
      processes.push(a as RelayProcess, b as RelayProcess)
      const fromA = () => receiver.deliveries.filter((d) => d.instance === 'a')
      await vi.waitFor(() => expect(fromA().length).toBeGreaterThan(200), { timeout: 60_000, interval: 10 })
      // From now on a's requests get no answer: the next ones stay in flight, and a dies with them.
      const before = fromA().length
      receiver.hold('a')
      await vi.waitFor(() => expect(fromA().length).toBeGreaterThan(before), { timeout: 10_000, interval: 10 })
      await a?.kill()
      const inFlight = fromA().slice(before)
      expect(await a?.exited).toBe(null)

      await vi.waitFor(async () => expect(await unpublishedCount(db, schema)).toBe(0), {
        timeout: 60_000,
        interval: 100,
      })
      expect(await b?.stop()).toBe(0)

      expect(receiver.refused()).toBe(0)
      const { firsts, distinct } = arrivals(receiver.deliveries)
      expect(distinct).toBe(groups * perGroup)
      for (let g = 0; g < groups; g++) expect(firsts.get(`g${g}`)).toEqual(numbered(perGroup))
      // What a had in flight when it died was delivered again, by b.
      const byB = new Set(receiver.deliveries.filter((d) => d.instance === 'b').map((d) => d.eventId))
      for (const d of inFlight) expect(byB.has(d.eventId)).toBe(true)
      console.log(
        `relay › kill -9: ${receiver.deliveries.length} deliveries of ${distinct} events, ${inFlight.length} in flight at the kill`,
      )
    } finally {
      await Promise.all(processes.map((p) => p.kill()))
      await receiver.close()
    }
  }, 120_000)

  it('delivers 10,000 events once each with two healthy instances in two processes, in order per group', async () => {
    const { schema, store } = await fresh()
    const secret = generateWebhookSecret()
    const receiver = await startReceiver(secret)
    const [groups, perGroup] = [50, 200]
    const append = async (from: number, count: number) => {
      for (let g = 0; g < groups; g += 10)
        await Promise.all(Array.from({ length: 10 }, (_, i) => appendJoins(store, `g${g + i}`, count, from)))
    }
    await append(0, perGroup / 2)
    const base = { url: server.url, schema, receiver: receiver.url, secret, leaseMs: 10_000, batchSize: 100 }
    const processes: RelayProcess[] = []
    try {
      processes.push(
        ...(await Promise.all([
          startRelayProcess({ ...base, instanceId: 'a' }),
          startRelayProcess({ ...base, instanceId: 'b' }),
        ])),
      )
      // The other half arrives while both deliver, 50 events per transaction.
      for (let from = perGroup / 2; from < perGroup; from += 50) await append(from, 50)
      await vi.waitFor(async () => expect(await unpublishedCount(db, schema)).toBe(0), {
        timeout: 120_000,
        interval: 100,
      })
      expect(await Promise.all(processes.map((p) => p.stop()))).toEqual([0, 0])

      expect(receiver.refused()).toBe(0)
      expect(receiver.deliveries).toHaveLength(groups * perGroup)
      const { all, distinct } = arrivals(receiver.deliveries)
      expect(distinct).toBe(groups * perGroup)
      for (let g = 0; g < groups; g++) expect(all.get(`g${g}`)).toEqual(numbered(perGroup))
      const shares = ['a', 'b'].map((i) => receiver.deliveries.filter((d) => d.instance === i).length)
      expect(Math.min(...shares)).toBeGreaterThan(0)
      const leases = await db.query(
        `SELECT count(*)::integer AS n FROM ${schema}.outbox_streams WHERE lease_owner IS NOT NULL`,
      )
      expect(leases.rows).toEqual([{ n: 0 }])
      console.log(`relay › 2 processes: ${distinct} events delivered once each (a ${shares[0]}, b ${shares[1]})`)
    } finally {
      await Promise.all(processes.map((p) => p.kill()))
      await receiver.close()
    }
  }, 180_000)

  it('loses nothing when the database restarts mid-delivery, and goes on by itself', async () => {
    const { schema, store } = await fresh()
    const [groups, perGroup] = [10, 100]
    await Promise.all(Array.from({ length: groups }, (_, g) => appendJoins(store, `g${g}`, perGroup)))
    const received: RelayEvent[] = []
    const errors: unknown[] = []
    let restarted = false
    const relay = createRelay({
      db: fromPgPool(newPool(4), { connectTimeoutMs: 1_000, queryTimeoutMs: 2_000 }),
      schema,
      subscribers: [
        recordingSubscriber('s', {
          deliver: async (e) => {
            received.push(e)
            // Slow enough that the restart lands while groups are held and batches unrecorded.
            if (!restarted) await new Promise((r) => setTimeout(r, 2))
          },
        }),
      ],
      pollIntervalMs: 100,
      batchSize: 20,
      concurrency: 4,
      hooks: { onError: (e) => errors.push(e) },
    })
    await relay.start()
    try {
      await vi.waitFor(() => expect(received.length).toBeGreaterThan(100), { timeout: 30_000, interval: 5 })
      await server.restart()
      restarted = true
      await vi.waitFor(async () => expect(await unpublishedCount(db, schema)).toBe(0), {
        timeout: 60_000,
        interval: 200,
      })
    } finally {
      await relay.stop()
    }
    expect(errors.length).toBeGreaterThan(0)
    const firsts = new Map<string, string[]>()
    const seen = new Set<string>()
    for (const e of received) {
      if (seen.has(e.id)) continue
      seen.add(e.id)
      firsts.set(e.groupId, [...(firsts.get(e.groupId) ?? []), 'subject' in e.event ? e.event.subject : ''])
    }
    expect(seen.size).toBe(groups * perGroup)
    for (let g = 0; g < groups; g++) expect(firsts.get(`g${g}`)).toEqual(numbered(perGroup))
  }, 120_000)

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
