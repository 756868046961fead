import { describe, expect, it } from 'vitest'
import type { JoinRequest, JoinRequestStatus } from '../../domain/join-request.js'
import { aRequest, at, requestKey, sortedBy, uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The `RequestRows` contract: join requests, one pending per user and group, and their lists and counts. */
export function requestRowsTests(s: StoreUnderTest): void {
  const { run, refused, withGroup, pageThrough } = s

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

    it("lists a user's pending requests and invitations to every group, in (createdAt, id) order, page by page", async () => {
      const groups = [await withGroup(), await withGroup(), await withGroup(), await withGroup()].map((g) => g.id)
      const user = uid('u')
      const prefix = uid('r')
      const mine = (g: number, suffix: string, ms: number, via: JoinRequest['via'] = { kind: 'direct' }) =>
        aRequest(groups[g] ?? '', { id: `${prefix}-${suffix}`, requesterId: user, createdAt: at(ms), via })
      const invited = { kind: 'invitation', invitedBy: 'owner' } as const
      const rows = [mine(0, 'c', 1, invited), mine(1, 'a', 1), mine(2, 'b', 1, invited), mine(3, 'd', 0, invited)]
      const decided = aRequest(groups[1] ?? '', {
        requesterId: user,
        status: 'rejected',
        createdAt: at(0),
        decidedAt: at(1),
        decidedBy: 'o',
      })
      const someoneElse = aRequest(groups[0] ?? '', { createdAt: at(0), via: invited })
      for (const r of [decided, ...rows, someoneElse]) await run((tx) => tx.insertRequest(r))
      const expected = ['d', 'a', 'b', 'c'].map((x) => `${prefix}-${x}`)
      for (const limit of [1, 3, 20]) {
        const listed = await pageThrough((tx, page) => tx.listPendingRequestsOfUser(user, page), requestKey, limit)
        expect(listed.rows.map((r) => r.id)).toEqual(expected)
      }
      expect(await run((tx) => tx.listPendingRequestsOfUser(user, { after: null, limit: 20 }))).toEqual(
        sortedBy(rows, requestKey),
      )
      const withdrawn = { ...rows[1], status: 'withdrawn', decidedAt: at(5) } as JoinRequest
      await run((tx) => tx.updateRequest(withdrawn))
      const left = await run((tx) => tx.listPendingRequestsOfUser(user, { after: null, limit: 20 }))
      expect(left.map((r) => r.id)).toEqual(expected.filter((id) => id !== withdrawn.id))
      expect(await run((tx) => tx.listPendingRequestsOfUser(uid('nobody'), { after: null, limit: 20 }))).toEqual([])
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

    it('refuses a request to a missing group, storing nothing', async () => {
      const request = aRequest(uid('missing'))
      await refused((tx) => tx.insertRequest(request))
      expect(await run((tx) => tx.getRequest(request.id))).toBeNull()
      expect(await run((tx) => tx.getLatestRequest(request.groupId, request.requesterId))).toBeNull()
    })

    it('refuses to update a request that was never inserted, storing nothing', async () => {
      const group = await withGroup()
      const request = aRequest(group.id)
      await refused((tx) => tx.updateRequest(request))
      await refused((tx) => tx.updateRequest({ ...request, status: 'rejected', decidedAt: at(1), decidedBy: 'o' }))
      expect(await run((tx) => tx.getRequest(request.id))).toBeNull()
      expect(await run((tx) => tx.getLatestRequest(group.id, request.requesterId))).toBeNull()
      expect(await run((tx) => tx.countPendingRequests(group.id))).toEqual({ total: 0, unread: 0 })
    })

    it('refuses an update that would make a second pending request of one user for one group', async () => {
      const group = await withGroup()
      const user = uid('u')
      const pending = aRequest(group.id, { requesterId: user })
      const decided = aRequest(group.id, { requesterId: user, status: 'rejected', decidedAt: at(1), decidedBy: 'o' })
      await run((tx) => tx.insertRequest(pending).andThen(() => tx.insertRequest(decided)))
      await refused((tx) => tx.updateRequest({ ...decided, status: 'pending', decidedAt: null, decidedBy: null }))
      expect(await run((tx) => tx.getRequest(decided.id))).toEqual(decided)
      expect(await run((tx) => tx.countPendingRequests(group.id))).toEqual({ total: 1, unread: 1 })
    })

    it('answers nothing for a missing group: no requests, no counts, none marked read', async () => {
      const missing = uid('missing')
      for (const status of ['pending', 'approved', 'rejected', 'withdrawn', 'expired'] as const) {
        expect(await run((tx) => tx.listRequests(missing, status, { after: null, limit: 10 }))).toEqual([])
      }
      expect(await run((tx) => tx.countPendingRequests(missing))).toEqual({ total: 0, unread: 0 })
      expect(await run((tx) => tx.markRequestsRead(missing))).toBe(0)
      expect(await run((tx) => tx.getLatestRequest(missing, uid('u')))).toBeNull()
    })
  })
}
