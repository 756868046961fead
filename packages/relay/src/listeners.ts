import { OUTBOX_CHANNEL } from '@joinery/postgres-store'

/** Tells the relay that events were appended (the store's `NOTIFY`), so it need not wait for its next poll. */
export interface OutboxListener {
  /** Starts listening; `onNotify` gets each notification's payload (the schema name). Resolves to a stop function. */
  listen(onNotify: (payload: string) => void): Promise<() => Promise<void>>
}

/** The part of a node-postgres pooled client `pgListener` uses. */
export interface PgListenClient {
  query(text: string): Promise<unknown>
  on(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  release(error?: Error | boolean): void
}

/** The part of a node-postgres `Pool` `pgListener` uses. */
export interface PgListenPool {
  connect(): Promise<PgListenClient>
}

/**
 * `LISTEN` on a PostgreSQL server: keeps one connection of `pool` for itself and, when it drops, takes another
 * (every `retryMs`) and wakes the relay, which then polls, so nothing appended meanwhile waits.
 */
export function pgListener(pool: PgListenPool, options: { readonly retryMs?: number } = {}): OutboxListener {
  const retryMs = options.retryMs ?? 1_000
  return {
    async listen(onNotify) {
      let stopped = false
      let client: PgListenClient | null = null
      let retry: NodeJS.Timeout | null = null
      const connect = async (): Promise<void> => {
        if (stopped) return
        try {
          const c = await pool.connect()
          let dropped = false
          c.on('notification', (m) => {
            if (m.channel === OUTBOX_CHANNEL) onNotify(m.payload ?? '')
          })
          c.on('error', () => {
            if (dropped) return
            dropped = true
            if (client === c) client = null
            c.release(true)
            reconnect()
          })
          await c.query(`LISTEN ${OUTBOX_CHANNEL}`)
          if (stopped) {
            c.release(true)
            return
          }
          client = c
          // Whatever was appended while no one listened is found by this poll.
          onNotify('*')
        } catch {
          reconnect()
        }
      }
      const reconnect = () => {
        if (stopped || retry) return
        retry = setTimeout(() => {
          retry = null
          void connect()
        }, retryMs)
        retry.unref()
      }
      await connect()
      return async () => {
        stopped = true
        if (retry) clearTimeout(retry)
        const c = client
        client = null
        if (c) {
          await c.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => {})
          c.release(true)
        }
      }
    },
  }
}

/** The part of a PGlite instance `pgliteListener` uses. */
export interface PgliteListenable {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>
}

/** `LISTEN` on PGlite (one process: the store and the relay share the instance). */
export function pgliteListener(pglite: PgliteListenable): OutboxListener {
  return { listen: (onNotify) => pglite.listen(OUTBOX_CHANNEL, onNotify) }
}
