// The event store shared by instances on one PostgreSQL 15 server (bitrix24/b24restdocs
// api-reference/events/event-offline-get.md: parallel event.offline.get calls get disjoint sets;
// EventTable::checkUniq: one binding per application, event, handler, user and connector).
import { fromPgPool, migrate } from '@joinery/postgres-store'
import {
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '@joinery/postgres-store/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresEventStore } from './postgres-event-store.js'

const available = postgresServerAvailable('the event-store server tests')

describe.runIf(available)('createPostgresEventStore on a PostgreSQL server, 4 instances', () => {
  let server: ThrowawayPostgres
  const pools: pg.Pool[] = []
  const schema = `bitrix_events_${process.pid}`
  const instances = () =>
    Array.from({ length: 4 }, () => {
      const pool = new pg.Pool({ connectionString: server.url, max: 4 })
      pool.on('error', () => {})
      pools.push(pool)
      return createPostgresEventStore(fromPgPool(pool), { schema })
    })

  beforeAll(async () => {
    server = await startThrowawayPostgres()
    const pool = new pg.Pool({ connectionString: server.url, max: 2 })
    pools.push(pool)
    await migrate(fromPgPool(pool), schema)
  }, 120_000)
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()))
    await server?.stop()
  })

  it('agrees on bindings: 40 identical binds at once make one, and every instance delivers to it', async () => {
    const stores = instances()
    const binding = {
      clientId: 'app',
      event: 'ONSONETGROUPADD',
      handler: 'https://a.example.com/h',
      userId: 0,
      connectorId: '',
    }
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 4]?.bind(binding)))
    expect(results.filter(Boolean)).toHaveLength(1)
    for (const store of stores)
      expect(await store.bindingsOf('ONSONETGROUPADD')).toEqual([{ id: expect.any(Number), ...binding }])
  })

  it('reserves each queued row for one of 8 concurrent readers, and keeps one row per message', async () => {
    const stores = instances()
    const key = { clientId: 'app', connectorId: '' }
    const at = new Date()
    for (let i = 0; i < 200; i++)
      await stores[i % 4]?.enqueue({
        ...key,
        messageId: `m${i}`,
        event: 'ONSONETGROUPUPDATE',
        data: { i },
        additional: {},
        at,
      })
    // The same message again replaces its row (the queue keeps the latest change).
    await stores[1]?.enqueue({
      ...key,
      messageId: 'm0',
      event: 'ONSONETGROUPUPDATE',
      data: { i: 'latest' },
      additional: {},
      at,
    })
    const rows = await stores[0]?.queue(key)
    expect(rows).toHaveLength(200)
    expect(rows?.find((r) => r.messageId === 'm0')?.data).toEqual({ i: 'latest' })
    const ids = (rows ?? []).map((r) => r.id)
    const reserved = await Promise.all(
      Array.from({ length: 8 }, (_, i) => stores[i % 4]?.reserve(key, ids, `process-${i}`) ?? Promise.resolve([])),
    )
    const all = reserved.flat().map((r) => r.id)
    expect(all).toHaveLength(200)
    expect(new Set(all).size).toBe(200)
  })
})
