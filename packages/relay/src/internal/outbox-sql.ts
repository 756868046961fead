// Every statement the relay runs, on the tables of @joinery/postgres-store's migration 5. Kept in one place so the
// claim protocol can be read at once:
//  - a stream row per group is due while seq > drained_seq (appendEvents bumps seq in the writing transaction);
//  - an instance claims due streams with FOR UPDATE SKIP LOCKED and writes a lease (owner, until) in the same
//    statement, so two instances never hold one group; a lease not renewed expires and another instance takes it;
//  - every write of progress is fenced by the lease (one statement that writes only while the stream row still
//    names this owner), so an instance that lost its lease records nothing; the relay never holds a stream row's
//    lock beyond one short statement, so the group's writers (who upsert that row) do not wait on it;
//  - an event is published once every subscriber delivered it or dead-lettered it.
import type { DomainEventType } from '@joinery/core'
import { reviveOutboxEvent, type SqlDatabase, schemaIdentifier } from '@joinery/postgres-store'
import type { RelayEvent } from '../subscriber.js'

export type DeliveryState = 'delivered' | 'failed' | 'dead'

/** A subscriber's recorded state of one event. */
export interface DeliveryRow {
  readonly state: DeliveryState
  readonly attempts: number
  readonly nextAt: Date | null
}

export interface LoadedEvent extends RelayEvent {
  /** The recorded states by subscriber id (none: not tried yet). */
  readonly deliveries: ReadonlyMap<string, DeliveryRow>
}

export interface Claimed {
  readonly groupId: string
  /** The stream's seq when claimed: draining everything pending then makes it not due up to this seq. */
  readonly seq: string
}

export interface OutcomeRow {
  readonly eventId: string
  readonly subscriber: string
  readonly state: DeliveryState
  readonly attempts: number
  readonly nextAt: Date | null
  readonly error: string | null
}

export interface DeadLetter {
  readonly event: RelayEvent
  readonly subscriber: string
  readonly attempts: number
  readonly error: string | null
  readonly failedAt: Date
}

export interface SubscriberBacklog {
  /** Events not yet delivered to it nor dead-lettered (before its filter: events it skips count until published). */
  readonly pending: number
  readonly oldestPendingAt: Date | null
  /** Events it failed and will retry. */
  readonly retrying: number
  readonly dead: number
}

interface EventRow {
  id: string
  group_id: string
  type: string
  event: unknown
  created_at: Date | string
}

function eventOf(row: EventRow): RelayEvent {
  return {
    id: row.id,
    groupId: row.group_id,
    type: row.type as DomainEventType,
    event: reviveOutboxEvent(row.event),
    createdAt: new Date(row.created_at),
  }
}

const MS = "* interval '1 millisecond'"

export type OutboxSql = ReturnType<typeof outboxSql>

