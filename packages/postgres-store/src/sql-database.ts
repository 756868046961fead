import { DatabaseTimeout } from './internal/classify-failure.js'
import {
  described,
  type WireMessage,
  type WireResult,
  type WireTypes,
  WireWriter,
  wireResults,
  wireValue,
} from './internal/pglite-wire.js'

/** Runs parameterised SQL. Both PGlite and node-postgres answer `query(text, params)` with `{ rows }`. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>
}

/**
 * A transaction's connection. Besides parameterised statements it may take statements whose values are written into
 * the text (`sqlLiteral`), which lets it send several in one round trip: that is how a join costs two round trips.
 */
export interface SqlTransaction extends SqlExecutor {
  /**
   * Runs one statement that has no parameters; when it is the transaction's first statement, `BEGIN` goes with it
   * in the same round trip. Optional: without it a caller uses `query(text)`.
   */
  simple?<R = Record<string, unknown>>(text: string): Promise<{ rows: R[] }>
  /**
   * Statements without parameters to run last, sent with the `COMMIT` in one round trip where the database allows.
   * If one fails, the transaction is rolled back and `transaction` rejects with its error. Optional: without it a
   * caller runs them itself before returning.
   */
  beforeCommit?(text: string): void
}

/** A database Joinery can run transactions on. */
export interface SqlDatabase extends SqlExecutor {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T>
  /**
   * `true` when its transactions never overlap (one connection, as PGlite has): a lock taken only to order
   * concurrent transactions may then be skipped, since there is nothing to order.
   */
  readonly serial?: boolean
}

/**
 * Runs calls one after another, each once the one before it has settled (fulfilled or not): one connection runs one
 * statement at a time. `idle()` resolves once every call made so far has settled.
 */
function oneAtATime() {
  let tail: Promise<unknown> = Promise.resolve()
  return {
    run<R>(send: () => Promise<R>): Promise<R> {
      const mine = tail.then(send, send)
      tail = mine.catch(() => {})
      return mine
    },
    idle: (): Promise<unknown> => tail,
  }
}

/** The part of a PGlite instance this package uses. */
export interface PgliteLike extends SqlExecutor {
  transaction<T>(work: (tx: PgliteTransactionLike) => Promise<T>): Promise<T>
  /**
   * PGlite's own (0.5): with them, a transaction speaks the wire protocol to PGlite directly, holding PGlite's
   * transaction and query locks throughout, and sends its `BEGIN` with its first statements and its `COMMIT` with its
   * last (see `fromPglite`). Without any of them, `transaction` is used.
   */
  execProtocolStream?(message: Uint8Array, options?: { syncToFs?: boolean }): Promise<readonly WireMessage[]>
  runExclusive?<T>(fn: () => Promise<T>): Promise<T>
  _runExclusiveTransaction?<T>(fn: () => Promise<T>): Promise<T>
  _checkReady?(): Promise<void>
  readonly parsers?: WireTypes['parsers']
  readonly serializers?: WireTypes['serializers']
}

/** The part of a PGlite transaction this package uses: `exec` runs statements without parameters (simple query). */
export interface PgliteTransactionLike extends SqlExecutor {
  exec?(text: string): Promise<{ rows: Record<string, unknown>[] }[]>
}

/** A string as an SQL literal, read the same whatever `standard_conforming_strings` says. No text may hold NUL. */
export function sqlLiteral(value: string | null): string {
  if (value === null) return 'NULL'
  if (value.includes('\0')) throw new RangeError('a text value cannot hold the NUL character')
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
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

/**
 * PGlite (PostgreSQL in WASM, in this process): one connection, so its transactions run one at a time.
 *
 * On a PGlite instance (not a wrapper without its protocol methods) a transaction holds PGlite's locks for its whole
 * length, so nothing else runs on the connection meanwhile, and speaks the wire protocol to it directly: `BEGIN` goes
 * with the first statements and `COMMIT` with the last, each round of statements one call into the database (a
 * parameterised statement two: its parameter types are asked first, as PGlite's own `query` does). A failure rolls
 * the transaction back and rejects with the database's error.
 */
export function fromPglite(db: PgliteLike): SqlDatabase {
  const { parsers, serializers } = db
  const wire = db.execProtocolStream && db.runExclusive && db._runExclusiveTransaction && parsers && serializers
  return {
    query: (text, params) => db.query(text, params),
    transaction: wire
      ? (work) => wireTransaction(db as PgliteWire, { parsers, serializers }, work)
      : (work) => lockedTransaction(db, work),
    serial: true,
  }
}

/** Through PGlite's own `transaction`: `BEGIN` and `COMMIT` are calls of their own. */
function lockedTransaction<T>(db: PgliteLike, work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // PGlite runs a parameterised statement as six calls into the database and one without parameters as two.
    const simple = <R>(text: string): Promise<{ rows: R[] }> =>
      tx.exec ? tx.exec(text).then((results) => (results.at(-1) ?? { rows: [] }) as { rows: R[] }) : tx.query<R>(text)
    const last: string[] = []
    const value = await work({
      query: (text, params) => tx.query(text, params),
      simple,
      beforeCommit: (text) => {
        last.push(text)
      },
    })
    if (last.length > 0) await simple(last.join(';\n'))
    return value
  })
}

