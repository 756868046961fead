import { errAsync, ResultAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import type { Group, GroupId, UserId } from '../../domain/group.js'
import type { Membership } from '../../domain/membership.js'
import type { StoreTx } from '../../ports/membership-store.js'
import { aGroup, aLink, aMembership, anEvent, aRemoval, aRequest, at, uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The `MembershipStore.transaction` contract for one transaction at a time: all of its writes or none. */
export function transactionTests(s: StoreUnderTest): void {
  const { run, refused, withGroup, join, memberCount } = s

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
      const result = await s.store.transaction((tx) =>
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
      const result = await s.store.transaction((tx) =>
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
          .andThen((rows) => tx.insertMembership(aMembership(group.id), 1).map((second) => [...rows, second] as const)),
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

    const throwers: [string, (tx: StoreTx, groupId: GroupId, member: Membership) => ResultAsync<unknown, unknown>][] = [
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
        const result = await s.store.transaction((tx) => work(tx, group.id, member))
        expect(result._unsafeUnwrapErr()).toMatchObject({ code: 'StorageError' })
        expect(await memberCount(group.id)).toBe(0)
        expect(await run((tx) => tx.getMembership(group.id, member.userId))).toBeNull()
        expect(await run((tx) => tx.getRemoval(group.id, member.userId))).toBeNull()
      })
    }
  })
}
