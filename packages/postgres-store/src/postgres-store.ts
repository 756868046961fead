import {
  type DomainEvent,
  type Group,
  type GroupAnyOf,
  type GroupAttributeCondition,
  type GroupChange,
  type GroupCondition,
  type GroupField,
  type GroupId,
  type GroupQuery,
  type InsertMembershipOutcome,
  type JoinLink,
  type JoinRequest,
  type JoinState,
  type LinkChange,
  type LinkCounterChange,
  type Membership,
  type MembershipStore,
  type Page,
  type Removal,
  type Role,
  type StorageFailure,
  type StoredEvent,
  type StoreTx,
  storageError,
  type UserId,
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
import { type SqlDatabase, type SqlTransaction, sqlLiteral } from './sql-database.js'

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

/**
 * A write kept until the transaction's next statement, or its COMMIT, and then sent with the others in one statement,
 * one call of a migration-13 function each (`write_member`, …). `p` holds the values in that function's order.
 */
type Write =
  | {
      readonly op: 'member'
      readonly p: unknown[]
      readonly limit: number | null
      /** The group's new update and activity times, set by the seat's own UPDATE (one row version, not two). */
      t?: [Date | null, Date | null]
    }
  | { readonly op: 'times' | 'link' | 'request' | 'request-update'; readonly p: unknown[] }
  | { readonly op: 'events'; readonly p: readonly DomainEvent[] }

/**
 * The group a transaction holds (locked with `lockGroup` or `readJoinState`), as far as it has read it: no other
 * transaction can change its seat count, or add a membership to it, until this one ends (every membership insert
 * takes a key-share lock on the group row, which the held lock excludes). So the outcome of a seat reservation is
 * known without asking, and the write functions (migration 13) check it.
 */
interface Held {
  readonly groupId: string
  memberCount: number
  /** Whether each user read so far is a member. */
  readonly members: Map<string, boolean>
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * JSON for jsonb. jsonb refuses the escape JSON.stringify writes for a lone surrogate, where a text parameter stores
 * U+FFFD; the writes keep that: lone surrogates become U+FFFD.
 */
function jsonOf(value: unknown): string {
  const text = JSON.stringify(value)
  return /\\u[dD][89abAB]|\\u[dD][c-fC-F]/.test(text)
    ? JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replace(LONE_SURROGATE, '\uFFFD') : v))
    : text
}

/**
 * Values as SQL literals, for a function's typed arguments: text quoted (`sqlLiteral`), a date as its ISO text, a
 * number only if finite, a boolean as itself. A value no literal can hold throws.
 */
