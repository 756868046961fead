import { err, errAsync, okAsync, type Result, ResultAsync } from 'neverthrow'
import { type StorageFailure, storageError } from '../domain/errors.js'
import type { DomainEvent } from '../domain/events.js'
import type { Group, GroupId, UserId } from '../domain/group.js'
import type { JoinLink } from '../domain/join-link.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import type { Removal } from '../domain/removal.js'
import { queryGroups } from '../internal/group-query.js'
import { compareKeys, pageOf } from '../internal/keyset.js'
import { createMutex } from '../internal/mutex.js'
import type { ListKey, MembershipStore, StoredEvent, StoreTx } from '../ports/membership-store.js'

export interface InMemoryStoreOptions {
  /** How many committed events `recentEvents()` keeps (the oldest go first). Default 10,000. */
  readonly eventLogLimit?: number
}

export interface InMemoryStore extends MembershipStore {
  /** The newest committed events, oldest first: an outbox for tests and small services. */
  recentEvents(): readonly DomainEvent[]
}

// A settled answer can be awaited any number of times: the writes that answer nothing share one.
const DONE: ResultAsync<void, never> = okAsync(undefined)
const YES = okAsync(true)
const NO = okAsync(false)
const INSERTED = okAsync('inserted' as const)
const EXISTS = okAsync('exists' as const)
const LIMIT_REACHED = okAsync('limit-reached' as const)

/** Rows keyed by (group, user): a map per group, so a lookup hashes the ids it is given and builds no key. */
type ByPair<V> = Map<GroupId, Map<UserId, V>>

// Factories for getOrCreate, made once: an arrow written at each call would be a closure allocated per call.
const newMap = <K, V>() => new Map<K, V>()
const newSet = <V>() => new Set<V>()
const newList = <V>(): V[] => []

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key)
  if (value === undefined) {
    value = create()
    map.set(key, value)
  }
  return value
}

/**
 * A store that keeps everything in this process's memory: for tests, demos and single-process services that
 * may lose their state on restart. Transactions run one at a time; a failed one is undone from a journal.
 */
