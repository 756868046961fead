import { describe, expect, it } from 'vitest'
import { decideAdministratorAccess } from '../decisions/access.js'
import { createTestKit } from '../internal/test-kit.js'
import { mayInvite } from '../permissions.js'

const membersOf = async (kit: ReturnType<typeof createTestKit>, groupId: string) =>
  (await kit.joinery.listMembers({ groupId, all: true, asAdministrator: true }))
    ._unsafeUnwrap()
    .items.map((m) => [m.userId, m.role])
    .sort()

describe('asAdministrator', () => {
  it('lets an administrator who is not a member run the commands an owner runs, hidden groups included', async () => {
    const kit = createTestKit()
    const { joinery } = kit
    const group = await kit.groupOf({ visibility: 'hidden', initialMembers: ['mod'] })
    await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'mod', role: 'moderator' })
    // Without the flag the administrator is a stranger: a hidden group does not exist for them.
    expect(
      (await joinery.addMembers({ actor: 'admin', groupId: group.id, userIds: ['x'] }))._unsafeUnwrapErr().code,
    ).toBe('GroupNotFound')
    const as = { actor: 'admin', groupId: group.id, asAdministrator: true } as const
    expect((await joinery.addMembers({ ...as, userIds: ['x', 'y'] }))._unsafeUnwrap().added).toHaveLength(2)
    expect(
      (await joinery.changeRoles({ ...as, userIds: ['x'], role: 'moderator' }))._unsafeUnwrap().members,
    ).toHaveLength(1)
    // An administrator removes moderators, as only the owner may.
    expect(
      (await joinery.removeMembers({ ...as, userIds: ['mod', 'owner'], skipOwner: true }))._unsafeUnwrap().removed,
    ).toEqual(['mod'])
    expect((await joinery.inviteMembers({ ...as, userIds: ['z'] }))._unsafeUnwrap().invited).toHaveLength(1)
    expect((await joinery.updateGroup({ ...as, name: 'Renamed' }))._unsafeUnwrap().name).toBe('Renamed')
    expect((await joinery.transferOwnership({ ...as, newOwnerId: 'x' }))._unsafeUnwrap().ownerId).toBe('x')
    const listed = await joinery.listGroups({ viewer: 'admin', asAdministrator: true })
    expect(listed._unsafeUnwrap().groups.map((g) => g.id)).toContain(group.id)
    expect((await joinery.listGroups({ viewer: 'admin' }))._unsafeUnwrap().groups).toHaveLength(0)
    expect((await joinery.deleteGroup(as)).isOk()).toBe(true)
    expect((await joinery.deleteGroup(as))._unsafeUnwrapErr().code).toBe('GroupNotFound')
  })

  it('makes a group for another owner only for an administrator', async () => {
    const { joinery } = createTestKit()
    const refused = await joinery.createGroup({ actor: 'u1', ownerId: 'u2', name: 'For you' })
    expect(refused._unsafeUnwrapErr().code).toBe('InvalidInput')
    const made = (
      await joinery.createGroup({ actor: 'admin', ownerId: 'u2', name: 'For you', asAdministrator: true })
    )._unsafeUnwrap()
    expect(made).toMatchObject({ ownerId: 'u2', memberCount: 1 })
    const members = (await joinery.listMembers({ groupId: made.id, all: true }))._unsafeUnwrap().items
    expect(members.map((m) => [m.userId, m.role, m.addedBy])).toEqual([['u2', 'owner', 'admin']])
  })

  it('decides an administrator’s access by the group’s existence alone', () => {
    expect(decideAdministratorAccess(null)._unsafeUnwrapErr().code).toBe('GroupNotFound')
  })
})

