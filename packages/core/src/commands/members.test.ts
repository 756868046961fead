import { describe, expect, it } from 'vitest'
import { createTestKit } from '../internal/test-kit.js'

describe('addMembers', () => {
  it('adds users at once, skips existing members, and approves their pending requests', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ admission: 'approval', initialMembers: ['alice'] })
    await joinery.requestJoin({ actor: 'bob', groupId: group.id })
    const r = (
      await joinery.addMembers({ actor: 'owner', groupId: group.id, userIds: ['alice', 'bob', 'carol'] })
    )._unsafeUnwrap()
    expect(r.added.map((m) => m.userId)).toEqual(['bob', 'carol'])
    expect(r.alreadyMembers).toEqual(['alice'])
    expect(r.group.memberCount).toBe(4)
    expect(
      (await joinery.listJoinRequests({ actor: 'owner', groupId: group.id, status: 'approved' }))._unsafeUnwrap().items,
    ).toHaveLength(1)
  })

  it('adds all or none: past the limit or with a banned user nobody is added', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf({ memberLimit: 3 })
    await joinery.banUser({ actor: 'owner', groupId: group.id, userId: 'mallory' })
    const events = published.length
    expect(
      (await joinery.addMembers({ actor: 'owner', groupId: group.id, userIds: ['a', 'b', 'c'] }))._unsafeUnwrapErr(),
    ).toEqual({
      code: 'MemberLimitReached',
      limit: 3,
    })
    expect(
      (await joinery.addMembers({ actor: 'owner', groupId: group.id, userIds: ['a', 'mallory'] }))._unsafeUnwrapErr()
        .code,
    ).toBe('UserBanned')
    expect(published.length).toBe(events)
    expect((await joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group.memberCount).toBe(1)
  })

  it('refuses plain members and locked groups', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    expect(
      (await joinery.addMembers({ actor: 'alice', groupId: group.id, userIds: ['x'] }))._unsafeUnwrapErr().code,
    ).toBe('InsufficientRole')
    await joinery.lockGroup({ actor: 'owner', groupId: group.id })
    expect(
      (await joinery.addMembers({ actor: 'owner', groupId: group.id, userIds: ['x'] }))._unsafeUnwrapErr().code,
    ).toBe('GroupLocked')
  })
})

describe('removeMembers', () => {
  it('kicks members, who then cannot come back by link or request until the kick is lifted', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    const code = await linkTo(group.id)
    const r = (
      await joinery.removeMembers({ actor: 'owner', groupId: group.id, userIds: ['alice', 'nobody'], reason: 'spam' })
    )._unsafeUnwrap()
    expect(r).toMatchObject({ removed: ['alice'], notMembers: ['nobody'], group: { memberCount: 1 } })
    expect((await joinery.requestJoinByCode({ actor: 'alice', code }))._unsafeUnwrapErr().code).toBe('UserKicked')
    expect((await joinery.requestJoin({ actor: 'alice', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'UserKicked',
    )
    expect((await joinery.unbanUser({ actor: 'owner', groupId: group.id, userId: 'alice' }))._unsafeUnwrap()).toEqual({
      lifted: true,
    })
    expect((await joinery.requestJoinByCode({ actor: 'alice', code }))._unsafeUnwrap().status).toBe('joined')
  })

  it('lets an approver re-add a kicked user, which lifts the kick', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    const code = await linkTo(group.id)
    await joinery.removeMembers({ actor: 'owner', groupId: group.id, userIds: ['alice'] })
    await joinery.addMembers({ actor: 'owner', groupId: group.id, userIds: ['alice'] })
    await joinery.leaveGroup({ actor: 'alice', groupId: group.id })
    expect((await joinery.requestJoinByCode({ actor: 'alice', code }))._unsafeUnwrap().status).toBe('joined')
  })

  it('never removes the owner, and only the owner removes moderators', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ approvers: 'owner-and-moderators', initialMembers: ['mod1', 'mod2', 'alice'] })
    for (const userId of ['mod1', 'mod2'])
      await joinery.changeRole({ actor: 'owner', groupId: group.id, userId, role: 'moderator' })
    expect(
      (await joinery.removeMembers({ actor: 'mod1', groupId: group.id, userIds: ['owner'] }))._unsafeUnwrapErr().code,
    ).toBe('TargetIsOwner')
    const modOnMod = await joinery.removeMembers({ actor: 'mod1', groupId: group.id, userIds: ['alice', 'mod2'] })
    expect(modOnMod._unsafeUnwrapErr()).toEqual({ code: 'InsufficientRole', required: 'owner' })
    // All or none: alice, listed first, is still a member.
    expect((await joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group.memberCount).toBe(4)
    expect(
      (await joinery.removeMembers({ actor: 'mod1', groupId: group.id, userIds: ['alice'] }))._unsafeUnwrap().removed,
    ).toEqual(['alice'])
  })
})

