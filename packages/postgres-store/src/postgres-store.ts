import {
  type DomainEvent,
  type GroupAnyOf,
  type GroupAttributeCondition,
  type GroupChange,
  type GroupCondition,
  type GroupField,
  type GroupQuery,
  type LinkChange,
  type MembershipStore,
  type StorageFailure,
  type StoredEvent,
  type StoreTx,
  storageError,
} from '@joinery/core'
import { err, okAsync, type Result, ResultAsync } from 'neverthrow'
import { classifyFailure } from './internal/classify-failure.js'
import {
  GROUP_COLUMNS,
  groupOf,
  groupParams,
  LINK_COLUMNS,
  linkOf,
  linkParams,
  MEMBERSHIP_COLUMNS,
  membershipOf,
  membershipParams,
  REQUEST_COLUMNS,
  removalOf,
  requestOf,
  requestParams,
} from './internal/rows.js'
import { schemaIdentifier } from './migrations.js'
import type { SqlDatabase, SqlExecutor } from './sql-database.js'

export interface PostgresStoreOptions {
  /** Where the tables are (see `migrate`). Default `joinery`. */
  readonly schema?: string
  /**
   * Whether a transaction that appends events to a group with nothing due sends `NOTIFY joinery_outbox` (payload:
   * the schema name) on commit, so that a relay listening wakes at once instead of at its next poll. Default `true`.
   * PostgreSQL orders the commits of notifying transactions one after another; turn it off to leave the relay to
   * its polling.
   */
  readonly notify?: boolean
}

/** The channel `createPostgresStore` notifies when events are appended (the payload is the schema name). */
export const OUTBOX_CHANNEL = 'joinery_outbox'

export interface PostgresStore extends MembershipStore {
  /** The outbox: events written with their change, for a relay to deliver at least once. */
  readonly outbox: {
    /** The oldest events not marked published, with their outbox ids. */
    unpublished(limit: number): ResultAsync<readonly { id: string; event: DomainEvent }[], StorageFailure>
    markPublished(ids: readonly string[]): ResultAsync<void, StorageFailure>
  }
}

const COLUMN: Record<GroupField, string> = {
  id: 'g.id',
  name: 'g.name',
  ownerId: 'g.owner_id',
  createdAt: 'g.created_at',
  memberCount: 'g.member_count',
  visibility: 'g.visibility',
  admission: 'g.admission',
  lockStatus: 'g.lock_status',
  approvers: 'g.approvers',
  // NULL (never changed, or a row from before migration 7) reads as the creation time.
  updatedAt: 'coalesce(g.updated_at, g.created_at)',
  lastActivityAt: 'coalesce(g.last_activity_at, g.created_at)',
}
/** The columns a `GroupChange` and a `LinkChange` may set. */
const GROUP_CHANGE_COLUMNS: Record<Exclude<keyof GroupChange, 'attributes'>, string> = {
  name: 'name',
  description: 'description',
  ownerId: 'owner_id',
  memberLimit: 'member_limit',
  lockStatus: 'lock_status',
  admission: 'admission',
  visibility: 'visibility',
  approvers: 'approvers',
  inviters: 'inviters',
  allowMultipleLinks: 'allow_multiple_links',
  updatedAt: 'updated_at',
  lastActivityAt: 'last_activity_at',
}
const LINK_CHANGE_COLUMNS: Record<keyof LinkChange, string> = {
  joinRule: 'join_rule',
  requireApproval: 'require_approval',
  enabled: 'enabled',
  name: 'name',
  expiresAt: 'expires_at',
  maxUses: 'max_uses',
}
const SQL_OP = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const
const DECIMAL = "'^-?[0-9]+$'"

/** Thrown inside a database transaction to roll it back with the work's own error. */
class Rollback {
  constructor(readonly result: Result<never, unknown>) {}
}

/**
 * The Joinery store on PostgreSQL, through PGlite or a server: one SQL code path. Seats are reserved by a
 * conditional update of the group's stored member count in the same transaction as the membership insert; reads of
 * a request lock it, so two deciders serialise. Run `migrate(db, schema)` first.
 */