export function createInMemoryStore(options: InMemoryStoreOptions = {}): InMemoryStore {
  const eventLogLimit = options.eventLogLimit ?? 10_000
  const groups = new Map<GroupId, Group>()
  const links = new Map<string, JoinLink>()
  const linksByGroup = new Map<GroupId, Set<string>>()
  // Every membership, by user: the membership itself for a user in one group (most users), a map by group from the
  // second group on. One map serves "is this user a member of that group" and "the groups of this user", so a join
  // looks its user up once, in one map, and stores one entry (a lookup in a million-entry map is a cache miss).
  const memberships = new Map<UserId, Membership | Map<GroupId, Membership>>()
  // Each group's member ids in (joinedAt, userId) order, so a page of members costs a binary search, not a sort
  // of the whole group (a million members must list as fast as ten).
  const memberOrder = new Map<GroupId, UserId[]>()
  const requests = new Map<string, JoinRequest>()
  const latestRequest: ByPair<string> = new Map()
  // The one pending request of each (group, user), whatever was inserted after it: the port's uniqueness rule.
  const pendingByPair: ByPair<string> = new Map()
  const requestsByGroup = new Map<GroupId, Set<string>>()
  const removals: ByPair<Removal> = new Map()
  let events: DomainEvent[] = []
  // Each group's events with their seq, trimmed like `events`; `nextSeq` only grows (a rolled-back seq is skipped).
  const eventsByGroup = new Map<GroupId, StoredEvent[]>()
  let nextSeq = 1
  const stagedStored: StoredEvent[] = []
  const exclusive = createMutex()

  /** Sets `map[key] = value` (or deletes it when `value` is undefined) and journals how to undo it. */
  function write<K, V>(map: Map<K, V>, key: K, value: V | undefined): void {
    record(restoreEntry, map, key, map.get(key))
    if (value === undefined) map.delete(key)
    else map.set(key, value)
  }

  function addToSet<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
    const set = getOrCreate(index, key, newSet<V>)
    if (set.has(value)) return
    set.add(value)
    record(deleteFromSet, set, value, undefined)
  }

  /** The membership of `userId` in `groupId`, or `undefined`. */
  function membershipOf(groupId: GroupId, userId: UserId): Membership | undefined {
    const held = memberships.get(userId)
    if (held === undefined) return undefined
    if (held instanceof Map) return held.get(groupId)
    return held.groupId === groupId ? held : undefined
  }

  /** Stores `m` as the user's membership in its group (new, or replacing the one there). */
  function putMembership(m: Membership): void {
    const held = memberships.get(m.userId)
    if (held === undefined) {
      // The user's first group (the common case): known absent, so journaled without a second lookup.
      memberships.set(m.userId, m)
      record(restoreEntry, memberships, m.userId, undefined)
    } else if (held instanceof Map) write(held, m.groupId, m)
    else if (held.groupId === m.groupId) write(memberships, m.userId, m)
    else
      write(
        memberships,
        m.userId,
        new Map([
          [held.groupId, held],
          [m.groupId, m],
        ]),
      )
  }

  function dropMembership(groupId: GroupId, userId: UserId): void {
    const held = memberships.get(userId)
    if (held instanceof Map) {
      write(held, groupId, undefined)
      if (held.size === 0) write(memberships, userId, undefined)
    } else if (held?.groupId === groupId) write(memberships, userId, undefined)
  }

  function setMemberCount(groupId: GroupId, delta: number): void {
    const group = groups.get(groupId)
    if (group) writeRow(groups, groupId, group, { memberCount: group.memberCount + delta })
  }

  /**
   * Sets fields of a stored row (a group, a link) by copy-on-write: rows handed out are never changed, so the first
   * write of a transaction copies the row and journals the original, and its later writes change that copy, which
   * nobody outside the transaction has seen yet (a join moves its group's count and then its activity time).
   */
  function writeRow<K, V extends object>(map: Map<K, V>, key: K, row: V, change: Partial<V>): V {
    if (copied.includes(row)) return Object.assign(row, change)
    const next = { ...row, ...change }
    copied.push(next)
    write(map, key, next)
    return next
  }

  // The journal of the running transaction: how to undo each write, four slots per write (an undo function from
  // the bottom of this file and its three arguments), newest last. Transactions run one at a time, so one journal
  // and one `StoreTx` object serve them all: a transaction allocates no closures of its own (the join path runs
  // hundreds of thousands per second).
  const journal: unknown[] = []
  // Slots of `journal` in use. The array keeps its length between transactions (setting it to 0 would drop its
  // storage and make every transaction grow a new one); slots past `journaled` are stale and never read.
  let journaled = 0

  function record(undo: Undo, a: unknown, b: unknown, c: unknown): void {
    journal[journaled] = undo
    journal[journaled + 1] = a
    journal[journaled + 2] = b
    journal[journaled + 3] = c
    journaled += 4
  }
  const staged: DomainEvent[] = []
  // The rows the running transaction copied (see `writeRow`): one or two for most commands, so a list (a Set's
  // clear() would allocate a new table at the end of every transaction).
  const copied: object[] = []

  function makeTx(): StoreTx {
    return {
      // Transactions already run one at a time here: holding a group needs nothing more than reading it.
      lockGroup: (target) => {
        const id = 'groupId' in target ? target.groupId : links.get(target.code)?.groupId
        return okAsync((id !== undefined && groups.get(id)) || null)
      },
      lockOwnedGroups: (ownerId) => {
        let owned = 0
        for (const g of groups.values()) if (g.ownerId === ownerId) owned++
        return okAsync(owned)
      },
      getGroup: (id) => okAsync(groups.get(id) ?? null),
      listGroups: (query) =>
        okAsync(
          queryGroups(
            groups.values(),
            (g) =>
              query.everyGroup === true ||
              g.visibility === 'public' ||
              (query.visibleTo !== null && membershipOf(g.id, query.visibleTo) !== undefined),
            query,
          ),
        ),
      insertGroup: (group) => {
        if (groups.has(group.id)) return refuse(`group ${group.id} exists`)
        write(groups, group.id, { ...group, memberCount: 0 })
        return DONE
      },
      updateGroup: (id, change) => {
        const current = groups.get(id)
        if (!current) return refuse(`group ${id} does not exist`)
        const fields: { -readonly [K in keyof Group]?: Group[K] } = definedFields(change) as Partial<Group>
        if (change.attributes) fields.attributes = { ...current.attributes, ...change.attributes }
        writeRow(groups, id, current, fields)
        return DONE
      },
      deleteGroup: (id) => {
        for (const code of [...(linksByGroup.get(id) ?? [])]) write(links, code, undefined)
        write(linksByGroup, id, undefined)
        for (const userId of memberOrder.get(id) ?? []) dropMembership(id, userId)
        write(memberOrder, id, undefined)
        for (const requestId of [...(requestsByGroup.get(id) ?? [])]) write(requests, requestId, undefined)
        write(requestsByGroup, id, undefined)
        write(latestRequest, id, undefined)
        write(pendingByPair, id, undefined)
        write(removals, id, undefined)
        write(groups, id, undefined)
        return DONE
      },

      getLink: (code) => okAsync(links.get(code) ?? null),
      readJoinState: (target, userId) => {
        const link = 'code' in target ? (links.get(target.code) ?? null) : null
        const groupId = 'code' in target ? link?.groupId : target.groupId
        const group = (groupId !== undefined && groups.get(groupId)) || null
        const latestId = group ? latestRequest.get(group.id)?.get(userId) : undefined
        return okAsync({
          link,
          group,
          membership: (group && membershipOf(group.id, userId)) || null,
          latestRequest: (latestId && requests.get(latestId)) || null,
          removal: (group && removals.get(group.id)?.get(userId)) || null,
        })
      },
      listLinks: (groupId) => {
        const list = [...(linksByGroup.get(groupId) ?? [])].flatMap((code) => links.get(code) ?? [])
        list.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        return okAsync(list)
      },
      insertLink: (link) => {
        if (!groups.has(link.groupId)) return refuse('group does not exist')
        if (links.has(link.code)) return refuse('duplicate join-link code')
        write(links, link.code, link)
        addToSet(linksByGroup, link.groupId, link.code)
        return DONE
      },
      updateLink: (code, change) => {
        const current = links.get(code)
        if (!current) return refuse('join link does not exist')
        writeRow(links, code, current, definedFields(change) as Partial<JoinLink>)
        return DONE
      },

      countOnLink: (code, change) => {
        const link = links.get(code)
        if (!link) return DONE
        const c = link.counters
        const refusals = change.refusal
          ? { ...c.refusals, [change.refusal]: (c.refusals[change.refusal] ?? 0) + 1 }
          : c.refusals
        const counters = {
          uses: c.uses + (change.uses ?? 0),
          pending: Math.max(0, c.pending + (change.pending ?? 0)),
          refusals,
        }
        writeRow(links, code, link, { counters })
        return DONE
      },

      getMembership: (groupId, userId) => okAsync(membershipOf(groupId, userId) ?? null),
      insertMembership: (membership, limit) => {
        const group = groups.get(membership.groupId)
        if (!group) return refuse('group does not exist')
        if (membershipOf(membership.groupId, membership.userId)) return EXISTS
        if (limit !== null && group.memberCount >= limit) return LIMIT_REACHED
        putMembership(membership)
        const order = getOrCreate(memberOrder, membership.groupId, newList<UserId>)
        const at = insertionPoint(order, membershipOf, membership)
        if (at === order.length) order.push(membership.userId)
        else order.splice(at, 0, membership.userId)
        record(unsplice, order, at, undefined)
        setMemberCount(membership.groupId, 1)
        return INSERTED
      },
      updateMembershipRole: (groupId, userId, role) => {
        const current = membershipOf(groupId, userId)
        if (!current) return refuse('membership does not exist')
        putMembership({ ...current, role })
        return DONE
      },
      deleteMembership: (groupId, userId) => {
        const current = membershipOf(groupId, userId)
        if (!current) return NO
        const order = memberOrder.get(groupId)
        if (order) {
          const at = firstAfter(order, groupId, membershipOf, { at: current.joinedAt, id: userId }, true)
          order.splice(at, 1)
          record(resplice, order, at, userId)
        }
        dropMembership(groupId, userId)
        setMemberCount(groupId, -1)
        return YES
      },
      listMembers: (groupId, page) => {
        const order = memberOrder.get(groupId)
        if (!order) return okAsync([])
        const from = page.after ? firstAfter(order, groupId, membershipOf, page.after, false) : 0
        return okAsync(order.slice(from, from + page.limit).flatMap((userId) => membershipOf(groupId, userId) ?? []))
      },
      listMembershipsOfUser: (userId, page) => {
        const held = memberships.get(userId)
        const rows = held === undefined ? [] : held instanceof Map ? [...held.values()] : [held]
        return okAsync(pageOf(rows, (m) => ({ at: m.joinedAt, id: m.groupId }), page))
      },

      getRequest: (id) => okAsync(requests.get(id) ?? null),
      getLatestRequest: (groupId, userId) => {
        const id = latestRequest.get(groupId)?.get(userId)
        return okAsync((id && requests.get(id)) || null)
      },
      insertRequest: (request) => {
        if (!groups.has(request.groupId)) return refuse('group does not exist')
        const pending = getOrCreate(pendingByPair, request.groupId, newMap<UserId, string>)
        const key = request.requesterId
        if (request.status === 'pending' && pending.has(key)) {
          return refuse('a pending request of this user for this group exists')
        }
        if (requests.has(request.id)) return refuse('duplicate request id')
        write(requests, request.id, request)
        write(getOrCreate(latestRequest, request.groupId, newMap<UserId, string>), key, request.id)
        if (request.status === 'pending') write(pending, key, request.id)
        addToSet(requestsByGroup, request.groupId, request.id)
        return DONE
      },
      updateRequest: (request) => {
        if (!requests.has(request.id)) return refuse('request does not exist')
        const pending = getOrCreate(pendingByPair, request.groupId, newMap<UserId, string>)
        const key = request.requesterId
        const pendingId = pending.get(key)
        if (request.status === 'pending' && pendingId !== undefined && pendingId !== request.id) {
          return refuse('a pending request of this user for this group exists')
        }
        if (request.status === 'pending') write(pending, key, request.id)
        else if (pendingId === request.id) write(pending, key, undefined)
        write(requests, request.id, request)
        return DONE
      },
      listRequests: (groupId, status, page) => {
        const rows = [...(requestsByGroup.get(groupId) ?? [])].flatMap((id) => {
          const r = requests.get(id)
          return r && r.status === status ? [r] : []
        })
        return okAsync(pageOf(rows, (r) => ({ at: r.createdAt, id: r.id }), page))
      },
      listPendingRequestsOfUser: (userId, page) => {
        const rows = [...requests.values()].filter((r) => r.requesterId === userId && r.status === 'pending')
        return okAsync(pageOf(rows, (r) => ({ at: r.createdAt, id: r.id }), page))
      },
      countPendingRequests: (groupId) => {
        let total = 0
        let unread = 0
        for (const id of requestsByGroup.get(groupId) ?? []) {
          const r = requests.get(id)
          if (r?.status !== 'pending') continue
          total++
          if (!r.read) unread++
        }
        return okAsync({ total, unread })
      },
      markRequestsRead: (groupId) => {
        let changed = 0
        for (const id of requestsByGroup.get(groupId) ?? []) {
          const r = requests.get(id)
          if (r?.status !== 'pending' || r.read) continue
          write(requests, id, { ...r, read: true })
          changed++
        }
        return okAsync(changed)
      },

      getRemoval: (groupId, userId) => okAsync(removals.get(groupId)?.get(userId) ?? null),
      putRemoval: (removal) => {
        if (!groups.has(removal.groupId)) return refuse('group does not exist')
        write(getOrCreate(removals, removal.groupId, newMap<UserId, Removal>), removal.userId, removal)
        return DONE
      },
      deleteRemoval: (groupId, userId) => {
        const inGroup = removals.get(groupId)
        if (!inGroup?.has(userId)) return NO
        write(inGroup, userId, undefined)
        return YES
      },

      appendEvents: (list) => {
        staged.push(...list)
        for (const event of list) stagedStored.push({ seq: nextSeq++, event })
        return DONE
      },

      readGroupEvents: (groupId, after, limit) => {
        const all = [...(eventsByGroup.get(groupId) ?? []), ...stagedStored.filter((e) => e.event.groupId === groupId)]
        return okAsync(all.filter((e) => after === null || e.seq > after).slice(0, limit))
      },

      readUserEvents: (userId, after, limit) => {
        const names = (e: StoredEvent) =>
          e.event.actor === userId || ('subject' in e.event && e.event.subject === userId)
        const all = [...[...eventsByGroup.values()].flat(), ...stagedStored].filter(
          (e) => (after === null || e.seq > after) && names(e),
        )
        return okAsync(all.sort((a, b) => a.seq - b.seq).slice(0, limit))
      },

      lastGroupEventSeq: (groupId) => {
        const mine = stagedStored.filter((e) => e.event.groupId === groupId)
        const last = mine.at(-1) ?? eventsByGroup.get(groupId)?.at(-1)
        return okAsync(last?.seq ?? null)
      },
    }
  }

  const tx = makeTx()

  function rollback(): void {
    for (let i = journaled - 4; i >= 0; i -= 4) {
      ;(journal[i] as Undo)(journal[i + 1], journal[i + 2], journal[i + 3])
    }
  }

  function commit(): void {
    for (const event of staged) events.push(event)
    // Trimmed in batches, so keeping the newest events costs O(1) per commit, not a copy of the log.
    if (events.length > 2 * eventLogLimit) events = events.slice(events.length - eventLogLimit)
    for (const stored of stagedStored) {
      const list = eventsByGroup.get(stored.event.groupId) ?? []
      if (list.length === 0) eventsByGroup.set(stored.event.groupId, list)
      list.push(stored)
      if (list.length > 2 * eventLogLimit) list.splice(0, list.length - eventLogLimit)
    }
  }

  /** Ends the running transaction: the journal and the staged events are dropped, the next one may start. */
  function end(): void {
    // A transaction that wrote a lot (a group deleted with its members) lets go of what its journal holds.
    if (journaled > JOURNAL_KEPT) journal.length = 0
    journaled = 0
    copied.length = 0
    staged.length = 0
    stagedStored.length = 0
    exclusive.release()
  }

  function settle<T>(result: T & Result<unknown, unknown>): T {
    try {
      if (result.isErr()) rollback()
      else if (staged.length > 0) commit()
      return result
    } finally {
      end()
    }
  }

  function fail(cause: unknown): Result<never, StorageFailure> {
    try {
      rollback()
      return err(storageError('a store transaction threw', cause))
    } finally {
      end()
    }
  }

  function run<T, E>(work: (tx: StoreTx) => ResultAsync<T, E>): Promise<Result<T, E | StorageFailure>> {
    let pending: ResultAsync<T, E>
    try {
      pending = work(tx)
    } catch (cause) {
      return Promise.resolve(fail(cause))
    }
    // No async function around it: the work's own promise, settled by `settle` or `fail`, is the transaction's.
    return pending.then(settle, fail) as Promise<Result<T, E | StorageFailure>>
  }

  function transaction<T, E>(work: (tx: StoreTx) => ResultAsync<T, E>): ResultAsync<T, E | StorageFailure> {
    // Free (nothing running): taken at once, without a promise; else queued behind the running transaction.
    const queued = exclusive.acquire()
    return new ResultAsync(queued === null ? run(work) : queued.then(() => run(work)))
  }

  return {
    transaction,
    recentEvents: () => events.slice(Math.max(0, events.length - eventLogLimit)),
  }
}