describe('removeMembers with skipOwner', () => {
  it('skips the owner and reports it, removing the others; without it the owner refuses the call', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice', 'bob'] })
    expect(
      (
        await joinery.removeMembers({ actor: 'owner', groupId: group.id, userIds: ['owner', 'alice'] })
      )._unsafeUnwrapErr().code,
    ).toBe('TargetIsOwner')
    const r = (
      await joinery.removeMembers({
        actor: 'owner',
        groupId: group.id,
        userIds: ['owner', 'alice', 'nobody'],
        skipOwner: true,
      })
    )._unsafeUnwrap()
    expect(r).toMatchObject({ removed: ['alice'], notMembers: ['nobody'], skippedOwner: 'owner' })
    expect(r.group.memberCount).toBe(2)
    const none = (
      await joinery.removeMembers({ actor: 'owner', groupId: group.id, userIds: ['owner'], skipOwner: true })
    )._unsafeUnwrap()
    expect(none).toMatchObject({ removed: [], skippedOwner: 'owner' })
  })

  it('still checks the actor: a plain member removes nobody, even when only the owner is named', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    const refused = await joinery.removeMembers({
      actor: 'alice',
      groupId: group.id,
      userIds: ['owner'],
      skipOwner: true,
    })
    expect(refused._unsafeUnwrapErr().code).toBe('InsufficientRole')
  })
})

describe('banUser and unbanUser', () => {
  it('bans members and strangers, rejects their pending request, and a timed ban ends by itself', async () => {
    const { joinery, groupOf, clock } = createTestKit()
    const group = await groupOf({ admission: 'approval', initialMembers: ['alice'] })
    await joinery.requestJoin({ actor: 'bob', groupId: group.id })
    await joinery.banUser({ actor: 'owner', groupId: group.id, userId: 'alice' })
    const until = new Date(clock.now().getTime() + 60_000)
    const ban = (
      await joinery.banUser({ actor: 'owner', groupId: group.id, userId: 'bob', until, reason: 'rude' })
    )._unsafeUnwrap()
    expect(ban).toMatchObject({ kind: 'banned', until, reason: 'rude' })
    expect((await joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group.memberCount).toBe(1)
    const rejected = (
      await joinery.listJoinRequests({ actor: 'owner', groupId: group.id, status: 'rejected' })
    )._unsafeUnwrap()
    expect(rejected.items.map((r) => r.requesterId)).toEqual(['bob'])
    expect((await joinery.requestJoin({ actor: 'bob', groupId: group.id }))._unsafeUnwrapErr().code).toBe('UserBanned')
    clock.advance(60_000)
    expect((await joinery.requestJoin({ actor: 'bob', groupId: group.id }))._unsafeUnwrap().status).toBe('pending')
    expect((await joinery.unbanUser({ actor: 'owner', groupId: group.id, userId: 'carol' }))._unsafeUnwrap()).toEqual({
      lifted: false,
    })
  })

  it('refuses to ban the owner', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf()
    expect(
      (await joinery.banUser({ actor: 'owner', groupId: group.id, userId: 'owner' }))._unsafeUnwrapErr().code,
    ).toBe('TargetIsOwner')
  })
})

describe('leaveGroup', () => {
  it('lets members leave, not the owner, and not non-members', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    expect((await joinery.leaveGroup({ actor: 'alice', groupId: group.id }))._unsafeUnwrap().group.memberCount).toBe(1)
    expect(published.at(-1)).toMatchObject({ type: 'MemberLeft', actor: 'alice' })
    expect((await joinery.leaveGroup({ actor: 'alice', groupId: group.id }))._unsafeUnwrapErr().code).toBe('NotAMember')
    expect((await joinery.leaveGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'OwnerCannotLeave',
    )
  })
})

