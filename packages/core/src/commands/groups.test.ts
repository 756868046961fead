import { describe, expect, it } from 'vitest'
import { createTestKit } from '../internal/test-kit.js'

describe('createGroup', () => {
  it('makes the creator the owner and first member, with safe defaults', async () => {
    const { joinery, published } = createTestKit()
    const group = (await joinery.createGroup({ actor: 'owner', name: '  Climbers ' }))._unsafeUnwrap()
    expect(group).toMatchObject({
      name: 'Climbers',
      ownerId: 'owner',
      memberCount: 1,
      memberLimit: null,
      lockStatus: 'unlocked',
      admission: 'approval',
      visibility: 'public',
      approvers: 'owner',
      allowMultipleLinks: false,
    })
    const owner = (await joinery.listMembers({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().items[0]
    expect(owner).toMatchObject({ userId: 'owner', role: 'owner', source: { kind: 'created' } })
    expect(published.map((e) => e.type)).toEqual(['GroupCreated'])
  })

  it('adds initial members within the limit, or creates nothing when they do not fit', async () => {
    const { joinery, published } = createTestKit()
    const ok = (
      await joinery.createGroup({ actor: 'owner', name: 'A', memberLimit: 3, initialMembers: ['a', 'b', 'a'] })
    )._unsafeUnwrap()
    expect(ok.memberCount).toBe(3)
    const before = published.length
    const tooMany = await joinery.createGroup({ actor: 'owner', name: 'B', memberLimit: 2, initialMembers: ['a', 'b'] })
    expect(tooMany._unsafeUnwrapErr()).toEqual({ code: 'MemberLimitReached', limit: 2 })
    expect(published.length).toBe(before)
    const groups = (await joinery.listUserGroups({ actor: 'owner' }))._unsafeUnwrap()
    expect(groups.items.map((g) => g.group.name)).toEqual(['A'])
  })

  it('invites users in the same step; they become members by accepting, and a group born locked invites nobody', async () => {
    const { joinery, published } = createTestKit()
    const group = (
      await joinery.createGroup({
        actor: 'owner',
        name: 'A',
        visibility: 'hidden',
        admission: 'invite-only',
        memberLimit: 3,
        initialMembers: ['a'],
        invite: ['b', 'owner', 'a', 'c', 'b'],
      })
    )._unsafeUnwrap()
    expect(group.memberCount).toBe(2)
    const invited = published.filter((e) => e.type === 'MemberInvited' && e.groupId === group.id)
    expect(invited.map((e) => ('subject' in e ? e.subject : null))).toEqual(['b', 'c'])
    const mine = (await joinery.listUserRequests({ actor: 'b', limit: 10 }))._unsafeUnwrap().items
    expect(mine.map((i) => [i.group.id, i.request.via])).toEqual([
      [group.id, { kind: 'invitation', invitedBy: 'owner' }],
    ])
    // Accepting is asking to join: no approval, but the member limit holds.
    expect((await joinery.requestJoin({ actor: 'b', groupId: group.id }))._unsafeUnwrap()).toMatchObject({
      status: 'joined',
    })
    expect((await joinery.requestJoin({ actor: 'c', groupId: group.id }))._unsafeUnwrapErr()).toMatchObject({
      code: 'MemberLimitReached',
    })
    const before = published.length
    const locked = await joinery.createGroup({ actor: 'owner', name: 'L', lockStatus: 'locked', invite: ['d'] })
    expect(locked._unsafeUnwrapErr()).toEqual({ code: 'GroupLocked', lockStatus: 'locked' })
    expect(published.length).toBe(before)
    expect((await joinery.listUserRequests({ actor: 'd', limit: 10 }))._unsafeUnwrap().items).toEqual([])
  })

  it('creates a group locked from the start, with no separate lock event, when asked', async () => {
    const { joinery, published } = createTestKit()
    const group = (
      await joinery.createGroup({ actor: 'owner', name: 'Archive', admission: 'open', lockStatus: 'locked' })
    )._unsafeUnwrap()
    expect(group.lockStatus).toBe('locked')
    expect(published.map((e) => e.type)).toEqual(['GroupCreated'])
    expect((await joinery.requestJoin({ actor: 'bob', groupId: group.id }))._unsafeUnwrapErr()).toEqual({
      code: 'GroupLocked',
      lockStatus: 'locked',
    })
    expect((await joinery.unlockGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().lockStatus).toBe(
      'unlocked',
    )
  })

  it('refuses a blank name with InvalidInput', async () => {
    const { joinery } = createTestKit()
    expect((await joinery.createGroup({ actor: 'owner', name: '   ' }))._unsafeUnwrapErr().code).toBe('InvalidInput')
  })
})

describe('updateGroup', () => {
  it('lets only the owner change settings, and reports the changed fields', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf({ approvers: 'owner-and-moderators', initialMembers: ['mod'] })
    await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'mod', role: 'moderator' })
    const refused = await joinery.updateGroup({ actor: 'mod', groupId: group.id, name: 'Mine' })
    expect(refused._unsafeUnwrapErr()).toEqual({ code: 'InsufficientRole', required: 'owner' })
    const updated = (
      await joinery.updateGroup({
        actor: 'owner',
        groupId: group.id,
        name: 'Boulderers',
        memberLimit: 5,
        admission: 'open',
      })
    )._unsafeUnwrap()
    expect(updated).toMatchObject({ name: 'Boulderers', memberLimit: 5, memberCount: 2 })
    expect(published.at(-1)).toMatchObject({
      type: 'GroupUpdated',
      fields: ['name', 'memberLimit'],
      name: { old: group.name, new: 'Boulderers' },
    })
    await joinery.updateGroup({ actor: 'owner', groupId: group.id, memberLimit: 6 })
    expect(published.at(-1)).toMatchObject({ type: 'GroupUpdated', fields: ['memberLimit'] })
    expect(published.at(-1)).not.toHaveProperty('name')
  })

  it('refuses edits to a locked group', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf()
    await joinery.lockGroup({ actor: 'owner', groupId: group.id })
    expect((await joinery.updateGroup({ actor: 'owner', groupId: group.id, name: 'x' }))._unsafeUnwrapErr().code).toBe(
      'GroupLocked',
    )
  })
})

