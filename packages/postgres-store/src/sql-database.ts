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
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>
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
 * A PostgreSQL server through a node-postgres `Pool`: each transaction takes its own connection. A connection
 * that failed is destroyed rather than returned to the pool, so a restarted server is reconnected to.
 */
export function fromPgPool(pool: PgPoolLike): SqlDatabase {
  return {
    query: (text, params) => pool.query(text, params),
    async transaction(work) {
      const client = await begin(pool)
      let broken: Error | undefined
      try {
        const value = await work(client)
        await client.query('COMMIT')
        return value
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError
        })
        throw error
      } finally {
        client.release(broken ?? false)
      }
    },
  }
}

/**
 * Takes a connection and opens a transaction. A connection the server dropped (a restart) fails here, before any
 * work: it is destroyed and another is tried, so the service recovers without being restarted itself.
 */
const listening = new WeakSet<object>()

async function begin(pool: PgPoolLike, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect()
    // A connection the server drops while checked out emits 'error'; the failing query reports it already.
    if (!listening.has(client)) {
      listening.add(client)
      client.on?.('error', () => {})
    }
    try {
      await client.query('BEGIN')
      return client
    } catch (error) {
      client.release(error instanceof Error ? error : true)
      if (attempt >= attempts) throw error
    }
  }
}
