// Test helpers shared by the relay's test files (not exported from the package).
import { PGlite } from '@electric-sql/pglite'
import type { DomainEvent } from '@joinery/core'
import { createPostgresStore, fromPglite, migrate, type PostgresStore, type SqlDatabase } from '@joinery/postgres-store'
import { afterAll, beforeAll } from 'vitest'
import type { RelayEvent, Subscriber } from '../subscriber.js'

/** A subscriber that keeps what it received; `fail` decides, per call, whether this attempt rejects. */
export function recordingSubscriber(
  id: string,
  options: {
    readonly fail?: (event: RelayEvent, call: number) => boolean
    readonly accepts?: (event: RelayEvent) => boolean
    readonly deliver?: (event: RelayEvent) => Promise<void>
  } = {},
): Subscriber & { readonly received: RelayEvent[]; readonly calls: RelayEvent[] } {
  const received: RelayEvent[] = []
  const calls: RelayEvent[] = []
  return {
    id,
    received,
    calls,
    ...(options.accepts ? { accepts: options.accepts } : {}),
    async deliver(event) {
      calls.push(event)
      await options.deliver?.(event)
      if (options.fail?.(event, calls.length)) throw new Error(`refused ${event.id}`)
      received.push(event)
    },
  }
}

/** `count` MemberJoined events on `groupId`, appended in one transaction; users are numbered from `from`. */
export async function appendJoins(store: PostgresStore, groupId: string, count: number, from = 0): Promise<void> {
  const events: DomainEvent[] = Array.from({ length: count }, (_, i) => ({
    type: 'MemberJoined',
    groupId,
    actor: `u${from + i}`,
    subject: `u${from + i}`,
    at: new Date(),
    code: null,
    requestId: null,
  }))
  ;(await store.transaction((tx) => tx.appendEvents(events)))._unsafeUnwrap()
}

/** The subject of each MemberJoined event, by group, in the order received. */
export function subjectsByGroup(events: readonly RelayEvent[]): Map<string, string[]> {
  const byGroup = new Map<string, string[]>()
  for (const e of events) {
    const list = byGroup.get(e.groupId) ?? []
    list.push('subject' in e.event ? e.event.subject : e.event.actor)
    byGroup.set(e.groupId, list)
  }
  return byGroup
}

export async function unpublishedCount(db: SqlDatabase, schema: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM ${schema}.outbox WHERE published_at IS NULL`,
  )
  return Number(r.rows[0]?.n ?? 0)
}

/**
 * One PGlite for the test file (a new one costs seconds) and a fresh migrated schema per call of `fresh()`.
 * Call at the top of a file.
 */
export function usePglite(prefix: string) {
  let pglite: PGlite | undefined
  let db: SqlDatabase | undefined
  beforeAll(async () => {
    pglite = new PGlite()
    db = fromPglite(pglite)
  }, 60_000)
  afterAll(() => pglite?.close())
  let schemas = 0
  const current = () => {
    if (!pglite || !db) throw new Error('PGlite starts before the tests')
    return { pglite, db }
  }
  return {
    get db() {
      return current().db
    },
    get pglite() {
      return current().pglite
    },
    async fresh() {
      const schema = `${prefix}_${schemas++}`
      await migrate(current().db, schema)
      return { schema, store: createPostgresStore(current().db, { schema }) }
    },
  }
}

/** A delivery that signals when it starts (`inFlight`) and does not finish until `open()`. */
export function gated() {
  let entered!: () => void
  const inFlight = new Promise<void>((r) => {
    entered = r
  })
  let open!: () => void
  const gate = new Promise<void>((r) => {
    open = r
  })
  const deliver = async () => {
    entered()
    await gate
  }
  return { inFlight, open, deliver }
}
