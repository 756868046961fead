import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres } from 'rate-limiter-flexible'
import { schemaIdentifier } from './migrations.js'
import type { SqlExecutor } from './sql-database.js'

/** What a limiter counts: `points` per `duration` seconds for each key, keys kept apart by `keyPrefix`. */
export interface RateLimiterSpec {
  readonly keyPrefix: string
  readonly points: number
  readonly duration: number
}

/** Makes a `rate-limiter-flexible` limiter for a spec; the adapters' `rateLimiters` option takes one. */
export type RateLimiterFactory = (spec: RateLimiterSpec) => RateLimiterAbstract

export interface SharedRateLimiterOptions {
  /** The schema `migrate` made (version 6 holds the `rate_limits` table). Default `joinery`. */
  readonly schema?: string
  /**
   * How long a limiter waits on the database before it counts in this process instead (ms). Default 250, so that an
   * unresponsive database delays a request by little before the store's own bounds answer it.
   */
  readonly timeoutMs?: number
  /** After a failure or a time-out, how long limiters count in this process before asking the database again (ms). Default 1,000. */
  readonly pauseAfterFailureMs?: number
}

/** Why a limiter counted in this process instead of the database. */
class SharedCounterSkipped extends Error {}

/**
 * Rate limiters whose counters live in the database, so every instance on one PostgreSQL server counts against one
 * limit (`rate-limiter-flexible`'s PostgreSQL backend on the migrated `rate_limits` table: one atomic upsert per
 * count). When the database fails or does not answer within `timeoutMs`, a limiter counts in
 * this process (`rate-limiter-flexible`'s insurance limiter) for `pauseAfterFailureMs`, then asks the database
 * again: limits stay on, per instance, during an outage, and a stalled database costs a request at most `timeoutMs`
 * once per pause. Give it its own small pool (`fromPgPool(new pg.Pool({ max: 8 }))`) so that counting never waits
 * behind the store's transactions.
 * @example
 * const db = fromPgPool(pool)
 * await migrate(db)
 * createBitrixHandler({ joinery, auth, rateLimiters: createSharedRateLimiters(fromPgPool(limitsPool)) })
 */
export function createSharedRateLimiters(db: SqlExecutor, options: SharedRateLimiterOptions = {}): RateLimiterFactory {
  const schema = options.schema ?? 'joinery'
  schemaIdentifier(schema)
  const timeoutMs = options.timeoutMs ?? 250
  const pauseMs = options.pauseAfterFailureMs ?? 1_000
  let pausedUntil = 0

  /** One statement, bounded; a failure or time-out pauses the database for every limiter of this factory. */
  async function query(text: string, values?: unknown[]) {
    if (Date.now() < pausedUntil) throw new SharedCounterSkipped('the database failed recently')
    const answer = db.query(text, values)
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SharedCounterSkipped(`no answer within ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      return await Promise.race([answer, timeout])
    } catch (error) {
      pausedUntil = Date.now() + pauseMs
      answer.catch(() => {})
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  // rate-limiter-flexible speaks node-postgres' `query({ text, values })` (its statement names are not needed).
  const storeClient = {
    query: async (q: { text: string; values?: unknown[] }) => {
      const { rows } = await query(q.text, q.values)
      return { rows, rowCount: rows.length }
    },
  }
  return (spec) =>
    new RateLimiterPostgres({
      ...spec,
      storeClient,
      storeType: 'pool',
      schemaName: schema,
      tableName: 'rate_limits',
      tableCreated: true,
      insuranceLimiter: new RateLimiterMemory({ ...spec }),
    })
}
