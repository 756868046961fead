import { okAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { aGroup, aLink, aMembership, aRequest, at, uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The `MembershipStore.transaction` contract under concurrency: no lost count, no seat over the limit, no second pending request. */
export function concurrentTransactionTests(s: StoreUnderTest): void {
  const { run, withGroup, join, memberCount } = s

  describe('concurrent transactions', () => {
    it('count every one of 50 concurrent uses and refusals on one link', async () => {
      const group = await withGroup()
      const link = aLink(group.id)
      await run((tx) => tx.insertLink(link))
      await Promise.all(
        Array.from({ length: 50 }, () =>
          s.store.transaction((tx) => tx.countOnLink(link.code, { uses: 1, refusal: 'FollowRequired' })),
        ),
      )
      expect((await run((tx) => tx.getLink(link.code)))?.counters).toEqual({
        uses: 50,
        pending: 0,
        refusals: { FollowRequired: 50 },
      })
    })

    it("make one owner's group creations wait for each other: 20 at once under a cap of 5 make exactly 5", async () => {
      const owner = uid('owner')
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () =>
          s.store.transaction((tx) =>
            tx
              .lockOwnedGroups(owner)
              .andThen((owned) =>
                owned < 5 ? tx.insertGroup(aGroup({ ownerId: owner })).map(() => true) : okAsync(false),
              ),
          ),
        ),
      )
      expect(outcomes.map((o) => o._unsafeUnwrap()).filter(Boolean)).toHaveLength(5)
      expect(await run((tx) => tx.lockOwnedGroups(owner))).toBe(5)
    })

    it('never let memberCount exceed the limit: 200 joins for 50 seats', async () => {
      const group = await withGroup({ memberLimit: 50 })
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, () => s.store.transaction((tx) => tx.insertMembership(aMembership(group.id), 50))),
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
        Array.from({ length: 20 }, () => s.store.transaction((tx) => tx.insertMembership(member, null))),
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
        ...leaving.map((m) => s.store.transaction((tx) => tx.deleteMembership(group.id, m.userId))),
        ...joining.map((m) => s.store.transaction((tx) => tx.insertMembership(m, 40))),
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
      const requests = Array.from({ length: 20 }, (_, i) => aRequest(group.id, { requesterId: user, createdAt: at(i) }))
      const outcomes = await Promise.all(requests.map((r) => s.store.transaction((tx) => tx.insertRequest(r))))
      expect(outcomes.filter((o) => o.isOk())).toHaveLength(1)
      for (const o of outcomes) if (o.isErr()) expect(o.error.code).toBe('StorageError')
      const winner = requests[outcomes.findIndex((o) => o.isOk())]
      const pending = await run((tx) => tx.listRequests(group.id, 'pending', { after: null, limit: 50 }))
      expect(pending).toEqual([winner])
      expect(await run((tx) => tx.getLatestRequest(group.id, user))).toEqual(winner)
    })
  })
}