describe('invite policy (inviters)', () => {
  it('lets the inviters the group names invite, and anybody else not', async () => {
    const kit = createTestKit()
    const { joinery } = kit
    for (const [inviters, allowed] of [
      ['owner', ['owner']],
      ['owner-and-moderators', ['owner', 'mod']],
      ['members', ['owner', 'mod', 'member']],
    ] as const) {
      const group = await kit.groupOf({
        inviters,
        initialMembers: ['mod', 'member'],
        approvers: 'owner-and-moderators',
      })
      await joinery.changeRole({ actor: 'owner', groupId: group.id, userId: 'mod', role: 'moderator' })
      for (const actor of ['owner', 'mod', 'member']) {
        const r = await joinery.inviteMembers({ actor, groupId: group.id, userIds: [`guest-of-${actor}`] })
        if ((allowed as readonly string[]).includes(actor)) expect(r.isOk(), `${inviters}: ${actor}`).toBe(true)
        else
          expect(r._unsafeUnwrapErr(), `${inviters}: ${actor}`).toEqual({
            code: 'InsufficientRole',
            required: 'inviter',
          })
      }
    }
  })

  it('lets the approvers invite in a group without a policy, as before', async () => {
    const kit = createTestKit()
    const group = await kit.groupOf({ initialMembers: ['member'] })
    expect(group.inviters).toBeUndefined()
    const owner = group.approvers === 'owner'
    expect(owner).toBe(true)
    expect(
      mayInvite(group, {
        groupId: group.id,
        userId: 'member',
        role: 'member',
        joinedAt: new Date(),
        source: { kind: 'added' },
        addedBy: null,
      }),
    ).toBe(false)
    expect(
      (await kit.joinery.updateGroup({ actor: 'owner', groupId: group.id, inviters: 'members' }))._unsafeUnwrap()
        .inviters,
    ).toBe('members')
    expect((await kit.joinery.inviteMembers({ actor: 'member', groupId: group.id, userIds: ['g'] })).isOk()).toBe(true)
  })
})

