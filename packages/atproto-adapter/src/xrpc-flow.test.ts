import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestService, type TestService, xrpcErrorOf } from './internal/test-service.js'

type Convo = {
  id: string
  members: { did: string }[]
  kind: { memberCount: number; joinLink?: { code: string }; lockStatus: string }
}

let svc: TestService
beforeEach(async () => {
  svc = await startTestService({ memberLimit: 4 })
})
afterEach(() => svc.close())

describe('the chat.bsky.group join family over XRPC', () => {
  it('runs a whole flow: create, link, join, request, approve, reject, kick, lock', async () => {
    const [owner, alice, bob, carol, dave] = await svc.newUsers()
    const created = (await owner.call('chat.bsky.group.createGroup', { name: 'Climbers', members: [] })) as {
      convo: Convo
    }
    const convoId = created.convo.id
    expect(created.convo.kind).toMatchObject({
      $type: 'chat.bsky.convo.defs#groupConvo',
      memberCount: 1,
      memberLimit: 4,
      name: 'Climbers',
    })

    const link = (await owner.call('chat.bsky.group.createJoinLink', { convoId, joinRule: 'anyone' })) as {
      joinLink: { code: string }
    }
    expect(link.joinLink).toMatchObject({ enabledStatus: 'enabled', requireApproval: false, joinRule: 'anyone' })
    const code = link.joinLink.code

    const joined = (await alice.call('chat.bsky.group.requestJoin', { code })) as { status: string; convo: Convo }
    expect(joined.status).toBe('joined')
    expect(joined.convo.kind.memberCount).toBe(2)
    expect(joined.convo.members.map((m) => m.did)).toContain(alice.did)
    // Asking again: joined, nothing changes.
    expect(
      ((await alice.call('chat.bsky.group.requestJoin', { code })) as { convo: Convo }).convo.kind.memberCount,
    ).toBe(2)

    await owner.call('chat.bsky.group.editJoinLink', { convoId, requireApproval: true })
    expect(await bob.call('chat.bsky.group.requestJoin', { code })).toEqual({ status: 'pending' })
    expect(await carol.call('chat.bsky.group.requestJoin', { code })).toEqual({ status: 'pending' })
    const ownerView = (await owner.call('chat.bsky.group.getJoinLinkPreviews', undefined, { codes: [code] })) as {
      joinLinkPreviews: { convo?: Convo }[]
    }
    expect(ownerView.joinLinkPreviews[0]?.convo?.kind).toMatchObject({ joinRequestCount: 2 })

    const requests = (await owner.call('chat.bsky.group.listJoinRequests', { convoId })) as {
      requests: { requestedBy: { did: string } }[]
    }
    expect(requests.requests.map((r) => r.requestedBy.did)).toEqual([bob.did, carol.did])
    await owner.call('chat.bsky.group.updateJoinRequestsRead', { convoId })

    const approved = (await owner.call('chat.bsky.group.approveJoinRequest', { convoId, member: bob.did })) as {
      convo: Convo
    }
    expect(approved.convo.kind.memberCount).toBe(3)
    expect(await owner.call('chat.bsky.group.rejectJoinRequest', { convoId, member: carol.did })).toEqual({})

    const members = (await alice.call('chat.bsky.convo.getConvoMembers', undefined, { convoId })) as {
      members: { did: string; kind: { role: string } }[]
    }
    expect(members.members.map((m) => [m.did, m.kind.role])).toEqual(
      expect.arrayContaining([
        [owner.did, 'owner'],
        [alice.did, 'standard'],
        [bob.did, 'standard'],
      ]),
    )

    await owner.call('chat.bsky.group.removeMembers', { convoId, members: [bob.did] })
    const kicked = await xrpcErrorOf(bob.call('chat.bsky.group.requestJoin', { code }))
    expect(kicked).toMatchObject({ status: 400, error: 'UserKicked' })

    const locked = (await owner.call('chat.bsky.convo.lockConvo', { convoId })) as { convo: Convo }
    expect(locked.convo.kind.lockStatus).toBe('locked')
    expect(await xrpcErrorOf(dave.call('chat.bsky.group.requestJoin', { code }))).toMatchObject({
      error: 'ConvoLocked',
    })
    await owner.call('chat.bsky.convo.unlockConvo', { convoId })

    const left = (await alice.call('chat.bsky.convo.leaveConvo', { convoId })) as { convoId: string }
    expect(left.convoId).toBe(convoId)
    expect(await xrpcErrorOf(owner.call('chat.bsky.convo.leaveConvo', { convoId }))).toMatchObject({
      error: 'OwnerCannotLeave',
    })
  })

  it('answers each of requestJoin six declared errors for the matching refusal', async () => {
    const [owner, fan, stranger, kicked, late] = await svc.newUsers()
    const convoId = (
      (await owner.call('chat.bsky.group.createGroup', { name: 'G', members: [kicked.did] })) as { convo: Convo }
    ).convo.id
    await kicked.call('chat.bsky.convo.acceptConvo', { convoId })
    const { code } = (
      (await owner.call('chat.bsky.group.createJoinLink', { convoId, joinRule: 'followedByOwner' })) as {
        joinLink: { code: string }
      }
    ).joinLink

    expect(await xrpcErrorOf(stranger.call('chat.bsky.group.requestJoin', { code: 'nope' }))).toMatchObject({
      status: 400,
      error: 'InvalidCode',
      message: 'Invalid group chat code.',
    })
    expect(await xrpcErrorOf(stranger.call('chat.bsky.group.requestJoin', { code }))).toMatchObject({
      error: 'FollowRequired',
    })
    svc.graph.follow(owner.did, fan.did)
    svc.graph.follow(owner.did, late.did)
    svc.graph.follow(owner.did, kicked.did)
    expect(((await fan.call('chat.bsky.group.requestJoin', { code })) as { status: string }).status).toBe('joined')
    await owner.call('chat.bsky.group.removeMembers', { convoId, members: [kicked.did] })
    expect(await xrpcErrorOf(kicked.call('chat.bsky.group.requestJoin', { code }))).toMatchObject({
      error: 'UserKicked',
    })

    await owner.call('chat.bsky.group.addMembers', { convoId, members: [stranger.did] })
    await stranger.call('chat.bsky.convo.acceptConvo', { convoId })
    // memberLimit 4: owner, fan, stranger… one seat left, taken by a second added member once they accept.
    const extra = await svc.newUser()
    await owner.call('chat.bsky.group.addMembers', { convoId, members: [extra.did] })
    await extra.call('chat.bsky.convo.acceptConvo', { convoId })
    expect(await xrpcErrorOf(late.call('chat.bsky.group.requestJoin', { code }))).toMatchObject({
      error: 'MemberLimitReached',
    })

    await owner.call('chat.bsky.group.disableJoinLink', { convoId })
    expect(await xrpcErrorOf(late.call('chat.bsky.group.requestJoin', { code }))).toMatchObject({
      error: 'LinkDisabled',
    })
    await owner.call('chat.bsky.group.enableJoinLink', { convoId })
    await owner.call('chat.bsky.convo.lockConvo', { convoId })
    expect(await xrpcErrorOf(late.call('chat.bsky.group.requestJoin', { code }))).toMatchObject({
      error: 'ConvoLocked',
    })
  })

  it('previews codes for anonymous viewers: valid, disabled, invalid, in order', async () => {
    const owner = await svc.newUser()
    const convoId = ((await owner.call('chat.bsky.group.createGroup', { name: 'G', members: [] })) as { convo: Convo })
      .convo.id
    const { code } = (
      (await owner.call('chat.bsky.group.createJoinLink', { convoId, joinRule: 'anyone', requireApproval: true })) as {
        joinLink: { code: string }
      }
    ).joinLink
    const res = await svc.client.call('chat.bsky.group.getJoinLinkPreviews', { codes: [code, 'missing'] })
    expect(res.data.joinLinkPreviews).toEqual([
      expect.objectContaining({
        $type: 'chat.bsky.group.defs#joinLinkPreviewView',
        code,
        convoId,
        name: 'G',
        memberCount: 1,
        requireApproval: true,
      }),
      { $type: 'chat.bsky.group.defs#invalidJoinLinkPreviewView', code: 'missing' },
    ])
    expect(res.data.joinLinkPreviews[0]).not.toHaveProperty('convo')
    await owner.call('chat.bsky.group.disableJoinLink', { convoId })
    const after = await svc.client.call('chat.bsky.group.getJoinLinkPreviews', { codes: [code] })
    expect(after.data.joinLinkPreviews).toEqual([{ $type: 'chat.bsky.group.defs#disabledJoinLinkPreviewView', code }])
  })

  it('lets a requester withdraw and see InvalidJoinRequest for nothing to withdraw', async () => {
    const [owner, bob] = await Promise.all([svc.newUser(), svc.newUser()])
    const convoId = ((await owner.call('chat.bsky.group.createGroup', { name: 'G', members: [] })) as { convo: Convo })
      .convo.id
    const { code } = (
      (await owner.call('chat.bsky.group.createJoinLink', { convoId, joinRule: 'anyone', requireApproval: true })) as {
        joinLink: { code: string }
      }
    ).joinLink
    await bob.call('chat.bsky.group.requestJoin', { code })
    expect(await bob.call('chat.bsky.group.withdrawJoinRequest', { convoId })).toEqual({})
    const other = await svc.newUser()
    expect(await xrpcErrorOf(other.call('chat.bsky.group.withdrawJoinRequest', { convoId }))).toMatchObject({
      status: 400,
      error: 'InvalidJoinRequest',
    })
    const list = (await owner.call('chat.bsky.group.listJoinRequests', { convoId })) as { requests: unknown[] }
    expect(list.requests).toEqual([])
  })

  it('refuses owner-only methods to others with InsufficientRole and changes nothing', async () => {
    const [owner, alice] = await Promise.all([svc.newUser(), svc.newUser()])
    const convoId = (
      (await owner.call('chat.bsky.group.createGroup', { name: 'G', members: [alice.did] })) as { convo: Convo }
    ).convo.id
    await alice.call('chat.bsky.convo.acceptConvo', { convoId })
    const attempts: [string, Record<string, unknown>][] = [
      ['chat.bsky.group.editGroup', { convoId, name: 'Mine' }],
      ['chat.bsky.group.createJoinLink', { convoId, joinRule: 'anyone' }],
      ['chat.bsky.group.addMembers', { convoId, members: [alice.did] }],
      ['chat.bsky.group.removeMembers', { convoId, members: [owner.did] }],
      ['chat.bsky.convo.lockConvo', { convoId }],
      ['chat.bsky.group.updateJoinRequestsRead', { convoId }],
    ]
    for (const [nsid, body] of attempts) {
      expect(await xrpcErrorOf(alice.call(nsid, body)), nsid).toMatchObject({ status: 400, error: 'InsufficientRole' })
    }
    const view = (await owner.call('chat.bsky.group.getJoinLinkPreviews', undefined, { codes: ['x'] })) as unknown
    expect(view).toBeDefined()
    const members = (await owner.call('chat.bsky.convo.getConvoMembers', undefined, { convoId })) as {
      members: unknown[]
    }
    expect(members.members).toHaveLength(2)
    const stored = (await svc.joinery.getGroup({ groupId: convoId, viewer: owner.did }))._unsafeUnwrap().group
    expect(stored).toMatchObject({ name: 'G', lockStatus: 'unlocked', memberCount: 2 })
  })

  it('rate-limits callers who try many unknown codes', async () => {
    await svc.close()
    svc = await startTestService({ unknownCodeLimit: { attempts: 3 } })
    const guesser = await svc.newUser()
    for (let i = 0; i < 3; i++) {
      expect(await xrpcErrorOf(guesser.call('chat.bsky.group.requestJoin', { code: `guess${i}` }))).toMatchObject({
        error: 'InvalidCode',
      })
    }
    expect(await xrpcErrorOf(guesser.call('chat.bsky.group.requestJoin', { code: 'guess4' }))).toMatchObject({
      status: 429,
      error: 'RateLimitExceeded',
    })
    const honest = await svc.newUser()
    expect(await xrpcErrorOf(honest.call('chat.bsky.group.requestJoin', { code: 'typo' }))).toMatchObject({
      error: 'InvalidCode',
    })
  })
})
