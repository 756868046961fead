import { describe, expect, it } from 'vitest'
import { createTestKit } from '../internal/test-kit.js'

/** A group whose link asks for approval, with `requesters` already waiting. */
async function withPendingRequests(
  requesters: string[],
  settings: Parameters<ReturnType<typeof createTestKit>['groupOf']>[0] = {},
) {
  const kit = createTestKit()
  const group = await kit.groupOf(settings)
  const code = await kit.linkTo(group.id, { requireApproval: true })
  for (const actor of requesters)
    (await kit.joinery.requestJoinByCode({ actor, code, message: `from ${actor}` }))._unsafeUnwrap()
  return { ...kit, group, code }
}

describe('approveJoinRequest', () => {
  it('makes the requester a member, counts the link use, and publishes approval then join', async () => {
    const { joinery, group, code, published } = await withPendingRequests(['bob'])
    const approved = (
      await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' })
    )._unsafeUnwrap()
    expect(approved).toMatchObject({
      changed: true,
      request: { status: 'approved', decidedBy: 'owner' },
      membership: { userId: 'bob', addedBy: 'owner', source: { kind: 'request' } },
      group: { memberCount: 2 },
    })
    expect(published.slice(-2).map((e) => e.type)).toEqual(['JoinRequestApproved', 'MemberJoined'])
    const preview = (await joinery.previewJoinLinks({ codes: [code] }))._unsafeUnwrap()[0]
    expect(preview).toMatchObject({ link: { counters: { uses: 1, pending: 0 } } })
  })

  it('is idempotent: approving again returns the same result and changes nothing', async () => {
    const { joinery, group, published } = await withPendingRequests(['bob'])
    const first = (
      await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' })
    )._unsafeUnwrap()
    const events = published.length
    const again = (
      await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' })
    )._unsafeUnwrap()
    expect(again).toMatchObject({ changed: false, request: first.request, membership: first.membership })
    expect(again.group.memberCount).toBe(2)
    expect(published.length).toBe(events)
  })

  it('lets the first of two conflicting decisions win; the second is told so', async () => {
    const { joinery, group } = await withPendingRequests(['bob', 'carol'])
    await joinery.rejectJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob', reason: 'no' })
    expect(
      (await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' }))._unsafeUnwrapErr(),
    ).toEqual({
      code: 'RequestAlreadyDecided',
      status: 'rejected',
    })
    await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'carol' })
    expect(
      (await joinery.rejectJoinRequest({ actor: 'owner', groupId: group.id, userId: 'carol' }))._unsafeUnwrapErr(),
    ).toEqual({
      code: 'RequestAlreadyDecided',
      status: 'approved',
    })
  })

  it('holds the member limit at approval and leaves the request pending', async () => {
    const { joinery, group } = await withPendingRequests(['bob', 'carol'], { memberLimit: 2 })
    await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' })
    const full = await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'carol' })
    expect(full._unsafeUnwrapErr()).toEqual({ code: 'MemberLimitReached', limit: 2 })
    const pending = (await joinery.listJoinRequests({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    expect(pending.items.map((r) => r.requesterId)).toEqual(['carol'])
  })

  it('refuses approval into a locked group', async () => {
    const { joinery, group } = await withPendingRequests(['bob'])
    await joinery.lockGroup({ actor: 'owner', groupId: group.id })
    expect(
      (await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' }))._unsafeUnwrapErr().code,
    ).toBe('GroupLocked')
  })

  it('lets moderators approve only when the group says so', async () => {
    for (const approvers of ['owner', 'owner-and-moderators'] as const) {
      const { joinery, group } = await withPendingRequests(['bob'], { approvers, initialMembers: ['mod'] })
      await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'mod', role: 'moderator' })
      const r = await joinery.approveJoinRequest({ actor: 'mod', groupId: group.id, userId: 'bob' })
      expect(r.isOk()).toBe(approvers === 'owner-and-moderators')
      if (r.isErr()) expect(r.error).toEqual({ code: 'InsufficientRole', required: 'approver' })
    }
  })

  it('answers RequestNotFound when the user never asked, and refuses an expired request', async () => {
    const kit = createTestKit({ requestTtlMs: 1000 })
    const group = await kit.groupOf({ admission: 'approval' })
    expect(
      (await kit.joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'x' }))._unsafeUnwrapErr()
        .code,
    ).toBe('RequestNotFound')
    await kit.joinery.requestJoin({ actor: 'bob', groupId: group.id })
    kit.clock.advance(1000)
    const late = await kit.joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' })
    expect(late._unsafeUnwrapErr()).toEqual({ code: 'RequestAlreadyDecided', status: 'expired' })
    // The expiry is kept even though the approval was refused.
    const expired = (
      await kit.joinery.listJoinRequests({ actor: 'owner', groupId: group.id, status: 'expired' })
    )._unsafeUnwrap()
    expect(expired.items).toHaveLength(1)
  })
})

