/** Runs parameterised SQL. Both PGlite and node-postgres answer `query(text, params)` with `{ rows }`. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>
}

/** A database Joinery can run transactions on. */
export interface SqlDatabase extends SqlExecutor {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>
}

/** The part of a PGlite instance this package uses. */
export interface PgliteLike extends SqlExecutor {
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>
}

/** The part of a node-postgres `Pool` this package uses. */
export interface PgPoolLike {
  connect(): Promise<SqlExecutor & { release(error?: Error | boolean): void }>
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>
}

/** PGlite (PostgreSQL in WASM, in this process): one connection, so its transactions run one at a time. */
export function fromPglite(db: PgliteLike): SqlDatabase {
  return {
    query: (text, params) => db.query(text, params),
    transaction: (work) => db.transaction((tx) => work(tx)),
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
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
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