describe('updateGroup with lockStatus', () => {
  it('applies the edit, then the lock, in one command with the events of both', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf()
    const before = published.length
    const updated = (
      await joinery.updateGroup({ actor: 'owner', groupId: group.id, name: 'Archived', lockStatus: 'locked' })
    )._unsafeUnwrap()
    expect(updated).toMatchObject({ name: 'Archived', lockStatus: 'locked' })
    expect((await joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group).toMatchObject(updated)
    expect(published.slice(before)).toMatchObject([
      { type: 'GroupUpdated', fields: ['name'] },
      { type: 'GroupLocked', permanent: false },
    ])
  })

  it('unlocks, then edits, a locked group in one command', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf()
    await joinery.lockGroup({ actor: 'owner', groupId: group.id })
    const before = published.length
    const updated = (
      await joinery.updateGroup({ actor: 'owner', groupId: group.id, name: 'Open again', lockStatus: 'unlocked' })
    )._unsafeUnwrap()
    expect(updated).toMatchObject({ name: 'Open again', lockStatus: 'unlocked' })
    expect(published.slice(before).map((e) => e.type)).toEqual(['GroupUnlocked', 'GroupUpdated'])
  })

  it('refuses to edit a locked group unless the call unlocks it, and then changes nothing', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf()
    await joinery.lockGroup({ actor: 'owner', groupId: group.id })
    const before = published.length
    for (const lockStatus of ['locked', 'locked-permanently', undefined] as const) {
      const refused = await joinery.updateGroup({ actor: 'owner', groupId: group.id, name: 'x', lockStatus })
      expect(refused._unsafeUnwrapErr(), String(lockStatus)).toEqual({ code: 'GroupLocked', lockStatus: 'locked' })
    }
    expect((await joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group).toMatchObject({
      name: 'Climbers',
      lockStatus: 'locked',
    })
    expect(published.length).toBe(before)
  })

  it('never unlocks a permanent lock, nor weakens it, and then changes nothing', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf()
    const locked = await joinery.updateGroup({ actor: 'owner', groupId: group.id, lockStatus: 'locked-permanently' })
    expect(locked._unsafeUnwrap().lockStatus).toBe('locked-permanently')
    expect(published.at(-1)).toMatchObject({ type: 'GroupLocked', permanent: true })
    const before = published.length
    const unlock = await joinery.updateGroup({ actor: 'owner', groupId: group.id, name: 'x', lockStatus: 'unlocked' })
    expect(unlock._unsafeUnwrapErr()).toEqual({ code: 'GroupLocked', lockStatus: 'locked-permanently' })
    const weaker = await joinery.updateGroup({ actor: 'owner', groupId: group.id, lockStatus: 'locked' })
    expect(weaker._unsafeUnwrap()).toMatchObject({ name: 'Climbers', lockStatus: 'locked-permanently' })
    expect(published.length).toBe(before)
  })

  it('with nothing to change, changes nothing but still checks the group and the owner, locked or not', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    await joinery.lockGroup({ actor: 'owner', groupId: group.id })
    const before = published.length
    expect((await joinery.updateGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().id).toBe(group.id)
    expect((await joinery.updateGroup({ actor: 'alice', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'InsufficientRole',
    )
    expect((await joinery.updateGroup({ actor: 'owner', groupId: 'nope' }))._unsafeUnwrapErr().code).toBe(
      'GroupNotFound',
    )
    expect(published.length).toBe(before)
  })
})

describe('lockGroup and unlockGroup', () => {
  it('locks and unlocks idempotently; a permanent lock cannot be undone', async () => {
    const { joinery, groupOf, published } = createTestKit()
    const group = await groupOf()
    expect((await joinery.lockGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().lockStatus).toBe('locked')
    const events = published.length
    expect((await joinery.lockGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().lockStatus).toBe('locked')
    expect(published.length).toBe(events)
    expect((await joinery.unlockGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().lockStatus).toBe(
      'unlocked',
    )
    expect((await joinery.unlockGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().lockStatus).toBe(
      'unlocked',
    )
    await joinery.lockGroup({ actor: 'owner', groupId: group.id, permanent: true })
    expect((await joinery.unlockGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrapErr()).toEqual({
      code: 'GroupLocked',
      lockStatus: 'locked-permanently',
    })
    expect((await joinery.lockGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrap().lockStatus).toBe(
      'locked-permanently',
    )
  })

  it('refuses non-owners', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    expect((await joinery.lockGroup({ actor: 'alice', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'InsufficientRole',
    )
    expect((await joinery.lockGroup({ actor: 'stranger', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'InsufficientRole',
    )
  })
})

describe('deleteGroup', () => {
  it('deletes the group with its links and members (owner only)', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const group = await groupOf({ initialMembers: ['alice'] })
    const code = await linkTo(group.id)
    expect((await joinery.deleteGroup({ actor: 'alice', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'InsufficientRole',
    )
    ;(await joinery.deleteGroup({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    expect((await joinery.getGroup({ viewer: 'owner', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'GroupNotFound',
    )
    expect((await joinery.requestJoinByCode({ actor: 'bob', code }))._unsafeUnwrapErr().code).toBe('InvalidCode')
    expect((await joinery.listUserGroups({ actor: 'alice' }))._unsafeUnwrap().items).toEqual([])
  })
})

describe('getGroup', () => {
  it('shows pending counts to approvers only and hides hidden groups from outsiders', async () => {
    const { joinery, groupOf } = createTestKit()
    const group = await groupOf({ admission: 'approval', visibility: 'hidden', initialMembers: ['alice'] })
    const asOwner = (await joinery.getGroup({ viewer: 'owner', groupId: group.id }))._unsafeUnwrap()
    expect(asOwner.pendingRequests).toEqual({ total: 0, unread: 0 })
    const asMember = (await joinery.getGroup({ viewer: 'alice', groupId: group.id }))._unsafeUnwrap()
    expect(asMember).toMatchObject({ pendingRequests: null, viewerMembership: { role: 'member' } })
    expect((await joinery.getGroup({ viewer: 'bob', groupId: group.id }))._unsafeUnwrapErr().code).toBe('GroupNotFound')
    expect((await joinery.getGroup({ groupId: group.id }))._unsafeUnwrapErr().code).toBe('GroupNotFound')
  })
})

describe('listGroups', () => {
  it('lists visible groups with filters, order, offset and total', async () => {
    const { joinery, groupOf } = createTestKit()
    for (const name of ['b', 'a', 'c']) await groupOf({ name })
    await groupOf({ name: 'secret', visibility: 'hidden', initialMembers: ['insider'] })
    const page = (
      await joinery.listGroups({ orderBy: [{ field: 'name', direction: 'asc' }], offset: 1, limit: 1 })
    )._unsafeUnwrap()
    expect(page).toMatchObject({ total: 3, groups: [{ name: 'b' }] })
    const insider = (
      await joinery.listGroups({ viewer: 'insider', where: [{ field: 'name', op: 'eq', value: 'secret' }] })
    )._unsafeUnwrap()
    expect(insider.total).toBe(1)
    expect((await joinery.listGroups({ limit: 0 }))._unsafeUnwrapErr().code).toBe('InvalidInput')
  })

  it('takes `whereAny` (one condition of each list must hold) and `notContains`', async () => {
    const { joinery, groupOf } = createTestKit()
    for (const name of ['alpha', 'bravo', 'charlie']) await groupOf({ name })
    const names = async (input: Parameters<typeof joinery.listGroups>[0]) =>
      (await joinery.listGroups({ ...input, orderBy: [{ field: 'name', direction: 'asc' }] }))
        ._unsafeUnwrap()
        .groups.map((g) => g.name)
    const alphaOrCharlie = [
      { field: 'name', op: 'eq', value: 'alpha' },
      { field: 'name', op: 'eq', value: 'charlie' },
    ] as const
    expect(await names({ whereAny: [[...alphaOrCharlie]] })).toEqual(['alpha', 'charlie'])
    expect(await names({ whereAny: [[...alphaOrCharlie], [{ field: 'name', op: 'contains', value: 'ARL' }]] })).toEqual(
      ['charlie'],
    )
    expect(await names({ where: [{ field: 'name', op: 'notContains', value: 'RAV' }] })).toEqual(['alpha', 'charlie'])
    const empty = (await joinery.listGroups({ whereAny: [[]] }))._unsafeUnwrapErr()
    expect(empty.code).toBe('InvalidInput')
    const onDate = await joinery.listGroups({
      where: [{ field: 'createdAt', op: 'notContains', value: new Date() }] as never,
    })
    expect(onDate._unsafeUnwrapErr().code).toBe('InvalidInput')
  })
})

describe('update and activity times (GROUP_TIME_EVENTS)', () => {
  it('start as the creation time, move with settings and with activity, each on its own', async () => {
    const { joinery, clock } = createTestKit()
    const group = (await joinery.createGroup({ actor: 'owner', name: 'Times', admission: 'approval' }))._unsafeUnwrap()
    const read = async () => (await joinery.getGroup({ groupId: group.id, viewer: 'owner' }))._unsafeUnwrap().group
    expect(await read()).not.toHaveProperty('updatedAt')
    expect(await read()).not.toHaveProperty('lastActivityAt')
    clock.advance(1000)
    const requested = clock.now()
    ;(await joinery.requestJoin({ actor: 'ann', groupId: group.id }))._unsafeUnwrap()
    expect(await read()).toMatchObject({ lastActivityAt: requested })
    expect(await read()).not.toHaveProperty('updatedAt')
    clock.advance(1000)
    const renamed = clock.now()
    ;(await joinery.updateGroup({ actor: 'owner', groupId: group.id, name: 'Renamed' }))._unsafeUnwrap()
    expect(await read()).toMatchObject({ updatedAt: renamed, lastActivityAt: requested })
    clock.advance(1000)
    const approved = clock.now()
    ;(await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'ann' }))._unsafeUnwrap()
    expect(await read()).toMatchObject({ updatedAt: renamed, lastActivityAt: approved })
    clock.advance(1000)
    // A call that changes nothing stamps nothing.
    ;(await joinery.updateGroup({ actor: 'owner', groupId: group.id, name: 'Renamed' }))._unsafeUnwrap()
    expect(await read()).toMatchObject({ updatedAt: renamed, lastActivityAt: approved })
  })
})

describe('getGroup with invited', () => {
  it('shows a hidden group to a user with a pending invitation, and to nobody else who is not a member', async () => {
    const kit = createTestKit({ requestTtlMs: 10_000 })
    const { joinery, clock } = kit
    const group = (
      await joinery.createGroup({
        actor: 'owner',
        name: 'H',
        visibility: 'hidden',
        admission: 'invite-only',
        invite: ['bob'],
      })
    )._unsafeUnwrap()
    const seen = (await joinery.getGroup({ viewer: 'bob', groupId: group.id, invited: true }))._unsafeUnwrap()
    expect(seen).toMatchObject({ viewerMembership: null, viewerInvitation: { requesterId: 'bob', status: 'pending' } })
    // Without the option, and to anyone not invited, the hidden group does not exist.
    expect((await joinery.getGroup({ viewer: 'bob', groupId: group.id }))._unsafeUnwrapErr().code).toBe('GroupNotFound')
    expect((await joinery.getGroup({ viewer: 'eve', groupId: group.id, invited: true }))._unsafeUnwrapErr().code).toBe(
      'GroupNotFound',
    )
    const owner = (await joinery.getGroup({ viewer: 'owner', groupId: group.id, invited: true }))._unsafeUnwrap()
    expect(owner.viewerInvitation).toBeNull()
    // An overdue invitation shows nothing any more.
    clock.advance(10_000)
    expect((await joinery.getGroup({ viewer: 'bob', groupId: group.id, invited: true }))._unsafeUnwrapErr().code).toBe(
      'GroupNotFound',
    )
  })
})