describe('changeRole and transferOwnership', () => {
  it('promotes and demotes members (owner only); the owner role is not changed this way', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    expect(
      (
        await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'alice', role: 'moderator' })
      )._unsafeUnwrap().role,
    ).toBe('moderator')
    expect(
      (
        await joinery.changeRole({ actor: 'alice', groupId: group.id, userId: 'alice', role: 'member' })
      )._unsafeUnwrapErr().code,
    ).toBe('InsufficientRole')
    expect(
      (
        await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'owner', role: 'member' })
      )._unsafeUnwrapErr().code,
    ).toBe('TargetIsOwner')
    expect(
      (
        await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'bob', role: 'member' })
      )._unsafeUnwrapErr().code,
    ).toBe('NotAMember')
  })

  it('hands the group to a member; the old owner stays as a moderator and may then leave', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    expect(
      (await joinery.transferOwnership({ actor: 'owner', groupId: group.id, newOwnerId: 'bob' }))._unsafeUnwrapErr()
        .code,
    ).toBe('NotAMember')
    const moved = (
      await joinery.transferOwnership({ actor: 'owner', groupId: group.id, newOwnerId: 'alice' })
    )._unsafeUnwrap()
    expect(moved.ownerId).toBe('alice')
    const roles = (await joinery.listMembers({ groupId: group.id }))
      ._unsafeUnwrap()
      .items.map((m) => [m.userId, m.role])
    // Both joined at the same instant: ties are ordered by user id.
    expect(roles).toEqual([
      ['alice', 'owner'],
      ['owner', 'moderator'],
    ])
    expect((await joinery.leaveGroup({ actor: 'owner', groupId: group.id })).isOk()).toBe(true)
    expect((await joinery.lockGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'InsufficientRole',
    )
  })
})

describe('changeRoles', () => {
  it('gives many members a role in one command, skipping the owner and non-members', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice', 'bob', 'carol'] })
    await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'bob', role: 'moderator' })
    const before = published.length
    const r = (
      await joinery.changeRoles({
        actor: 'owner',
        groupId: group.id,
        userIds: ['owner', 'alice', 'bob', 'nobody', 'alice'],
        role: 'moderator',
      })
    )._unsafeUnwrap()
    expect(r.members.map((m) => [m.userId, m.role])).toEqual([
      ['alice', 'moderator'],
      ['bob', 'moderator'],
    ])
    expect(r).toMatchObject({ skippedOwner: 'owner', notMembers: ['nobody'] })
    // bob held the role already: one event, for alice.
    expect(published.slice(before)).toMatchObject([{ type: 'RoleChanged', subject: 'alice', role: 'moderator' }])
    const roles = (await joinery.listMembers({ groupId: group.id }))
      ._unsafeUnwrap()
      .items.map((m) => [m.userId, m.role])
    expect(Object.fromEntries(roles)).toEqual({ owner: 'owner', alice: 'moderator', bob: 'moderator', carol: 'member' })
  })

  it('is for the owner only, and a refusal changes nobody', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf({ approvers: 'owner-and-moderators', initialMembers: ['mod', 'alice'] })
    await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'mod', role: 'moderator' })
    const before = published.length
    const refused = await joinery.changeRoles({
      actor: 'mod',
      groupId: group.id,
      userIds: ['alice'],
      role: 'moderator',
    })
    expect(refused._unsafeUnwrapErr()).toEqual({ code: 'InsufficientRole', required: 'owner' })
    expect(published.length).toBe(before)
    const alice = (await joinery.listMembers({ groupId: group.id }))
      ._unsafeUnwrap()
      .items.find((m) => m.userId === 'alice')
    expect(alice?.role).toBe('member')
  })
})

