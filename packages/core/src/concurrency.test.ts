import { describe, expect, it } from 'vitest'
import type { Membership } from './domain/membership.js'
import { createTestKit } from './internal/test-kit.js'
import type { Joinery } from './joinery.js'

// Everything below starts its calls together and awaits them with Promise.all: the store sees them interleaved.

const CROWD = 1_000
/** The member limit counts every membership, the owner's (and a moderator's) included. */
const LIMIT = 100

const crowd = (prefix: string) => Array.from({ length: CROWD }, (_, i) => `${prefix}-${i}`)

/** A group of `owner` with a join link, and a moderator who may approve when `withModerator` is set. */
async function aGroupWithLink(settings: {
  admission: 'open' | 'approval'
  requireApproval: boolean
  joinRule?: 'anyone' | 'followed-by-owner'
  memberLimit: number | null
  withModerator?: boolean
}) {
  const kit = createTestKit()
  const group = await kit.groupOf({
    admission: settings.admission,
    memberLimit: settings.memberLimit,
    approvers: 'owner-and-moderators',
    initialMembers: settings.withModerator ? ['mod'] : [],
  })
  if (settings.withModerator) {
    ;(
      await kit.joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'mod', role: 'moderator' })
    )._unsafeUnwrap()
  }
  const code = await kit.linkTo(group.id, {
    requireApproval: settings.requireApproval,
    joinRule: settings.joinRule ?? 'anyone',
  })
  return { ...kit, group, code }
}

async function allMembers(joinery: Joinery, groupId: string): Promise<Membership[]> {
  const members: Membership[] = []
  let cursor: string | undefined
  for (let page = 0; page < 100; page++) {
    const p = (await joinery.listMembers({ actor: 'owner', groupId, limit: 100, cursor }))._unsafeUnwrap()
    members.push(...p.items)
    if (p.cursor === null) return members
    cursor = p.cursor
  }
  throw new Error('paging did not end')
}

async function memberCountOf(joinery: Joinery, groupId: string) {
  return (await joinery.getGroup({ viewer: 'owner', groupId }))._unsafeUnwrap().group.memberCount
}

