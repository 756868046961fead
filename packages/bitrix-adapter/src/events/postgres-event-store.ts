import type { BitrixEventStore, EventBinding, OfflineEvent, QueueKey } from './event-store.js'

/** Parameterised SQL, as `@joinery/postgres-store`'s `SqlDatabase` runs it (`fromPgPool(pool)`, `fromPglite(pglite)`). */
export interface EventSqlDatabase {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>
  transaction<T>(work: (tx: { query: EventSqlDatabase['query'] }) => Promise<T>): Promise<T>
}

interface BindingRow {
  id: string | number
  client_id: string
  event: string
  handler: string
  user_id: string | number
  connector_id: string
}

interface OfflineRow {
  id: string | number
  client_id: string
  connector_id: string
  message_id: string
  event: string
  data: unknown
  additional: unknown
  at: Date | string
  process_id: string
  error: boolean
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

const binding = (r: BindingRow): EventBinding => ({
  id: Number(r.id),
  clientId: r.client_id,
  event: r.event,
  handler: r.handler,
  userId: Number(r.user_id),
  connectorId: r.connector_id,
})

const offline = (r: OfflineRow): OfflineEvent => ({
  id: Number(r.id),
  clientId: r.client_id,
  connectorId: r.connector_id,
  messageId: r.message_id,
  event: r.event,
  data: r.data,
  additional: r.additional,
  at: new Date(r.at),
  processId: r.process_id,
  error: r.error,
})

/**
 * Bindings and the offline queue in PostgreSQL (`@joinery/postgres-store` migration 9, `migrate(db)`), shared by every
 * instance on the database. Give it the store's database and schema: `createPostgresEventStore(fromPgPool(pool))`.
 */
export function createPostgresEventStore(db: EventSqlDatabase, options: { schema?: string } = {}): BitrixEventStore {
  const schema = options.schema ?? 'joinery'
  if (!SCHEMA_NAME.test(schema)) throw new RangeError(`schema name must match ${SCHEMA_NAME}: ${schema}`)
  const bindings = `"${schema}".bitrix_event_bindings`
  const queue = `"${schema}".bitrix_offline_events`
  const OFFLINE_COLUMNS = 'id, client_id, connector_id, message_id, event, data, additional, at, process_id, error'

  return {
    async bind(b) {
      const { rows } = await db.query(
        `INSERT INTO ${bindings} (client_id, event, handler, user_id, connector_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING id`,
        [b.clientId, b.event, b.handler, b.userId, b.connectorId],
      )
      return rows.length === 1
    },
    async unbind(match) {
      const where = ['client_id = $1', 'event = $2', 'handler = $3']
      const params: unknown[] = [match.clientId, match.event, match.handler]
      if (match.userId !== undefined) where.push(`user_id = $${params.push(match.userId)}`)
      if (match.connectorId !== undefined) where.push(`connector_id = $${params.push(match.connectorId)}`)
      const { rows } = await db.query(`DELETE FROM ${bindings} WHERE ${where.join(' AND ')} RETURNING id`, params)
      return rows.length
    },
    async bindings(clientId, userId) {
      const { rows } = await db.query<BindingRow>(
        `SELECT * FROM ${bindings} WHERE client_id = $1 AND ($2::bigint IS NULL OR user_id = $2) ORDER BY id`,
        [clientId, userId ?? null],
      )
      return rows.map(binding)
    },
    async bindingsOf(event) {
      const { rows } = await db.query<BindingRow>(`SELECT * FROM ${bindings} WHERE event = $1 ORDER BY id`, [event])
      return rows.map(binding)
    },
    async enqueue(e) {
      await db.query(
        `INSERT INTO ${queue} (client_id, connector_id, message_id, event, data, additional, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (client_id, connector_id, message_id) WHERE process_id = ''
         DO UPDATE SET data = EXCLUDED.data, additional = EXCLUDED.additional, at = EXCLUDED.at`,
        [e.clientId, e.connectorId, e.messageId, e.event, JSON.stringify(e.data), JSON.stringify(e.additional), e.at],
      )
    },
    async queue(key) {
      const { rows } = await db.query<OfflineRow>(
        `SELECT ${OFFLINE_COLUMNS} FROM ${queue} WHERE client_id = $1 AND connector_id = $2 ORDER BY id`,
        [key.clientId, key.connectorId],
      )
      return rows.map(offline)
    },
    async reserve(key, ids, processId) {
      // The row lock orders concurrent reservations; the second re-checks process_id = '' and skips what it lost.
      const { rows } = await db.query<OfflineRow>(
        `UPDATE ${queue} SET process_id = $3
         WHERE client_id = $1 AND connector_id = $2 AND process_id = '' AND id = ANY($4::bigint[])
         RETURNING ${OFFLINE_COLUMNS}`,
        [key.clientId, key.connectorId, processId, ids.map(String)],
      )
      return rows.map(offline).sort((a, b) => a.id - b.id)
    },
    async clear(key: QueueKey, processId, only) {
      const params: unknown[] = [key.clientId, key.connectorId, processId]
      let extra = ''
      if (only?.ids) extra = ` AND id = ANY($${params.push(only.ids.map(String))}::bigint[])`
      else if (only?.messageIds) extra = ` AND message_id = ANY($${params.push([...only.messageIds])}::text[])`
      await db.query(
        `DELETE FROM ${queue} WHERE client_id = $1 AND connector_id = $2 AND process_id = $3${extra}`,
        params,
      )
    },
    async markError(key, processId, messageIds) {
      const params = [key.clientId, key.connectorId, processId, [...messageIds]]
      const mine = 'client_id = $1 AND connector_id = $2 AND message_id = ANY($4::text[]) AND NOT error'
      await db.transaction(async (tx) => {
        await tx.query(`DELETE FROM ${queue} WHERE ${mine} AND process_id <> $3`, params)
        // An older error row of the same message gives way to the new one (one unreserved row per message).
        await tx.query(
          `DELETE FROM ${queue} WHERE client_id = $1 AND connector_id = $2 AND message_id = ANY($4::text[])
           AND error AND process_id = '' AND EXISTS (SELECT 1 FROM ${queue} q WHERE q.client_id = $1
           AND q.connector_id = $2 AND q.message_id = ${queue}.message_id AND q.process_id = $3 AND NOT q.error)`,
          params,
        )
        await tx.query(`UPDATE ${queue} SET process_id = '', error = true WHERE ${mine} AND process_id = $3`, params)
      })
    },
  }
}