describe('listMembers and listUserGroups', () => {
  it('pages members in join order and lists a user their own groups', async () => {
    const { joinery, groupOf, clock } = createTestKit()
    const a = await groupOf({ name: 'A' })
    clock.advance(1)
    const b = await groupOf({ name: 'B' })
    const users = Array.from({ length: 5 }, (_, i) => `u${i}`)
    for (const userId of users) await joinery.requestJoin({ actor: userId, groupId: a.id })
    const first = (await joinery.listMembers({ groupId: a.id, limit: 4 }))._unsafeUnwrap()
    expect(first.items.map((m) => m.userId)).toEqual(['owner', ...users.slice(0, 3)])
    const rest = (await joinery.listMembers({ groupId: a.id, limit: 4, cursor: first.cursor ?? '' }))._unsafeUnwrap()
    expect(rest).toEqual({ items: expect.any(Array), cursor: null, total: 6 })
    expect(rest.items.map((m) => m.userId)).toEqual(users.slice(3))
    const mine = (await joinery.listUserGroups({ actor: 'owner' }))._unsafeUnwrap()
    expect(mine.items.map((g) => [g.group.id, g.membership.role])).toEqual([
      [a.id, 'owner'],
      [b.id, 'owner'],
    ])
  })

  it('lists a hidden group only for its members', async () => {
    const { joinery, groupOf } = createTestKit()
    const hidden = await groupOf({ visibility: 'hidden' })
    expect((await joinery.listMembers({ actor: 'stranger', groupId: hidden.id }))._unsafeUnwrapErr().code).toBe(
      'GroupNotFound',
    )
    expect((await joinery.listMembers({ actor: 'owner', groupId: hidden.id })).isOk()).toBe(true)
  })

  it('with membersOnly, lists only for members: NotAMember for others, GroupNotFound for hidden groups', async () => {
    const { joinery, groupOf } = createTestKit()
    const open = await groupOf({ initialMembers: ['alice'] })
    const hidden = await groupOf({ visibility: 'hidden', initialMembers: ['alice'] })
    expect((await joinery.listMembers({ actor: 'stranger', groupId: open.id })).isOk()).toBe(true)
    for (const actor of ['stranger', null]) {
      expect((await joinery.listMembers({ actor, groupId: open.id, membersOnly: true }))._unsafeUnwrapErr().code).toBe(
        'NotAMember',
      )
    }
    expect(
      (await joinery.listMembers({ actor: 'stranger', groupId: hidden.id, membersOnly: true }))._unsafeUnwrapErr().code,
    ).toBe('GroupNotFound')
    const asAlice = (
      await joinery.listMembers({ actor: 'alice', groupId: hidden.id, membersOnly: true })
    )._unsafeUnwrap()
    expect(asAlice.items.map((m) => m.userId).sort()).toEqual(['alice', 'owner'])
  })

  it('skips an offset of members in the same command and gives the member count', async () => {
    const { joinery, groupOf } = createTestKit()
    const users = Array.from({ length: 7 }, (_, i) => `u${i}`)
    const group = await groupOf({ initialMembers: users })
    const ids = async (offset: number, limit: number) =>
      (await joinery.listMembers({ groupId: group.id, offset, limit }))._unsafeUnwrap()
    expect(await ids(3, 2)).toMatchObject({ total: 8, cursor: expect.any(String) })
    expect((await ids(3, 2)).items.map((m) => m.userId)).toEqual(['u2', 'u3'])
    expect((await ids(6, 5)).items.map((m) => m.userId)).toEqual(['u5', 'u6'])
    expect(await ids(20, 5)).toEqual({ items: [], cursor: null, total: 8 })
    const first = await ids(0, 2)
    const afterCursor = await joinery.listMembers({
      groupId: group.id,
      cursor: first.cursor ?? '',
      offset: 1,
      limit: 1,
    })
    expect(afterCursor._unsafeUnwrap().items.map((m) => m.userId)).toEqual(['u2'])
  })

  it('lists every member (and every group of a user) in one command with `all`, past any page size', async () => {
    const { joinery, groupOf } = createTestKit()
    const users = Array.from({ length: 1203 }, (_, i) => `u${i}`)
    const group = await groupOf({})
    // One command adds at most MAX_USERS_PER_COMMAND users.
    for (let i = 0; i < users.length; i += 100) {
      ;(
        await joinery.addMembers({ actor: 'owner', groupId: group.id, userIds: users.slice(i, i + 100) })
      )._unsafeUnwrap()
    }
    const all = (await joinery.listMembers({ groupId: group.id, all: true, limit: 1 }))._unsafeUnwrap()
    expect(all.total).toBe(1204)
    expect(all.cursor).toBeNull()
    const inOrder = all.items.map((m) => m.userId)
    expect([...inOrder].sort()).toEqual(['owner', ...users].sort())
    const paged = (await joinery.listMembers({ groupId: group.id, offset: 1200, limit: 10 }))._unsafeUnwrap()
    const after = (await joinery.listMembers({ groupId: group.id, all: true, offset: 1200 }))._unsafeUnwrap()
    expect(after.items).toEqual(paged.items)
    expect(after.items.map((m) => m.userId)).toEqual(inOrder.slice(1200))
    for (let i = 0; i < 3; i++) await groupOf({ initialMembers: ['u0'] })
    const mine = (await joinery.listUserGroups({ actor: 'u0', all: true, limit: 1 }))._unsafeUnwrap()
    expect(mine.items).toHaveLength(4)
    expect(mine.cursor).toBeNull()
  })
})

