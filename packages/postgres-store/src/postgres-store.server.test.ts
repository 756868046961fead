import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createJoinery } from '@joinery/core'
import { describeStoreConformance } from '@joinery/core/testing'
import { ResultAsync } from 'neverthrow'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabaseIdGenerator } from './id-generator.js'
import { migrate } from './migrations.js'
import { createPostgresStore } from './postgres-store.js'
import { fromPgPool, type SqlDatabase } from './sql-database.js'
import {
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from './testing/throwaway-postgres.js'

// Needs a PostgreSQL server: the machine's binaries or DATABASE_URL. .ci/run installs the binaries and sets
// JOINERY_REQUIRE_POSTGRES, so CI fails rather than skips; a machine without them skips these tests, saying so.
const available = postgresServerAvailable('the PostgreSQL server tests')

describe.runIf(available)('on a PostgreSQL server', () => {
  const run = promisify(execFile)
  let server: ThrowawayPostgres
  let pool: pg.Pool
  let db: SqlDatabase
  let schemaCount = 0
  /** A fresh schema per test that wants one, so tests never see each other's rows. */
  async function freshSchema() {
    const schema = `t${process.pid}_${schemaCount++}`
    await migrate(db, schema)
    return schema
  }

  beforeAll(async () => {
    server = await startThrowawayPostgres()
    pool = new pg.Pool({ connectionString: server.url, max: 20 })
    // A server restart drops idle connections: the pool must not crash the process for it.
    pool.on('error', () => {})
    // Generous bounds: these tests queue 1,000 joins on 20 connections and load a million rows.
    db = fromPgPool(pool, { connectTimeoutMs: 60_000, statementTimeoutMs: 120_000, lockTimeoutMs: 60_000 })
    await migrate(db, 'joinery')
  }, 120_000)
  afterAll(async () => {
    await pool?.end()
    await server?.stop()
  })

  describeStoreConformance('PostgreSQL store on a PostgreSQL 15 server', {
    create: () => createPostgresStore(db, { schema: 'joinery' }),
  })

  describe('several service instances on one server', () => {
    it('lets 4 processes send 2,000 joins into a group limited to 100: exactly 100 members, 1,900 refusals', async () => {
      const schema = await freshSchema()
      const joinery = createJoinery({ store: createPostgresStore(db, { schema }) })
      // The owner takes one seat; 99 remain for the 2,000 (the owner's own request answers "joined", unchanged).
      const group = (
        await joinery.createGroup({ actor: 'owner', name: 'Crowd', admission: 'open', memberLimit: 100 })
      )._unsafeUnwrap()
      const users = Array.from({ length: 2000 }, (_, i) => (i === 0 ? 'owner' : `user${i}`))
      const shards = [0, 1, 2, 3].map((w) => users.filter((_, i) => i % 4 === w))
      const outputs = await Promise.all(
        shards.map((shard) =>
          run(
            process.execPath,
            [
              '--conditions=dev-source',
              '--import',
              'tsx',
              new URL('./internal/join-worker.ts', import.meta.url).pathname,
              JSON.stringify({ url: server.url, schema, groupId: group.id, users: shard }),
            ],
            {
              timeout: 120_000,
            },
          ),
        ),
      )
      const totals: Record<string, number> = {}
      for (const { stdout } of outputs)
        for (const [k, v] of Object.entries(JSON.parse(stdout) as Record<string, number>))
          totals[k] = (totals[k] ?? 0) + v
      expect(totals).toEqual({ joined: 99, 'joined-unchanged': 1, MemberLimitReached: 1900 })
      const counts = await db.query<{ members: number; stored: number; distinct_users: number }>(
        `SELECT (SELECT count(*)::integer FROM ${schema}.memberships WHERE group_id = $1) AS members,
                (SELECT member_count FROM ${schema}.groups WHERE id = $1) AS stored,
                (SELECT count(DISTINCT user_id)::integer FROM ${schema}.memberships WHERE group_id = $1) AS distinct_users`,
        [group.id],
      )
      expect(counts.rows[0]).toEqual({ members: 100, stored: 100, distinct_users: 100 })
    }, 180_000)

    it('lets exactly one of two approvers deciding the same request at once stand', async () => {
      const schema = await freshSchema()
      const a = createJoinery({ store: createPostgresStore(db, { schema }) })
      const b = createJoinery({ store: createPostgresStore(db, { schema }) })
      const group = (
        await a.createGroup({
          actor: 'owner',
          name: 'Club',
          admission: 'approval',
          approvers: 'owner-and-moderators',
          initialMembers: ['mod'],
        })
      )._unsafeUnwrap()
      await a.changeRole({ actor: 'owner', groupId: group.id, userId: 'mod', role: 'moderator' })
      const requesters = Array.from({ length: 40 }, (_, i) => `r${i}`)
      for (const actor of requesters) await a.requestJoin({ actor, groupId: group.id })
      const decisions = await Promise.all(
        requesters.flatMap((userId, i) => [
          a.approveJoinRequest({ actor: 'owner', groupId: group.id, userId }),
          i % 2 === 0
            ? b.approveJoinRequest({ actor: 'mod', groupId: group.id, userId })
            : b.rejectJoinRequest({ actor: 'mod', groupId: group.id, userId }),
        ]),
      )
      for (let i = 0; i < requesters.length; i++) {
        const first = decisions[2 * i]
        const second = decisions[2 * i + 1]
        const changed = [first, second].filter((d) => d?.isOk() && d.value.changed).length
        const conflicts = [first, second].filter((d) => d?.isErr() && d.error.code === 'RequestAlreadyDecided').length
        const repeats = [first, second].filter((d) => d?.isOk() && !d.value.changed).length
        expect(changed, requesters[i]).toBe(1)
        expect(conflicts + repeats, requesters[i]).toBe(1)
      }
      const stored = (await a.getGroup({ groupId: group.id }))._unsafeUnwrap().group.memberCount
      const approved = (
        await a.listJoinRequests({ actor: 'owner', groupId: group.id, status: 'approved', limit: 100 })
      )._unsafeUnwrap().items.length
      expect(stored).toBe(2 + approved)
    })
  })

  describe("a transaction's connection", () => {
    it('runs one statement at a time, queuing the reads a transaction asks for at once', async () => {
      const schema = await freshSchema()
      const joinery = createJoinery({ store: createPostgresStore(db, { schema }) })
      const group = (
        await joinery.createGroup({ actor: 'owner', name: 'Many reads', admission: 'open' })
      )._unsafeUnwrap()
      const users = Array.from({ length: 12 }, (_, i) => `reader${i}`)
      for (const actor of users.slice(0, 6)) (await joinery.requestJoin({ actor, groupId: group.id }))._unsafeUnwrap()
      // A pool of its own, whose connections count the statements they are running at once.
      const own = new pg.Pool({ connectionString: server.url, max: 2 })
      own.on('error', () => {})
      let running = 0
      let most = 0
      const watched = {
        async connect() {
          const client = await own.connect()
          const query = client.query.bind(client) as (text: string, params?: unknown[]) => Promise<{ rows: [] }>
          return Object.assign(client, {
            query: async (text: string, params?: unknown[]) => {
              most = Math.max(most, ++running)
              try {
                return await query(text, params)
              } finally {
                running--
              }
            },
          })
        },
      }
      try {
        const store = createPostgresStore(fromPgPool(watched as unknown as pg.Pool), { schema })
        const found = await store.transaction((tx) =>
          ResultAsync.combine(users.map((u) => tx.getMembership(group.id, u))),
        )
        expect(found._unsafeUnwrap().map((m) => m?.userId ?? null)).toEqual([
          ...users.slice(0, 6),
          ...users.slice(6).map(() => null),
        ])
        expect(most).toBe(1)
      } finally {
        await own.end()
      }
    })
  })

  describe('faults', () => {
    // Tight bounds, as a deployment would set them: a caller hears within max(connect, query) = 2 s of a stall.
    const TIGHT = { connectTimeoutMs: 1_000, statementTimeoutMs: 1_000, lockTimeoutMs: 500, queryTimeoutMs: 2_000 }
    const BOUND_MS = 2_000
    /** Scheduling slack on a busy test machine. */
    const SLACK_MS = 750

    /** A service instance on its own pool with the tight bounds, ids from the database as the demo server takes them. */
    function tightService(schema: string) {
      const tightPool = new pg.Pool({
        connectionString: server.url,
        max: 5,
        connectionTimeoutMillis: TIGHT.connectTimeoutMs,
      })
      tightPool.on('error', () => {})
      const tightDb = fromPgPool(tightPool, TIGHT)
      const joinery = createJoinery({
        store: createPostgresStore(tightDb, { schema }),
        ids: createDatabaseIdGenerator(tightDb, { schema }),
      })
      return { pool: tightPool, joinery }
    }

    async function timed<T>(call: PromiseLike<T>): Promise<{ result: T; ms: number }> {
      const started = performance.now()
      const result = await call
      return { result, ms: performance.now() - started }
    }

    /** What callers meet during an outage: 20 joins (more than the pool's 5 connections), a read, a create. */
    function outageCalls(joinery: ReturnType<typeof createJoinery>, groupId: string, tag: string) {
      return Promise.all([
        ...Array.from({ length: 20 }, (_, i) => timed(joinery.requestJoin({ actor: `${tag}${i}`, groupId }))),
        timed(joinery.getGroup({ groupId })),
        timed(joinery.createGroup({ actor: 'owner', name: `During ${tag}` })),
      ])
    }

    /** Retries a join every 50 ms until it works (10 s at most); how long that took after `since`. */
    async function recovery(joinery: ReturnType<typeof createJoinery>, groupId: string, since: number) {
      for (;;) {
        const r = await joinery.requestJoin({ actor: 'after-outage', groupId })
        if (r.isOk() || performance.now() - since > 10_000) return { result: r, ms: performance.now() - since }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }

    // Pausing and stopping need a cluster started here, not one given by DATABASE_URL.
    const ownCluster = !process.env.DATABASE_URL

    it.runIf(ownCluster)(
      'answers every caller StorageUnavailable within the bound while the server is paused, and serves again after SIGCONT',
      async () => {
        const schema = await freshSchema()
        const svc = tightService(schema)
        try {
          const group = (
            await svc.joinery.createGroup({ actor: 'owner', name: 'Paused', admission: 'open' })
          )._unsafeUnwrap()
          // Warm the pool: its idle connections will stall mid-statement, the calls beyond them wait for a connection.
          await Promise.all(
            Array.from({ length: 5 }, (_, i) => svc.joinery.requestJoin({ actor: `warm${i}`, groupId: group.id })),
          )
          let during: Awaited<ReturnType<typeof outageCalls>>
          await server.pause()
          let resumedAt: number
          try {
            during = await outageCalls(svc.joinery, group.id, 'paused')
          } finally {
            await server.resume()
            resumedAt = performance.now()
          }
          const codes = new Set(during.map((d) => (d.result.isErr() ? d.result.error.code : 'ok')))
          expect([...codes]).toEqual(['StorageUnavailable'])
          const slowest = Math.max(...during.map((d) => d.ms))
          expect(slowest).toBeLessThan(BOUND_MS + SLACK_MS)
          const back = await recovery(svc.joinery, group.id, resumedAt)
          expect(back.result._unsafeUnwrap().status).toBe('joined')
          console.info(
            `paused server: ${during.length} callers answered StorageUnavailable in ≤ ${Math.round(slowest)} ms; served again ${Math.round(back.ms)} ms after SIGCONT`,
          )
          // Nothing a refused caller sent was kept: the owner, the five warm joins and the one after.
          const stored = (await svc.joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group.memberCount
          expect(stored).toBe(7)
        } finally {
          await server.resume()
          await svc.pool.end()
        }
      },
      30_000,
    )

    it('answers StorageUnavailable after lock_timeout when another session holds the group, and after statement_timeout', async () => {
      const schema = await freshSchema()
      const svc = tightService(schema)
      const holder = await pool.connect()
      try {
        const group = (
          await svc.joinery.createGroup({ actor: 'owner', name: 'Held', admission: 'open' })
        )._unsafeUnwrap()
        await holder.query('BEGIN')
        await holder.query(`SELECT 1 FROM ${schema}.groups WHERE id = $1 FOR UPDATE`, [group.id])
        const held = await timed(svc.joinery.requestJoin({ actor: 'waiter', groupId: group.id }))
        expect(held.result._unsafeUnwrapErr()).toMatchObject({ code: 'StorageUnavailable', cause: { code: '55P03' } })
        expect(held.ms).toBeLessThan(TIGHT.lockTimeoutMs + SLACK_MS)
        await holder.query('ROLLBACK')
        const tightDb = fromPgPool(svc.pool, TIGHT)
        await expect(tightDb.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' })
        expect((await svc.joinery.requestJoin({ actor: 'waiter', groupId: group.id }))._unsafeUnwrap().status).toBe(
          'joined',
        )
      } finally {
        holder.release()
        await svc.pool.end()
      }
    }, 30_000)

    it.runIf(ownCluster)(
      'answers StorageUnavailable, not StorageError, while the server is down, and serves again once it is back',
      async () => {
        const schema = await freshSchema()
        const svc = tightService(schema)
        try {
          const group = (
            await svc.joinery.createGroup({ actor: 'owner', name: 'Down', admission: 'open' })
          )._unsafeUnwrap()
          await svc.joinery.requestJoin({ actor: 'warm', groupId: group.id })
          let during: Awaited<ReturnType<typeof outageCalls>>
          await server.shutdown()
          let startedAt: number
          try {
            during = await outageCalls(svc.joinery, group.id, 'down')
          } finally {
            await server.start()
            startedAt = performance.now()
          }
          const codes = new Set(during.map((d) => (d.result.isErr() ? d.result.error.code : 'ok')))
          expect([...codes]).toEqual(['StorageUnavailable'])
          const slowest = Math.max(...during.map((d) => d.ms))
          expect(slowest).toBeLessThan(BOUND_MS + SLACK_MS)
          const back = await recovery(svc.joinery, group.id, startedAt)
          expect(back.result._unsafeUnwrap().status).toBe('joined')
          console.info(
            `stopped server: ${during.length} callers answered in ≤ ${Math.round(slowest)} ms; served again ${Math.round(back.ms)} ms after the start`,
          )
        } finally {
          await svc.pool.end()
        }
      },
      30_000,
    )

    it('fails joins in flight during a restart with StorageUnavailable, half-applies none, and recovers without a restart of the service', async () => {
      const schema = await freshSchema()
      const joinery = createJoinery({ store: createPostgresStore(db, { schema }) })
      const group = (await joinery.createGroup({ actor: 'owner', name: 'Wobbly', admission: 'open' }))._unsafeUnwrap()
      const inFlight = Array.from({ length: 1000 }, (_, i) =>
        joinery.requestJoin({ actor: `u${i}`, groupId: group.id }),
      )
      const restarted = server.restart()
      const results = await Promise.all(inFlight)
      await restarted
      const codes = new Set(results.filter((r) => r.isErr()).map((r) => r._unsafeUnwrapErr().code))
      // The restart reached joins in flight (the count of those that still made it varies from run to run).
      expect(results.filter((r) => r.isErr()).length).toBeGreaterThan(0)
      const others = results.flatMap((r) =>
        r.isErr() && r.error.code !== 'StorageUnavailable'
          ? [`${r.error.code}: ${'cause' in r.error ? String(r.error.cause) : ''}`]
          : [],
      )
      expect(others, 'errors other than StorageUnavailable').toEqual([])
      expect([...codes]).toEqual(['StorageUnavailable'])
      const after = await joinery.requestJoin({ actor: 'after-restart', groupId: group.id })
      expect(after.isOk() ? after.value.status : after.error).toBe('joined')
      const counts = await db.query<{ members: number; stored: number }>(
        `SELECT (SELECT count(*)::integer FROM ${schema}.memberships WHERE group_id = $1) AS members,
                (SELECT member_count FROM ${schema}.groups WHERE id = $1) AS stored`,
        [group.id],
      )
      const row = counts.rows[0]
      expect(row?.members).toBe(row?.stored)
      const joined = results.filter((r) => r.isOk()).length
      expect(row?.members).toBe(1 + joined + 1)
    }, 120_000)
  })

  describe('scale', () => {
    it('plans every hot query on an index in a group of 1,000,000 members (no sequential scans)', async () => {
      const schema = await freshSchema()
      const joinery = createJoinery({ store: createPostgresStore(db, { schema }) })
      const big = (await joinery.createGroup({ actor: 'owner', name: 'Huge', admission: 'open' }))._unsafeUnwrap()
      await db.query(
        `INSERT INTO ${schema}.memberships (group_id, user_id, role, joined_at, source_kind)
           SELECT $1, 'seed' || n, 'member', now(), 'added' FROM generate_series(1, 1000000) AS n`,
        [big.id],
      )
      await db.query(`UPDATE ${schema}.groups SET member_count = member_count + 1000000 WHERE id = $1`, [big.id])
      await db.query(`ANALYZE ${schema}.memberships`)
      const plans: string[] = []
      const explain = async (sql: string, params: unknown[]) => {
        const r = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)
        plans.push(r.rows.map((x) => x['QUERY PLAN']).join('\n'))
      }
      await explain(`SELECT * FROM ${schema}.memberships WHERE group_id = $1 AND user_id = $2`, [big.id, 'newcomer'])
      await explain(
        `UPDATE ${schema}.groups SET member_count = member_count + 1 WHERE id = $1 AND member_count < 2000000`,
        [big.id],
      )
      await explain(
        `SELECT * FROM ${schema}.join_requests WHERE group_id = $1 AND requester_id = $2 ORDER BY seq DESC LIMIT 1`,
        [big.id, 'newcomer'],
      )
      await explain(
        `SELECT * FROM ${schema}.memberships WHERE group_id = $1 ORDER BY joined_at, user_id COLLATE "C" LIMIT 50`,
        [big.id],
      )
      for (const plan of plans) expect(plan).not.toMatch(/Seq Scan on memberships/)
      // And the join itself works in the big group, moving the stored count by one.
      expect(
        (await joinery.requestJoin({ actor: 'newcomer', groupId: big.id }))._unsafeUnwrap().group.memberCount,
      ).toBe(1_000_002)
    }, 180_000)

    it("counts one user's groups on an index among 200,000 groups (the groups-per-user cap)", async () => {
      const schema = await freshSchema()
      await db.query(
        `INSERT INTO ${schema}.groups (id, name, description, owner_id, created_at, lock_status, admission, visibility,
           approvers, allow_multiple_links)
         SELECT 'g' || n, 'G', '', 'owner' || (n % 50000), now(), 'unlocked', 'open', 'public', 'owner', false
           FROM generate_series(1, 200000) AS n`,
      )
      await db.query(`ANALYZE ${schema}.groups`)
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT count(*)::integer AS n FROM ${schema}.groups WHERE owner_id = $1`,
        ['owner7'],
      )
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).not.toMatch(/Seq Scan on groups/)
    }, 60_000)

    it("lists one user's pending requests on migration 10's index among 200,000 requests, and scans without it", async () => {
      const schema = await freshSchema()
      await db.query(
        `INSERT INTO ${schema}.groups (id, name, description, owner_id, created_at, lock_status, admission, visibility,
           approvers, allow_multiple_links)
         SELECT 'g' || n, 'G', '', 'owner', now(), 'unlocked', 'open', 'public', 'owner', false
           FROM generate_series(1, 100) AS n`,
      )
      await db.query(
        `INSERT INTO ${schema}.join_requests (id, group_id, requester_id, via_kind, status, created_at, read)
         SELECT 'r' || n, 'g' || (n % 100 + 1), 'user' || (n / 100), 'direct',
                CASE WHEN n % 3 = 0 THEN 'approved' ELSE 'pending' END, now() - n * interval '1 second', false
           FROM generate_series(1, 200000) AS n`,
      )
      await db.query(`ANALYZE ${schema}.join_requests`)
      // listPendingRequestsOfUser's query, as the store sends it.
      const planOf = async () =>
        (
          await db.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN SELECT * FROM ${schema}.join_requests WHERE requester_id = $1 AND status = 'pending'
               AND ($2::timestamptz IS NULL OR (created_at, id COLLATE "C") > ($2::timestamptz, $3::text COLLATE "C"))
             ORDER BY created_at, id COLLATE "C" LIMIT $4`,
            ['user7', null, null, 50],
          )
        ).rows
          .map((row) => row['QUERY PLAN'])
          .join('\n')
      /** The planner's estimated total cost of a plan (its top node's). */
      const costOf = (plan: string) => Number(/cost=[\d.]+\.\.([\d.]+)/.exec(plan)?.[1])
      const indexed = await planOf()
      expect(indexed).toMatch(/Index Scan using join_requests_pending_of_user/)
      expect(indexed).not.toMatch(/Seq Scan/)
      // Without it the requester is no leading key anywhere: the plan walks every pending request (a whole index or
      // the table), at a cost in the thousands where the index's is a handful.
      await db.query(`DROP INDEX ${schema}.join_requests_pending_of_user`)
      const unindexed = await planOf()
      expect(unindexed).not.toMatch(/join_requests_pending_of_user/)
      expect(costOf(unindexed)).toBeGreaterThan(20 * costOf(indexed))
    }, 60_000)

    it("reads one user's own events on migration 12's indexes among 200,000 events, and scans without them", async () => {
      const schema = await freshSchema()
      await db.query(
        `INSERT INTO ${schema}.outbox (group_id, type, event)
         SELECT 'g' || (n % 1000), 'MemberKicked',
                jsonb_build_object('type', 'MemberKicked', 'groupId', 'g' || (n % 1000), 'actor', 'user' || (n % 50000),
                                   'subject', 'user' || ((n + 7) % 50000), 'at', now())
           FROM generate_series(1, 200000) AS n`,
      )
      await db.query(`ANALYZE ${schema}.outbox`)
      // readUserEvents' query, as the store sends it.
      const planOf = async () =>
        (
          await db.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN SELECT id, event FROM (
               (SELECT id, event FROM ${schema}.outbox WHERE event->>'actor' = $1 AND id > $2 ORDER BY id LIMIT $3)
               UNION ALL
               (SELECT id, event FROM ${schema}.outbox WHERE event->>'subject' = $1 AND event->>'actor' <> $1
                 AND id > $2 ORDER BY id LIMIT $3)) AS mine ORDER BY id LIMIT $3`,
            ['user7', 0, 101],
          )
        ).rows
          .map((row) => row['QUERY PLAN'])
          .join('\n')
      const indexed = await planOf()
      expect(indexed).toMatch(/outbox_by_actor/)
      expect(indexed).toMatch(/outbox_by_subject/)
      expect(indexed).not.toMatch(/Seq Scan/)
      await db.query(`DROP INDEX ${schema}.outbox_by_actor, ${schema}.outbox_by_subject`)
      // Without them each branch walks the outbox (in id order, or all of it).
      expect(await planOf()).not.toMatch(/Index Cond: \(\(event ->> /)
    }, 60_000)
  })
})
