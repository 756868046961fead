import { describe, expect, it } from 'vitest'
import { createTestKit } from '../internal/test-kit.js'

describe('readUserLog', () => {
  it("reads the events of the actor's groups after a position, in seq order, a page at a time", async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const mine = await groupOf()
    const theirs = (await joinery.createGroup({ actor: 'zed', name: 'Not mine' }))._unsafeUnwrap()
    const code = await linkTo(mine.id)
    const start = (await joinery.readUserLog({ actor: 'owner' }))._unsafeUnwrap()
    // Without a position: where the log stands now, and no events.
    expect(start.events).toEqual([])
    expect(start.latest).toBeGreaterThan(0)
    await joinery.requestJoinByCode({ actor: 'alice', code })
    await joinery.updateGroup({ actor: 'zed', groupId: theirs.id, name: 'Still not mine' })
    await joinery.leaveGroup({ actor: 'alice', groupId: mine.id })
    const log = (await joinery.readUserLog({ actor: 'owner', after: start.latest }))._unsafeUnwrap()
    expect(log.events.map((e) => [e.event.type, e.event.groupId])).toEqual([
      ['MemberJoined', mine.id],
      ['MemberLeft', mine.id],
    ])
    expect(log.latest).toBe(log.events.at(-1)?.seq)
    const first = (await joinery.readUserLog({ actor: 'owner', after: start.latest, limit: 1 }))._unsafeUnwrap()
    expect([first.events.map((e) => e.event.type), first.more]).toEqual([['MemberJoined'], true])
    const rest = (await joinery.readUserLog({ actor: 'owner', after: first.events[0]?.seq, limit: 1 }))._unsafeUnwrap()
    expect([rest.events.map((e) => e.event.type), rest.more]).toEqual([['MemberLeft'], false])
    // Someone in no group has an empty log.
    expect((await joinery.readUserLog({ actor: 'nobody', after: 0 }))._unsafeUnwrap()).toEqual({
      events: [],
      latest: null,
      more: false,
      memberships: [],
    })
  })

  it("reads the actor's own events in groups they left, were removed from or only asked to join", async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const open = await groupOf({ initialMembers: ['alice'] })
    const other = await groupOf({ initialMembers: ['alice'] })
    const asking = await groupOf()
    const code = await linkTo(asking.id, { requireApproval: true })
    const start = (await joinery.readUserLog({ actor: 'alice' }))._unsafeUnwrap()
    await joinery.leaveGroup({ actor: 'alice', groupId: open.id })
    await joinery.removeMembers({ actor: 'owner', groupId: other.id, userIds: ['alice'] })
    await joinery.requestJoinByCode({ actor: 'alice', code })
    await joinery.updateGroup({ actor: 'owner', groupId: open.id, name: 'After alice' })
    const log = (await joinery.readUserLog({ actor: 'alice', after: start.latest }))._unsafeUnwrap()
    expect(log.events.map((e) => [e.event.type, e.event.groupId])).toEqual([
      ['MemberLeft', open.id],
      ['MemberKicked', other.id],
      ['JoinRequested', asking.id],
    ])
    expect(log.memberships).toEqual([])
    // Without a position, the position covers the actor's own events too.
    const now = (await joinery.readUserLog({ actor: 'alice' }))._unsafeUnwrap()
    expect(now.latest).toBe(log.events.at(-1)?.seq)
  })

  it('refuses a position that is not a whole number', async () => {
    const { joinery } = createTestKit()
    expect((await joinery.readUserLog({ actor: 'a', after: -1 }))._unsafeUnwrapErr().code).toBe('InvalidInput')
    expect((await joinery.readUserLog({ actor: 'a', after: 1.5 }))._unsafeUnwrapErr().code).toBe('InvalidInput')
  })
})
