import { errAsync, ResultAsync } from 'neverthrow'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { StorageError } from '../domain/errors.js'
import type { DomainEvent } from '../domain/events.js'
import type { Group, GroupId, UserId } from '../domain/group.js'
import { emptyCounters, type JoinLink } from '../domain/join-link.js'
import type { JoinRequest, JoinRequestStatus } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import type { Removal } from '../domain/removal.js'
import type { ListKey, MembershipStore, Page, StoreTx } from '../ports/membership-store.js'

/** How the suite gets the store under test. */
export interface StoreSetup {
  /**
   * A fresh store for each test. It need not be empty (several tests may share one database): every test
   * makes rows with ids of its own and never counts rows it did not make.
   */
  create(): MembershipStore | Promise<MembershipStore>
  /** Optional clean-up after each test. */
  destroy?(store: MembershipStore): void | Promise<void>
}

// Ids unique across tests and runs, so a store backed by a shared database never shows one test another's rows.
const run36 = Math.floor(Math.random() * 36 ** 6).toString(36)
let sequence = 0
const uid = (prefix: string) => `${prefix}-${run36}-${(sequence++).toString(36).padStart(4, '0')}`

const t0 = new Date('2026-01-01T00:00:00.000Z')
const at = (ms: number) => new Date(t0.getTime() + ms)

function aGroup(overrides: Partial<Group> = {}): Group {
  return {
    id: uid('g'),
    name: 'Group',
    description: '',
    ownerId: uid('owner'),
    createdAt: t0,
    memberLimit: null,
    memberCount: 0,
    lockStatus: 'unlocked',
    admission: 'open',
    visibility: 'public',
    approvers: 'owner',
    allowMultipleLinks: false,
    ...overrides,
  }
}

function aMembership(groupId: GroupId, overrides: Partial<Membership> = {}): Membership {
  return {
    groupId,
    userId: uid('u'),
    role: 'member',
    joinedAt: t0,
    source: { kind: 'added' },
    addedBy: null,
    ...overrides,
  }
}

function aLink(groupId: GroupId, overrides: Partial<JoinLink> = {}): JoinLink {
  return {
    code: uid('code'),
    groupId,
    createdBy: 'owner',
    joinRule: 'anyone',
    requireApproval: false,
    enabled: true,
    createdAt: t0,
    name: null,
    expiresAt: null,
    maxUses: null,
    counters: emptyCounters,
    ...overrides,
  }
}

function aRequest(groupId: GroupId, overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    id: uid('r'),
    groupId,
    requesterId: uid('u'),
    via: { kind: 'direct' },
    message: null,
    status: 'pending',
    createdAt: t0,
    decidedAt: null,
    decidedBy: null,
    rejectionReason: null,
    read: false,
    ...overrides,
  }
}

function aRemoval(groupId: GroupId, userId: UserId, overrides: Partial<Removal> = {}): Removal {
  return { groupId, userId, kind: 'kicked', by: 'owner', at: t0, until: null, reason: null, ...overrides }
}

function anEvent(groupId: GroupId): DomainEvent {
  return { type: 'GroupUpdated', groupId, actor: 'owner', at: t0, fields: ['name'] }
}

/** The rows in the port's keyset order, written out here so the suite does not trust the code it tests. */
function sortedBy<T>(rows: readonly T[], keyOf: (row: T) => ListKey): T[] {
  return [...rows].sort((a, b) => {
    const [ka, kb] = [keyOf(a), keyOf(b)]
    const byTime = ka.at.getTime() - kb.at.getTime()
    if (byTime !== 0) return byTime
    return ka.id < kb.id ? -1 : ka.id > kb.id ? 1 : 0
  })
}

const memberKey = (m: Membership): ListKey => ({ at: m.joinedAt, id: m.userId })
const membershipKey = (m: Membership): ListKey => ({ at: m.joinedAt, id: m.groupId })
const requestKey = (r: JoinRequest): ListKey => ({ at: r.createdAt, id: r.id })

/**
 * The contract of the `MembershipStore` port as a vitest suite: every store implementation runs it.
 * @example
 * describeStoreConformance('my store', { create: () => createMyStore(), destroy: (s) => s.close() })
 */