describe('transferOwnership options', () => {
  it('admits a non-member as the owner when asked, and makes the old owner a plain member', async () => {
    const kit = createTestKit()
    const group = await kit.groupOf({ admission: 'approval' })
    await kit.joinery.requestJoin({ actor: 'newcomer', groupId: group.id })
    const plain = await kit.joinery.transferOwnership({ actor: 'owner', groupId: group.id, newOwnerId: 'newcomer' })
    expect(plain._unsafeUnwrapErr().code).toBe('NotAMember')
    const moved = await kit.joinery.transferOwnership({
      actor: 'owner',
      groupId: group.id,
      newOwnerId: 'newcomer',
      admitNonMember: true,
      previousOwnerRole: 'member',
    })
    expect(moved._unsafeUnwrap()).toMatchObject({ ownerId: 'newcomer', memberCount: 2 })
    expect(await membersOf(kit, group.id)).toEqual([
      ['newcomer', 'owner'],
      ['owner', 'member'],
    ])
    // The pending request was approved with the hand-over: nothing is left pending.
    const pending = await kit.joinery.listJoinRequests({ actor: 'newcomer', groupId: group.id })
    expect(pending._unsafeUnwrap().items).toHaveLength(0)
  })

  it('refuses a banned non-member and a full group, changing nothing', async () => {
    const kit = createTestKit()
    const group = await kit.groupOf({ memberLimit: 1 })
    await kit.joinery.banUser({ actor: 'owner', groupId: group.id, userId: 'mallory' })
    const as = { actor: 'owner', groupId: group.id, admitNonMember: true } as const
    expect((await kit.joinery.transferOwnership({ ...as, newOwnerId: 'mallory' }))._unsafeUnwrapErr().code).toBe(
      'UserBanned',
    )
    expect((await kit.joinery.transferOwnership({ ...as, newOwnerId: 'x' }))._unsafeUnwrapErr().code).toBe(
      'MemberLimitReached',
    )
    expect(await membersOf(kit, group.id)).toEqual([['owner', 'owner']])
  })

  it('hands the group over within updateGroup, or changes nothing when the hand-over is refused', async () => {
    const kit = createTestKit()
    const group = await kit.groupOf({ initialMembers: ['alice'] })
    const refused = await kit.joinery.updateGroup({ actor: 'owner', groupId: group.id, name: 'New', newOwnerId: 'bob' })
    expect(refused._unsafeUnwrapErr().code).toBe('NotAMember')
    expect((await kit.joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group.name).toBe('Climbers')
    const moved = await kit.joinery.updateGroup({ actor: 'owner', groupId: group.id, name: 'New', newOwnerId: 'alice' })
    expect(moved._unsafeUnwrap()).toMatchObject({ name: 'New', ownerId: 'alice' })
    expect(await membersOf(kit, group.id)).toEqual([
      ['alice', 'owner'],
      ['owner', 'moderator'],
    ])
  })
})

describe('addMembers onlyNewcomers and removeMembers rejectPending', () => {
  it('skips pending and banned users instead of approving or refusing, as Bitrix24 skips users it has a row for', async () => {
    const kit = createTestKit()
    const group = await kit.groupOf({ admission: 'approval' })
    await kit.joinery.requestJoin({ actor: 'asker', groupId: group.id })
    await kit.joinery.banUser({ actor: 'owner', groupId: group.id, userId: 'mallory' })
    const r = await kit.joinery.addMembers({
      actor: 'owner',
      groupId: group.id,
      userIds: ['asker', 'mallory', 'fresh'],
      onlyNewcomers: true,
    })
    expect(r._unsafeUnwrap()).toMatchObject({ skipped: ['asker', 'mallory'], alreadyMembers: [] })
    expect(r._unsafeUnwrap().added.map((m) => m.userId)).toEqual(['fresh'])
    const pending = await kit.joinery.listJoinRequests({ actor: 'owner', groupId: group.id })
    expect(pending._unsafeUnwrap().items.map((q) => q.requesterId)).toEqual(['asker'])
  })

  it('rejects the pending request of a named non-member when asked', async () => {
    const kit = createTestKit()
    const group = await kit.groupOf({ admission: 'approval', initialMembers: ['alice'] })
    await kit.joinery.requestJoin({ actor: 'asker', groupId: group.id })
    const r = await kit.joinery.removeMembers({
      actor: 'owner',
      groupId: group.id,
      userIds: ['alice', 'asker', 'nobody'],
      blockRejoin: false,
      rejectPending: true,
    })
    expect(r._unsafeUnwrap()).toMatchObject({ removed: ['alice'], rejected: ['asker'], notMembers: ['nobody'] })
    const pending = await kit.joinery.listJoinRequests({ actor: 'owner', groupId: group.id })
    expect(pending._unsafeUnwrap().items).toHaveLength(0)
    // Not barred: they may ask again.
    expect((await kit.joinery.requestJoin({ actor: 'asker', groupId: group.id })).isOk()).toBe(true)
  })
})

describe('descriptive attributes', () => {
  it('keeps them on create, merges them on update, and lists by them', async () => {
    const kit = createTestKit()
    const group = await kit.groupOf({ attributes: { subjectId: '7', keywords: 'rock' } })
    await kit.groupOf({ name: 'Other' })
    const updated = await kit.joinery.updateGroup({ actor: 'owner', groupId: group.id, attributes: { project: 'Y' } })
    expect(updated._unsafeUnwrap().attributes).toEqual({ subjectId: '7', keywords: 'rock', project: 'Y' })
    const listed = await kit.joinery.listGroups({
      where: [{ field: 'attribute', attribute: 'project', op: 'eq', value: 'Y' }],
    })
    expect(listed._unsafeUnwrap().groups.map((g) => g.id)).toEqual([group.id])
    // An update naming the same values changes nothing and says so: no event.
    const events = kit.published.length
    await kit.joinery.updateGroup({ actor: 'owner', groupId: group.id, attributes: { project: 'Y' } })
    expect(kit.published.length).toBe(events)
    const tooMany = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))
    expect((await kit.groupOf({ attributes: tooMany }).catch(() => 'refused')) === 'refused').toBe(true)
  })
})