type PgliteWire = PgliteLike &
  Required<Pick<PgliteLike, 'execProtocolStream' | 'runExclusive' | '_runExclusiveTransaction'>>

/** Through PGlite's wire protocol, under its locks (see `fromPglite`). */
async function wireTransaction<T>(
  db: PgliteWire,
  types: WireTypes,
  work: (tx: SqlTransaction) => Promise<T>,
): Promise<T> {
  await db._checkReady?.()
  return db._runExclusiveTransaction(() =>
    db.runExclusive(async () => {
      let open = false
      /** Set once the transaction has ended and PGlite's locks are released: a late statement must not run. */
      let closed = false
      // The calls so far, one after the other: a statement's calls must not interleave with another's.
      const turns = oneAtATime()
      const inTurn = <R>(send: () => Promise<R>): Promise<R> =>
        turns.run(() => {
          if (closed) throw new Error('the transaction is over')
          return send()
        })
      /** One call into the database, after those before it; the file system is synced at the transaction's end. */
      const call = (message: () => WireWriter, end = false): Promise<readonly WireMessage[]> =>
        inTurn(() => db.execProtocolStream(message().done(), { syncToFs: end }))
      /** A simple query: statements without parameters, with the `BEGIN` if they are the transaction's first. */
      const simple = (text: string, end = false) =>
        call(() => {
          const first = !open
          open = true
          return new WireWriter().query(first ? `BEGIN;\n${text}` : text)
        }, end).then((messages) => wireResults(messages, types))
      const lastOf = <R>(results: readonly WireResult[]) => (results.at(-1) ?? { rows: [] }) as { rows: R[] }
      const last: string[] = []
      const tx: SqlTransaction = {
        query<R>(text: string, params: unknown[] = []) {
          const opening = () => {
            const w = new WireWriter()
            if (!open) w.query('BEGIN')
            open = true
            return w
          }
          if (params.length === 0)
            return call(() => opening().parse(text).describeStatement().bind([]).execute().sync()).then((messages) =>
              lastOf<R>(wireResults(messages, types)),
            )
          // The parameter types first, so that each value is sent as PGlite's own `query` sends it.
          return inTurn(async () => {
            const { params: typeIds, row } = described(
              await db.execProtocolStream(opening().parse(text).describeStatement().sync().done(), { syncToFs: false }),
            )
            const values = params.map((value, i) => wireValue(value, typeIds[i], types))
            const bound = new WireWriter().bind(values).execute().sync().done()
            return lastOf<R>(wireResults(await db.execProtocolStream(bound, { syncToFs: false }), types, row))
          })
        },
        simple: <R>(text: string) => simple(text).then((results) => lastOf<R>(results)),
        beforeCommit: (text) => {
          last.push(text)
        },
      }
      try {
        const value = await work(tx)
        if (open || last.length > 0) {
          const results = await simple([...last, 'COMMIT'].join(';\n'), true)
          if (results.at(-1)?.command === 'ROLLBACK') throw new Error('COMMIT rolled back a failed transaction')
        }
        return value
      } catch (error) {
        // After a failed COMMIT the transaction is over already, and this ROLLBACK only warns. One that fails itself
        // leaves nothing more to do: the work's error is the one to report.
        if (open) await call(() => new WireWriter().query('ROLLBACK'), true).catch(() => {})
        throw error
      } finally {
        closed = true
      }
    }),
  )
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

/** One statement's answer; several statements sent as one text answer an array of them. */
type PgResult = { rows: Record<string, unknown>[]; command?: string }

function resultsOf(answer: unknown): PgResult[] {
  return Array.isArray(answer) ? (answer as PgResult[]) : [answer as PgResult]
}

/** An error the server answered a statement with (severity ERROR): the connection stays usable. */
function refusedByServer(error: unknown): boolean {
  return (error as { severity?: unknown } | null)?.severity === 'ERROR'
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
   * Takes a connection and opens a transaction with `BEGIN` and, in the same round trip, the transaction's first
   * statement when it has no parameters (`first`). A connection the server dropped (a restart) fails here, before
   * any work is done: it is destroyed and another is tried, so the service recovers without being restarted itself.
   * A time-out is not retried (the caller hears of it within its bound), nor is a text that commits (`retry`
   * false): its answer may have been lost after the commit. A statement the server refused leaves the transaction
   * open (and failed) on a live connection, which is returned with the error for the caller to roll back.
   */
  async function begin(
    first: string | null,
    retry = true,
  ): Promise<{ client: PgClient; results?: PgResult[]; error?: unknown }> {
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      const client = await acquire()
      try {
        const answer = await run<Record<string, unknown>>(client, first === null ? 'BEGIN' : `BEGIN;\n${first}`)
        return { client, results: resultsOf(answer) }
      } catch (error) {
        if (!abandoned.has(client) && refusedByServer(error)) return { client, error }
        client.release(error instanceof Error ? error : true)
        // Dead pooled connections fail at once: try the next, for up to the connect bound (3 tries without one).
        const spent = t.connectTimeoutMs > 0 ? Date.now() - started >= t.connectTimeoutMs : attempt >= 3
        if (!retry || spent || error instanceof DatabaseTimeout) throw error
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
        if (abandoned.has(client) || !refusedByServer(error))
          broken = error instanceof Error ? error : new Error('the connection failed')
        throw error
      } finally {
        client.release(broken ?? false)
      }
    },
    async transaction(work) {
      let client: PgClient | undefined
      /** The transaction's opening, while its first statement is on its way. */
      let opening: Promise<PgClient> | undefined
      let broken: Error | undefined
      const last: string[] = []
      /** Opens the transaction with `first` (or `BEGIN` alone); the answers of `first`'s statements. */
      const open = async (first: string | null): Promise<PgResult[]> => {
        const opened = begin(first)
        opening = opened.then((o) => o.client)
        // Whoever awaits the opening hears of its failure; this only keeps it from counting as unhandled.
        opening.catch(() => {})
        const { client: c, results, error } = await opened
        client = c
        if (error !== undefined) throw error
        return (results ?? []).slice(1)
      }
      const connection = async (): Promise<PgClient> => {
        if (client) return client
        if (opening) return opening
        await open(null)
        return client as unknown as PgClient
      }
      // One connection runs one statement at a time: a call made while another is on its way (work that asks for
      // several rows at once, as `ResultAsync.combine` does) waits its turn here, where node-postgres would queue
      // it itself only with a deprecation warning (a queue pg 9 removes).
      const turns = oneAtATime()
      const inTurn = turns.run
      const tx: SqlTransaction = {
        query: (text, params) => inTurn(async () => run(await connection(), text, params)),
        simple<R>(text: string) {
          return inTurn(async () => {
            if (client || opening) return run<R>(await connection(), text)
            const answers = await open(text)
            return (answers.at(-1) ?? { rows: [] }) as { rows: R[] }
          })
        },
        beforeCommit: (text) => {
          last.push(text)
        },
      }
      try {
        const value = await work(tx)
        await turns.idle()
        if (opening) await opening
        if (client) {
          const answers = resultsOf(await run(client, [...last, 'COMMIT'].join(';\n')))
          if (answers.at(-1)?.command === 'ROLLBACK') throw new Error('COMMIT rolled back a failed transaction')
        } else if (last.length > 0) {
          // Nothing read: the writes go in one round trip with BEGIN and COMMIT, never retried once sent.
          const { client: c, error } = await begin([...last, 'COMMIT'].join(';\n'), false)
          client = c
          if (error !== undefined) throw error
        }
        return value
      } catch (error) {
        await turns.idle()
        if (client) {
          if (abandoned.has(client)) broken = new Error('a statement timed out: connection dropped')
          else
            await run(client, 'ROLLBACK').catch((rollbackError: unknown) => {
              broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed')
            })
        }
        throw error
      } finally {
        client?.release(broken ?? (abandoned.has(client) ? new Error('connection dropped') : false))
      }
    },
  }
}