describe('requestJoinByCode', () => {
  for (const joinRule of ['anyone', 'followed-by-owner'] as const) {
    it(`seats exactly the free places of 1,000 simultaneous joiners through an open ${joinRule} link`, async () => {
      const { joinery, graph, group, code } = await aGroupWithLink({
        admission: 'open',
        requireApproval: false,
        joinRule,
        memberLimit: LIMIT,
      })
      const users = crowd('joiner')
      // The follow rule makes each join ask the social graph between two transactions.
      for (const user of users) graph.follow('owner', user)

      const results = await Promise.all(users.map((actor) => joinery.requestJoinByCode({ actor, code })))

      const joined = results.filter((r) => r.isOk() && r.value.status === 'joined' && r.value.changed)
      const full = results.filter((r) => r.isErr() && r.error.code === 'MemberLimitReached')
      // The owner holds one of the LIMIT seats.
      expect(joined).toHaveLength(LIMIT - 1)
      expect(full).toHaveLength(CROWD - (LIMIT - 1))
      for (const r of full) expect(r._unsafeUnwrapErr()).toEqual({ code: 'MemberLimitReached', limit: LIMIT })
      for (const r of joined) expect(r._unsafeUnwrap().group.memberCount).toBeLessThanOrEqual(LIMIT)

      const members = await allMembers(joinery, group.id)
      expect(members).toHaveLength(LIMIT)
      expect(new Set(members.map((m) => m.userId)).size).toBe(LIMIT)
      expect(await memberCountOf(joinery, group.id)).toBe(LIMIT)
      const joinedUsers = results
        .flatMap((r) => (r.isOk() && r.value.status === 'joined' && r.value.changed ? [r.value.membership.userId] : []))
        .sort()
      expect(
        members
          .map((m) => m.userId)
          .filter((u) => u !== 'owner')
          .sort(),
      ).toEqual(joinedUsers)

      const [link] = (await joinery.listJoinLinks({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
      expect(link?.counters).toEqual({
        uses: LIMIT - 1,
        pending: 0,
        refusals: { MemberLimitReached: CROWD - (LIMIT - 1) },
      })
    })
  }
})

describe('approveJoinRequest', () => {
  it('approves each of 1,000 simultaneous requests at most once when two approvers decide them all at once', async () => {
    const { joinery, group, code, published } = await aGroupWithLink({
      admission: 'open',
      requireApproval: true,
      memberLimit: LIMIT,
      withModerator: true,
    })
    const users = crowd('asker')
    const asked = await Promise.all(users.map((actor) => joinery.requestJoinByCode({ actor, code })))
    // A pending request holds no seat, so every one of them is taken.
    for (const r of asked) expect(r._unsafeUnwrap()).toMatchObject({ status: 'pending', changed: true })
    const requestIds = new Map(
      asked.map((r) => {
        const v = r._unsafeUnwrap()
        if (v.status !== 'pending') throw new Error('expected pending')
        return [v.request.requesterId, v.request.id] as const
      }),
    )

    // The owner walks the queue from the front, the moderator from the back; both start at once.
    const byOwner = users.map((userId) => ({ actor: 'owner', userId }))
    const byModerator = [...users].reverse().map((userId) => ({ actor: 'mod', userId }))
    const calls = byOwner.flatMap((call, i) => [call, byModerator[i] as { actor: string; userId: string }])
    const decided = await Promise.all(
      calls.map(async (call) => ({
        ...call,
        result: await joinery.approveJoinRequest({ ...call, groupId: group.id }),
      })),
    )

    const seats = LIMIT - 2 // the owner and the moderator hold two
    const wins = decided.filter((d) => d.result.isOk() && d.result.value.changed)
    const repeats = decided.filter((d) => d.result.isOk() && !d.result.value.changed)
    const refusals = decided.filter((d) => d.result.isErr())
    expect(wins).toHaveLength(seats)
    // Each approved request was approved once; the other approver's call found it approved and changed nothing.
    const winners = new Set(wins.map((d) => d.userId))
    expect(winners.size).toBe(seats)
    expect(repeats.map((d) => d.userId).sort()).toEqual([...winners].sort())
    for (const d of wins) {
      const v = d.result._unsafeUnwrap()
      expect(v.request).toMatchObject({ id: requestIds.get(d.userId), status: 'approved', decidedBy: d.actor })
      expect(v.group.memberCount).toBeLessThanOrEqual(LIMIT)
    }
    // Everyone else was refused by both approvers, for want of a seat and for nothing else.
    expect(refusals).toHaveLength(2 * (CROWD - seats))
    for (const d of refusals) {
      expect(winners.has(d.userId)).toBe(false)
      expect(d.result._unsafeUnwrapErr()).toEqual({ code: 'MemberLimitReached', limit: LIMIT })
    }

    const members = await allMembers(joinery, group.id)
    expect(members).toHaveLength(LIMIT)
    expect(await memberCountOf(joinery, group.id)).toBe(LIMIT)
    expect(
      members
        .map((m) => m.userId)
        .filter((u) => u !== 'owner' && u !== 'mod')
        .sort(),
    ).toEqual([...winners].sort())
    const approvedEvents = published.filter((e) => e.type === 'JoinRequestApproved')
    expect(approvedEvents).toHaveLength(seats)
    const listed = async (status: 'approved' | 'pending') => {
      let total = 0
      let cursor: string | undefined
      do {
        const p = (
          await joinery.listJoinRequests({ actor: 'owner', groupId: group.id, status, limit: 100, cursor })
        )._unsafeUnwrap()
        total += p.items.length
        cursor = p.cursor ?? undefined
      } while (cursor)
      return total
    }
    expect(await listed('approved')).toBe(seats)
    expect(await listed('pending')).toBe(CROWD - seats)
  })

  it('lets exactly one of an approval and a rejection of the same request win; the other is told it was decided', async () => {
    const { joinery, group, code } = await aGroupWithLink({
      admission: 'approval',
      requireApproval: true,
      memberLimit: null,
      withModerator: true,
    })
    const users = crowd('contested').slice(0, 200)
    await Promise.all(users.map(async (actor) => (await joinery.requestJoinByCode({ actor, code }))._unsafeUnwrap()))

    // For half the requests the approval is sent first, for the other half the rejection; all at once.
    const approve = (userId: string) => joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId })
    const reject = (userId: string) =>
      joinery.rejectJoinRequest({ actor: 'mod', groupId: group.id, userId, reason: 'no' })
    const contests = await Promise.all(
      users.map(async (userId, i) => {
        const [approval, rejection] =
          i % 2 === 0
            ? await Promise.all([approve(userId), reject(userId)])
            : await Promise.all([reject(userId), approve(userId)]).then(([r, a]) => [a, r] as const)
        return { userId, approval, rejection }
      }),
    )

    let approvals = 0
    let rejections = 0
    for (const { approval, rejection } of contests) {
      expect([approval.isOk(), rejection.isOk()].filter(Boolean)).toHaveLength(1)
      if (approval.isOk()) {
        approvals++
        expect(approval.value).toMatchObject({ changed: true, request: { status: 'approved' } })
        expect(rejection._unsafeUnwrapErr()).toEqual({ code: 'RequestAlreadyDecided', status: 'approved' })
      } else {
        rejections++
        expect(rejection._unsafeUnwrap()).toMatchObject({ changed: true, request: { status: 'rejected' } })
        expect(approval._unsafeUnwrapErr()).toEqual({ code: 'RequestAlreadyDecided', status: 'rejected' })
      }
    }
    // Both orders happened, so both kinds of winner were checked.
    expect(approvals).toBeGreaterThan(0)
    expect(rejections).toBeGreaterThan(0)

    const members = await allMembers(joinery, group.id)
    expect(members).toHaveLength(2 + approvals)
    const approvedUsers = contests.filter((c) => c.approval.isOk()).map((c) => c.userId)
    expect(
      members
        .map((m) => m.userId)
        .filter((u) => u !== 'owner' && u !== 'mod')
        .sort(),
    ).toEqual(approvedUsers.sort())
    expect(await memberCountOf(joinery, group.id)).toBe(2 + approvals)
  })
})
