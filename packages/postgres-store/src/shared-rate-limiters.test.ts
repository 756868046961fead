import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { RateLimiterRes } from 'rate-limiter-flexible'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from './migrations.js'
import { createSharedRateLimiters, type RateLimiterFactory } from './shared-rate-limiters.js'
import { fromPglite, fromPgPool, type SqlDatabase } from './sql-database.js'
import {
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from './testing/throwaway-postgres.js'

/** Consumes one point per key in order; answers how many were allowed. */
async function served(limiter: ReturnType<RateLimiterFactory>, keys: string[]): Promise<number> {
  const outcomes = await Promise.all(
    keys.map((key) =>
      limiter.consume(key).then(
        () => true,
        (refusal: unknown) => {
          if (refusal instanceof RateLimiterRes) return false
          throw refusal
        },
      ),
    ),
  )
  return outcomes.filter(Boolean).length
}

let keyCount = 0
const freshKey = () => `key-${process.pid}-${keyCount++}`

describe(`${createSharedRateLimiters.name} on PGlite`, () => {
  let pglite: PGlite
  let db: SqlDatabase
  beforeAll(async () => {
    pglite = new PGlite()
    db = fromPglite(pglite)
    await migrate(db)
  }, 60_000)
  afterAll(() => pglite.close())

  it('counts in the database: two factories over one database share one limit, kept apart by prefix', async () => {
    const spec = { keyPrefix: 'shared-test', points: 5, duration: 60 }
    const [a, b] = [createSharedRateLimiters(db)(spec), createSharedRateLimiters(db)(spec)]
    const key = freshKey()
    expect((await served(a, [key, key, key])) + (await served(b, [key, key, key]))).toBe(5)
    const other = createSharedRateLimiters(db)({ ...spec, keyPrefix: 'another-test' })
    expect(await served(other, [key])).toBe(1)
    const rows = await db.query<{ key: string; points: number }>(
      'SELECT key, points FROM joinery.rate_limits WHERE key LIKE $1 ORDER BY key',
      [`%${key}`],
    )
    expect(rows.rows).toEqual([
      { key: `another-test:${key}`, points: 1 },
      { key: `shared-test:${key}`, points: 6 },
    ])
  })

  it('keeps a custom duration per key (the replay guard keeps a token id until its expiry)', async () => {
    const limiter = createSharedRateLimiters(db)({ keyPrefix: 'jti-test', points: 1, duration: 60 })
    const key = freshKey()
    await limiter.consume(key, 1, { customDuration: 3600 })
    const { rows } = await db.query<{ expire: string }>('SELECT expire FROM joinery.rate_limits WHERE key = $1', [
      `jti-test:${key}`,
    ])
    expect(Number(rows[0]?.expire) - Date.now()).toBeGreaterThan(3500_000)
  })

  it('counts in this process when the database fails, so limits stay on', async () => {
    const broken = new PGlite()
    await broken.close()
    const limiter = createSharedRateLimiters(fromPglite(broken))({ keyPrefix: 'down', points: 2, duration: 60 })
    expect(await served(limiter, ['k', 'k', 'k'])).toBe(2)
  })

  it('refuses a schema name it would have to quote', () => {
    expect(() => createSharedRateLimiters(db, { schema: 'x"; DROP TABLE y; --' })).toThrow(RangeError)
  })
})

const available = postgresServerAvailable('the shared rate-limiter server tests')

describe.runIf(available)(`${createSharedRateLimiters.name} on a PostgreSQL server`, () => {
  let server: ThrowawayPostgres
  // One pool per instance: two services on one server.
  let poolA: pg.Pool
  let poolB: pg.Pool
  beforeAll(async () => {
    server = await startThrowawayPostgres()
    poolA = new pg.Pool({ connectionString: server.url, max: 10 })
    poolB = new pg.Pool({ connectionString: server.url, max: 10 })
    await migrate(fromPgPool(poolA))
  }, 120_000)
  afterAll(async () => {
    await Promise.all([poolA?.end(), poolB?.end()])
    await server?.stop()
  })

  it('two instances (two pools) sending 60 requests each at once against a limit of 50: exactly 50 pass', async () => {
    const spec = { keyPrefix: 'two-instances', points: 50, duration: 60 }
    const limiterOf = (pool: pg.Pool) => createSharedRateLimiters(fromPgPool(pool), { timeoutMs: 30_000 })(spec)
    const key = freshKey()
    const keys = Array.from({ length: 60 }, () => key)
    const [fromA, fromB] = await Promise.all([served(limiterOf(poolA), keys), served(limiterOf(poolB), keys)])
    expect(fromA + fromB).toBe(50)
  })
})
