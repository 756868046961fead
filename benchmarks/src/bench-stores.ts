import { PGlite } from '@electric-sql/pglite'
import { createJoinery } from '@joinery/core'
import { createPostgresStore, fromPglite, fromPgPool, migrate, type SqlDatabase } from '@joinery/postgres-store'
import { startThrowawayPostgres } from '@joinery/postgres-store/testing'
import pg from 'pg'
import { type Figures, figuresOf } from './stats.js'

/**
 * The same writes as a join, by hand: one transaction that inserts the membership, takes the seat and writes the
 * event to the outbox. What any store must do at least.
 */
async function minimalJoin(db: SqlDatabase, schema: string, groupId: string, user: string) {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO ${schema}.memberships (group_id, user_id, role, joined_at, source_kind, source_code) VALUES ($1, $2, 'member', now(), 'link', 'c') ON CONFLICT DO NOTHING`,
      [groupId, user],
    )
    await tx.query(
      `UPDATE ${schema}.groups SET member_count = member_count + 1 WHERE id = $1 AND (member_limit IS NULL OR member_count < member_limit)`,
      [groupId],
    )
    await tx.query(`INSERT INTO ${schema}.outbox (group_id, type, event) VALUES ($1, 'MemberJoined', $2)`, [
      groupId,
      JSON.stringify({ user }),
    ])
  })
}

/**
 * Joins into one group (every join takes that group's lock), through a link, against the minimal transaction into
 * one group of its own; each side in its own schema, one after the other. `tag` keeps the schemas of several runs
 * on one database apart. The minimal transaction runs on `baseline` (the same database as written by hand).
 */
async function benchOn(db: SqlDatabase, n: number, concurrency: number, tag = '', baseline: SqlDatabase = db) {
  await migrate(db, `bench_joinery${tag}`)
  await migrate(db, `bench_minimal${tag}`)
  const joinery = createJoinery({ store: createPostgresStore(db, { schema: `bench_joinery${tag}` }) })
  const group = (await joinery.createGroup({ actor: 'owner', name: 'Bench', admission: 'open' }))._unsafeUnwrap()
  const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
  await db.query(
    `INSERT INTO bench_minimal${tag}.groups (id, name, description, owner_id, created_at, member_limit, lock_status, admission, visibility, approvers, allow_multiple_links)
     VALUES ('g', 'Bench', '', 'owner', now(), NULL, 'unlocked', 'open', 'public', 'owner', false)`,
  )
  // A failed join (a lock or statement timeout on a loaded machine) is counted, not hidden, and does not end the run.
  const failures: Record<string, number> = {}
  const sides = (prefix: string) =>
    [
      async (i: number) => {
        const r = await joinery.requestJoinByCode({ actor: `${prefix}${i}`, code })
        if (r.isErr()) failures[r.error.code] = (failures[r.error.code] ?? 0) + 1
      },
      (i: number) =>
        minimalJoin(baseline, `bench_minimal${tag}`, 'g', `${prefix}${i}`).catch(() => {
          failures.minimal = (failures.minimal ?? 0) + 1
        }),
    ] as const
  // Both sides first run a quarter of `n` joins that are not measured (plans cached, functions compiled, code
  // optimised by the JIT), so the figures are those of a running service, not of its first statements.
  await alternate(Math.ceil(n / 4), concurrency, sides('warm'))
  for (const key of Object.keys(failures)) delete failures[key]
  const [joineryFigures, minimalFigures] = await alternate(n, concurrency, sides('user'))
  return { joinery: joineryFigures, minimalSql: minimalFigures, failures }
}

/**
 * Runs `n` operations of each side with `concurrency` in flight, the sides taking turns in rounds of a tenth of `n`,
 * so that both meet the same load on a machine shared with other work (the ratio is what counts). Each side's
 * throughput is its operations over the time its own rounds took.
 */
async function alternate(
  n: number,
  concurrency: number,
  sides: readonly [(i: number) => Promise<void>, (i: number) => Promise<void>],
): Promise<[Figures, Figures]> {
  const round = Math.max(concurrency, Math.ceil(n / 10))
  const latencies: [number[], number[]] = [[], []]
  const elapsed = [0, 0]
  for (let start = 0; start < n; start += round) {
    const end = Math.min(n, start + round)
    for (const side of [0, 1] as const) {
      let next = start
      const began = performance.now()
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < end) {
            const i = next++
            const t = performance.now()
            await sides[side](i)
            latencies[side].push(performance.now() - t)
          }
        }),
      )
      elapsed[side] = (elapsed[side] ?? 0) + (performance.now() - began)
    }
  }
  return [figuresOf(latencies[0], elapsed[0] ?? 0), figuresOf(latencies[1], elapsed[1] ?? 0)]
}

/**
 * On PGlite. The minimal transaction is written by hand with PGlite's own API (`transaction`, and `query` with
 * parameters), as an application without Joinery would write it; Joinery's binding (`fromPglite`) speaks the wire
 * protocol instead, which would make the baseline faster too (one call per statement round instead of PGlite's six
 * per parameterised statement).
 */
export async function benchPglite(n = 2000) {
  const pglite = new PGlite()
  const byHand = fromPglite({
    query: (text, params) => pglite.query(text, params),
    transaction: (work) => pglite.transaction(work),
  })
  try {
    return await benchOn(fromPglite(pglite), n, 1, '', byHand)
  } finally {
    await pglite.close()
  }
}

/**
 * On a PostgreSQL server: 16 joins in flight on 16 connections, then a hot single group with 64 in flight on 64
 * connections (every one of them waiting on that group's lock), each against the minimal transaction.
 */
export async function benchPostgresServer(n = 4000) {
  const server = await startThrowawayPostgres()
  const pool = new pg.Pool({ connectionString: server.url, max: 16 })
  const wide = new pg.Pool({ connectionString: server.url, max: 64 })
  pool.on('error', () => {})
  wide.on('error', () => {})
  try {
    const at16 = await benchOn(fromPgPool(pool), n, 16)
    const at64 = await benchOn(fromPgPool(wide), n, 64, '_hot')
    return { ...at16, hot64: at64 }
  } finally {
    await pool.end()
    await wide.end()
    await server.stop()
  }
}
