import { DatabaseTimeout } from './internal/classify-failure.js'

/** Runs parameterised SQL. Both PGlite and node-postgres answer `query(text, params)` with `{ rows }`. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>
}

/** A database Joinery can run transactions on. */
export interface SqlDatabase extends SqlExecutor {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>
  /**
   * `true` when its transactions never overlap (one connection, as PGlite has): a lock taken only to order
   * concurrent transactions may then be skipped, since there is nothing to order.
   */
  readonly serial?: boolean
}

/** The part of a PGlite instance this package uses. */
export interface PgliteLike extends SqlExecutor {
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>
}

/** The part of a node-postgres `Pool` this package uses. */
export interface PgPoolLike {
  connect(): Promise<
    SqlExecutor & {
      release(error?: Error | boolean): void
      on?(event: 'error', listener: (error: Error) => void): unknown
    }
  >
}

/** PGlite (PostgreSQL in WASM, in this process): one connection, so its transactions run one at a time. */
export function fromPglite(db: PgliteLike): SqlDatabase {
  return {
    query: (text, params) => db.query(text, params),
    transaction: (work) => db.transaction((tx) => work(tx)),
    serial: true,
  }
}

/**
 * How long the store waits on a PostgreSQL server. Every value is in milliseconds; 0 turns that bound off.
 * The server-side ones are set on each new connection with `SET`, so they hold whatever the pool's own config says.
 */
export interface PgTimeouts {
  /** Longest wait for a connection from the pool, opening a new one included. Default 5,000. */
  readonly connectTimeoutMs?: number
  /** PostgreSQL's `statement_timeout`: the server cancels a statement running longer (SQLSTATE 57014). Default 5,000. */
  readonly statementTimeoutMs?: number
  /** PostgreSQL's `lock_timeout`: the server gives up waiting for a row or table lock (55P03). Default 3,000. */
  readonly lockTimeoutMs?: number
  /**
   * PostgreSQL's `idle_in_transaction_session_timeout`: the server ends a session left idle inside a transaction
   * (a stalled service), releasing its locks. Default 10,000.
   */
  readonly idleInTransactionTimeoutMs?: number
  /**
   * Client-side bound on each statement's answer, for a server that does not answer at all (paused, partitioned):
   * the connection is dropped and the call fails. Default `statementTimeoutMs` + 1,000 (0 when that is 0), so that a
   * live server's own cancel comes first.
   */
  readonly queryTimeoutMs?: number
}

/** The bounds `fromPgPool` uses when given none. */
export const DEFAULT_PG_TIMEOUTS = {
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 5_000,
  lockTimeoutMs: 3_000,
  idleInTransactionTimeoutMs: 10_000,
  queryTimeoutMs: 6_000,
} as const satisfies Required<PgTimeouts>

