/** One `event.bind` registration (a row of the portal's `b_rest_event`). */
export interface EventBinding {
  /** Increasing: `event_handler_id`, and the order of `event.get`. */
  readonly id: number
  /** The application (OAuth client id) that bound it. */
  readonly clientId: string
  /** Upper case, as `event.bind` stores it. */
  readonly event: string
  /** The handler URL; `''` for an offline binding. */
  readonly handler: string
  /** The user whose tokens the handler receives (`auth_type`); 0: whoever caused the event. */
  readonly userId: number
  /** `auth_connector` of an offline binding (`''` when none). */
  readonly connectorId: string
}

export type NewBinding = Omit<EventBinding, 'id'>

/** One row of the offline queue (the portal's `b_rest_event_offline`). */
export interface OfflineEvent {
  readonly id: number
  readonly clientId: string
  readonly connectorId: string
  /** `md5(EVENT_NAME + '|' + JSON of EVENT_DATA)`: one row per object and event, holding its latest change. */
  readonly messageId: string
  readonly event: string
  readonly data: unknown
  readonly additional: unknown
  readonly at: Date
  /** `''` until `event.offline.get` reserves it. */
  readonly processId: string
  readonly error: boolean
}

export type NewOfflineEvent = Pick<
  OfflineEvent,
  'clientId' | 'connectorId' | 'messageId' | 'event' | 'data' | 'additional' | 'at'
>

/** Whose queue: an application's, under one `auth_connector`. */
export interface QueueKey {
  readonly clientId: string
  readonly connectorId: string
}

/**
 * Where event bindings and the offline queue live. Every instance of a service on one database MUST see the same
 * bindings and the same queue (the PostgreSQL implementation keeps them in the database; `createInMemoryEventStore`
 * serves one process).
 */
export interface BitrixEventStore {
  /**
   * Adds a binding; `false` (and nothing written) when one with the same application, event, handler, user and
   * connector exists. Atomic: two concurrent identical binds add one.
   */
  bind(binding: NewBinding): Promise<boolean>
  /** Deletes the bindings that match every given field; answers how many. */
  unbind(match: Partial<NewBinding> & Pick<NewBinding, 'clientId' | 'event' | 'handler'>): Promise<number>
  /** Bindings of an application (of one user when `userId` is given), by id. */
  bindings(clientId: string, userId?: number): Promise<EventBinding[]>
  /** Every binding of an event, across applications, by id: whom to deliver it to. */
  bindingsOf(event: string): Promise<EventBinding[]>
  /**
   * Queues an offline event. A row with the same application, connector and message id that no `event.offline.get`
   * has reserved takes the new time, data and additional data instead (the queue keeps the latest change).
   */
  enqueue(event: NewOfflineEvent): Promise<void>
  /** A queue's rows (reserved ones too), by id. */
  queue(key: QueueKey): Promise<OfflineEvent[]>
  /**
   * Marks the given rows with `processId` where they are still unreserved, and answers those it marked. Atomic:
   * concurrent calls never mark one row twice, so parallel `event.offline.get` calls get disjoint sets.
   */
  reserve(key: QueueKey, ids: readonly number[], processId: string): Promise<OfflineEvent[]>
  /** Deletes a process's rows (only those ids, or those message ids, when given). */
  clear(
    key: QueueKey,
    processId: string,
    only?: { ids?: readonly number[]; messageIds?: readonly string[] },
  ): Promise<void>
  /**
   * `event.offline.error`: the process's rows with these message ids become error rows (unreserved, `error`), and
   * other unflagged rows with those message ids are deleted (`EventOfflineTable::markError`).
   */
  markError(key: QueueKey, processId: string, messageIds: readonly string[]): Promise<void>
}

const sameQueue = (row: OfflineEvent, key: QueueKey) =>
  row.clientId === key.clientId && row.connectorId === key.connectorId

/** Bindings and the offline queue in this process's memory: for one process (tests, PGlite, the stand-in portal). */
export function createInMemoryEventStore(): BitrixEventStore {
  const bindings: EventBinding[] = []
  let rows: OfflineEvent[] = []
  let nextBinding = 1
  let nextRow = 1
  const matches = (b: EventBinding, m: Partial<NewBinding>) =>
    (Object.keys(m) as (keyof NewBinding)[]).every((k) => m[k] === undefined || b[k] === m[k])

  return {
    async bind(binding) {
      const { clientId, event, handler, userId, connectorId } = binding
      if (bindings.some((b) => matches(b, { clientId, event, handler, userId, connectorId }))) return false
      bindings.push({ id: nextBinding++, clientId, event, handler, userId, connectorId })
      return true
    },
    async unbind(match) {
      const before = bindings.length
      for (let i = bindings.length - 1; i >= 0; i--)
        if (matches(bindings[i] as EventBinding, match)) bindings.splice(i, 1)
      return before - bindings.length
    },
    async bindings(clientId, userId) {
      return bindings.filter((b) => b.clientId === clientId && (userId === undefined || b.userId === userId))
    },
    async bindingsOf(event) {
      return bindings.filter((b) => b.event === event)
    },
    async enqueue(event) {
      const index = rows.findIndex((r) => sameQueue(r, event) && r.messageId === event.messageId && r.processId === '')
      const existing = rows[index]
      if (existing) rows[index] = { ...existing, data: event.data, additional: event.additional, at: event.at }
      else rows.push({ ...event, id: nextRow++, processId: '', error: false })
    },
    async queue(key) {
      return rows.filter((r) => sameQueue(r, key))
    },
    async reserve(key, ids, processId) {
      const wanted = new Set(ids)
      const marked: OfflineEvent[] = []
      rows = rows.map((r) => {
        if (!sameQueue(r, key) || r.processId !== '' || !wanted.has(r.id)) return r
        const reserved = { ...r, processId }
        marked.push(reserved)
        return reserved
      })
      return marked
    },
    async clear(key, processId, only) {
      const ids = only?.ids ? new Set(only.ids) : null
      const messageIds = !ids && only?.messageIds ? new Set(only.messageIds) : null
      rows = rows.filter(
        (r) =>
          !(
            sameQueue(r, key) &&
            r.processId === processId &&
            (!ids || ids.has(r.id)) &&
            (!messageIds || messageIds.has(r.messageId))
          ),
      )
    },
    async markError(key, processId, messageIds) {
      const named = new Set(messageIds)
      const mine = (r: OfflineEvent) => sameQueue(r, key) && named.has(r.messageId) && !r.error
      const flagged = new Set(rows.filter((r) => mine(r) && r.processId === processId).map((r) => r.messageId))
      // An older error row of the same message gives way to the new one (one unreserved row per message).
      const superseded = (r: OfflineEvent) =>
        sameQueue(r, key) && r.error && r.processId === '' && flagged.has(r.messageId)
      rows = rows
        .filter((r) => !(mine(r) && r.processId !== processId) && !superseded(r))
        .map((r) => (mine(r) ? { ...r, processId: '', error: true } : r))
    },
  }
}