export function outboxSql(db: SqlDatabase, schema: string) {
  const s = schemaIdentifier(schema)
  return {
    /**
     * Leases up to `limit` due streams no live lease holds, least recently leased first. A lease this owner still
     * holds on a group it is not draining (`draining` lists those it is) is its own leftover (a drain that failed
     * while the database was away could not give it back) and is taken again at once.
     */
    async claim(owner: string, limit: number, leaseMs: number, draining: readonly string[]): Promise<Claimed[]> {
      const r = await db.query<{ group_id: string; seq: string }>(
        `UPDATE ${s}.outbox_streams t SET lease_owner = $1, lease_until = now() + $3::integer ${MS}
         FROM (SELECT group_id FROM ${s}.outbox_streams
                WHERE seq > drained_seq
                  AND (lease_until IS NULL OR lease_until < now() OR (lease_owner = $1 AND group_id <> ALL($4::text[])))
                  AND (retry_at IS NULL OR retry_at <= now())
                ORDER BY retry_at NULLS FIRST, lease_until NULLS FIRST LIMIT $2 FOR UPDATE SKIP LOCKED) c
         WHERE t.group_id = c.group_id RETURNING t.group_id, t.seq::text AS seq`,
        [owner, limit, leaseMs, draining],
      )
      return r.rows.map((row) => ({ groupId: row.group_id, seq: row.seq }))
    },

    /** Extends the leases still held; answers the group ids among `groupIds` that are still this owner's. */
    async renew(owner: string, groupIds: readonly string[], leaseMs: number): Promise<Set<string>> {
      if (groupIds.length === 0) return new Set()
      const r = await db.query<{ group_id: string }>(
        `UPDATE ${s}.outbox_streams SET lease_until = now() + $3::integer ${MS}
         WHERE lease_owner = $1 AND group_id = ANY($2::text[]) RETURNING group_id`,
        [owner, groupIds, leaseMs],
      )
      return new Set(r.rows.map((row) => row.group_id))
    },

    /** The group's events not yet published, after `afterId`, in id order, with their recorded delivery states. */
    async load(groupId: string, afterId: string, limit: number): Promise<LoadedEvent[]> {
      const r = await db.query<EventRow & { deliveries: unknown }>(
        `SELECT o.id::text AS id, o.group_id, o.type, o.event, o.created_at,
                (SELECT json_agg(json_build_object('subscriber', d.subscriber, 'state', d.state, 'attempts', d.attempts, 'nextAt', d.next_at))
                   FROM ${s}.outbox_deliveries d WHERE d.event_id = o.id) AS deliveries
         FROM ${s}.outbox o WHERE o.group_id = $1 AND o.published_at IS NULL AND o.id > $2::bigint
         ORDER BY o.id LIMIT $3`,
        [groupId, afterId, limit],
      )
      return r.rows.map((row) => {
        const raw = (typeof row.deliveries === 'string' ? JSON.parse(row.deliveries) : row.deliveries) as
          | { subscriber: string; state: DeliveryState; attempts: number; nextAt: string | null }[]
          | null
        const deliveries = new Map<string, DeliveryRow>()
        for (const d of raw ?? [])
          deliveries.set(d.subscriber, {
            state: d.state,
            attempts: d.attempts,
            nextAt: d.nextAt === null ? null : new Date(d.nextAt),
          })
        return { ...eventOf(row), deliveries }
      })
    },

    /**
     * Records a round of deliveries on a group, if its lease is still `owner`'s (else nothing, and `false`): the
     * `published` events are done for every subscriber (their delivered rows go, dead letters stay); `outcomes` are
     * upserted. One statement, and no lock on the stream row, which the group's writers upsert in their own
     * transactions: a writer never waits on the relay's bookkeeping.
     */
    async record(
      owner: string,
      groupId: string,
      published: readonly string[],
      outcomes: readonly OutcomeRow[],
      hadRows: boolean,
    ): Promise<boolean> {
      const r = await db.query<{ held: boolean }>(
        `WITH held AS (SELECT 1 FROM ${s}.outbox_streams WHERE group_id = $1 AND lease_owner = $2),
         outcome AS (
           INSERT INTO ${s}.outbox_deliveries (event_id, subscriber, state, attempts, next_at, last_error)
           SELECT * FROM unnest($4::bigint[], $5::text[], $6::text[], $7::integer[], $8::timestamptz[], $9::text[])
           WHERE EXISTS (SELECT 1 FROM held)
           ON CONFLICT (event_id, subscriber) DO UPDATE SET state = EXCLUDED.state, attempts = EXCLUDED.attempts,
             next_at = EXCLUDED.next_at, last_error = EXCLUDED.last_error, updated_at = now()),
         published AS (
           UPDATE ${s}.outbox SET published_at = now() WHERE id = ANY($3::bigint[]) AND EXISTS (SELECT 1 FROM held)),
         cleared AS (
           DELETE FROM ${s}.outbox_deliveries
           WHERE $10::boolean AND event_id = ANY($3::bigint[]) AND state <> 'dead' AND EXISTS (SELECT 1 FROM held)
             -- a row written by this statement's outcome is left to it (one statement changes a row once)
             AND NOT EXISTS (SELECT 1 FROM unnest($4::bigint[], $5::text[]) AS o(e, sub)
                              WHERE o.e = event_id AND o.sub = subscriber))
         SELECT EXISTS (SELECT 1 FROM held) AS held`,
        [
          groupId,
          owner,
          published,
          outcomes.map((o) => o.eventId),
          outcomes.map((o) => o.subscriber),
          outcomes.map((o) => o.state),
          outcomes.map((o) => o.attempts),
          outcomes.map((o) => o.nextAt),
          outcomes.map((o) => o.error),
          hadRows,
        ],
      )
      return r.rows[0]?.held === true
    },

    /**
     * Gives a stream back. `drainedSeq`: everything pending up to that seq is published (the stream stops being due
     * unless appended to since); `retryAt`: when its first blocked delivery may be tried again.
     */
    async release(owner: string, groupId: string, drainedSeq: string | null, retryAt: Date | null): Promise<void> {
      await db.query(
        `UPDATE ${s}.outbox_streams SET lease_owner = NULL, lease_until = NULL,
           drained_seq = CASE WHEN $3::bigint IS NULL THEN drained_seq ELSE greatest(drained_seq, $3::bigint) END,
           retry_at = $4
         WHERE group_id = $1 AND lease_owner = $2`,
        [groupId, owner, drainedSeq, retryAt],
      )
    },

    async deadLetters(subscriber: string | null, limit: number): Promise<DeadLetter[]> {
      const r = await db.query<
        EventRow & { subscriber: string; attempts: number; last_error: string | null; updated_at: Date }
      >(
        `SELECT o.id::text AS id, o.group_id, o.type, o.event, o.created_at, d.subscriber, d.attempts, d.last_error, d.updated_at
         FROM ${s}.outbox_deliveries d JOIN ${s}.outbox o ON o.id = d.event_id
         WHERE d.state = 'dead' AND ($1::text IS NULL OR d.subscriber = $1) ORDER BY d.event_id, d.subscriber LIMIT $2`,
        [subscriber, limit],
      )
      return r.rows.map((row) => ({
        event: eventOf(row),
        subscriber: row.subscriber,
        attempts: row.attempts,
        error: row.last_error,
        failedAt: new Date(row.updated_at),
      }))
    },

    /**
     * Puts dead letters back in the queue: each becomes a fresh failed delivery due now, its event unpublished (the
     * other `subscribers` marked delivered, so only the dead one gets it again) and its stream due.
     */
    async replay(
      subscriber: string | null,
      eventIds: readonly string[] | null,
      subscribers: readonly string[],
    ): Promise<number> {
      return db.transaction(async (tx) => {
        const revived = await tx.query<{ event_id: string; subscriber: string }>(
          `UPDATE ${s}.outbox_deliveries SET state = 'failed', attempts = 0, next_at = now(), updated_at = now()
           WHERE state = 'dead' AND ($1::text IS NULL OR subscriber = $1)
             AND ($2::bigint[] IS NULL OR event_id = ANY($2::bigint[]))
           RETURNING event_id::text, subscriber`,
          [subscriber, eventIds],
        )
        if (revived.rows.length === 0) return 0
        const ids = [...new Set(revived.rows.map((row) => row.event_id))]
        const reopened = await tx.query<{ id: string }>(
          `UPDATE ${s}.outbox SET published_at = NULL WHERE id = ANY($1::bigint[]) AND published_at IS NOT NULL RETURNING id::text`,
          [ids],
        )
        if (reopened.rows.length > 0)
          await tx.query(
            `INSERT INTO ${s}.outbox_deliveries (event_id, subscriber, state)
             SELECT e, sub, 'delivered' FROM unnest($1::bigint[]) AS e CROSS JOIN unnest($2::text[]) AS sub
             ON CONFLICT (event_id, subscriber) DO NOTHING`,
            [reopened.rows.map((row) => row.id), subscribers],
          )
        await tx.query(
          `INSERT INTO ${s}.outbox_streams AS t (group_id)
           SELECT DISTINCT group_id FROM ${s}.outbox WHERE id = ANY($1::bigint[]) ORDER BY group_id
           ON CONFLICT (group_id) DO UPDATE SET seq = t.seq + 1, retry_at = NULL`,
          [ids],
        )
        return revived.rows.length
      })
    },

    /** Deletes events published before `before` (never one holding a dead letter) and idle streams. */
    async prune(before: Date, limit: number): Promise<number> {
      const r = await db.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM ${s}.outbox WHERE id IN (
             SELECT o.id FROM ${s}.outbox o WHERE o.published_at < $1
               AND NOT EXISTS (SELECT 1 FROM ${s}.outbox_deliveries d WHERE d.event_id = o.id AND d.state = 'dead')
             ORDER BY o.published_at LIMIT $2)
           RETURNING 1)
         SELECT count(*)::integer AS n FROM gone`,
        [before, limit],
      )
      // A stream with nothing due and no lease is dropped; appendEvents makes it again. A concurrent append bumps
      // seq first (re-checked by the DELETE under READ COMMITTED), so a stream with new events is never dropped.
      await db.query(`DELETE FROM ${s}.outbox_streams WHERE seq = drained_seq AND lease_owner IS NULL`)
      return Number(r.rows[0]?.n ?? 0)
    },

    async backlog(subscriber: string): Promise<SubscriberBacklog> {
      const r = await db.query<{ pending: number; oldest: Date | string | null; retrying: number; dead: number }>(
        `SELECT
           (SELECT count(*)::integer FROM ${s}.outbox o WHERE o.published_at IS NULL AND NOT EXISTS (
              SELECT 1 FROM ${s}.outbox_deliveries d WHERE d.event_id = o.id AND d.subscriber = $1 AND d.state <> 'failed')) AS pending,
           (SELECT min(o.created_at) FROM ${s}.outbox o WHERE o.published_at IS NULL AND NOT EXISTS (
              SELECT 1 FROM ${s}.outbox_deliveries d WHERE d.event_id = o.id AND d.subscriber = $1 AND d.state <> 'failed')) AS oldest,
           (SELECT count(*)::integer FROM ${s}.outbox_deliveries WHERE subscriber = $1 AND state = 'failed') AS retrying,
           (SELECT count(*)::integer FROM ${s}.outbox_deliveries WHERE subscriber = $1 AND state = 'dead') AS dead`,
        [subscriber],
      )
      const row = r.rows[0]
      return {
        pending: Number(row?.pending ?? 0),
        oldestPendingAt: row?.oldest ? new Date(row.oldest) : null,
        retrying: Number(row?.retrying ?? 0),
        dead: Number(row?.dead ?? 0),
      }
    },
  }
}
