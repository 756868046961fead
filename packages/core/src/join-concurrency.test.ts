import { describe, expect, it } from 'vitest'
import { createTestKit } from './internal/test-kit.js'

const users = (n: number, prefix = 'user') => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe('concurrent joins on the in-memory store', () => {
  it('lets 1,000 simultaneous joins fill a group limited to 100 exactly, the owner included', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const group = await groupOf({ memberLimit: 100 })
    const code = await linkTo(group.id)
    const results = await Promise.all(users(1000).map((actor) => joinery.requestJoinByCode({ actor, code })))
    const joined = results.filter((r) => r.isOk() && r.value.status === 'joined' && r.value.changed)
    const refused = results.filter((r) => r.isErr())
    expect(joined).toHaveLength(99)
    expect(refused).toHaveLength(901)
    expect(new Set(refused.map((r) => r._unsafeUnwrapErr().code))).toEqual(new Set(['MemberLimitReached']))
    const after = (await joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group
    expect(after.memberCount).toBe(100)
    let listed = 0
    let cursor: string | undefined
    do {
      const page = (await joinery.listMembers({ groupId: group.id, limit: 100, cursor }))._unsafeUnwrap()
      listed += page.items.length
      cursor = page.cursor ?? undefined
    } while (cursor)
    expect(listed).toBe(100)
  })

  it('approves each request once when two approvers decide the same requests at the same time', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const group = await groupOf({ memberLimit: 50, approvers: 'owner-and-moderators', initialMembers: ['mod'] })
    await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'mod', role: 'moderator' })
    const code = await linkTo(group.id, { requireApproval: true })
    const requesters = users(200)
    const asked = await Promise.all(requesters.map((actor) => joinery.requestJoinByCode({ actor, code })))
    expect(asked.every((r) => r._unsafeUnwrap().status === 'pending')).toBe(true)
    const decisions = await Promise.all(
      requesters.flatMap((userId) => [
        joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId }),
        joinery.approveJoinRequest({ actor: 'mod', groupId: group.id, userId }),
      ]),
    )
    const changed = decisions.filter((d) => d.isOk() && d.value.changed)
    expect(changed).toHaveLength(48)
    const refusals = decisions.filter((d) => d.isErr()).map((d) => d._unsafeUnwrapErr().code)
    expect(new Set(refusals)).toEqual(new Set(['MemberLimitReached']))
    expect((await joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group.memberCount).toBe(50)
    const approved = (
      await joinery.listJoinRequests({ actor: 'owner', groupId: group.id, status: 'approved', limit: 100 })
    )._unsafeUnwrap()
    expect(approved.items).toHaveLength(48)
  })

  it('lets exactly one of two conflicting decisions made at once stand', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const group = await groupOf()
    const code = await linkTo(group.id, { requireApproval: true })
    const requesters = users(100)
    await Promise.all(requesters.map((actor) => joinery.requestJoinByCode({ actor, code })))
    for (const userId of requesters) {
      const [approve, reject] = await Promise.all([
        joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId }),
        joinery.rejectJoinRequest({ actor: 'owner', groupId: group.id, userId }),
      ])
      // Calls run in the order made: the approval wins and the rejection is told so.
      expect(approve._unsafeUnwrap().changed).toBe(true)
      expect(reject._unsafeUnwrapErr()).toEqual({ code: 'RequestAlreadyDecided', status: 'approved' })
    }
    // And the other way round: the rejection made first wins.
    await joinery.requestJoinByCode({ actor: 'late', code })
    const [rejectFirst, approveSecond] = await Promise.all([
      joinery.rejectJoinRequest({ actor: 'owner', groupId: group.id, userId: 'late' }),
      joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'late' }),
    ])
    expect(rejectFirst._unsafeUnwrap().changed).toBe(true)
    expect(approveSecond._unsafeUnwrapErr()).toEqual({ code: 'RequestAlreadyDecided', status: 'rejected' })
  })
})