/** How the order functions find a member of the group they order. */
type MemberLookup = (groupId: GroupId, userId: UserId) => Membership | undefined

/**
 * The index in `order` (the members of `groupId`), between `low` and `high`, of the first member whose
 * (joinedAt, userId) is after `key` (or, with `inclusive`, at or after it): a binary search over the ordered ids.
 */
function firstAfter(
  order: readonly UserId[],
  groupId: GroupId,
  memberOf: MemberLookup,
  key: ListKey,
  inclusive: boolean,
  low = 0,
  high = order.length,
): number {
  while (low < high) {
    const mid = (low + high) >>> 1
    const m = memberOf(groupId, order[mid] as UserId)
    const c = m ? compareKeys({ at: m.joinedAt, id: m.userId }, key) : -1
    if (c < 0 || (c === 0 && !inclusive)) low = mid + 1
    else high = mid
  }
  return low
}

/**
 * Where a new member goes in `order`: at the end when they joined after everyone listed (a join happens now, so
 * nearly always, in O(1)). Else the search starts from the end, in steps that double (1, 2, 4, … back), and then
 * halves the last step: a member who joined in the same millisecond as the last ones, ids in any order, is placed
 * in a few lookups among them, not in a search of the whole group.
 */
function insertionPoint(order: readonly UserId[], memberOf: MemberLookup, m: Membership): number {
  const key = { at: m.joinedAt, id: m.userId }
  let high = order.length
  let step = 1
  while (high > 0) {
    const at = Math.max(0, high - step)
    const other = memberOf(m.groupId, order[at] as UserId)
    // Members listed before `at` are not after the new one: it goes after them.
    if (!other || joinedBefore(other, m)) {
      return firstAfter(order, m.groupId, memberOf, key, true, at + 1, high)
    }
    high = at
    step *= 2
  }
  return 0
}