function literals(values: readonly unknown[]): string {
  return values
    .map((v) => {
      if (v === null || v === undefined) return 'NULL'
      if (typeof v === 'string') return sqlLiteral(v)
      if (v instanceof Date) return `'${v.toISOString()}'`
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`)
        return String(v)
      }
      if (typeof v === 'boolean') return String(v)
      throw new TypeError(`no SQL literal for a ${typeof v}`)
    })
    .join(', ')
}

/** A json value as PGlite or pg answers it (parsed, or text). */
function json(v: unknown): Record<string, unknown> | null {
  return v === null || v === undefined ? null : ((typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>)
}

/** Thrown inside a database transaction to roll it back with the work's own error. */
class Rollback {
  constructor(readonly result: Result<never, unknown>) {}
}

/** What every transaction of one store shares. */
interface StoreConfig {
  /** The schema, quoted. */
  readonly s: string
  readonly schema: string
  readonly notify: boolean
  /** The database runs one transaction at a time (`SqlDatabase.serial`). */
  readonly serial: boolean
}

/**
 * One transaction's `StoreTx`. A class rather than a closure per method: every command runs a transaction, and
 * forty-odd closures made for each of them cost more than the SQL calls they wrap. Its methods are called on it
 * (`tx.getGroup(…)`), as the core does.
 */
class SqlStoreTx implements StoreTx {
  /** Writes kept until the next statement or the COMMIT. */
  private pending: Write[] = []
  private held: Held | null = null

  constructor(
    private readonly q: SqlTransaction,
    private readonly c: StoreConfig,
  ) {}

  /** A statement without parameters: with the BEGIN, on a server, when it is the first. */
  private simple<R = Record<string, unknown>>(text: string): Promise<{ rows: R[] }> {
    return this.q.simple ? this.q.simple<R>(text) : this.q.query<R>(text)
  }

  /**
   * The kept writes as one statement: a typed call of a migration-13 function each, values written as literals, in
   * the order they were made (a select list is evaluated in order, and each call sees the writes of those before it).
   * One statement rather than one each: on PGlite every statement costs a round of its own messages.
   */
  private applyText(writes: readonly Write[]): string {
    const { s, schema, notify } = this.c
    return `SELECT ${writes
      .map((w) => {
        switch (w.op) {
          case 'member':
            return `${s}.write_member(${literals([...w.p, w.limit, ...(w.t ?? [null, null])])})`
          case 'times':
            return `${s}.write_times(${literals(w.p)})`
          case 'link':
            return `${s}.write_link(${literals(w.p)})`
          case 'request':
            return `${s}.write_request(${literals(w.p)})`
          case 'request-update':
            return `${s}.write_request_update(${literals(w.p)})`
          default:
            return `${s}.append_events(${sqlLiteral(jsonOf(w.p))}::jsonb, ${notify}, ${sqlLiteral(schema)})`
        }
      })
      .join(', ')}`
  }

  /** Sends the kept writes, so that what follows sees them. */
  private flush(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve()
    const writes = this.pending
    this.pending = []
    return this.simple(this.applyText(writes)).then(() => undefined)
  }

  /** Sends the writes still kept with the COMMIT (in its round trip where the database allows). */
  async finish(): Promise<void> {
    if (this.pending.length === 0) return
    const text = this.applyText(this.pending)
    this.pending = []
    if (this.q.beforeCommit) this.q.beforeCommit(text)
    else await this.simple(text)
  }

  private keep(write: Write): ResultAsync<void, StorageFailure> {
    this.pending.push(write)
    return okAsync(undefined)
  }

  /** Whether the row-checked writes of `groupId` may be kept: the transaction holds that group. */
  private holds(groupId: string): boolean {
    return this.held !== null && this.held.groupId === groupId
  }

  /** Runs `send` after the kept writes; what it throws (a value no literal can hold) is a failure too. */
  private sent<R>(send: () => Promise<R>): ResultAsync<R, StorageFailure> {
    let promise: Promise<R>
    if (this.pending.length > 0) promise = this.flush().then(send)
    else
      try {
        promise = send()
      } catch (error) {
        promise = Promise.reject(error)
      }
    return ResultAsync.fromPromise(promise, (cause) => classifyFailure('a database query failed', cause))
  }

  private run<R>(
    text: string,
    params: unknown[],
    map: (rows: Record<string, unknown>[]) => R,
  ): ResultAsync<R, StorageFailure> {
    return this.sent(() => this.q.query(text, params).then((r) => map(r.rows)))
  }

  /**
   * One keyset page of `from` (`<columns> FROM <table> WHERE …`, its parameters `params`): the rows after
   * `page.after` in (`at`, `id`) order, ids compared bytewise (COLLATE "C") as the in-memory store compares them.
   */
  private keysetPage<R>(
    from: string,
    params: unknown[],
    key: { at: string; id: string; page: Page; map: (row: Record<string, unknown>) => R },
  ): ResultAsync<R[], StorageFailure> {
    const n = params.length
    const { at, id, page } = key
    return this.run(
      `SELECT ${from}
         AND ($${n + 1}::timestamptz IS NULL OR (${at}, ${id} COLLATE "C") > ($${n + 1}::timestamptz, $${n + 2}::text COLLATE "C"))
       ORDER BY ${at}, ${id} COLLATE "C" LIMIT $${n + 3}`,
      [...params, page.after?.at ?? null, page.after?.id ?? null, page.limit],
      (rows) => rows.map(key.map),
    )
  }

  private one<R>(text: string, params: unknown[], map: (row: Record<string, unknown>) => R) {
    return this.run(text, params, (rows) => (rows[0] ? map(rows[0]) : null))
  }

  private none(text: string, params: unknown[]) {
    return this.run(text, params, () => undefined)
  }

  private hold(group: Group | null, members: Map<string, boolean> = new Map()): void {
    this.held = group ? { groupId: group.id, memberCount: group.memberCount, members } : null
  }

  /** What the transaction learnt of a membership in the group it holds. */
  private learn(groupId: string, userId: string, member: boolean): void {
    if (this.held && this.held.groupId === groupId) this.held.members.set(userId, member)
  }

  /**
   * Inserts first (a conflict means a member already), then takes the seat with a conditional update that waits
   * on the group row; if no seat is left, the insert is undone in the same transaction.
   */
  private insertMembershipNow(
    m: Membership,
    limit: number | null,
  ): ResultAsync<InsertMembershipOutcome, StorageFailure> {
    const { s } = this.c
    return this.run(
      `INSERT INTO ${s}.memberships (${MEMBERSHIP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING 1`,
      membershipParams(m),
      (rows) => rows.length === 1,
    ).andThen((inserted) => {
      if (!inserted) return okAsync('exists' as const)
      return this.run(
        `UPDATE ${s}.groups SET member_count = member_count + 1 WHERE id = $1 AND ($2::integer IS NULL OR member_count < $2::integer) RETURNING 1`,
        [m.groupId, limit],
        (rows) => rows.length === 1,
      ).andThen((seated) =>
        seated
          ? okAsync('inserted' as const)
          : this.none(`DELETE FROM ${s}.memberships WHERE group_id = $1 AND user_id = $2`, [m.groupId, m.userId]).map(
              () => 'limit-reached' as const,
            ),
      )
    })
  }

  /** `UPDATE … SET` of only the fields given, by a fixed column table (no caller text reaches the SQL). */
  private patch<K extends string>(
    table: string,
    key: string,
    keyValue: unknown,
    columns: Record<K, string>,
    change: Partial<Record<K, unknown>>,
  ): ResultAsync<void, StorageFailure> {
    const params: unknown[] = [keyValue]
    const sets: string[] = []
    for (const field of Object.keys(columns) as K[]) {
      if (change[field] === undefined) continue
      params.push(change[field])
      sets.push(`${columns[field]} = $${params.length}`)
    }
    // With nothing to change, still check that the row is there, as an update would.
    const text = sets.length
      ? `UPDATE ${this.c.s}.${table} SET ${sets.join(', ')} WHERE ${key} = $1 RETURNING 1`
      : `SELECT 1 FROM ${this.c.s}.${table} WHERE ${key} = $1`
    return this.run(text, params, (rows) => rows.length).andThen((n) =>
      n === 1 ? okAsync(undefined) : err(storageError(`no ${table} row ${String(keyValue)}`)),
    )
  }

  // Its own statement, before any other read: in READ COMMITTED every later statement then sees all that the
  // transactions which held the row before committed (a read in the same statement would not). The values are
  // written into the text, so that on a server the statement goes with the BEGIN.
  lockGroup(
    target: { readonly groupId: GroupId } | { readonly code: string },
  ): ResultAsync<Group | null, StorageFailure> {
    const { s } = this.c
    return this.sent(() =>
      this.simple(
        'groupId' in target
          ? `SELECT ${GROUP_COLUMNS} FROM ${s}.groups WHERE id = ${sqlLiteral(target.groupId)} FOR UPDATE`
          : `SELECT ${GROUP_COLUMNS} FROM ${s}.groups WHERE id = (SELECT group_id FROM ${s}.join_links WHERE code = ${sqlLiteral(target.code)}) FOR UPDATE`,
      ),
    ).map((r) => {
      const group = r.rows[0] ? groupOf(r.rows[0]) : null
      this.hold(group)
      return group
    })
  }

  // The lock is its own statement, as in lockGroup, so the count sees the groups its holders before us made. A
  // transaction-scoped advisory lock per (schema, owner): no row to lock exists before the first group.
  lockOwnedGroups(ownerId: UserId): ResultAsync<number, StorageFailure> {
    const { s } = this.c
    return (
      this.c.serial
        ? okAsync(undefined)
        : this.none('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`joinery-owner:${s}:${ownerId}`])
    ).andThen(() =>
      this.run(`SELECT count(*)::integer AS n FROM ${s}.groups WHERE owner_id = $1`, [ownerId], (rows) =>
        Number(rows[0]?.n ?? 0),
      ),
    )
  }

  getGroup(id: GroupId) {
    return this.one(`SELECT ${GROUP_COLUMNS} FROM ${this.c.s}.groups WHERE id = $1`, [id], groupOf)
  }

  listGroups(query: GroupQuery): ResultAsync<{ groups: Group[]; total: number }, StorageFailure> {
    const { s } = this.c
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
    return this.sent(async () => {
      const rows = await this.q.query(
        `SELECT ${columns} FROM ${s}.groups g WHERE ${where} ORDER BY ${order} LIMIT $${params.length - 1} OFFSET $${params.length}`,
        params,
      )
      const count = await this.q.query<{ total: number }>(
        `SELECT count(*)::integer AS total FROM ${s}.groups g WHERE ${where}`,
        countParams,
      )
      return { groups: rows.rows.map(groupOf), total: Number(count.rows[0]?.total ?? 0) }
    })
  }

  insertGroup(g: Group) {
    return this.none(
      `INSERT INTO ${this.c.s}.groups (${GROUP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15)`,
      groupParams(g),
    )
  }

  updateGroup(id: GroupId, { attributes, ...change }: GroupChange): ResultAsync<void, StorageFailure> {
    // The times every event stamps (GROUP_TIME_EVENTS) go with the other writes, on the seat's own UPDATE if any.
    const fields = Object.entries(change).filter(([, v]) => v !== undefined)
    if (
      this.holds(id) &&
      !(attributes && Object.keys(attributes).length > 0) &&
      fields.length > 0 &&
      fields.every(([k, v]) => (k === 'updatedAt' || k === 'lastActivityAt') && v instanceof Date)
    ) {
      const times: [Date | null, Date | null] = [change.updatedAt ?? null, change.lastActivityAt ?? null]
      const seat = this.pending.find((w) => w.op === 'member' && w.p[0] === id && !w.t)
      if (seat?.op === 'member') {
        seat.t = times
        return okAsync(undefined)
      }
      return this.keep({ op: 'times', p: [id, ...times] })
    }
    return this.patch('groups', 'id', id, GROUP_CHANGE_COLUMNS, change).andThen(() =>
      attributes && Object.keys(attributes).length > 0
        ? // Merged: the keys given are set, the others kept.
          this.none(
            `UPDATE ${this.c.s}.groups SET attributes = coalesce(attributes, '{}'::jsonb) || $2::jsonb WHERE id = $1`,
            [id, JSON.stringify(attributes)],
          )
        : okAsync(undefined),
    )
  }

  deleteGroup(id: GroupId) {
    return this.none(`DELETE FROM ${this.c.s}.groups WHERE id = $1`, [id]).map(() => {
      if (this.holds(id)) this.held = null
      return undefined
    })
  }

  readJoinState(
    target: { readonly code: string } | { readonly groupId: GroupId },
    userId: UserId,
    options?: { readonly lock?: boolean },
  ): ResultAsync<JoinState, StorageFailure> {
    const lock = options?.lock === true
    // One call (migration 11): the lock is a statement of its own inside it, before the reads, so that they see
    // what the holders before us committed; on a database whose transactions never overlap it is skipped.
    const code = 'code' in target ? target.code : null
    const groupId = 'groupId' in target ? target.groupId : null
    return this.sent(() =>
      this.simple<{ state: unknown }>(
        `SELECT ${this.c.s}.join_state(${sqlLiteral(code)}, ${sqlLiteral(groupId)}, ${sqlLiteral(userId)}, ${lock && !this.c.serial}) AS state`,
      ),
    ).map((r) => {
      const row = json(r.rows[0]?.state) ?? {}
      const link = json(row.link)
      const group = json(row.grp)
      const membership = json(row.membership)
      const request = json(row.request)
      const removal = json(row.removal)
      const state = {
        link: link && linkOf(link),
        group: group && groupOf(group),
        membership: membership && membershipOf(membership),
        latestRequest: request && requestOf(request),
        removal: removal && removalOf(removal),
      }
      if (lock) this.hold(state.group, new Map([[userId, state.membership !== null]]))
      return state
    })
  }

  getLink(code: string) {
    return this.one(`SELECT ${LINK_COLUMNS} FROM ${this.c.s}.join_links WHERE code = $1`, [code], linkOf)
  }

  listLinks(groupId: GroupId) {
    return this.run(
      `SELECT ${LINK_COLUMNS} FROM ${this.c.s}.join_links WHERE group_id = $1 ORDER BY created_at DESC, code DESC`,
      [groupId],
      (rows) => rows.map(linkOf),
    )
  }

  insertLink(l: JoinLink) {
    return this.none(
      `INSERT INTO ${this.c.s}.join_links (${LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      linkParams(l),
    )
  }

  updateLink(code: string, change: LinkChange) {
    return this.patch('join_links', 'code', code, LINK_CHANGE_COLUMNS, change)
  }

  // Kept for write_link (migration 13), which runs the same UPDATE (no link, no change).
  countOnLink(code: string, change: LinkCounterChange) {
    return this.keep({ op: 'link', p: [code, change.uses ?? 0, change.pending ?? 0, change.refusal ?? null] })
  }

  getMembership(groupId: GroupId, userId: UserId) {
    return this.one(
      `SELECT ${MEMBERSHIP_COLUMNS} FROM ${this.c.s}.memberships WHERE group_id = $1 AND user_id = $2`,
      [groupId, userId],
      membershipOf,
    ).map((membership) => {
      this.learn(groupId, userId, membership !== null)
      return membership
    })
  }

  insertMembership(m: Membership, limit: number | null): ResultAsync<InsertMembershipOutcome, StorageFailure> {
    // In the group the transaction holds, the outcome is known: the seat goes with the other writes, and
    // write_member fails the whole transaction if it does not do what was answered here.
    const held = this.held
    const known = held && held.groupId === m.groupId ? held.members.get(m.userId) : undefined
    if (held && known !== undefined) {
      if (known) return okAsync('exists' as const)
      if (limit !== null && held.memberCount >= limit) return okAsync('limit-reached' as const)
      held.memberCount += 1
      held.members.set(m.userId, true)
      return this.keep({ op: 'member', p: membershipParams(m), limit }).map(() => 'inserted' as const)
    }
    return this.insertMembershipNow(m, limit).map((outcome) => {
      if (outcome !== 'limit-reached') {
        const held = this.held
        if (outcome === 'inserted' && held?.groupId === m.groupId) held.memberCount += 1
        this.learn(m.groupId, m.userId, true)
      }
      return outcome
    })
  }

  updateMembershipRole(groupId: GroupId, userId: UserId, role: Role) {
    return this.run(
      `UPDATE ${this.c.s}.memberships SET role = $3 WHERE group_id = $1 AND user_id = $2 RETURNING 1`,
      [groupId, userId, role],
      (r) => r.length,
    ).andThen((n) => (n === 1 ? okAsync(undefined) : err(storageError('membership does not exist'))))
  }

  deleteMembership(groupId: GroupId, userId: UserId): ResultAsync<boolean, StorageFailure> {
    const { s } = this.c
    return this.run(
      `DELETE FROM ${s}.memberships WHERE group_id = $1 AND user_id = $2 RETURNING 1`,
      [groupId, userId],
      (r) => r.length === 1,
    )
      .andThen((deleted) =>
        deleted
          ? this.none(`UPDATE ${s}.groups SET member_count = member_count - 1 WHERE id = $1`, [groupId]).map(() => true)
          : okAsync(false),
      )
      .map((deleted) => {
        const held = this.held
        if (deleted && held?.groupId === groupId) held.memberCount -= 1
        this.learn(groupId, userId, false)
        return deleted
      })
  }

  listMembers(groupId: GroupId, page: Page) {
    return this.keysetPage(`${MEMBERSHIP_COLUMNS} FROM ${this.c.s}.memberships WHERE group_id = $1`, [groupId], {
      at: 'joined_at',
      id: 'user_id',
      page,
      map: membershipOf,
    })
  }

  listMembershipsOfUser(userId: UserId, page: Page) {
    return this.keysetPage(`${MEMBERSHIP_COLUMNS} FROM ${this.c.s}.memberships WHERE user_id = $1`, [userId], {
      at: 'joined_at',
      id: 'group_id',
      page,
      map: membershipOf,
    })
  }

  getRequest(id: string) {
    return this.one(
      `SELECT ${REQUEST_COLUMNS} FROM ${this.c.s}.join_requests WHERE id = $1 FOR UPDATE`,
      [id],
      requestOf,
    )
  }

  getLatestRequest(groupId: GroupId, userId: UserId) {
    return this.one(
      `SELECT ${REQUEST_COLUMNS} FROM ${this.c.s}.join_requests WHERE group_id = $1 AND requester_id = $2 ORDER BY seq DESC LIMIT 1 FOR UPDATE`,
      [groupId, userId],
      requestOf,
    )
  }

  insertRequest(r: JoinRequest) {
    return this.holds(r.groupId)
      ? this.keep({ op: 'request', p: requestParams(r) })
      : this.none(
          `INSERT INTO ${this.c.s}.join_requests (${REQUEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          requestParams(r),
        )
  }

  updateRequest(r: JoinRequest): ResultAsync<void, StorageFailure> {
    return this.holds(r.groupId)
      ? this.keep({ op: 'request-update', p: requestParams(r) })
      : this.run(
          `UPDATE ${this.c.s}.join_requests SET group_id = $2, requester_id = $3, via_kind = $4, via_code = $5, invited_by = $6, message = $7, status = $8,
             created_at = $9, decided_at = $10, decided_by = $11, rejection_reason = $12, read = $13 WHERE id = $1 RETURNING 1`,
          requestParams(r),
          (rows) => rows.length,
        ).andThen((n) => (n === 1 ? okAsync(undefined) : err(storageError('request does not exist'))))
  }

  listRequests(groupId: GroupId, status: JoinRequest['status'], page: Page) {
    return this.keysetPage(
      `${REQUEST_COLUMNS} FROM ${this.c.s}.join_requests WHERE group_id = $1 AND status = $2`,
      [groupId, status],
      { at: 'created_at', id: 'id', page, map: requestOf },
    )
  }

  listPendingRequestsOfUser(userId: UserId, page: Page) {
    return this.keysetPage(
      `${REQUEST_COLUMNS} FROM ${this.c.s}.join_requests WHERE requester_id = $1 AND status = 'pending'`,
      [userId],
      { at: 'created_at', id: 'id', page, map: requestOf },
    )
  }

  countPendingRequests(groupId: GroupId) {
    return this.run(
      `SELECT count(*)::integer AS total, count(*) FILTER (WHERE NOT read)::integer AS unread
         FROM ${this.c.s}.join_requests WHERE group_id = $1 AND status = 'pending'`,
      [groupId],
      (rows) => ({ total: Number(rows[0]?.total ?? 0), unread: Number(rows[0]?.unread ?? 0) }),
    )
  }

  markRequestsRead(groupId: GroupId) {
    return this.run(
      `UPDATE ${this.c.s}.join_requests SET read = true WHERE group_id = $1 AND status = 'pending' AND NOT read RETURNING 1`,
      [groupId],
      (rows) => rows.length,
    )
  }

  getRemoval(groupId: GroupId, userId: UserId) {
    return this.one(
      `SELECT * FROM ${this.c.s}.removals WHERE group_id = $1 AND user_id = $2`,
      [groupId, userId],
      removalOf,
    )
  }

  putRemoval(r: Removal) {
    return this.none(
      `INSERT INTO ${this.c.s}.removals (group_id, user_id, kind, removed_by, removed_at, until, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (group_id, user_id) DO UPDATE SET kind = EXCLUDED.kind, removed_by = EXCLUDED.removed_by,
         removed_at = EXCLUDED.removed_at, until = EXCLUDED.until, reason = EXCLUDED.reason`,
      [r.groupId, r.userId, r.kind, r.by, r.at, r.until, r.reason],
    )
  }

  deleteRemoval(groupId: GroupId, userId: UserId) {
    return this.run(
      `DELETE FROM ${this.c.s}.removals WHERE group_id = $1 AND user_id = $2 RETURNING 1`,
      [groupId, userId],
      (rows) => rows.length === 1,
    )
  }

  // Kept for append_events (migration 13): the events, their groups' streams made due for a relay (migration 5), and the wake-up,
  // in one statement there. Streams in group order, so two transactions touching the same groups lock them in the
  // same order. Only a stream that was idle (nothing due before this) notifies: one a relay is already draining is
  // read again by it, so a busy group does not notify on every commit (notifying commits queue on one
  // database-wide lock).
  appendEvents(events: readonly DomainEvent[]) {
    return events.length === 0 ? okAsync(undefined) : this.keep({ op: 'events', p: events })
  }

  readGroupEvents(groupId: GroupId, after: number | null, limit: number) {
    return this.run(
      `SELECT id, event FROM ${this.c.s}.outbox WHERE group_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [groupId, after ?? 0, limit],
      (rows) => rows.map(storedEventOf),
    )
  }

  // Two ordered index scans (migration 12: outbox_by_actor, outbox_by_subject), each stopping at `limit`, merged
  // by id: one OR over both would let the planner walk the whole outbox in id order for a user with few events.
  readUserEvents(userId: UserId, after: number | null, limit: number) {
    return this.run(`${userEventsQuery(this.c.s)} ORDER BY id LIMIT $3`, [userId, after ?? 0, limit], (rows) =>
      rows.map(storedEventOf),
    )
  }

  lastGroupEventSeq(groupId: GroupId) {
    return this.one(`SELECT max(id) AS id FROM ${this.c.s}.outbox WHERE group_id = $1`, [groupId], (row) =>
      row.id === null ? null : Number(row.id),
    ).map((seq) => seq ?? null)
  }
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

  const config: StoreConfig = { s, schema, notify, serial: db.serial === true }

  const store: PostgresStore = {
    transaction: <T, E>(work: (tx: StoreTx) => ResultAsync<T, E>) =>
      new ResultAsync<T, E | StorageFailure>(
        db
          .transaction(async (q) => {
            const tx = new SqlStoreTx(q, config)
            const result = await work(tx)
            if (result.isErr()) throw new Rollback(result as Result<never, unknown>)
            await tx.finish()
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