function resolveTimeouts(options: PgTimeouts): Required<PgTimeouts> {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_PG_TIMEOUTS.statementTimeoutMs
  const t = {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_PG_TIMEOUTS.connectTimeoutMs,
    statementTimeoutMs,
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_PG_TIMEOUTS.lockTimeoutMs,
    idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? DEFAULT_PG_TIMEOUTS.idleInTransactionTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs ?? (statementTimeoutMs > 0 ? statementTimeoutMs + 1_000 : 0),
  }
  for (const [name, value] of Object.entries(t))
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0`)
  return t
}

type PgClient = SqlExecutor & {
  release(error?: Error | boolean): void
  on?(event: 'error', listener: (error: Error) => void): unknown
}

/**
 * Waits for `promise` at most `ms` (0: forever). On time-out it rejects with `DatabaseTimeout` after calling
 * `onTimeout`; a value that arrives later goes to `onLate`.
 */
function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout: () => void = () => {},
  onLate: (value: T) => void = () => {},
): Promise<T> {
  if (ms === 0) return promise
  return new Promise<T>((resolve, reject) => {
    let late = false
    const timer = setTimeout(() => {
      late = true
      onTimeout()
      reject(new DatabaseTimeout(`${what}: no answer from the database within ${ms} ms`))
    }, ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        if (late) onLate(value)
        else resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        if (!late) reject(error)
      },
    )
  })
}

/** Closes a connection's socket at once (pg-pool does the same on its connect timeout). */
function destroySocket(client: PgClient): void {
  ;(client as { connection?: { stream?: { destroy?(): void } } }).connection?.stream?.destroy?.()
}

/**
 * A PostgreSQL server through a node-postgres `Pool`: each transaction takes its own connection. A connection
 * that failed is destroyed rather than returned to the pool, so a restarted server is reconnected to.
 *
 * Every wait is bounded (see `PgTimeouts`): a connection within `connectTimeoutMs`, each statement within
 * `queryTimeoutMs` on the client and `statementTimeoutMs` / `lockTimeoutMs` on the server. When the server stops
 * answering, the first stalled wait fails the transaction (the store answers `StorageUnavailable`), so no caller
 * waits longer than the largest of these bounds after the stall began. A statement timed out on the client drops its
 * connection, so the server rolls the transaction back; a timed-out `COMMIT`'s outcome is unknown.
 *
 * For the pool's own waits, give it `connectionTimeoutMillis` too (`new pg.Pool({ connectionTimeoutMillis })`):
 * then a connection attempt to a stopped server is abandoned, not left holding a pool slot until the server answers.
 */
export function fromPgPool(pool: PgPoolLike, timeouts: PgTimeouts = {}): SqlDatabase {
  const t = resolveTimeouts(timeouts)
  const session = [
    `SET statement_timeout = ${t.statementTimeoutMs}`,
    `SET lock_timeout = ${t.lockTimeoutMs}`,
    `SET idle_in_transaction_session_timeout = ${t.idleInTransactionTimeoutMs}`,
  ].join('; ')
  /** Connections already given the session settings (and an 'error' listener). */
  const prepared = new WeakSet<object>()
  /** Connections whose statement timed out on the client: their socket is gone, nothing more may be sent. */
  const abandoned = new WeakSet<object>()

  const run = <R>(client: PgClient, text: string, params?: unknown[]) =>
    within(client.query<R>(text, params), t.queryTimeoutMs, 'a statement', () => {
      abandoned.add(client)
      destroySocket(client)
    })

  /** A connection with the session settings, within `connectTimeoutMs`. */
  async function acquire(): Promise<PgClient> {
    const client = await within(pool.connect(), t.connectTimeoutMs, 'a connection', undefined, (late) => late.release())
    if (prepared.has(client)) return client
    // A connection the server drops while checked out emits 'error'; the failing query reports it already.
    client.on?.('error', () => {})
    try {
      await run(client, session)
    } catch (error) {
      client.release(error instanceof Error ? error : true)
      throw error
    }
    prepared.add(client)
    return client
  }

  /**
   * Takes a connection and opens a transaction. A connection the server dropped (a restart) fails here, before any
   * work: it is destroyed and another is tried, so the service recovers without being restarted itself. A time-out
   * is not retried: the caller hears of it within its bound.
   */
  async function begin(): Promise<PgClient> {
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      const client = await acquire()
      try {
        await run(client, 'BEGIN')
        return client
      } catch (error) {
        client.release(error instanceof Error ? error : true)
        // Dead pooled connections fail at once: try the next, for up to the connect bound (3 tries without one).
        const spent = t.connectTimeoutMs > 0 ? Date.now() - started >= t.connectTimeoutMs : attempt >= 3
        if (spent || error instanceof DatabaseTimeout) throw error
      }
    }
  }

  return {
    async query<R>(text: string, params?: unknown[]) {
      const client = await acquire()
      let broken: Error | undefined
      try {
        return await run<R>(client, text, params)
      } catch (error) {
        // A statement the server refused (severity ERROR) leaves the connection usable; anything else drops it.
        if (abandoned.has(client) || (error as { severity?: unknown } | null)?.severity !== 'ERROR')
          broken = error instanceof Error ? error : new Error('the connection failed')
        throw error
      } finally {
        client.release(broken ?? false)
      }
    },
    async transaction(work) {
      const client = await begin()
      let broken: Error | undefined
      const tx: SqlExecutor = { query: (text, params) => run(client, text, params) }
      try {
        const value = await work(tx)
        await run(client, 'COMMIT')
        return value
      } catch (error) {
        if (abandoned.has(client)) broken = new Error('a statement timed out: connection dropped')
        else
          await run(client, 'ROLLBACK').catch((rollbackError: unknown) => {
            broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed')
          })
        throw error
      } finally {
        client.release(broken ?? (abandoned.has(client) ? new Error('connection dropped') : false))
      }
    },
  }
}