describe('inviteMembers', () => {
  it('invites users who then join by asking, even into a hidden invite-only group, without approval', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf({ admission: 'invite-only', visibility: 'hidden', initialMembers: ['alice'] })
    const r = (
      await joinery.inviteMembers({
        actor: 'owner',
        groupId: group.id,
        userIds: ['bob', 'alice'],
        message: 'come climb',
      })
    )._unsafeUnwrap()
    expect(r.invited.map((i) => [i.requesterId, i.via])).toEqual([['bob', { kind: 'invitation', invitedBy: 'owner' }]])
    expect(r.alreadyMembers).toEqual(['alice'])
    expect(published.at(-1)).toMatchObject({ type: 'MemberInvited', subject: 'bob' })
    expect((await joinery.explain({ actor: 'bob', groupId: group.id }))._unsafeUnwrap().outcome).toBe('join')
    const joined = (await joinery.requestJoin({ actor: 'bob', groupId: group.id }))._unsafeUnwrap()
    expect(joined).toMatchObject({ status: 'joined', membership: { addedBy: 'owner', source: { kind: 'request' } } })
    expect((await joinery.requestJoin({ actor: 'carol', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'GroupNotFound',
    )
  })

  it('leaves pending users alone, refuses banned ones, and an approver cannot accept for the invitee', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ admission: 'approval', memberLimit: 2 })
    await joinery.requestJoin({ actor: 'asker', groupId: group.id })
    await joinery.banUser({ actor: 'owner', groupId: group.id, userId: 'mallory' })
    expect(
      (await joinery.inviteMembers({ actor: 'owner', groupId: group.id, userIds: ['x', 'mallory'] }))._unsafeUnwrapErr()
        .code,
    ).toBe('UserBanned')
    const r = (
      await joinery.inviteMembers({ actor: 'owner', groupId: group.id, userIds: ['asker', 'bob', 'carol'] })
    )._unsafeUnwrap()
    expect(r.alreadyPending).toEqual(['asker'])
    expect(
      (await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' }))._unsafeUnwrapErr().code,
    ).toBe('RequestNotFound')
    expect((await joinery.requestJoin({ actor: 'bob', groupId: group.id }))._unsafeUnwrap().status).toBe('joined')
    // The limit still holds when an invitee accepts.
    expect((await joinery.requestJoin({ actor: 'carol', groupId: group.id }))._unsafeUnwrapErr()).toEqual({
      code: 'MemberLimitReached',
      limit: 2,
    })
    expect(
      (await joinery.inviteMembers({ actor: 'bob', groupId: group.id, userIds: ['y'] }))._unsafeUnwrapErr().code,
    ).toBe('InsufficientRole')
  })
})

describe('removeMembers without blocking', () => {
  it('removes members who may then ask again', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    await joinery.removeMembers({ actor: 'owner', groupId: group.id, userIds: ['alice'], blockRejoin: false })
    expect((await joinery.requestJoin({ actor: 'alice', groupId: group.id }))._unsafeUnwrap().status).toBe('joined')
  })
})
