import { describe, expect, it } from 'vitest'
import type { Group } from '../../domain/group.js'
import type { GroupQuery } from '../../ports/store/group-rows.js'
import { aLink, aMembership, aRemoval, aRequest, at, nextSequence, uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The `GroupRows` contract: group rows, their lock, their queries, and deleting a group with all it holds. */
export function groupRowsTests(s: StoreUnderTest): void {
  const { run, refused, withGroup, join, memberCount } = s

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

    it('keeps the update and activity times, answering none for a group stored without them', async () => {
      const plain = await withGroup({ createdAt: at(10) })
      const read = await run((tx) => tx.getGroup(plain.id))
      expect(read).not.toHaveProperty('updatedAt')
      expect(read).not.toHaveProperty('lastActivityAt')
      const stamped = await withGroup({ createdAt: at(10), updatedAt: at(20), lastActivityAt: at(30) })
      expect(await run((tx) => tx.getGroup(stamped.id))).toMatchObject({ updatedAt: at(20), lastActivityAt: at(30) })
      await run((tx) => tx.updateGroup(plain.id, { lastActivityAt: at(40) }))
      expect(await run((tx) => tx.lockGroup({ groupId: plain.id }))).toMatchObject({ lastActivityAt: at(40) })
      expect(await run((tx) => tx.getGroup(plain.id))).not.toHaveProperty('updatedAt')
      await run((tx) => tx.updateGroup(plain.id, { updatedAt: at(50), name: 'renamed' }))
      expect(await run((tx) => tx.getGroup(plain.id))).toMatchObject({
        name: 'renamed',
        updatedAt: at(50),
        lastActivityAt: at(40),
      })
    })

    it('filters and orders on the update and activity times, a missing one reading as the creation time', async () => {
      const tag = uid('times')
      const never = await withGroup({ name: `${tag} never`, createdAt: at(100) })
      const updated = await withGroup({ name: `${tag} updated`, createdAt: at(1), updatedAt: at(300) })
      const active = await withGroup({ name: `${tag} active`, createdAt: at(2), lastActivityAt: at(200) })
      const mine = { field: 'name', op: 'contains', value: tag } as const
      const ids = async (query: Partial<GroupQuery>) =>
        (
          await run((tx) =>
            tx.listGroups({ visibleTo: null, conditions: [mine], order: [], offset: 0, limit: 10, ...query }),
          )
        ).groups.map((g) => g.id)
      expect(await ids({ order: [{ field: 'updatedAt', direction: 'desc' }] })).toEqual([
        updated.id,
        never.id,
        active.id,
      ])
      expect(await ids({ order: [{ field: 'lastActivityAt', direction: 'asc' }] })).toEqual([
        updated.id,
        never.id,
        active.id,
      ])
      expect(await ids({ conditions: [mine, { field: 'updatedAt', op: 'gte', value: at(100) }] })).toEqual(
        [never.id, updated.id].sort((a, b) => (a < b ? -1 : 1)),
      )
      expect(await ids({ conditions: [mine, { field: 'lastActivityAt', op: 'lt', value: at(100) }] })).toEqual([
        updated.id,
      ])
    })

    it('counts the groups a user owns with lockOwnedGroups: 0 for none, and follows inserts, handovers and deletes', async () => {
      const owner = uid('owner')
      expect(await run((tx) => tx.lockOwnedGroups(owner))).toBe(0)
      const [a, b] = [await withGroup({ ownerId: owner }), await withGroup({ ownerId: owner })]
      await withGroup()
      expect(await run((tx) => tx.lockOwnedGroups(owner))).toBe(2)
      await run((tx) => tx.updateGroup(a.id, { ownerId: uid('heir') }))
      expect(await run((tx) => tx.lockOwnedGroups(owner))).toBe(1)
      await run((tx) => tx.deleteGroup(b.id))
      expect(await run((tx) => tx.lockOwnedGroups(owner))).toBe(0)
    })

    it('keeps the invite policy, and answers none for a group stored without one', async () => {
      const without = await withGroup()
      expect(await run((tx) => tx.getGroup(without.id))).not.toHaveProperty('inviters')
      const members = await withGroup({ inviters: 'members' })
      expect((await run((tx) => tx.getGroup(members.id)))?.inviters).toBe('members')
      await run((tx) => tx.updateGroup(without.id, { inviters: 'owner-and-moderators' }))
      expect((await run((tx) => tx.getGroup(without.id)))?.inviters).toBe('owner-and-moderators')
      expect((await run((tx) => tx.lockGroup({ groupId: members.id })))?.inviters).toBe('members')
    })

    it('keeps descriptive attributes, merges a change into them, and filters on them (a missing one reads as "")', async () => {
      const tag = uid('attr')
      const plain = await withGroup({ name: `${tag} plain` })
      expect(await run((tx) => tx.getGroup(plain.id))).not.toHaveProperty('attributes')
      const tagged = await withGroup({ name: `${tag} tagged`, attributes: { subject: '12', keywords: 'Rock, Ice' } })
      expect((await run((tx) => tx.getGroup(tagged.id)))?.attributes).toEqual({ subject: '12', keywords: 'Rock, Ice' })
      await run((tx) => tx.updateGroup(tagged.id, { attributes: { project: 'Y' } }))
      expect((await run((tx) => tx.lockGroup({ groupId: tagged.id })))?.attributes).toEqual({
        subject: '12',
        keywords: 'Rock, Ice',
        project: 'Y',
      })
      const mine = { field: 'name', op: 'contains', value: tag } as const
      const list = async (condition: { attribute: string; op: 'eq' | 'gt' | 'contains'; value: string }) =>
        (
          await run((tx) =>
            tx.listGroups({ visibleTo: null, conditions: [mine, condition], order: [], offset: 0, limit: 10 }),
          )
        ).groups.map((g) => g.id)
      expect(await list({ attribute: 'project', op: 'eq', value: 'Y' })).toEqual([tagged.id])
      expect(await list({ attribute: 'project', op: 'eq', value: '' })).toEqual([plain.id])
      // Decimal values compare as numbers: 12 > 9.
      expect(await list({ attribute: 'subject', op: 'gt', value: '9' })).toEqual([tagged.id])
      expect(await list({ attribute: 'keywords', op: 'contains', value: 'ice' })).toEqual([tagged.id])
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
        (await s.store.transaction((tx) => tx.updateGroup(uid('missing'), { name: 'x' })))._unsafeUnwrapErr().code,
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

    it('refuses to update a missing group even with an empty change', async () => {
      await refused((tx) => tx.updateGroup(uid('missing'), {}))
      expect(await run((tx) => tx.getGroup(uid('missing')))).toBeNull()
    })

    it('deletes a missing group as a no-op, twice over, and nothing else', async () => {
      const [group, other] = [await withGroup(), await withGroup()]
      await join(aMembership(other.id))
      expect(await run((tx) => tx.deleteGroup(uid('missing')))).toBeUndefined()
      await run((tx) => tx.deleteGroup(group.id).andThen(() => tx.deleteGroup(group.id)))
      expect(await run((tx) => tx.deleteGroup(group.id))).toBeUndefined()
      expect(await run((tx) => tx.getGroup(other.id))).toEqual({ ...other, memberCount: 1 })
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
      // An administrator's view: every group, hidden ones too, whoever visibleTo names.
      const everyGroup = await run((tx) => tx.listGroups({ ...base, everyGroup: true }))
      expect(everyGroup.total).toBe(5)
      expect(everyGroup.groups.map((g) => g.id)).toContain(hidden.id)
      const notEq = await run((tx) =>
        tx.listGroups({ ...base, conditions: [mine, { field: 'id', op: 'ne', value: made[0]?.id ?? '' }] }),
      )
      expect(notEq.total).toBe(3)
    })

    it('holds an anyOf when any of its conditions does, and notContains when the text is absent', async () => {
      const tag = uid('any')
      const [a, b, c] = [
        await withGroup({ name: `${tag} Alpha` }),
        await withGroup({ name: `${tag} Bravo` }),
        await withGroup({ name: `${tag} Charlie` }),
      ]
      const mine = { field: 'name', op: 'contains', value: tag } as const
      const base = { visibleTo: null, order: [], offset: 0, limit: 10 }
      const ids = (r: { groups: readonly Group[] }) => r.groups.map((g) => g.id).sort()
      const either = await run((tx) =>
        tx.listGroups({
          ...base,
          conditions: [
            mine,
            {
              anyOf: [
                { field: 'id', op: 'eq', value: a.id },
                { field: 'name', op: 'contains', value: 'CHARLIE' },
              ],
            },
          ],
        }),
      )
      expect(ids(either)).toEqual([a.id, c.id].sort())
      expect(either.total).toBe(2)
      const without = await run((tx) =>
        tx.listGroups({ ...base, conditions: [mine, { field: 'name', op: 'notContains', value: 'bravo' }] }),
      )
      expect(ids(without)).toEqual([a.id, c.id].sort())
      const none = await run((tx) => tx.listGroups({ ...base, conditions: [mine, { anyOf: [] }] }))
      expect(none.total).toBe(0)
      expect(b.id).toBeDefined()
    })

    it('compares decimal ids as numbers', async () => {
      const tag = uid('num')
      const unique = `${Date.now()}${nextSequence()}`
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

    it('answers an empty page and a total of 0 when no group matches', async () => {
      const query = { visibleTo: uid('u'), conditions: [{ field: 'name', op: 'eq', value: uid('none') } as const] }
      expect(await run((tx) => tx.listGroups({ ...query, order: [], offset: 0, limit: 10 }))).toEqual({
        groups: [],
        total: 0,
      })
    })
  })
}
