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

const pairKey = (groupId: GroupId, userId: UserId) => `${groupId}\u0000${userId}`

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
  const members = new Map<GroupId, Map<UserId, Membership>>()
  // Each group's member ids in (joinedAt, userId) order, so a page of members costs a binary search, not a sort
  // of the whole group (a million members must list as fast as ten).
  const memberOrder = new Map<GroupId, UserId[]>()
  // Most users are in one group: keep the id itself, and a Set only from the second group on (memory per member).
  const groupsOfUser = new Map<UserId, GroupId | Set<GroupId>>()
  const requests = new Map<string, JoinRequest>()
  const latestRequest = new Map<string, string>()
  // The one pending request of each (group, user), whatever was inserted after it: the port's uniqueness rule.
  const pendingByPair = new Map<string, string>()
  const requestsByGroup = new Map<GroupId, Set<string>>()
  const removals = new Map<string, Removal>()
  let events: DomainEvent[] = []
  // Each group's events with their seq, trimmed like `events`; `nextSeq` only grows (a rolled-back seq is skipped).
  const eventsByGroup = new Map<GroupId, StoredEvent[]>()
  let nextSeq = 1
  let stagedStored: StoredEvent[] = []
  const exclusive = createMutex()

  /** Sets `map[key] = value` (or deletes it when `value` is undefined) and journals how to undo it. */
  function write<K, V>(undo: (() => void)[], map: Map<K, V>, key: K, value: V | undefined): void {
    const had = map.has(key)
    const before = map.get(key)
    if (value === undefined) map.delete(key)
    else map.set(key, value)
    undo.push(() => {
      if (had) map.set(key, before as V)
      else map.delete(key)
    })
  }

  function addToSet<K, V>(undo: (() => void)[], index: Map<K, Set<V>>, key: K, value: V): void {
    const set = getOrCreate(index, key, () => new Set<V>())
    if (set.has(value)) return
    set.add(value)
    undo.push(() => set.delete(value))
  }

  function removeFromSet<K, V>(undo: (() => void)[], index: Map<K, Set<V>>, key: K, value: V): void {
    const set = index.get(key)
    if (!set?.delete(value)) return
    undo.push(() => set.add(value))
  }

  function indexUser(undo: (() => void)[], userId: UserId, groupId: GroupId): void {
    const current = groupsOfUser.get(userId)
    if (current === undefined) write(undo, groupsOfUser, userId, groupId)
    else if (typeof current === 'string') {
      if (current !== groupId) write(undo, groupsOfUser, userId, new Set([current, groupId]))
    } else addToSet(undo, groupsOfUser as Map<UserId, Set<GroupId>>, userId, groupId)
  }

  function unindexUser(undo: (() => void)[], userId: UserId, groupId: GroupId): void {
    const current = groupsOfUser.get(userId)
    if (current === groupId) write(undo, groupsOfUser, userId, undefined)
    else if (current instanceof Set) removeFromSet(undo, groupsOfUser as Map<UserId, Set<GroupId>>, userId, groupId)
  }

  function setMemberCount(undo: (() => void)[], groupId: GroupId, delta: number): void {
    const group = groups.get(groupId)
    if (group) write(undo, groups, groupId, { ...group, memberCount: group.memberCount + delta })
  }

  // The journal of the running transaction. Transactions run one at a time, so one journal and one `StoreTx` object
  // serve them all: a transaction allocates no closures of its own (the join path runs thousands per second).
  let undo: (() => void)[] = []
  let staged: DomainEvent[] = []

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
              (query.visibleTo !== null && (members.get(g.id)?.has(query.visibleTo) ?? false)),
            query,
          ),
        ),
      insertGroup: (group) => {
        if (groups.has(group.id)) return refuse(`group ${group.id} exists`)
        write(undo, groups, group.id, { ...group, memberCount: 0 })
        return okAsync(undefined)
      },
      updateGroup: (id, change) => {
        const current = groups.get(id)
        if (!current) return refuse(`group ${id} does not exist`)
        const next = { ...current, ...definedFields(change) }
        if (change.attributes) next.attributes = { ...current.attributes, ...change.attributes }
        write(undo, groups, id, next)
        return okAsync(undefined)
      },
      deleteGroup: (id) => {
        for (const code of [...(linksByGroup.get(id) ?? [])]) write(undo, links, code, undefined)
        write(undo, linksByGroup, id, undefined)
        for (const userId of [...(members.get(id)?.keys() ?? [])]) {
          unindexUser(undo, userId, id)
        }
        write(undo, members, id, undefined)
        write(undo, memberOrder, id, undefined)
        for (const requestId of [...(requestsByGroup.get(id) ?? [])]) {
          const request = requests.get(requestId)
          if (request) {
            write(undo, latestRequest, pairKey(id, request.requesterId), undefined)
            write(undo, pendingByPair, pairKey(id, request.requesterId), undefined)
          }
          write(undo, requests, requestId, undefined)
        }
        write(undo, requestsByGroup, id, undefined)
        for (const key of [...removals.keys()]) if (key.startsWith(`${id}\u0000`)) write(undo, removals, key, undefined)
        write(undo, groups, id, undefined)
        return okAsync(undefined)
      },

      getLink: (code) => okAsync(links.get(code) ?? null),
      readJoinState: (target, userId) => {
        const link = 'code' in target ? (links.get(target.code) ?? null) : null
        const groupId = 'code' in target ? link?.groupId : target.groupId
        const group = (groupId !== undefined && groups.get(groupId)) || null
        const key = group ? pairKey(group.id, userId) : null
        const latestId = key ? latestRequest.get(key) : undefined
        return okAsync({
          link,
          group,
          membership: (group && members.get(group.id)?.get(userId)) || null,
          latestRequest: (latestId && requests.get(latestId)) || null,
          removal: (key && removals.get(key)) || null,
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
        write(undo, links, link.code, link)
        addToSet(undo, linksByGroup, link.groupId, link.code)
        return okAsync(undefined)
      },
      updateLink: (code, change) => {
        const current = links.get(code)
        if (!current) return refuse('join link does not exist')
        write(undo, links, code, { ...current, ...definedFields(change) })
        return okAsync(undefined)
      },

      countOnLink: (code, change) => {
        const link = links.get(code)
        if (!link) return okAsync(undefined)
        const c = link.counters
        const refusals = change.refusal
          ? { ...c.refusals, [change.refusal]: (c.refusals[change.refusal] ?? 0) + 1 }
          : c.refusals
        const counters = {
          uses: c.uses + (change.uses ?? 0),
          pending: Math.max(0, c.pending + (change.pending ?? 0)),
          refusals,
        }
        write(undo, links, code, { ...link, counters })
        return okAsync(undefined)
      },

      getMembership: (groupId, userId) => okAsync(members.get(groupId)?.get(userId) ?? null),
      insertMembership: (membership, limit) => {
        const group = groups.get(membership.groupId)
        if (!group) return refuse('group does not exist')
        const roster = getOrCreate(members, membership.groupId, () => new Map<UserId, Membership>())
        if (roster.has(membership.userId)) return okAsync('exists' as const)
        if (limit !== null && group.memberCount >= limit) return okAsync('limit-reached' as const)
        write(undo, roster, membership.userId, membership)
        const order = getOrCreate(memberOrder, membership.groupId, () => [] as UserId[])
        const at = firstAfter(order, roster, { at: membership.joinedAt, id: membership.userId }, true)
        order.splice(at, 0, membership.userId)
        undo.push(() => order.splice(at, 1))
        indexUser(undo, membership.userId, membership.groupId)
        setMemberCount(undo, membership.groupId, 1)
        return okAsync('inserted' as const)
      },
      updateMembershipRole: (groupId, userId, role) => {
        const roster = members.get(groupId)
        const current = roster?.get(userId)
        if (!roster || !current) return refuse('membership does not exist')
        write(undo, roster, userId, { ...current, role })
        return okAsync(undefined)
      },
      deleteMembership: (groupId, userId) => {
        const roster = members.get(groupId)
        const current = roster?.get(userId)
        if (!roster || !current) return okAsync(false)
        const order = memberOrder.get(groupId)
        if (order) {
          const at = firstAfter(order, roster, { at: current.joinedAt, id: userId }, true)
          order.splice(at, 1)
          undo.push(() => order.splice(at, 0, userId))
        }
        write(undo, roster, userId, undefined)
        unindexUser(undo, userId, groupId)
        setMemberCount(undo, groupId, -1)
        return okAsync(true)
      },
      listMembers: (groupId, page) => {
        const roster = members.get(groupId)
        const order = memberOrder.get(groupId)
        if (!roster || !order) return okAsync([])
        const from = page.after ? firstAfter(order, roster, page.after, false) : 0
        return okAsync(order.slice(from, from + page.limit).flatMap((userId) => roster.get(userId) ?? []))
      },
      listMembershipsOfUser: (userId, page) => {
        const indexed = groupsOfUser.get(userId)
        const ids = indexed === undefined ? [] : typeof indexed === 'string' ? [indexed] : [...indexed]
        const rows = ids.flatMap((g) => members.get(g)?.get(userId) ?? [])
        return okAsync(pageOf(rows, (m) => ({ at: m.joinedAt, id: m.groupId }), page))
      },

      getRequest: (id) => okAsync(requests.get(id) ?? null),
      getLatestRequest: (groupId, userId) => {
        const id = latestRequest.get(pairKey(groupId, userId))
        return okAsync((id && requests.get(id)) || null)
      },
      insertRequest: (request) => {
        if (!groups.has(request.groupId)) return refuse('group does not exist')
        const key = pairKey(request.groupId, request.requesterId)
        if (request.status === 'pending' && pendingByPair.has(key)) {
          return refuse('a pending request of this user for this group exists')
        }
        if (requests.has(request.id)) return refuse('duplicate request id')
        write(undo, requests, request.id, request)
        write(undo, latestRequest, key, request.id)
        if (request.status === 'pending') write(undo, pendingByPair, key, request.id)
        addToSet(undo, requestsByGroup, request.groupId, request.id)
        return okAsync(undefined)
      },
      updateRequest: (request) => {
        if (!requests.has(request.id)) return refuse('request does not exist')
        const key = pairKey(request.groupId, request.requesterId)
        const pendingId = pendingByPair.get(key)
        if (request.status === 'pending' && pendingId !== undefined && pendingId !== request.id) {
          return refuse('a pending request of this user for this group exists')
        }
        if (request.status === 'pending') write(undo, pendingByPair, key, request.id)
        else if (pendingId === request.id) write(undo, pendingByPair, key, undefined)
        write(undo, requests, request.id, request)
        return okAsync(undefined)
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
          write(undo, requests, id, { ...r, read: true })
          changed++
        }
        return okAsync(changed)
      },

      getRemoval: (groupId, userId) => okAsync(removals.get(pairKey(groupId, userId)) ?? null),
      putRemoval: (removal) => {
        if (!groups.has(removal.groupId)) return refuse('group does not exist')
        write(undo, removals, pairKey(removal.groupId, removal.userId), removal)
        return okAsync(undefined)
      },
      deleteRemoval: (groupId, userId) => {
        const key = pairKey(groupId, userId)
        if (!removals.has(key)) return okAsync(false)
        write(undo, removals, key, undefined)
        return okAsync(true)
      },

      appendEvents: (list) => {
        staged.push(...list)
        for (const event of list) stagedStored.push({ seq: nextSeq++, event })
        return okAsync(undefined)
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

  return {
    transaction: <T, E>(work: (tx: StoreTx) => ResultAsync<T, E>) =>
      new ResultAsync<T, E | StorageFailure>(
        exclusive(async (): Promise<Result<T, E | StorageFailure>> => {
          undo = []
          staged = []
          stagedStored = []
          const journal = undo
          const rollback = () => {
            for (let i = journal.length - 1; i >= 0; i--) journal[i]?.()
          }
          try {
            const result = await work(tx)
            if (result.isErr()) rollback()
            else if (staged.length > 0) {
              events.push(...staged)
              // Trimmed in batches, so keeping the newest events costs O(1) per commit, not a copy of the log.
              if (events.length > 2 * eventLogLimit) events = events.slice(events.length - eventLogLimit)
              for (const stored of stagedStored) {
                const list = eventsByGroup.get(stored.event.groupId) ?? []
                if (list.length === 0) eventsByGroup.set(stored.event.groupId, list)
                list.push(stored)
                if (list.length > 2 * eventLogLimit) list.splice(0, list.length - eventLogLimit)
              }
            }
            return result
          } catch (cause) {
            rollback()
            return err(storageError('a store transaction threw', cause))
          }
        }),
      ),
    recentEvents: () => events.slice(Math.max(0, events.length - eventLogLimit)),
  }
}

/**
 * The index in `order` of the first member whose (joinedAt, userId) is after `key` (or, with `inclusive`, at or
 * after it): a binary search over the group's ordered ids.
 */
function firstAfter(
  order: readonly UserId[],
  roster: ReadonlyMap<UserId, Membership>,
  key: ListKey,
  inclusive: boolean,
): number {
  let low = 0
  let high = order.length
  while (low < high) {
    const mid = (low + high) >>> 1
    const m = roster.get(order[mid] as UserId)
    const c = m ? compareKeys({ at: m.joinedAt, id: m.userId }, key) : -1
    if (c < 0 || (c === 0 && !inclusive)) low = mid + 1
    else high = mid
  }
  return low
}

/** The fields of a change that are set: an `undefined` field means "leave it", as in the SQL stores. */
function definedFields<T extends object>(change: T): Partial<T> {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** A write the store refuses because it would break an invariant the core relies on. */
function refuse(message: string) {
  return errAsync(storageError(message))
}
