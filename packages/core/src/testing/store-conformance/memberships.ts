import { describe, expect, it } from 'vitest'
import type { Group } from '../../domain/group.js'
import { aMembership, at, memberKey, membershipKey, sortedBy, uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The `MembershipRows` contract: members, the seat count, and both keyset lists. */
export function membershipRowsTests(s: StoreUnderTest): void {
  const { run, refused, withGroup, join, memberCount, pageThrough } = s

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

    it('refuses a membership in a missing group, with or without a limit, storing nothing', async () => {
      const member = aMembership(uid('missing'))
      await refused((tx) => tx.insertMembership(member, null))
      await refused((tx) => tx.insertMembership(member, 5))
      expect(await run((tx) => tx.getMembership(member.groupId, member.userId))).toBeNull()
      expect(await run((tx) => tx.listMembershipsOfUser(member.userId, { after: null, limit: 10 }))).toEqual([])
    })

    it('refuses to change the role of someone who is not a member, changing nothing', async () => {
      const group = await withGroup()
      const [stays, left] = [aMembership(group.id), aMembership(group.id)]
      await join(stays, left)
      await run((tx) => tx.deleteMembership(group.id, left.userId))
      await refused((tx) => tx.updateMembershipRole(group.id, left.userId, 'moderator'))
      await refused((tx) => tx.updateMembershipRole(group.id, uid('nobody'), 'moderator'))
      await refused((tx) => tx.updateMembershipRole(uid('missing'), stays.userId, 'moderator'))
      expect(await run((tx) => tx.getMembership(group.id, left.userId))).toBeNull()
      expect(await run((tx) => tx.getMembership(group.id, stays.userId))).toEqual(stays)
      expect(await memberCount(group.id)).toBe(1)
    })

    it('answers nothing for a missing group: no membership, no members, nothing deleted', async () => {
      const [missing, user] = [uid('missing'), uid('u')]
      expect(await run((tx) => tx.getMembership(missing, user))).toBeNull()
      expect(await run((tx) => tx.listMembers(missing, { after: null, limit: 10 }))).toEqual([])
      expect(await run((tx) => tx.deleteMembership(missing, user))).toBe(false)
    })
  })
}