/** Whether `a` comes before `b` in a group's member order: compareKeys(a, b) < 0, without making the two keys. */
function joinedBefore(a: Membership, b: Membership): boolean {
  const byTime = a.joinedAt.getTime() - b.joinedAt.getTime()
  return byTime < 0 || (byTime === 0 && a.userId < b.userId)
}

/** The fields `change` sets (an `undefined` field means "leave it"). */
function definedFields<C extends object>(change: C): { -readonly [K in keyof C]?: C[K] } {
  const fields: { -readonly [K in keyof C]?: C[K] } = {}
  for (const name in change) if (change[name] !== undefined) fields[name] = change[name]
  return fields
}

/** Journal slots kept between transactions (four per write): beyond this the storage is given back. */
const JOURNAL_KEPT = 4 * 256

/** Undoes one journaled write, given the three arguments journaled with it. */
type Undo = (a: unknown, b: unknown, c: unknown) => void

/** Puts a map's entry back as it was: `before` undefined means there was none (no map here holds undefined). */
const restoreEntry = ((map: Map<unknown, unknown>, key: unknown, before: unknown) => {
  if (before === undefined) map.delete(key)
  else map.set(key, before)
}) as Undo
const deleteFromSet = ((set: Set<unknown>, value: unknown) => set.delete(value)) as Undo
const unsplice = ((order: unknown[], at: number) => order.splice(at, 1)) as Undo
const resplice = ((order: unknown[], at: number, id: unknown) => order.splice(at, 0, id)) as Undo

/** A write the store refuses because it would break an invariant the core relies on. */
function refuse(message: string) {
  return errAsync(storageError(message))
}