describe('rejectJoinRequest', () => {
  it('rejects with a reason the requester can see, idempotently, and lets them ask again', async () => {
    const { joinery, group, code, published } = await withPendingRequests(['bob'])
    const rejected = (
      await joinery.rejectJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob', reason: 'full' })
    )._unsafeUnwrap()
    expect(rejected).toMatchObject({ changed: true, request: { status: 'rejected', rejectionReason: 'full' } })
    expect(published.at(-1)).toMatchObject({ type: 'JoinRequestRejected', subject: 'bob', reason: 'full' })
    expect(
      (await joinery.rejectJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' }))._unsafeUnwrap().changed,
    ).toBe(false)
    expect((await joinery.requestJoinByCode({ actor: 'bob', code }))._unsafeUnwrap().status).toBe('pending')
  })
})

describe('withdrawJoinRequest', () => {
  it('withdraws the own pending request once; an unknown one is RequestNotFound', async () => {
    const { joinery, group, code } = await withPendingRequests(['bob'])
    const w = (await joinery.withdrawJoinRequest({ actor: 'bob', groupId: group.id }))._unsafeUnwrap()
    expect(w).toMatchObject({ changed: true, request: { status: 'withdrawn', decidedBy: 'bob' } })
    expect((await joinery.withdrawJoinRequest({ actor: 'bob', groupId: group.id }))._unsafeUnwrap().changed).toBe(false)
    expect((await joinery.withdrawJoinRequest({ actor: 'carol', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'RequestNotFound',
    )
    const preview = (await joinery.previewJoinLinks({ codes: [code] }))._unsafeUnwrap()[0]
    expect(preview).toMatchObject({ link: { counters: { pending: 0 } } })
  })
})

describe('listJoinRequests', () => {
  it('pages through pending requests oldest first with a cursor (approvers only)', async () => {
    const users = Array.from({ length: 7 }, (_, i) => `user${i}`)
    const { joinery, group, clock } = await withPendingRequests([], { admission: 'approval' })
    for (const actor of users) {
      await joinery.requestJoin({ actor, groupId: group.id })
      clock.advance(1)
    }
    expect((await joinery.listJoinRequests({ actor: 'user0', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'InsufficientRole',
    )
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = (
        await joinery.listJoinRequests({ actor: 'owner', groupId: group.id, limit: 3, cursor })
      )._unsafeUnwrap()
      expect(page.items.length).toBeLessThanOrEqual(3)
      seen.push(...page.items.map((r) => r.requesterId))
      cursor = page.cursor ?? undefined
    } while (cursor)
    expect(seen).toEqual(users)
  })

  it('skips `offset` requests after the cursor and answers the pending counts from the same read', async () => {
    const users = Array.from({ length: 7 }, (_, i) => `user${i}`)
    const { joinery, group, clock } = await withPendingRequests([], { admission: 'approval' })
    for (const actor of users) {
      await joinery.requestJoin({ actor, groupId: group.id })
      clock.advance(1)
    }
    const page = (
      await joinery.listJoinRequests({ actor: 'owner', groupId: group.id, offset: 2, limit: 3 })
    )._unsafeUnwrap()
    expect(page.items.map((r) => r.requesterId)).toEqual(['user2', 'user3', 'user4'])
    expect(page.pending).toEqual({ total: 7, unread: 7 })
    const next = (
      await joinery.listJoinRequests({ actor: 'owner', groupId: group.id, cursor: page.cursor ?? '', offset: 1 })
    )._unsafeUnwrap()
    expect(next.items.map((r) => r.requesterId)).toEqual(['user6'])
    const past = (await joinery.listJoinRequests({ actor: 'owner', groupId: group.id, offset: 50 }))._unsafeUnwrap()
    expect(past).toMatchObject({ items: [], cursor: null })
  })
})

describe('markJoinRequestsRead', () => {
  it('marks pending requests read and the unread count drops', async () => {
    const { joinery, group } = await withPendingRequests(['bob', 'carol'])
    expect((await joinery.getGroup({ viewer: 'owner', groupId: group.id }))._unsafeUnwrap().pendingRequests).toEqual({
      total: 2,
      unread: 2,
    })
    expect((await joinery.markJoinRequestsRead({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()).toEqual({
      marked: 2,
    })
    expect((await joinery.getGroup({ viewer: 'owner', groupId: group.id }))._unsafeUnwrap().pendingRequests).toEqual({
      total: 2,
      unread: 0,
    })
    expect((await joinery.markJoinRequestsRead({ actor: 'bob', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'InsufficientRole',
    )
  })
})

describe('withdrawJoinRequest in a hidden group', () => {
  it('lets the requester withdraw though the group is hidden from non-members', async () => {
    const { joinery, group } = await withPendingRequests(['bob'], { visibility: 'hidden' })
    expect((await joinery.withdrawJoinRequest({ actor: 'bob', groupId: group.id }))._unsafeUnwrap().changed).toBe(true)
    expect((await joinery.withdrawJoinRequest({ actor: 'bob', groupId: group.id }))._unsafeUnwrap().changed).toBe(false)
  })

  it('answers anyone else exactly as a missing group: no existence oracle', async () => {
    const { joinery, group } = await withPendingRequests(['bob'], { visibility: 'hidden' })
    const hidden = await joinery.withdrawJoinRequest({ actor: 'carol', groupId: group.id })
    const missing = await joinery.withdrawJoinRequest({ actor: 'carol', groupId: 'no-such-group' })
    expect(hidden._unsafeUnwrapErr()).toEqual({ code: 'GroupNotFound' })
    expect(hidden._unsafeUnwrapErr()).toEqual(missing._unsafeUnwrapErr())
  })
})

describe('listUserRequests', () => {
  it("lists the actor's own pending requests and invitations with their groups, hidden ones too, oldest first", async () => {
    const kit = createTestKit({ requestTtlMs: 10_000 })
    const { joinery, clock } = kit
    const hidden = await kit.groupOf({ visibility: 'hidden', admission: 'invite-only' })
    const open = await kit.groupOf({ admission: 'approval' })
    const other = await kit.groupOf({ admission: 'approval' })
    ;(await joinery.inviteMembers({ actor: 'owner', groupId: hidden.id, userIds: ['bob', 'eve'] }))._unsafeUnwrap()
    clock.advance(1)
    ;(await joinery.requestJoin({ actor: 'bob', groupId: open.id }))._unsafeUnwrap()
    clock.advance(1)
    ;(await joinery.requestJoin({ actor: 'bob', groupId: other.id }))._unsafeUnwrap()
    ;(await joinery.withdrawJoinRequest({ actor: 'bob', groupId: other.id }))._unsafeUnwrap()
    const all = (await joinery.listUserRequests({ actor: 'bob', limit: 10 }))._unsafeUnwrap()
    expect(all.items.map((i) => [i.group.id, i.request.via.kind])).toEqual([
      [hidden.id, 'invitation'],
      [open.id, 'direct'],
    ])
    expect(all.cursor).toBeNull()
    const first = (await joinery.listUserRequests({ actor: 'bob', limit: 1 }))._unsafeUnwrap()
    expect(first.items.map((i) => i.group.id)).toEqual([hidden.id])
    const next = (
      await joinery.listUserRequests({ actor: 'bob', limit: 1, cursor: first.cursor ?? 'none' })
    )._unsafeUnwrap()
    expect(next.items.map((i) => i.group.id)).toEqual([open.id])
    // Accepting the invitation (asking to join) makes bob a member: the invitation leaves the list.
    ;(await joinery.requestJoin({ actor: 'bob', groupId: hidden.id }))._unsafeUnwrap()
    const left = (await joinery.listUserRequests({ actor: 'bob', limit: 10 }))._unsafeUnwrap()
    expect(left.items.map((i) => i.group.id)).toEqual([open.id])
    // An overdue invitation is no longer pending, even before a command marks it expired.
    clock.advance(10_000)
    expect((await joinery.listUserRequests({ actor: 'eve', limit: 10 }))._unsafeUnwrap().items).toEqual([])
    expect((await joinery.listUserRequests({ actor: 'nobody', limit: 10 }))._unsafeUnwrap().items).toEqual([])
  })
})