export function createPostgresStore(db: SqlDatabase, options: PostgresStoreOptions = {}): PostgresStore {
  const schema = options.schema ?? 'joinery'
  const s = schemaIdentifier(schema)
  const notify = options.notify ?? true

  function makeTx(q: SqlExecutor): StoreTx {
    const run = <R>(
      text: string,
      params: unknown[],
      map: (rows: Record<string, unknown>[]) => R,
    ): ResultAsync<R, StorageFailure> =>
      ResultAsync.fromPromise(
        q.query(text, params).then((r) => map(r.rows)),
        (cause) => classifyFailure('a database query failed', cause),
      )
    const one = <R>(text: string, params: unknown[], map: (row: Record<string, unknown>) => R) =>
      run(text, params, (rows) => (rows[0] ? map(rows[0]) : null))
    const none = (text: string, params: unknown[]) => run(text, params, () => undefined)

    /** `UPDATE … SET` of only the fields given, by a fixed column table (no caller text reaches the SQL). */
    const patch = <K extends string>(
      table: string,
      key: string,
      keyValue: unknown,
      columns: Record<K, string>,
      change: Partial<Record<K, unknown>>,
    ): ResultAsync<void, StorageFailure> => {
      const params: unknown[] = [keyValue]
      const sets: string[] = []
      for (const field of Object.keys(columns) as K[]) {
        if (change[field] === undefined) continue
        params.push(change[field])
        sets.push(`${columns[field]} = $${params.length}`)
      }
      // With nothing to change, still check that the row is there, as an update would.
      const text = sets.length
        ? `UPDATE ${s}.${table} SET ${sets.join(', ')} WHERE ${key} = $1 RETURNING 1`
        : `SELECT 1 FROM ${s}.${table} WHERE ${key} = $1`
      return run(text, params, (rows) => rows.length).andThen((n) =>
        n === 1 ? okAsync(undefined) : err(storageError(`no ${table} row ${String(keyValue)}`)),
      )
    }

    return {
      // Its own statement, before any other read: in READ COMMITTED every later statement then sees all that the
      // transactions which held the row before committed (a read in the same statement would not).
      lockGroup: (target) =>
        'groupId' in target
          ? one(`SELECT ${GROUP_COLUMNS} FROM ${s}.groups WHERE id = $1 FOR UPDATE`, [target.groupId], groupOf)
          : one(
              `SELECT ${GROUP_COLUMNS} FROM ${s}.groups WHERE id = (SELECT group_id FROM ${s}.join_links WHERE code = $1) FOR UPDATE`,
              [target.code],
              groupOf,
            ),
      // The lock is its own statement, as in lockGroup, so the count sees the groups its holders before us made. A
      // transaction-scoped advisory lock per (schema, owner): no row to lock exists before the first group.
      lockOwnedGroups: (ownerId) =>
        (db.serial
          ? okAsync(undefined)
          : none('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`joinery-owner:${s}:${ownerId}`])
        ).andThen(() =>
          run(`SELECT count(*)::integer AS n FROM ${s}.groups WHERE owner_id = $1`, [ownerId], (rows) =>
            Number(rows[0]?.n ?? 0),
          ),
        ),
      getGroup: (id) => one(`SELECT ${GROUP_COLUMNS} FROM ${s}.groups WHERE id = $1`, [id], groupOf),
      listGroups: (query) => listGroups(q, query),
      insertGroup: (g) =>
        none(
          `INSERT INTO ${s}.groups (${GROUP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15)`,
          groupParams(g),
        ),
      updateGroup: (id, { attributes, ...change }) =>
        patch('groups', 'id', id, GROUP_CHANGE_COLUMNS, change).andThen(() =>
          attributes && Object.keys(attributes).length > 0
            ? // Merged: the keys given are set, the others kept.
              none(`UPDATE ${s}.groups SET attributes = coalesce(attributes, '{}'::jsonb) || $2::jsonb WHERE id = $1`, [
                id,
                JSON.stringify(attributes),
              ])
            : okAsync(undefined),
        ),
      deleteGroup: (id) => none(`DELETE FROM ${s}.groups WHERE id = $1`, [id]),

      readJoinState: (target, userId, options) =>
        // The lock is its own statement, as in lockGroup (a read in the same statement would not see what the
        // holders before us committed); on a database whose transactions never overlap there is nothing to order.
        (options?.lock && !db.serial
          ? none(
              `SELECT 1 FROM ${s}.groups WHERE id = coalesce((SELECT group_id FROM ${s}.join_links WHERE code = $1), $2) FOR UPDATE`,
              ['code' in target ? target.code : null, 'groupId' in target ? target.groupId : null],
            )
          : okAsync(undefined)
        ).andThen(() =>
          // One round trip for every read of a join; the latest request is locked as getLatestRequest locks it.
          run(
            `WITH l AS (SELECT * FROM ${s}.join_links WHERE code = $1),
                g AS (SELECT * FROM ${s}.groups WHERE id = coalesce((SELECT group_id FROM l), $2)),
                r AS (SELECT * FROM ${s}.join_requests WHERE group_id = (SELECT id FROM g) AND requester_id = $3
                        ORDER BY seq DESC LIMIT 1 FOR UPDATE)
           SELECT (SELECT row_to_json(l) FROM l) AS link,
                  (SELECT row_to_json(g) FROM g) AS grp,
                  (SELECT row_to_json(m) FROM ${s}.memberships m WHERE m.group_id = (SELECT id FROM g) AND m.user_id = $3) AS membership,
                  (SELECT row_to_json(r) FROM r) AS request,
                  (SELECT row_to_json(x) FROM ${s}.removals x WHERE x.group_id = (SELECT id FROM g) AND x.user_id = $3) AS removal`,
            ['code' in target ? target.code : null, 'groupId' in target ? target.groupId : null, userId],
            (rows) => {
              const row = rows[0] ?? {}
              const json = (v: unknown) =>
                v === null || v === undefined
                  ? null
                  : ((typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>)
              const link = json(row.link)
              const group = json(row.grp)
              const membership = json(row.membership)
              const request = json(row.request)
              const removal = json(row.removal)
              return {
                link: link && linkOf(link),
                group: group && groupOf(group),
                membership: membership && membershipOf(membership),
                latestRequest: request && requestOf(request),
                removal: removal && removalOf(removal),
              }
            },
          ),
        ),
      getLink: (code) => one(`SELECT ${LINK_COLUMNS} FROM ${s}.join_links WHERE code = $1`, [code], linkOf),
      listLinks: (groupId) =>
        run(
          `SELECT ${LINK_COLUMNS} FROM ${s}.join_links WHERE group_id = $1 ORDER BY created_at DESC, code DESC`,
          [groupId],
          (rows) => rows.map(linkOf),
        ),
      insertLink: (l) =>
        none(
          `INSERT INTO ${s}.join_links (${LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          linkParams(l),
        ),
      updateLink: (code, change) => patch('join_links', 'code', code, LINK_CHANGE_COLUMNS, change),

      countOnLink: (code, change) =>
        none(
          `UPDATE ${s}.join_links SET uses = uses + $2, pending = greatest(0, pending + $3),
             refusals = CASE WHEN $4::text IS NULL THEN refusals
               ELSE jsonb_set(refusals, ARRAY[$4::text], to_jsonb(coalesce((refusals->>$4::text)::integer, 0) + 1)) END
           WHERE code = $1`,
          [code, change.uses ?? 0, change.pending ?? 0, change.refusal ?? null],
        ),
      getMembership: (groupId, userId) =>
        one(
          `SELECT ${MEMBERSHIP_COLUMNS} FROM ${s}.memberships WHERE group_id = $1 AND user_id = $2`,
          [groupId, userId],
          membershipOf,
        ),
      insertMembership: (m, limit) =>
        // Insert first (a conflict means a member already), then take the seat with a conditional update that
        // waits on the group row; if no seat is left, the insert is undone in the same transaction.
        run(
          `INSERT INTO ${s}.memberships (${MEMBERSHIP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING 1`,
          membershipParams(m),
          (rows) => rows.length === 1,
        ).andThen((inserted) => {
          if (!inserted) return okAsync('exists' as const)
          return run(
            `UPDATE ${s}.groups SET member_count = member_count + 1 WHERE id = $1 AND ($2::integer IS NULL OR member_count < $2::integer) RETURNING 1`,
            [m.groupId, limit],
            (rows) => rows.length === 1,
          ).andThen((seated) =>
            seated
              ? okAsync('inserted' as const)
              : none(`DELETE FROM ${s}.memberships WHERE group_id = $1 AND user_id = $2`, [m.groupId, m.userId]).map(
                  () => 'limit-reached' as const,
                ),
          )
        }),
      updateMembershipRole: (groupId, userId, role) =>
        run(
          `UPDATE ${s}.memberships SET role = $3 WHERE group_id = $1 AND user_id = $2 RETURNING 1`,
          [groupId, userId, role],
          (r) => r.length,
        ).andThen((n) => (n === 1 ? okAsync(undefined) : err(storageError('membership does not exist')))),
      deleteMembership: (groupId, userId) =>
        run(
          `DELETE FROM ${s}.memberships WHERE group_id = $1 AND user_id = $2 RETURNING 1`,
          [groupId, userId],
          (r) => r.length === 1,
        ).andThen((deleted) =>
          deleted
            ? none(`UPDATE ${s}.groups SET member_count = member_count - 1 WHERE id = $1`, [groupId]).map(() => true)
            : okAsync(false),
        ),
      listMembers: (groupId, page) =>
        run(
          `SELECT ${MEMBERSHIP_COLUMNS} FROM ${s}.memberships WHERE group_id = $1
             AND ($2::timestamptz IS NULL OR (joined_at, user_id COLLATE "C") > ($2::timestamptz, $3::text COLLATE "C"))
           ORDER BY joined_at, user_id COLLATE "C" LIMIT $4`,
          [groupId, page.after?.at ?? null, page.after?.id ?? null, page.limit],
          (rows) => rows.map(membershipOf),
        ),
      listMembershipsOfUser: (userId, page) =>
        run(
          `SELECT ${MEMBERSHIP_COLUMNS} FROM ${s}.memberships WHERE user_id = $1
             AND ($2::timestamptz IS NULL OR (joined_at, group_id COLLATE "C") > ($2::timestamptz, $3::text COLLATE "C"))
           ORDER BY joined_at, group_id COLLATE "C" LIMIT $4`,
          [userId, page.after?.at ?? null, page.after?.id ?? null, page.limit],
          (rows) => rows.map(membershipOf),
        ),

      getRequest: (id) =>
        one(`SELECT ${REQUEST_COLUMNS} FROM ${s}.join_requests WHERE id = $1 FOR UPDATE`, [id], requestOf),
      getLatestRequest: (groupId, userId) =>
        one(
          `SELECT ${REQUEST_COLUMNS} FROM ${s}.join_requests WHERE group_id = $1 AND requester_id = $2 ORDER BY seq DESC LIMIT 1 FOR UPDATE`,
          [groupId, userId],
          requestOf,
        ),
      insertRequest: (r) =>
        none(
          `INSERT INTO ${s}.join_requests (${REQUEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          requestParams(r),
        ),
      updateRequest: (r) =>
        run(
          `UPDATE ${s}.join_requests SET group_id = $2, requester_id = $3, via_kind = $4, via_code = $5, invited_by = $6, message = $7, status = $8,
             created_at = $9, decided_at = $10, decided_by = $11, rejection_reason = $12, read = $13 WHERE id = $1 RETURNING 1`,
          requestParams(r),
          (rows) => rows.length,
        ).andThen((n) => (n === 1 ? okAsync(undefined) : err(storageError('request does not exist')))),
      listRequests: (groupId, status, page) =>
        run(
          `SELECT ${REQUEST_COLUMNS} FROM ${s}.join_requests WHERE group_id = $1 AND status = $2
             AND ($3::timestamptz IS NULL OR (created_at, id COLLATE "C") > ($3::timestamptz, $4::text COLLATE "C"))
           ORDER BY created_at, id COLLATE "C" LIMIT $5`,
          [groupId, status, page.after?.at ?? null, page.after?.id ?? null, page.limit],
          (rows) => rows.map(requestOf),
        ),
      listPendingRequestsOfUser: (userId, page) =>
        run(
          `SELECT ${REQUEST_COLUMNS} FROM ${s}.join_requests WHERE requester_id = $1 AND status = 'pending'
             AND ($2::timestamptz IS NULL OR (created_at, id COLLATE "C") > ($2::timestamptz, $3::text COLLATE "C"))
           ORDER BY created_at, id COLLATE "C" LIMIT $4`,
          [userId, page.after?.at ?? null, page.after?.id ?? null, page.limit],
          (rows) => rows.map(requestOf),
        ),
      countPendingRequests: (groupId) =>
        run(
          `SELECT count(*)::integer AS total, count(*) FILTER (WHERE NOT read)::integer AS unread
             FROM ${s}.join_requests WHERE group_id = $1 AND status = 'pending'`,
          [groupId],
          (rows) => ({ total: Number(rows[0]?.total ?? 0), unread: Number(rows[0]?.unread ?? 0) }),
        ),
      markRequestsRead: (groupId) =>
        run(
          `UPDATE ${s}.join_requests SET read = true WHERE group_id = $1 AND status = 'pending' AND NOT read RETURNING 1`,
          [groupId],
          (rows) => rows.length,
        ),

      getRemoval: (groupId, userId) =>
        one(`SELECT * FROM ${s}.removals WHERE group_id = $1 AND user_id = $2`, [groupId, userId], removalOf),
      putRemoval: (r) =>
        none(
          `INSERT INTO ${s}.removals (group_id, user_id, kind, removed_by, removed_at, until, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (group_id, user_id) DO UPDATE SET kind = EXCLUDED.kind, removed_by = EXCLUDED.removed_by,
             removed_at = EXCLUDED.removed_at, until = EXCLUDED.until, reason = EXCLUDED.reason`,
          [r.groupId, r.userId, r.kind, r.by, r.at, r.until, r.reason],
        ),
      deleteRemoval: (groupId, userId) =>
        run(
          `DELETE FROM ${s}.removals WHERE group_id = $1 AND user_id = $2 RETURNING 1`,
          [groupId, userId],
          (rows) => rows.length === 1,
        ),

      appendEvents: (events) =>
        events.length === 0
          ? okAsync(undefined)
          : // One statement: the events, their groups' streams made due for a relay (migration 5), and the wake-up.
            // Streams in group order, so two transactions touching the same groups lock them in the same order.
            // Only a stream that was idle (nothing due before this) notifies: one a relay is already draining is
            // read again by it, so a busy group does not notify on every commit (notifying commits queue on one
            // database-wide lock).
            none(
              `WITH e AS (
                 INSERT INTO ${s}.outbox (group_id, type, event)
                 SELECT e->>'groupId', e->>'type', e FROM jsonb_array_elements($1::jsonb) AS e RETURNING group_id),
               st AS (
                 INSERT INTO ${s}.outbox_streams AS t (group_id) SELECT DISTINCT group_id FROM e ORDER BY group_id
                 ON CONFLICT (group_id) DO UPDATE SET seq = t.seq + 1, retry_at = NULL
                 RETURNING t.seq = t.drained_seq + 1 AS woke)
               SELECT ${notify ? `pg_notify('${OUTBOX_CHANNEL}', $2::text)` : '$2::text'} FROM (SELECT 1 FROM st WHERE woke LIMIT 1) AS n`,
              [JSON.stringify(events), schema],
            ),

      readGroupEvents: (groupId, after, limit) =>
        run(
          `SELECT id, event FROM ${s}.outbox WHERE group_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
          [groupId, after ?? 0, limit],
          (rows) => rows.map(storedEventOf),
        ),

      // Two ordered index scans (migration 12: outbox_by_actor, outbox_by_subject), each stopping at `limit`, merged
      // by id: one OR over both would let the planner walk the whole outbox in id order for a user with few events.
      readUserEvents: (userId, after, limit) =>
        run(`${userEventsQuery(s)} ORDER BY id LIMIT $3`, [userId, after ?? 0, limit], (rows) =>
          rows.map(storedEventOf),
        ),

      lastGroupEventSeq: (groupId) =>
        one(`SELECT max(id) AS id FROM ${s}.outbox WHERE group_id = $1`, [groupId], (row) =>
          row.id === null ? null : Number(row.id),
        ).map((seq) => seq ?? null),
    }
  }

  function listGroups(q: SqlExecutor, query: GroupQuery) {
    const params: unknown[] = [query.visibleTo]
    const param = (value: unknown) => {
      params.push(value)
      return `$${params.length}`
    }
    const where = [
      `(${query.everyGroup ? 'TRUE OR ' : ''}g.visibility = 'public' OR ($1::text IS NOT NULL AND EXISTS (SELECT 1 FROM ${s}.memberships m WHERE m.group_id = g.id AND m.user_id = $1::text)))`,
      ...query.conditions.map((c) => conditionSql(c, param)),
    ].join(' AND ')
    const order = [
      ...query.order.map((o) => `${orderKey(o.field)} ${o.direction === 'asc' ? 'ASC' : 'DESC'}`),
      `${orderKey('id')} ASC`,
    ].join(', ')
    const countParams = [...params]
    params.push(query.limit, query.offset)
    const columns = GROUP_COLUMNS.split(', ')
      .map((c) => `g.${c}`)
      .join(', ')
    // One after the other: a transaction's connection runs one query at a time (pg deprecates queuing them).
    const both = async () => {
      const rows = await q.query(
        `SELECT ${columns} FROM ${s}.groups g WHERE ${where} ORDER BY ${order} LIMIT $${params.length - 1} OFFSET $${params.length}`,
        params,
      )
      const count = await q.query<{ total: number }>(
        `SELECT count(*)::integer AS total FROM ${s}.groups g WHERE ${where}`,
        countParams,
      )
      return [rows, count] as const
    }
    return ResultAsync.fromPromise(both(), (cause) => classifyFailure('a database query failed', cause)).map(
      ([rows, count]) => ({ groups: rows.rows.map(groupOf), total: Number(count.rows[0]?.total ?? 0) }),
    )
  }

  const store: PostgresStore = {
    transaction: <T, E>(work: (tx: StoreTx) => ResultAsync<T, E>) =>
      new ResultAsync<T, E | StorageFailure>(
        db
          .transaction(async (q) => {
            const result = await work(makeTx(q))
            if (result.isErr()) throw new Rollback(result as Result<never, unknown>)
            return result
          })
          .catch((e: unknown) =>
            e instanceof Rollback
              ? (e.result as Result<T, E>)
              : err(classifyFailure('a database transaction failed', e)),
          ),
      ),
    outbox: {
      unpublished: (limit) =>
        ResultAsync.fromPromise(
          db.query<{ id: string; event: unknown }>(
            `SELECT id::text AS id, event FROM ${s}.outbox WHERE published_at IS NULL ORDER BY id LIMIT $1`,
            [limit],
          ),
          (cause) => classifyFailure('a database query failed', cause),
        ).map((r) => r.rows.map((row) => ({ id: row.id, event: reviveOutboxEvent(row.event) }))),
      markPublished: (ids) =>
        ResultAsync.fromPromise(
          db.query(`UPDATE ${s}.outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [ids]),
          (cause) => classifyFailure('a database query failed', cause),
        ).map(() => undefined),
    },
  }
  return store
}

/** The time fields: compared and ordered as timestamps, not text. */
const TIMES: ReadonlySet<GroupField> = new Set(['createdAt', 'updatedAt', 'lastActivityAt'])

/** Orders ids numerically when they are decimal integers (zero-padded), by code unit otherwise. */
function orderKey(field: GroupField): string {
  if (field === 'id') return `(CASE WHEN g.id ~ ${DECIMAL} THEN lpad(g.id, 40, '0') ELSE g.id END) COLLATE "C"`
  const column = COLUMN[field]
  return TIMES.has(field) || field === 'memberCount' ? column : `${column} COLLATE "C"`
}

function conditionSql(
  c: GroupCondition | GroupAttributeCondition | GroupAnyOf,
  param: (value: unknown) => string,
): string {
  if ('anyOf' in c)
    return c.anyOf.length === 0 ? 'false' : `(${c.anyOf.map((a) => conditionSql(a, param)).join(' OR ')})`
  if ('attribute' in c) {
    // A missing attribute reads as ''; values compare as ids do (numbers when both sides are decimal integers).
    const column = `coalesce(g.attributes ->> ${param(c.attribute)}::text, '')`
    if (c.op === 'contains' || c.op === 'notContains')
      return `position(lower(${param(c.value)}) in lower(${column})) ${c.op === 'contains' ? '>' : '='} 0`
    const op = SQL_OP[c.op]
    const v = param(c.value)
    return `(CASE WHEN ${column} ~ ${DECIMAL} AND ${v}::text ~ ${DECIMAL} THEN (${column})::numeric ${op} ${v}::numeric ELSE ${column} COLLATE "C" ${op} ${v}::text COLLATE "C" END)`
  }
  const column = COLUMN[c.field]
  if (c.op === 'contains' || c.op === 'notContains')
    return `position(lower(${param(String(c.value))}) in lower(${column})) ${c.op === 'contains' ? '>' : '='} 0`
  const op = SQL_OP[c.op]
  if (TIMES.has(c.field))
    return `${column} ${op} ${param(c.value instanceof Date ? c.value : new Date(String(c.value)))}::timestamptz`
  if (c.field === 'memberCount') return `${column} ${op} ${param(Number(c.value))}::integer`
  const v = param(String(c.value))
  if (c.field === 'id') {
    return `(CASE WHEN ${column} ~ ${DECIMAL} AND ${v}::text ~ ${DECIMAL} THEN ${column}::numeric ${op} ${v}::numeric ELSE ${column} COLLATE "C" ${op} ${v}::text COLLATE "C" END)`
  }
  return `${column} COLLATE "C" ${op} ${v}::text COLLATE "C"`
}

/** Events come back from JSON with dates as strings: turns the known date fields back into Dates. */
export function reviveOutboxEvent(raw: unknown): DomainEvent {
  const e = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>
  return {
    ...e,
    at: new Date(e.at as string),
    ...(typeof e.until === 'string' ? { until: new Date(e.until) } : {}),
  } as DomainEvent
}

/** An outbox row as the core's `StoredEvent`: jsonb keeps dates as ISO text, so they are read back as dates. */
/** The outbox rows naming user $1 as actor or subject after id $2, at most $3 of each: `readUserEvents`' query. */
function userEventsQuery(schema: string): string {
  return `SELECT id, event FROM (
      (SELECT id, event FROM ${schema}.outbox WHERE event->>'actor' = $1 AND id > $2 ORDER BY id LIMIT $3)
      UNION ALL
      (SELECT id, event FROM ${schema}.outbox WHERE event->>'subject' = $1 AND event->>'actor' <> $1 AND id > $2
        ORDER BY id LIMIT $3)) AS mine`
}

function storedEventOf(row: Record<string, unknown>): StoredEvent {
  const raw = (typeof row.event === 'string' ? JSON.parse(row.event) : row.event) as Record<string, unknown>
  const event = { ...raw, at: new Date(raw.at as string) } as Record<string, unknown>
  if ('until' in raw) event.until = raw.until === null ? null : new Date(raw.until as string)
  return { seq: Number(row.id), event: event as unknown as DomainEvent }
}