export function describeStoreConformance(name: string, setup: StoreSetup): void {
  describe(`${name} conforms to the MembershipStore port`, () => {
    let store: MembershipStore
    beforeEach(async () => {
      store = await setup.create()
    })
    afterEach(async () => {
      await setup.destroy?.(store)
    })

    /** Runs one transaction and unwraps its value (an error fails the test). */
    async function run<T>(work: (tx: StoreTx) => ResultAsync<T, StorageError>): Promise<T> {
      return (await store.transaction(work))._unsafeUnwrap()
    }

    /** Runs one transaction that the store must refuse with a StorageError. */
    async function refused(work: (tx: StoreTx) => ResultAsync<unknown, StorageError>): Promise<void> {
      expect((await store.transaction(work))._unsafeUnwrapErr().code).toBe('StorageError')
    }

    async function withGroup(overrides: Partial<Group> = {}): Promise<Group> {
      const group = aGroup(overrides)
      await run((tx) => tx.insertGroup(group))
      return group
    }

    async function join(...memberships: Membership[]): Promise<void> {
      for (const m of memberships) expect(await run((tx) => tx.insertMembership(m, null))).toBe('inserted')
    }

    const memberCount = async (groupId: GroupId) => (await run((tx) => tx.getGroup(groupId)))?.memberCount

    /** Follows `after` from page to page until a short page, checking each page's size. */
    async function pageThrough<T>(
      list: (tx: StoreTx, page: Page) => ResultAsync<readonly T[], StorageError>,
      keyOf: (row: T) => ListKey,
      limit: number,
    ): Promise<{ rows: T[]; pages: number }> {
      const rows: T[] = []
      let after: ListKey | null = null
      for (let pages = 1; pages <= 100; pages++) {
        const page: readonly T[] = await run((tx) => list(tx, { after, limit }))
        expect(page.length).toBeLessThanOrEqual(limit)
        rows.push(...page)
        const last = page.at(-1)
        if (page.length < limit || last === undefined) return { rows, pages }
        after = keyOf(last)
      }
      throw new Error('paging did not end after 100 pages')
    }

    describe('groups', () => {
      it('inserts and reads a group, its memberCount starting at 0 whatever the row says', async () => {
        const group = await withGroup({
          name: 'Climbers',
          description: 'Up we go',
          createdAt: at(1234),
          memberLimit: 5,
          memberCount: 7,
          lockStatus: 'locked',
          admission: 'approval',
          visibility: 'hidden',
          approvers: 'owner-and-moderators',
          allowMultipleLinks: true,
        })
        expect(await run((tx) => tx.getGroup(group.id))).toEqual({ ...group, memberCount: 0 })
        expect(await run((tx) => tx.getGroup(uid('missing')))).toBeNull()
      })

      it('refuses a second group with the same id and keeps the first', async () => {
        const group = await withGroup({ name: 'First' })
        await refused((tx) => tx.insertGroup({ ...group, name: 'Second' }))
        expect((await run((tx) => tx.getGroup(group.id)))?.name).toBe('First')
      })

      it('updates every field but memberCount', async () => {
        const group = await withGroup()
        await join(aMembership(group.id), aMembership(group.id))
        const changed: Group = {
          ...group,
          name: 'New',
          description: 'Changed',
          ownerId: uid('new-owner'),
          memberLimit: 9,
          memberCount: 99,
          lockStatus: 'locked-permanently',
          admission: 'invite-only',
          visibility: 'hidden',
          approvers: 'owner-and-moderators',
          allowMultipleLinks: true,
        }
        const { id, createdAt, memberCount: _count, ...change } = changed
        await run((tx) => tx.updateGroup(group.id, change))
        expect(await run((tx) => tx.getGroup(group.id))).toEqual({ ...changed, memberCount: 2 })
        // A change names only the fields it changes: the others stay as they are now.
        await run((tx) => tx.updateGroup(group.id, { name: 'Renamed' }))
        expect(await run((tx) => tx.getGroup(group.id))).toEqual({ ...changed, name: 'Renamed', memberCount: 2 })
        await run((tx) => tx.updateGroup(group.id, {}))
        expect(await memberCount(group.id)).toBe(2)
        expect(id).toBe(group.id)
        expect(createdAt).toEqual(group.createdAt)
        expect(
          (await store.transaction((tx) => tx.updateGroup(uid('missing'), { name: 'x' })))._unsafeUnwrapErr().code,
        ).toBe('StorageError')
      })

      it('locks a group by its id or by a code of one of its links, and answers null for neither', async () => {
        const group = await withGroup()
        const link = aLink(group.id)
        await run((tx) => tx.insertLink(link))
        expect(await run((tx) => tx.lockGroup({ groupId: group.id }))).toEqual(await run((tx) => tx.getGroup(group.id)))
        expect((await run((tx) => tx.lockGroup({ code: link.code })))?.id).toBe(group.id)
        expect(await run((tx) => tx.lockGroup({ groupId: uid('missing') }))).toBeNull()
        expect(await run((tx) => tx.lockGroup({ code: uid('no-code') }))).toBeNull()
      })

      it('deletes a group with its links, memberships, requests and removals, and nothing of other groups', async () => {
        const [group, other] = [await withGroup(), await withGroup()]
        const user = uid('u')
        const [member, otherMember] = [aMembership(group.id, { userId: user }), aMembership(other.id, { userId: user })]
        const [link, otherLink] = [aLink(group.id), aLink(other.id)]
        const requester = uid('u')
        const [request, otherRequest] = [
          aRequest(group.id, { requesterId: requester }),
          aRequest(other.id, { requesterId: requester }),
        ]
        const banned = uid('u')
        const [removal, otherRemoval] = [aRemoval(group.id, banned), aRemoval(other.id, banned)]
        await join(member, otherMember)
        await run((tx) =>
          tx
            .insertLink(link)
            .andThen(() => tx.insertLink(otherLink))
            .andThen(() => tx.insertRequest(request))
            .andThen(() => tx.insertRequest(otherRequest))
            .andThen(() => tx.putRemoval(removal))
            .andThen(() => tx.putRemoval(otherRemoval)),
        )

        await run((tx) => tx.deleteGroup(group.id))

        const first = { after: null, limit: 10 }
        expect(await run((tx) => tx.getGroup(group.id))).toBeNull()
        expect(await run((tx) => tx.getLink(link.code))).toBeNull()
        expect(await run((tx) => tx.listLinks(group.id))).toEqual([])
        expect(await run((tx) => tx.getMembership(group.id, user))).toBeNull()
        expect(await run((tx) => tx.listMembers(group.id, first))).toEqual([])
        expect(await run((tx) => tx.getRequest(request.id))).toBeNull()
        expect(await run((tx) => tx.getLatestRequest(group.id, requester))).toBeNull()
        expect(await run((tx) => tx.listRequests(group.id, 'pending', first))).toEqual([])
        expect(await run((tx) => tx.countPendingRequests(group.id))).toEqual({ total: 0, unread: 0 })
        expect(await run((tx) => tx.getRemoval(group.id, banned))).toBeNull()
        expect(await run((tx) => tx.listMembershipsOfUser(user, first))).toEqual([otherMember])

        expect(await run((tx) => tx.getGroup(other.id))).toEqual({ ...other, memberCount: 1 })
        expect(await run((tx) => tx.getLink(otherLink.code))).toEqual(otherLink)
        expect(await run((tx) => tx.getLatestRequest(other.id, requester))).toEqual(otherRequest)
        expect(await run((tx) => tx.getRemoval(other.id, banned))).toEqual(otherRemoval)
      })

      it('lets a deleted group id be used again, starting empty', async () => {
        const group = await withGroup()
        const member = aMembership(group.id)
        await join(member)
        await run((tx) => tx.deleteGroup(group.id))
        await withGroup({ id: group.id, name: 'Again' })
        expect(await run((tx) => tx.getGroup(group.id))).toMatchObject({ name: 'Again', memberCount: 0 })
        expect(await run((tx) => tx.getMembership(group.id, member.userId))).toBeNull()
      })
    })

    describe('group queries', () => {
      it('filters, orders, pages and counts the visible groups', async () => {
        const owner = uid('owner')
        const tag = uid('tag')
        const made: Group[] = []
        for (const [i, name] of ['Delta', 'alpha', 'Charlie', 'bravo'].entries()) {
          made.push(await withGroup({ name: `${tag} ${name}`, ownerId: owner, createdAt: at(i) }))
        }
        const hidden = await withGroup({ name: `${tag} hidden`, ownerId: owner, visibility: 'hidden' })
        const mine = { field: 'name', op: 'contains', value: tag.toUpperCase() } as const
        const base = { visibleTo: null, conditions: [mine], order: [], offset: 0, limit: 10 }
        const all = await run((tx) => tx.listGroups(base))
        expect(all.total).toBe(4)
        expect(all.groups.map((g) => g.id).sort()).toEqual(made.map((g) => g.id).sort())
        const byNameDesc = await run((tx) =>
          tx.listGroups({ ...base, order: [{ field: 'name', direction: 'desc' }], offset: 1, limit: 2 }),
        )
        // By code unit, descending: bravo, alpha, Delta, Charlie.
        expect(byNameDesc.groups.map((g) => g.name.slice(tag.length + 1))).toEqual(['alpha', 'Delta'])
        expect(byNameDesc.total).toBe(4)
        const recent = await run((tx) =>
          tx.listGroups({ ...base, conditions: [mine, { field: 'createdAt', op: 'gte', value: at(2) }] }),
        )
        expect(recent.groups.map((g) => g.id).sort()).toEqual([made[2]?.id, made[3]?.id].sort())
        const insider = uid('insider')
        await join(aMembership(hidden.id, { userId: insider }))
        const seenByInsider = await run((tx) => tx.listGroups({ ...base, visibleTo: insider }))
        expect(seenByInsider.total).toBe(5)
        expect(seenByInsider.groups.map((g) => g.id)).toContain(hidden.id)
        const notEq = await run((tx) =>
          tx.listGroups({ ...base, conditions: [mine, { field: 'id', op: 'ne', value: made[0]?.id ?? '' }] }),
        )
        expect(notEq.total).toBe(3)
      })

      it('compares decimal ids as numbers', async () => {
        const tag = uid('num')
        const unique = `${Date.now()}${sequence++}`
        // As strings "9…" sorts after "1…0"; as numbers it comes first.
        const small = `9${unique}`
        const large = `1${unique}0`
        await withGroup({ id: large, name: tag })
        await withGroup({ id: small, name: tag })
        const query = {
          visibleTo: null,
          conditions: [{ field: 'name', op: 'eq', value: tag } as const],
          offset: 0,
          limit: 10,
        }
        const asc = await run((tx) => tx.listGroups({ ...query, order: [{ field: 'id', direction: 'asc' }] }))
        expect(asc.groups.map((g) => g.id)).toEqual([small, large])
        const above = await run((tx) =>
          tx.listGroups({
            ...query,
            conditions: [...query.conditions, { field: 'id', op: 'gt', value: small }],
            order: [],
          }),
        )
        expect(above.groups.map((g) => g.id)).toEqual([large])
      })
    })

    describe('join links', () => {
      it('inserts, reads and updates a link with every field', async () => {
        const group = await withGroup()
        const link = aLink(group.id, {
          joinRule: 'followed-by-owner',
          requireApproval: true,
          createdAt: at(2),
          expiresAt: at(5),
          maxUses: 3,
          name: 'Flyer',
        })
        await run((tx) => tx.insertLink(link))
        expect(await run((tx) => tx.getLink(link.code))).toEqual(link)
        await run((tx) => tx.countOnLink(link.code, { uses: 2, pending: 1, refusal: 'LinkDisabled' }))
        const changed: JoinLink = {
          ...link,
          enabled: false,
          requireApproval: false,
          name: null,
          expiresAt: null,
          maxUses: null,
          counters: { uses: 2, pending: 1, refusals: { LinkDisabled: 1 } },
        }
        await run((tx) =>
          tx.updateLink(link.code, {
            enabled: false,
            requireApproval: false,
            name: null,
            expiresAt: null,
            maxUses: null,
          }),
        )
        // The settings changed; the counters kept what the joins counted.
        expect(await run((tx) => tx.getLink(link.code))).toEqual(changed)
        expect(
          (await store.transaction((tx) => tx.updateLink(uid('none'), { enabled: true })))._unsafeUnwrapErr().code,
        ).toBe('StorageError')
        expect(await run((tx) => tx.getLink(uid('none')))).toBeNull()
      })

      it("lists a group's links newest first", async () => {
        const [group, other] = [await withGroup(), await withGroup()]
        const links = [1, 3, 0, 2].map((ms) => aLink(group.id, { createdAt: at(ms) }))
        for (const link of links) await run((tx) => tx.insertLink(link))
        await run((tx) => tx.insertLink(aLink(other.id, { createdAt: at(9) })))
        const listed = await run((tx) => tx.listLinks(group.id))
        expect(listed.map((l) => l.createdAt.getTime() - t0.getTime())).toEqual([3, 2, 1, 0])
        expect(listed.map((l) => l.code).sort()).toEqual(links.map((l) => l.code).sort())
        expect(await run((tx) => tx.listLinks(uid('no-group')))).toEqual([])
      })

      it('refuses a duplicate code, even in another group, and keeps the first link', async () => {
        const [group, other] = [await withGroup(), await withGroup()]
        const link = aLink(group.id)
        await run((tx) => tx.insertLink(link))
        await refused((tx) => tx.insertLink({ ...link, name: 'copy' }))
        await refused((tx) => tx.insertLink({ ...link, groupId: other.id }))
        expect(await run((tx) => tx.getLink(link.code))).toEqual(link)
        expect(await run((tx) => tx.listLinks(other.id))).toEqual([])
      })
    })

    describe('join state', () => {
      it('answers exactly what the separate reads answer, by code and by group id', async () => {
        const group = await withGroup({ memberLimit: 9 })
        const link = aLink(group.id, { counters: { uses: 2, pending: 1, refusals: { LinkDisabled: 3 } } })
        await run((tx) => tx.insertLink(link))
        const member = aMembership(group.id, { joinedAt: at(1) })
        await run((tx) => tx.insertMembership(member, null))
        const outsider = uid('u')
        await run((tx) =>
          tx.insertRequest(
            aRequest(group.id, {
              requesterId: outsider,
              status: 'rejected',
              createdAt: at(1),
              decidedAt: at(2),
              decidedBy: 'owner',
            }),
          ),
        )
        const latest = aRequest(group.id, {
          requesterId: outsider,
          createdAt: at(3),
          via: { kind: 'link', code: link.code },
          message: 'again',
        })
        await run((tx) => tx.insertRequest(latest))
        const removal: Removal = {
          groupId: group.id,
          userId: outsider,
          kind: 'banned',
          by: 'owner',
          at: at(4),
          until: at(9),
          reason: 'spam',
        }
        await run((tx) => tx.putRemoval(removal))
        const separately = async (groupId: string, userId: string) => ({
          group: await run((tx) => tx.getGroup(groupId)),
          membership: await run((tx) => tx.getMembership(groupId, userId)),
          latestRequest: await run((tx) => tx.getLatestRequest(groupId, userId)),
          removal: await run((tx) => tx.getRemoval(groupId, userId)),
        })
        for (const userId of [member.userId, outsider, uid('nobody')]) {
          const expected = await separately(group.id, userId)
          expect(await run((tx) => tx.readJoinState({ code: link.code }, userId))).toEqual({
            link,
            ...expected,
            group: { ...group, memberCount: 1 },
          })
          expect(await run((tx) => tx.readJoinState({ groupId: group.id }, userId))).toEqual({
            link: null,
            ...expected,
            group: { ...group, memberCount: 1 },
          })
        }
        const none = { link: null, group: null, membership: null, latestRequest: null, removal: null }
        expect(await run((tx) => tx.readJoinState({ code: uid('nope') }, outsider))).toEqual(none)
        expect(await run((tx) => tx.readJoinState({ groupId: uid('nope') }, outsider))).toEqual(none)
      })
    })

    describe('link counters', () => {
      it('adds uses, pending (never below zero) and refusals, and ignores a missing link', async () => {
        const group = await withGroup()
        const link = aLink(group.id)
        await run((tx) => tx.insertLink(link))
        await run((tx) => tx.countOnLink(link.code, { uses: 1, pending: 2 }))
        await run((tx) => tx.countOnLink(link.code, { pending: -5, refusal: 'LinkDisabled' }))
        await run((tx) => tx.countOnLink(link.code, { refusal: 'LinkDisabled' }))
        await run((tx) => tx.countOnLink(uid('missing'), { uses: 1 }))
        expect((await run((tx) => tx.getLink(link.code)))?.counters).toEqual({
          uses: 1,
          pending: 0,
          refusals: { LinkDisabled: 2 },
        })
      })
    })

    describe('memberships', () => {
      it('inserts members, answering exists and limit-reached, and counts them in memberCount', async () => {
        const group = await withGroup()
        const [a, b, c] = [aMembership(group.id, { role: 'owner' }), aMembership(group.id), aMembership(group.id)]
        expect(await run((tx) => tx.insertMembership(a, 2))).toBe('inserted')
        expect(await memberCount(group.id)).toBe(1)
        expect(await run((tx) => tx.insertMembership({ ...a, role: 'member' }, 2))).toBe('exists')
        expect(await memberCount(group.id)).toBe(1)
        expect(await run((tx) => tx.getMembership(group.id, a.userId))).toEqual(a)
        expect(await run((tx) => tx.insertMembership(b, 2))).toBe('inserted')
        expect(await run((tx) => tx.insertMembership(c, 2))).toBe('limit-reached')
        expect(await run((tx) => tx.getMembership(group.id, c.userId))).toBeNull()
        expect(await memberCount(group.id)).toBe(2)
        expect(await run((tx) => tx.insertMembership(c, null))).toBe('inserted')
        expect(await run((tx) => tx.insertMembership(aMembership(group.id), 3))).toBe('limit-reached')
        expect(await memberCount(group.id)).toBe(3)
        expect(await run((tx) => tx.getMembership(group.id, uid('nobody')))).toBeNull()
      })

      it('keeps every field of a membership, whatever its source', async () => {
        const group = await withGroup()
        const rows = [
          aMembership(group.id, { role: 'owner', source: { kind: 'created' }, joinedAt: at(1) }),
          aMembership(group.id, { source: { kind: 'link', code: uid('code') }, addedBy: null }),
          aMembership(group.id, { source: { kind: 'request', requestId: uid('r') }, addedBy: 'approver' }),
          aMembership(group.id, { role: 'moderator', source: { kind: 'added' }, addedBy: 'owner' }),
          aMembership(group.id, { source: { kind: 'transfer' } }),
        ]
        await join(...rows)
        for (const row of rows) expect(await run((tx) => tx.getMembership(group.id, row.userId))).toEqual(row)
      })

      it('changes a role and nothing else', async () => {
        const group = await withGroup()
        const [a, b] = [aMembership(group.id, { joinedAt: at(3), addedBy: 'x' }), aMembership(group.id)]
        await join(a, b)
        await run((tx) => tx.updateMembershipRole(group.id, a.userId, 'moderator'))
        expect(await run((tx) => tx.getMembership(group.id, a.userId))).toEqual({ ...a, role: 'moderator' })
        expect(await run((tx) => tx.getMembership(group.id, b.userId))).toEqual(b)
        expect(await memberCount(group.id)).toBe(2)
      })

      it('deletes a member, decrementing memberCount once, and answers false when absent', async () => {
        const group = await withGroup()
        const [a, b] = [aMembership(group.id), aMembership(group.id)]
        await join(a, b)
        expect(await run((tx) => tx.deleteMembership(group.id, a.userId))).toBe(true)
        expect(await run((tx) => tx.getMembership(group.id, a.userId))).toBeNull()
        expect(await memberCount(group.id)).toBe(1)
        expect(await run((tx) => tx.deleteMembership(group.id, a.userId))).toBe(false)
        expect(await run((tx) => tx.deleteMembership(group.id, uid('nobody')))).toBe(false)
        expect(await memberCount(group.id)).toBe(1)
        expect(await run((tx) => tx.getMembership(group.id, b.userId))).toEqual(b)
        // The freed seat can be taken again.
        expect(await run((tx) => tx.insertMembership(a, 2))).toBe('inserted')
        expect(await memberCount(group.id)).toBe(2)
      })

      it('lists members in (joinedAt, userId) order, page by page, ties broken by user id', async () => {
        const [group, other] = [await withGroup(), await withGroup()]
        // Inserted out of order; three share at(1) and two share at(4).
        const members = [
          aMembership(group.id, { userId: 'u-c', joinedAt: at(1) }),
          aMembership(group.id, { userId: 'u-e', joinedAt: at(4) }),
          aMembership(group.id, { userId: 'u-a', joinedAt: at(1) }),
          aMembership(group.id, { userId: 'u-f', joinedAt: at(0) }),
          aMembership(group.id, { userId: 'u-b', joinedAt: at(1) }),
          aMembership(group.id, { userId: 'u-d', joinedAt: at(4) }),
          aMembership(group.id, { userId: 'u-0', joinedAt: at(7) }),
        ]
        await join(...members, aMembership(other.id, { userId: 'u-a', joinedAt: at(2) }))
        const expected = ['u-f', 'u-a', 'u-b', 'u-c', 'u-d', 'u-e', 'u-0']
        expect(expected).toEqual(sortedBy(members, memberKey).map((m) => m.userId))

        for (const limit of [1, 2, 3, 7, 50]) {
          const { rows, pages } = await pageThrough((tx, page) => tx.listMembers(group.id, page), memberKey, limit)
          expect(rows.map((m) => m.userId)).toEqual(expected)
          expect(pages).toBe(Math.floor(expected.length / limit) + 1)
        }
        const all = await run((tx) => tx.listMembers(group.id, { after: null, limit: 50 }))
        expect(all).toEqual(sortedBy(members, memberKey))
        // `after` is exclusive, and need not be a row's key.
        const afterB = await run((tx) => tx.listMembers(group.id, { after: { at: at(1), id: 'u-b' }, limit: 2 }))
        expect(afterB.map((m) => m.userId)).toEqual(['u-c', 'u-d'])
        const fromAt1 = await run((tx) => tx.listMembers(group.id, { after: { at: at(1), id: '' }, limit: 50 }))
        expect(fromAt1.map((m) => m.userId)).toEqual(expected.slice(1))
        const between = await run((tx) => tx.listMembers(group.id, { after: { at: at(5), id: 'zzz' }, limit: 50 }))
        expect(between.map((m) => m.userId)).toEqual(['u-0'])
        expect(await run((tx) => tx.listMembers(group.id, { after: { at: at(7), id: 'u-0' }, limit: 50 }))).toEqual([])
      })

      it("lists a user's memberships in (joinedAt, groupId) order, page by page, ties broken by group id", async () => {
        const user = uid('u')
        const prefix = uid('g')
        const groups: Group[] = []
        // Group ids a…e share a prefix, so their order is known; inserted out of order.
        for (const suffix of ['c', 'a', 'e', 'b', 'd']) groups.push(await withGroup({ id: `${prefix}-${suffix}` }))
        const joinedAt: Record<string, number> = { a: 2, b: 1, c: 2, d: 0, e: 2 }
        const memberships = groups.map((g) =>
          aMembership(g.id, { userId: user, joinedAt: at(joinedAt[g.id.slice(-1)] ?? 0) }),
        )
        await join(...memberships, aMembership(groups[0]?.id ?? '', { userId: uid('someone-else') }))
        const expected = ['d', 'b', 'a', 'c', 'e'].map((s) => `${prefix}-${s}`)
        expect(expected).toEqual(sortedBy(memberships, membershipKey).map((m) => m.groupId))

        for (const limit of [1, 2, 5, 10]) {
          const { rows } = await pageThrough((tx, page) => tx.listMembershipsOfUser(user, page), membershipKey, limit)
          expect(rows.map((m) => m.groupId)).toEqual(expected)
        }
        expect(await run((tx) => tx.listMembershipsOfUser(user, { after: null, limit: 10 }))).toEqual(
          sortedBy(memberships, membershipKey),
        )
        const afterA = await run((tx) =>
          tx.listMembershipsOfUser(user, { after: { at: at(2), id: `${prefix}-a` }, limit: 10 }),
        )
        expect(afterA.map((m) => m.groupId)).toEqual(expected.slice(3))
        await run((tx) => tx.deleteMembership(`${prefix}-c`, user))
        const left = await run((tx) => tx.listMembershipsOfUser(user, { after: null, limit: 10 }))
        expect(left.map((m) => m.groupId)).toEqual(expected.filter((id) => id !== `${prefix}-c`))
        expect(await run((tx) => tx.listMembershipsOfUser(uid('nobody'), { after: null, limit: 10 }))).toEqual([])
      })
    })

    describe('join requests', () => {
      it('inserts and reads requests with every field, however they came', async () => {
        const group = await withGroup()
        const requests = [
          aRequest(group.id, { via: { kind: 'direct' }, message: 'hi', createdAt: at(1) }),
          aRequest(group.id, { via: { kind: 'link', code: uid('code') }, read: true }),
          aRequest(group.id, { via: { kind: 'invitation', invitedBy: 'owner' } }),
          aRequest(group.id, {
            status: 'rejected',
            decidedAt: at(2),
            decidedBy: 'owner',
            rejectionReason: 'no',
          }),
        ]
        for (const r of requests) await run((tx) => tx.insertRequest(r))
        for (const r of requests) expect(await run((tx) => tx.getRequest(r.id))).toEqual(r)
        expect(await run((tx) => tx.getRequest(uid('none')))).toBeNull()
      })

      it("finds a user's most recent request, whatever its status", async () => {
        const [group, other] = [await withGroup(), await withGroup()]
        const user = uid('u')
        const decided = { decidedAt: at(9), decidedBy: 'owner' }
        // Older requests that are no longer pending do not stand in the way of a new one.
        const history = [
          aRequest(group.id, { requesterId: user, createdAt: at(1), status: 'rejected', ...decided }),
          aRequest(group.id, { requesterId: user, createdAt: at(2), status: 'withdrawn', ...decided }),
          aRequest(group.id, { requesterId: user, createdAt: at(3), status: 'expired', ...decided }),
          aRequest(group.id, { requesterId: user, createdAt: at(4), status: 'approved', ...decided }),
        ]
        for (const r of history) {
          await run((tx) => tx.insertRequest(r))
          expect(await run((tx) => tx.getLatestRequest(group.id, user))).toEqual(r)
        }
        const current = aRequest(group.id, { requesterId: user, createdAt: at(5) })
        await run((tx) => tx.insertRequest(current))
        expect(await run((tx) => tx.getLatestRequest(group.id, user))).toEqual(current)
        expect(await run((tx) => tx.getLatestRequest(other.id, user))).toBeNull()
        expect(await run((tx) => tx.getLatestRequest(group.id, uid('nobody')))).toBeNull()
        for (const r of history) expect(await run((tx) => tx.getRequest(r.id))).toEqual(r)
      })

      it('updates every field of a request', async () => {
        const group = await withGroup()
        const request = aRequest(group.id, { message: 'please' })
        await run((tx) => tx.insertRequest(request))
        const rejected: JoinRequest = {
          ...request,
          status: 'rejected',
          message: null,
          decidedAt: at(4),
          decidedBy: 'owner',
          rejectionReason: 'full',
          read: true,
        }
        await run((tx) => tx.updateRequest(rejected))
        expect(await run((tx) => tx.getRequest(request.id))).toEqual(rejected)
        expect(await run((tx) => tx.getLatestRequest(group.id, request.requesterId))).toEqual(rejected)
      })

      it('refuses a second pending request even after an older, decided one was inserted', async () => {
        const group = await withGroup()
        const user = uid('u')
        await run((tx) => tx.insertRequest(aRequest(group.id, { requesterId: user, createdAt: at(3) })))
        const imported = aRequest(group.id, {
          requesterId: user,
          status: 'rejected',
          createdAt: at(1),
          decidedAt: at(2),
          decidedBy: 'owner',
        })
        await run((tx) => tx.insertRequest(imported))
        await refused((tx) => tx.insertRequest(aRequest(group.id, { requesterId: user, createdAt: at(4) })))
        expect((await run((tx) => tx.countPendingRequests(group.id))).total).toBe(1)
      })

      it('refuses a second pending request of one user for one group, and allows one once the first is decided', async () => {
        const [group, other] = [await withGroup(), await withGroup()]
        const user = uid('u')
        const first = aRequest(group.id, { requesterId: user })
        await run((tx) => tx.insertRequest(first))
        const second = aRequest(group.id, { requesterId: user, createdAt: at(1) })
        await refused((tx) => tx.insertRequest(second))
        expect(await run((tx) => tx.getRequest(second.id))).toBeNull()
        expect(await run((tx) => tx.getLatestRequest(group.id, user))).toEqual(first)
        // Another group, or another user, is not affected.
        await run((tx) => tx.insertRequest(aRequest(other.id, { requesterId: user })))
        await run((tx) => tx.insertRequest(aRequest(group.id)))
        await run((tx) => tx.updateRequest({ ...first, status: 'withdrawn', decidedAt: at(2), decidedBy: user }))
        await run((tx) => tx.insertRequest(second))
        expect(await run((tx) => tx.getLatestRequest(group.id, user))).toEqual(second)
      })

      it('refuses a duplicate request id', async () => {
        const group = await withGroup()
        const request = aRequest(group.id, { status: 'approved', decidedAt: at(1), decidedBy: 'owner' })
        await run((tx) => tx.insertRequest(request))
        await refused((tx) => tx.insertRequest({ ...request, requesterId: uid('u'), message: 'copy' }))
        expect(await run((tx) => tx.getRequest(request.id))).toEqual(request)
      })

      it('lists requests of one status in (createdAt, id) order, page by page, ties broken by id', async () => {
        const [group, other] = [await withGroup(), await withGroup()]
        const prefix = uid('r')
        const pending = (suffix: string, ms: number) =>
          aRequest(group.id, { id: `${prefix}-${suffix}`, createdAt: at(ms) })
        const rows = [
          pending('c', 1),
          pending('a', 1),
          pending('f', 0),
          pending('b', 1),
          pending('e', 3),
          pending('d', 3),
        ]
        const rejected = aRequest(group.id, { status: 'rejected', createdAt: at(0), decidedAt: at(1), decidedBy: 'o' })
        const withdrawn = aRequest(group.id, { status: 'withdrawn', createdAt: at(2), decidedAt: at(3) })
        for (const r of [...rows, rejected, withdrawn, aRequest(other.id)]) await run((tx) => tx.insertRequest(r))
        const expected = ['f', 'a', 'b', 'c', 'd', 'e'].map((s) => `${prefix}-${s}`)
        expect(expected).toEqual(sortedBy(rows, requestKey).map((r) => r.id))

        for (const limit of [1, 2, 4, 6, 20]) {
          const listed = await pageThrough((tx, page) => tx.listRequests(group.id, 'pending', page), requestKey, limit)
          expect(listed.rows.map((r) => r.id)).toEqual(expected)
        }
        const page2 = await run((tx) =>
          tx.listRequests(group.id, 'pending', { after: { at: at(1), id: `${prefix}-a` }, limit: 3 }),
        )
        expect(page2.map((r) => r.id)).toEqual(expected.slice(2, 5))
        const byStatus = async (status: JoinRequestStatus) =>
          (await run((tx) => tx.listRequests(group.id, status, { after: null, limit: 20 }))).map((r) => r.id)
        expect(await byStatus('rejected')).toEqual([rejected.id])
        expect(await byStatus('withdrawn')).toEqual([withdrawn.id])
        expect(await byStatus('approved')).toEqual([])
        await run((tx) => tx.updateRequest({ ...withdrawn, status: 'rejected' }))
        expect(await byStatus('rejected')).toEqual([rejected.id, withdrawn.id])
      })

      it('counts pending and unread requests, and marks only pending unread ones read', async () => {
        const [group, other] = [await withGroup(), await withGroup()]
        const unread = [aRequest(group.id), aRequest(group.id), aRequest(group.id)]
        const seen = aRequest(group.id, { read: true })
        const rejected = aRequest(group.id, { status: 'rejected', decidedAt: at(1), decidedBy: 'o' })
        const elsewhere = aRequest(other.id)
        for (const r of [...unread, seen, rejected, elsewhere]) await run((tx) => tx.insertRequest(r))
        expect(await run((tx) => tx.countPendingRequests(group.id))).toEqual({ total: 4, unread: 3 })
        expect(await run((tx) => tx.countPendingRequests(uid('no-group')))).toEqual({ total: 0, unread: 0 })

        expect(await run((tx) => tx.markRequestsRead(group.id))).toBe(3)
        expect(await run((tx) => tx.countPendingRequests(group.id))).toEqual({ total: 4, unread: 0 })
        for (const r of unread) expect(await run((tx) => tx.getRequest(r.id))).toEqual({ ...r, read: true })
        expect(await run((tx) => tx.getRequest(seen.id))).toEqual(seen)
        expect(await run((tx) => tx.getRequest(rejected.id))).toEqual(rejected)
        expect(await run((tx) => tx.getRequest(elsewhere.id))).toEqual(elsewhere)
        expect(await run((tx) => tx.countPendingRequests(other.id))).toEqual({ total: 1, unread: 1 })
        expect(await run((tx) => tx.markRequestsRead(group.id))).toBe(0)

        const late = aRequest(group.id)
        await run((tx) => tx.insertRequest(late))
        expect(await run((tx) => tx.countPendingRequests(group.id))).toEqual({ total: 5, unread: 1 })
        expect(await run((tx) => tx.markRequestsRead(group.id))).toBe(1)
      })
    })

    describe('removals', () => {
      it('puts, replaces, reads and deletes the removal of one user in one group', async () => {
        const [group, other] = [await withGroup(), await withGroup()]
        const [user, bystander] = [uid('u'), uid('u')]
        const kick = aRemoval(group.id, user, { reason: 'noise' })
        await run((tx) => tx.putRemoval(kick))
        expect(await run((tx) => tx.getRemoval(group.id, user))).toEqual(kick)
        const ban = aRemoval(group.id, user, { kind: 'banned', by: 'mod', at: at(5), until: at(10), reason: 'spam' })
        await run((tx) => tx.putRemoval(ban))
        expect(await run((tx) => tx.getRemoval(group.id, user))).toEqual(ban)
        const elsewhere = aRemoval(other.id, user)
        const another = aRemoval(group.id, bystander)
        await run((tx) => tx.putRemoval(elsewhere).andThen(() => tx.putRemoval(another)))

        expect(await run((tx) => tx.deleteRemoval(group.id, user))).toBe(true)
        expect(await run((tx) => tx.getRemoval(group.id, user))).toBeNull()
        expect(await run((tx) => tx.deleteRemoval(group.id, user))).toBe(false)
        expect(await run((tx) => tx.getRemoval(other.id, user))).toEqual(elsewhere)
        expect(await run((tx) => tx.getRemoval(group.id, bystander))).toEqual(another)
        expect(await run((tx) => tx.getRemoval(group.id, uid('nobody')))).toBeNull()
      })
    })

    describe('events', () => {
      it('appends events within a transaction', async () => {
        const group = await withGroup()
        const events: DomainEvent[] = [
          anEvent(group.id),
          { type: 'GroupDeleted', groupId: group.id, actor: 'o', at: t0 },
        ]
        const value = await run((tx) =>
          tx
            .appendEvents(events)
            .andThen(() => tx.appendEvents([]))
            .andThen(() => tx.getGroup(group.id)),
        )
        expect(value).toEqual(group)
      })
    })

    describe('transactions', () => {
      /** Everything the suite can read about one group, the given users and links. */
      function readAll(tx: StoreTx, group: Group, users: readonly UserId[], codes: readonly string[]) {
        const all = { after: null, limit: 100 }
        return ResultAsync.combine([
          tx.getGroup(group.id),
          tx.listMembers(group.id, all),
          tx.listLinks(group.id),
          ResultAsync.combine(codes.map((code) => tx.getLink(code))),
          tx.listRequests(group.id, 'pending', all),
          tx.listRequests(group.id, 'rejected', all),
          tx.countPendingRequests(group.id),
          ResultAsync.combine(users.map((u) => tx.getRemoval(group.id, u))),
          ResultAsync.combine(users.map((u) => tx.getLatestRequest(group.id, u))),
          ResultAsync.combine(users.map((u) => tx.listMembershipsOfUser(u, all))),
        ])
      }
      const snapshot = (group: Group, users: readonly UserId[], codes: readonly string[]) =>
        run((tx) => readAll(tx, group, users, codes))

      /** A group with members, links, requests and removals, and ids for rows a transaction may add. */
      async function populated() {
        const group = await withGroup({ name: 'Before' })
        const elsewhere = await withGroup()
        const [stays, leaves, promoted, joins] = [
          aMembership(group.id),
          aMembership(group.id),
          aMembership(group.id),
          aMembership(group.id),
        ]
        await join(stays, leaves, promoted, aMembership(elsewhere.id, { userId: joins.userId }))
        await join(aMembership(elsewhere.id, { userId: stays.userId }))
        const [link, newLink] = [aLink(group.id), aLink(group.id, { createdAt: at(1) })]
        const [request, unread, newRequest] = [aRequest(group.id), aRequest(group.id), aRequest(group.id)]
        const [kicked, unbanned, banned] = [uid('u'), uid('u'), uid('u')]
        await run((tx) =>
          tx
            .insertLink(link)
            .andThen(() => tx.insertRequest(request))
            .andThen(() => tx.insertRequest(unread))
            .andThen(() => tx.putRemoval(aRemoval(group.id, kicked)))
            .andThen(() => tx.putRemoval(aRemoval(group.id, unbanned))),
        )
        const users = [stays, leaves, promoted, joins].map((m) => m.userId)
        users.push(kicked, unbanned, banned, request.requesterId, unread.requesterId, newRequest.requesterId)
        const codes = [link.code, newLink.code]
        return {
          group,
          stays,
          leaves,
          promoted,
          joins,
          link,
          newLink,
          request,
          newRequest,
          kicked,
          unbanned,
          banned,
          users,
          codes,
        }
      }

      it('keeps none of the writes of work that returns err, and returns its error', async () => {
        const {
          group,
          leaves,
          promoted,
          joins,
          link,
          newLink,
          request,
          newRequest,
          kicked,
          unbanned,
          banned,
          users,
          codes,
        } = await populated()
        const newGroup = aGroup()
        const before = await snapshot(group, users, codes)

        let inside: typeof before | undefined
        const result = await store.transaction((tx) =>
          tx
            .insertGroup(newGroup)
            .andThen(() => tx.updateGroup(group.id, { name: 'After', memberLimit: 3 }))
            .andThen(() => tx.insertMembership(joins, null))
            .andThen(() => tx.deleteMembership(group.id, leaves.userId))
            .andThen(() => tx.updateMembershipRole(group.id, promoted.userId, 'moderator'))
            .andThen(() => tx.insertLink(newLink))
            .andThen(() => tx.updateLink(link.code, { enabled: false }))
            .andThen(() => tx.countOnLink(link.code, { uses: 1 }))
            .andThen(() => tx.insertRequest(newRequest))
            .andThen(() => tx.updateRequest({ ...request, status: 'rejected', decidedAt: at(1), decidedBy: 'o' }))
            .andThen(() => tx.markRequestsRead(group.id))
            .andThen(() => tx.putRemoval(aRemoval(group.id, kicked, { kind: 'banned' })))
            .andThen(() => tx.putRemoval(aRemoval(group.id, banned)))
            .andThen(() => tx.deleteRemoval(group.id, unbanned))
            .andThen(() => tx.appendEvents([anEvent(group.id)]))
            .andThen(() => readAll(tx, group, users, codes))
            .andThen((seen) => {
              inside = seen
              return errAsync({ code: 'Refused', detail: 42 } as const)
            }),
        )
        expect(result._unsafeUnwrapErr()).toEqual({ code: 'Refused', detail: 42 })
        // The work did write (and saw its own writes) before it failed…
        expect(inside).toBeDefined()
        expect(inside).not.toEqual(before)
        // …and none of it is left.
        expect(await snapshot(group, users, codes)).toEqual(before)
        expect(await run((tx) => tx.getGroup(newGroup.id))).toBeNull()
        expect(await run((tx) => tx.getRequest(newRequest.id))).toBeNull()
        expect(await run((tx) => tx.getLink(newLink.code))).toBeNull()
      })

      it('keeps a deleted group, with all it holds, when the work then returns err', async () => {
        const { group, users, codes } = await populated()
        const before = await snapshot(group, users, codes)
        let inside: typeof before | undefined
        const result = await store.transaction((tx) =>
          tx
            .deleteGroup(group.id)
            .andThen(() => readAll(tx, group, users, codes))
            .andThen((seen) => {
              inside = seen
              return errAsync('changed my mind' as const)
            }),
        )
        expect(result._unsafeUnwrapErr()).toBe('changed my mind')
        expect(inside?.[0]).toBeNull()
        expect(await snapshot(group, users, codes)).toEqual(before)
      })

      it('sees its own writes inside the transaction', async () => {
        const group = await withGroup()
        const member = aMembership(group.id)
        const seen = await run((tx) =>
          tx
            .insertMembership(member, 1)
            .andThen(() => ResultAsync.combine([tx.getGroup(group.id), tx.getMembership(group.id, member.userId)]))
            .andThen((rows) =>
              tx.insertMembership(aMembership(group.id), 1).map((second) => [...rows, second] as const),
            ),
        )
        expect(seen).toEqual([{ ...group, memberCount: 1 }, member, 'limit-reached'])
      })

      it('commits the writes of work that returns ok, and returns its value', async () => {
        const group = await withGroup()
        const member = aMembership(group.id)
        const request = aRequest(group.id)
        const value = await run((tx) =>
          tx
            .insertMembership(member, null)
            .andThen(() => tx.insertRequest(request))
            .andThen(() => tx.putRemoval(aRemoval(group.id, 'someone')))
            .map(() => ({ done: member.userId })),
        )
        expect(value).toEqual({ done: member.userId })
        expect(await memberCount(group.id)).toBe(1)
        expect(await run((tx) => tx.getMembership(group.id, member.userId))).toEqual(member)
        expect(await run((tx) => tx.getRequest(request.id))).toEqual(request)
        expect(await run((tx) => tx.getRemoval(group.id, 'someone'))).not.toBeNull()
      })

      it('keeps none of the writes made before the store refused one', async () => {
        const group = await withGroup()
        const member = aMembership(group.id)
        const link = aLink(group.id)
        await refused((tx) =>
          tx
            .insertMembership(member, null)
            .andThen(() => tx.insertLink(link))
            .andThen(() => tx.insertGroup(group)),
        )
        expect(await memberCount(group.id)).toBe(0)
        expect(await run((tx) => tx.getMembership(group.id, member.userId))).toBeNull()
        expect(await run((tx) => tx.getLink(link.code))).toBeNull()
      })

      const throwers: [string, (tx: StoreTx, groupId: GroupId, member: Membership) => ResultAsync<unknown, unknown>][] =
        [
          [
            'throws in a callback after writing',
            (tx, groupId, member) =>
              tx
                .insertMembership(member, null)
                .andThen(() => tx.putRemoval(aRemoval(groupId, member.userId)))
                .map(() => {
                  throw new Error('boom')
                }),
          ],
          [
            'returns a rejected promise after writing',
            (tx, _groupId, member) =>
              tx
                .insertMembership(member, null)
                .andThen(() => new ResultAsync<void, never>(Promise.reject(new Error('boom')))),
          ],
          [
            'throws before returning',
            () => {
              throw new Error('boom')
            },
          ],
        ]
      for (const [how, work] of throwers) {
        it(`answers StorageError and keeps nothing when the work ${how}`, async () => {
          const group = await withGroup()
          const member = aMembership(group.id)
          const result = await store.transaction((tx) => work(tx, group.id, member))
          expect(result._unsafeUnwrapErr()).toMatchObject({ code: 'StorageError' })
          expect(await memberCount(group.id)).toBe(0)
          expect(await run((tx) => tx.getMembership(group.id, member.userId))).toBeNull()
          expect(await run((tx) => tx.getRemoval(group.id, member.userId))).toBeNull()
        })
      }
    })

    describe('concurrent transactions', () => {
      it('count every one of 50 concurrent uses and refusals on one link', async () => {
        const group = await withGroup()
        const link = aLink(group.id)
        await run((tx) => tx.insertLink(link))
        await Promise.all(
          Array.from({ length: 50 }, () =>
            store.transaction((tx) => tx.countOnLink(link.code, { uses: 1, refusal: 'FollowRequired' })),
          ),
        )
        expect((await run((tx) => tx.getLink(link.code)))?.counters).toEqual({
          uses: 50,
          pending: 0,
          refusals: { FollowRequired: 50 },
        })
      })

      it('never let memberCount exceed the limit: 200 joins for 50 seats', async () => {
        const group = await withGroup({ memberLimit: 50 })
        const outcomes = await Promise.all(
          Array.from({ length: 200 }, () => store.transaction((tx) => tx.insertMembership(aMembership(group.id), 50))),
        )
        const values = outcomes.map((o) => o._unsafeUnwrap())
        expect(values.filter((v) => v === 'inserted')).toHaveLength(50)
        expect(values.filter((v) => v === 'limit-reached')).toHaveLength(150)
        expect(await memberCount(group.id)).toBe(50)
        expect(await run((tx) => tx.listMembers(group.id, { after: null, limit: 300 }))).toHaveLength(50)
      })

      it('insert a member once when the same join arrives 20 times at once', async () => {
        const group = await withGroup()
        const member = aMembership(group.id)
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, () => store.transaction((tx) => tx.insertMembership(member, null))),
        )
        const values = outcomes.map((o) => o._unsafeUnwrap())
        expect(values.filter((v) => v === 'inserted')).toHaveLength(1)
        expect(values.filter((v) => v === 'exists')).toHaveLength(19)
        expect(await memberCount(group.id)).toBe(1)
      })

      it('keep memberCount equal to the members when joins and leaves interleave', async () => {
        const group = await withGroup()
        const leaving = Array.from({ length: 30 }, () => aMembership(group.id))
        await join(...leaving)
        const joining = Array.from({ length: 30 }, () => aMembership(group.id))
        const outcomes = await Promise.all([
          ...leaving.map((m) => store.transaction((tx) => tx.deleteMembership(group.id, m.userId))),
          ...joining.map((m) => store.transaction((tx) => tx.insertMembership(m, 40))),
        ])
        expect(outcomes.map((o) => o._unsafeUnwrap())).toEqual([
          ...leaving.map(() => true),
          ...joining.map(() => 'inserted'),
        ])
        const members = await run((tx) => tx.listMembers(group.id, { after: null, limit: 100 }))
        expect(members.map((m) => m.userId).sort()).toEqual(joining.map((m) => m.userId).sort())
        expect(await memberCount(group.id)).toBe(30)
      })

      it('store one pending request of a user for a group: 20 at once, one succeeds', async () => {
        const group = await withGroup()
        const user = uid('u')
        const requests = Array.from({ length: 20 }, (_, i) =>
          aRequest(group.id, { requesterId: user, createdAt: at(i) }),
        )
        const outcomes = await Promise.all(requests.map((r) => store.transaction((tx) => tx.insertRequest(r))))
        expect(outcomes.filter((o) => o.isOk())).toHaveLength(1)
        for (const o of outcomes) if (o.isErr()) expect(o.error.code).toBe('StorageError')
        const winner = requests[outcomes.findIndex((o) => o.isOk())]
        const pending = await run((tx) => tx.listRequests(group.id, 'pending', { after: null, limit: 50 }))
        expect(pending).toEqual([winner])
        expect(await run((tx) => tx.getLatestRequest(group.id, user))).toEqual(winner)
      })
    })
  })
}
