import { errAsync, type ResultAsync } from 'neverthrow'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { StorageError } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
import { emptyCounters, type JoinLink } from '../domain/join-link.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import type { Removal } from '../domain/removal.js'
import type { MembershipStore, StoreTx } from '../ports/membership-store.js'

/** How the suite gets a store to test. */
export interface StoreSetup {
  /** A store for one test. It may hold data of earlier tests: the suite uses fresh ids every time. */
  create(): MembershipStore | Promise<MembershipStore>
  /** Clean-up after each test. */
  destroy?(store: MembershipStore): void | Promise<void>
}

let sequence = 0
/** A unique id per call, so tests never see each other's rows even on a shared database. */
const uid = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(sequence++).toString(36)}`
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

function aMember(groupId: string, overrides: Partial<Membership> = {}): Membership {
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

function aLink(groupId: string, overrides: Partial<JoinLink> = {}): JoinLink {
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

function aRequest(groupId: string, overrides: Partial<JoinRequest> = {}): JoinRequest {
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

function aRemoval(groupId: string, userId: string, overrides: Partial<Removal> = {}): Removal {
  return { groupId, userId, kind: 'kicked', by: 'owner', at: t0, until: null, reason: null, ...overrides }
}

/**
 * The contract of the `MembershipStore` port as a vitest suite: run it against every store implementation.
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
    async function run<T>(work: (t: StoreTx) => ResultAsync<T, StorageError>): Promise<T> {
      return (await store.transaction(work))._unsafeUnwrap()
    }

    async function withGroup(overrides: Partial<Group> = {}) {
      const group = aGroup(overrides)
      await run((t) => t.insertGroup(group))
      return group
    }

    describe('groups', () => {
      it('inserts and reads a group, with memberCount starting at 0', async () => {
        const group = await withGroup({ memberCount: 7, memberLimit: 5, name: 'Climbers' })
        const read = await run((t) => t.getGroup(group.id))
        expect(read).toEqual({ ...group, memberCount: 0 })
        expect(await run((t) => t.getGroup(uid('missing')))).toBeNull()
      })

      it('refuses a second group with the same id', async () => {
        const group = await withGroup()
        const second = await store.transaction((t) => t.insertGroup(group))
        expect(second._unsafeUnwrapErr().code).toBe('StorageError')
      })

      it('updates every field but memberCount', async () => {
        const group = await withGroup()
        await run((t) => t.insertMembership(aMember(group.id), null))
        const changed: Group = {
          ...group,
          name: 'New',
          lockStatus: 'locked',
          memberLimit: 9,
          admission: 'approval',
          memberCount: 99,
        }
        await run((t) => t.updateGroup(changed))
        expect(await run((t) => t.getGroup(group.id))).toEqual({ ...changed, memberCount: 1 })
      })

      it('deletes a group with its links, members, requests and removals', async () => {
        const group = await withGroup()
        const member = aMember(group.id)
        const link = aLink(group.id)
        const request = aRequest(group.id)
        await run((t) =>
          t
            .insertMembership(member, null)
            .andThen(() => t.insertLink(link))
            .andThen(() => t.insertRequest(request))
            .andThen(() => t.putRemoval(aRemoval(group.id, 'kicked-user'))),
        )
        await run((t) => t.deleteGroup(group.id))
        expect(await run((t) => t.getGroup(group.id))).toBeNull()
        expect(await run((t) => t.getLink(link.code))).toBeNull()
        expect(await run((t) => t.getMembership(group.id, member.userId))).toBeNull()
        expect(await run((t) => t.getRequest(request.id))).toBeNull()
        expect(await run((t) => t.getLatestRequest(group.id, request.requesterId))).toBeNull()
        expect(await run((t) => t.getRemoval(group.id, 'kicked-user'))).toBeNull()
        expect(await run((t) => t.listMembershipsOfUser(member.userId, { after: null, limit: 10 }))).toEqual([])
      })
    })

    describe('group queries', () => {
      it('filters, orders, pages and counts the visible groups', async () => {
        const owner = uid('owner')
        const tag = uid('tag')
        const made: Group[] = []
        for (const [i, name] of ['Delta', 'alpha', 'Charlie', 'bravo'].entries()) {
          made.push(await withGroup({ name: `${tag} ${name}`, ownerId: owner, memberCount: 0, createdAt: at(i) }))
        }
        const hidden = await withGroup({ name: `${tag} hidden`, ownerId: owner, visibility: 'hidden' })
        const mine = { field: 'name', op: 'contains', value: tag.toUpperCase() } as const
        const base = { visibleTo: null, conditions: [mine], order: [], offset: 0, limit: 10 }
        const all = await run((t) => t.listGroups(base))
        expect(all.total).toBe(4)
        expect(all.groups.map((g) => g.name)).not.toContain(`${tag} hidden`)
        const byNameDesc = await run((t) =>
          t.listGroups({ ...base, order: [{ field: 'name', direction: 'desc' }], offset: 1, limit: 2 }),
        )
        // By code unit, descending: bravo, alpha, Delta, Charlie.
        expect(byNameDesc.groups.map((g) => g.name.slice(tag.length + 1))).toEqual(['alpha', 'Delta'])
        expect(byNameDesc.total).toBe(4)
        const recent = await run((t) =>
          t.listGroups({ ...base, conditions: [mine, { field: 'createdAt', op: 'gte', value: at(2) }] }),
        )
        expect(recent.groups.map((g) => g.id).sort()).toEqual([made[2]?.id, made[3]?.id].sort())
        await run((t) => t.insertMembership(aMember(hidden.id, { userId: 'insider' }), null))
        const insider = await run((t) => t.listGroups({ ...base, visibleTo: 'insider' }))
        expect(insider.total).toBe(5)
        const notEq = await run((t) =>
          t.listGroups({ ...base, conditions: [mine, { field: 'id', op: 'ne', value: made[0]?.id ?? '' }] }),
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
        const asc = await run((t) => t.listGroups({ ...query, order: [{ field: 'id', direction: 'asc' }] }))
        expect(asc.groups.map((g) => g.id)).toEqual([small, large])
        const above = await run((t) =>
          t.listGroups({
            ...query,
            conditions: [...query.conditions, { field: 'id', op: 'gt', value: small }],
            order: [],
          }),
        )
        expect(above.groups.map((g) => g.id)).toEqual([large])
      })
    })

    describe('join links', () => {
      it('inserts, reads, updates and lists links newest first', async () => {
        const group = await withGroup()
        const older = aLink(group.id, { createdAt: at(1) })
        const newer = aLink(group.id, {
          createdAt: at(2),
          requireApproval: true,
          expiresAt: at(5),
          maxUses: 3,
          name: 'Flyer',
        })
        await run((t) => t.insertLink(older).andThen(() => t.insertLink(newer)))
        expect(await run((t) => t.getLink(newer.code))).toEqual(newer)
        const counted: JoinLink = {
          ...older,
          enabled: false,
          counters: { uses: 2, pending: 1, refusals: { LinkDisabled: 4 } },
        }
        await run((t) => t.updateLink(counted))
        expect(await run((t) => t.getLink(older.code))).toEqual(counted)
        expect((await run((t) => t.listLinks(group.id))).map((l) => l.code)).toEqual([newer.code, older.code])
        expect(await run((t) => t.getLink(uid('none')))).toBeNull()
      })

      it('refuses a duplicate code', async () => {
        const group = await withGroup()
        const link = aLink(group.id)
        await run((t) => t.insertLink(link))
        expect((await store.transaction((t) => t.insertLink(link)))._unsafeUnwrapErr().code).toBe('StorageError')
      })
    })

    describe('memberships', () => {
      it('inserts members and keeps memberCount, answering exists and limit-reached', async () => {
        const group = await withGroup()
        const [a, b, c] = [aMember(group.id), aMember(group.id), aMember(group.id)]
        expect(await run((t) => t.insertMembership(a, 2))).toBe('inserted')
        expect(await run((t) => t.insertMembership(a, 2))).toBe('exists')
        expect(await run((t) => t.insertMembership(b, 2))).toBe('inserted')
        expect(await run((t) => t.insertMembership(c, 2))).toBe('limit-reached')
        expect(await run((t) => t.insertMembership(c, null))).toBe('inserted')
        expect((await run((t) => t.getGroup(group.id)))?.memberCount).toBe(3)
        expect(await run((t) => t.getMembership(group.id, a.userId))).toEqual(a)
        expect(await run((t) => t.getMembership(group.id, uid('nobody')))).toBeNull()
      })

      it('changes roles and deletes members, decrementing memberCount once', async () => {
        const group = await withGroup()
        const a = aMember(group.id)
        await run((t) => t.insertMembership(a, null))
        await run((t) => t.updateMembershipRole(group.id, a.userId, 'moderator'))
        expect((await run((t) => t.getMembership(group.id, a.userId)))?.role).toBe('moderator')
        expect(await run((t) => t.deleteMembership(group.id, a.userId))).toBe(true)
        expect(await run((t) => t.deleteMembership(group.id, a.userId))).toBe(false)
        expect((await run((t) => t.getGroup(group.id)))?.memberCount).toBe(0)
      })

      it('lists members in (joinedAt, userId) order, page by page', async () => {
        const group = await withGroup()
        const members = [
          aMember(group.id, { userId: 'u-c', joinedAt: at(1) }),
          aMember(group.id, { userId: 'u-a', joinedAt: at(1) }),
          aMember(group.id, { userId: 'u-b', joinedAt: at(0) }),
          aMember(group.id, { userId: 'u-d', joinedAt: at(2) }),
          aMember(group.id, { userId: 'u-e', joinedAt: at(3) }),
        ]
        for (const m of members) await run((t) => t.insertMembership(m, null))
        const first = await run((t) => t.listMembers(group.id, { after: null, limit: 2 }))
        expect(first.map((m) => m.userId)).toEqual(['u-b', 'u-a'])
        const last = first.at(-1) as Membership
        const second = await run((t) =>
          t.listMembers(group.id, { after: { at: last.joinedAt, id: last.userId }, limit: 2 }),
        )
        expect(second.map((m) => m.userId)).toEqual(['u-c', 'u-d'])
        const rest = await run((t) => t.listMembers(group.id, { after: { at: at(2), id: 'u-d' }, limit: 10 }))
        expect(rest.map((m) => m.userId)).toEqual(['u-e'])
      })

      it("lists a user's memberships across groups in (joinedAt, groupId) order", async () => {
        const user = uid('u')
        const g1 = await withGroup()
        const g2 = await withGroup()
        await run((t) => t.insertMembership(aMember(g2.id, { userId: user, joinedAt: at(1) }), null))
        await run((t) => t.insertMembership(aMember(g1.id, { userId: user, joinedAt: at(2) }), null))
        const all = await run((t) => t.listMembershipsOfUser(user, { after: null, limit: 10 }))
        expect(all.map((m) => m.groupId)).toEqual([g2.id, g1.id])
        const after = await run((t) => t.listMembershipsOfUser(user, { after: { at: at(1), id: g2.id }, limit: 10 }))
        expect(after.map((m) => m.groupId)).toEqual([g1.id])
      })
    })

    describe('join requests', () => {
      it('inserts, reads, updates, and finds the latest request of a user', async () => {
        const group = await withGroup()
        const user = uid('u')
        const old = aRequest(group.id, {
          requesterId: user,
          status: 'rejected',
          createdAt: at(1),
          decidedAt: at(2),
          decidedBy: 'owner',
          rejectionReason: 'no',
        })
        const current = aRequest(group.id, {
          requesterId: user,
          createdAt: at(3),
          via: { kind: 'link', code: 'c1' },
          message: 'hi',
        })
        await run((t) => t.insertRequest(old).andThen(() => t.insertRequest(current)))
        expect(await run((t) => t.getRequest(old.id))).toEqual(old)
        expect(await run((t) => t.getLatestRequest(group.id, user))).toEqual(current)
        const approved: JoinRequest = {
          ...current,
          status: 'approved',
          decidedAt: at(4),
          decidedBy: 'owner',
          read: true,
        }
        await run((t) => t.updateRequest(approved))
        expect(await run((t) => t.getLatestRequest(group.id, user))).toEqual(approved)
        expect(await run((t) => t.getLatestRequest(group.id, uid('nobody')))).toBeNull()
      })

      it('refuses a second pending request of one user for one group', async () => {
        const group = await withGroup()
        const user = uid('u')
        await run((t) => t.insertRequest(aRequest(group.id, { requesterId: user })))
        const second = await store.transaction((t) =>
          t.insertRequest(aRequest(group.id, { requesterId: user, createdAt: at(1) })),
        )
        expect(second._unsafeUnwrapErr().code).toBe('StorageError')
      })

      it('lists requests by status in (createdAt, id) order and counts pending and unread', async () => {
        const group = await withGroup()
        const pending = [
          aRequest(group.id, { id: uid('r-b'), createdAt: at(1) }),
          aRequest(group.id, { id: uid('r-a'), createdAt: at(0), read: true }),
          aRequest(group.id, { id: uid('r-c'), createdAt: at(2) }),
        ]
        const rejected = aRequest(group.id, { status: 'rejected', createdAt: at(0) })
        for (const r of [...pending, rejected]) await run((t) => t.insertRequest(r))
        const page1 = await run((t) => t.listRequests(group.id, 'pending', { after: null, limit: 2 }))
        expect(page1.map((r) => r.id)).toEqual([pending[1]?.id, pending[0]?.id])
        const page2 = await run((t) =>
          t.listRequests(group.id, 'pending', { after: { at: at(1), id: pending[0]?.id ?? '' }, limit: 2 }),
        )
        expect(page2.map((r) => r.id)).toEqual([pending[2]?.id])
        expect(
          (await run((t) => t.listRequests(group.id, 'rejected', { after: null, limit: 5 }))).map((r) => r.id),
        ).toEqual([rejected.id])
        expect(await run((t) => t.countPendingRequests(group.id))).toEqual({ total: 3, unread: 2 })
        expect(await run((t) => t.markRequestsRead(group.id))).toBe(2)
        expect(await run((t) => t.markRequestsRead(group.id))).toBe(0)
        expect(await run((t) => t.countPendingRequests(group.id))).toEqual({ total: 3, unread: 0 })
        expect((await run((t) => t.getRequest(rejected.id)))?.read).toBe(false)
      })
    })

    describe('removals', () => {
      it('puts (replacing), reads and deletes removals', async () => {
        const group = await withGroup()
        await run((t) => t.putRemoval(aRemoval(group.id, 'u1')))
        const ban = aRemoval(group.id, 'u1', { kind: 'banned', until: at(10), reason: 'spam' })
        await run((t) => t.putRemoval(ban))
        expect(await run((t) => t.getRemoval(group.id, 'u1'))).toEqual(ban)
        expect(await run((t) => t.deleteRemoval(group.id, 'u1'))).toBe(true)
        expect(await run((t) => t.deleteRemoval(group.id, 'u1'))).toBe(false)
        expect(await run((t) => t.getRemoval(group.id, 'u1'))).toBeNull()
      })
    })

    describe('transactions', () => {
      it('keeps nothing of a transaction whose work returns err', async () => {
        const group = await withGroup()
        const member = aMember(group.id)
        const link = aLink(group.id)
        const request = aRequest(group.id)
        const result = await store.transaction((t) =>
          t
            .insertMembership(member, null)
            .andThen(() => t.insertLink(link))
            .andThen(() => t.insertRequest(request))
            .andThen(() => t.putRemoval(aRemoval(group.id, 'x')))
            .andThen(() => t.updateGroup({ ...group, name: 'Changed' }))
            .andThen(() => t.insertGroup(aGroup({ id: `${group.id}-other` })))
            .andThen(() => t.appendEvents([{ type: 'GroupDeleted', groupId: group.id, actor: 'a', at: t0 }]))
            .andThen(() => errAsync({ code: 'Refused' as const })),
        )
        expect(result._unsafeUnwrapErr()).toEqual({ code: 'Refused' })
        expect(await run((t) => t.getGroup(group.id))).toEqual(group)
        expect(await run((t) => t.getMembership(group.id, member.userId))).toBeNull()
        expect(await run((t) => t.getLink(link.code))).toBeNull()
        expect(await run((t) => t.getRequest(request.id))).toBeNull()
        expect(await run((t) => t.getRemoval(group.id, 'x'))).toBeNull()
        expect(await run((t) => t.getGroup(`${group.id}-other`))).toBeNull()
      })

      it('turns a throw inside the work into StorageError and keeps nothing', async () => {
        const group = await withGroup()
        const result = await store.transaction((t) =>
          t.insertMembership(aMember(group.id), null).map(() => {
            throw new Error('boom')
          }),
        )
        expect(result._unsafeUnwrapErr()).toMatchObject({ code: 'StorageError' })
        expect((await run((t) => t.getGroup(group.id)))?.memberCount).toBe(0)
      })

      it('commits the work of an ok transaction and returns its value', async () => {
        const group = await withGroup()
        const value = await run((t) => t.insertMembership(aMember(group.id), null).map(() => 'done' as const))
        expect(value).toBe('done')
        expect((await run((t) => t.getGroup(group.id)))?.memberCount).toBe(1)
      })

      it('never lets concurrent seat reservations exceed the limit', async () => {
        const group = await withGroup()
        const outcomes = await Promise.all(
          Array.from({ length: 200 }, () => store.transaction((t) => t.insertMembership(aMember(group.id), 50))),
        )
        const values = outcomes.map((o) => o._unsafeUnwrap())
        expect(values.filter((v) => v === 'inserted')).toHaveLength(50)
        expect(values.filter((v) => v === 'limit-reached')).toHaveLength(150)
        expect((await run((t) => t.getGroup(group.id)))?.memberCount).toBe(50)
        expect(await run((t) => t.listMembers(group.id, { after: null, limit: 100 }))).toHaveLength(50)
      })

      it('lets only one of many concurrent pending requests of one user in', async () => {
        const group = await withGroup()
        const user = uid('u')
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.transaction((t) => t.insertRequest(aRequest(group.id, { requesterId: user, createdAt: at(i) }))),
          ),
        )
        expect(outcomes.filter((o) => o.isOk())).toHaveLength(1)
        expect(await run((t) => t.listRequests(group.id, 'pending', { after: null, limit: 50 }))).toHaveLength(1)
      })
    })
  })
}
