import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestService, type TestService, type TestUser, xrpcErrorOf } from './internal/test-service.js'

// The chat.bsky.convo surface a client uses right after joining, every output validated against the lexicons.

interface Convo {
  id: string
  rev: string
  status?: string
  kind: { name: string; memberCount: number; lockStatus: string }
}
interface Log {
  $type: string
  rev: string
  convoId: string
  member?: { did: string }
  relatedProfiles?: { did: string }[]
  message?: { data: Record<string, unknown> }
}

let svc: TestService
let ada: TestUser
let bo: TestUser
let dee: TestUser
beforeAll(async () => {
  svc = await startTestService()
  ;[ada, bo, , dee] = await svc.newUsers()
})
afterAll(() => svc.close())

async function groupWithLink(owner: TestUser, name: string) {
  const { convo } = (await owner.call('chat.bsky.group.createGroup', { name, members: [] })) as { convo: Convo }
  const { joinLink } = (await owner.call('chat.bsky.group.createJoinLink', {
    convoId: convo.id,
    joinRule: 'anyone',
  })) as { joinLink: { code: string } }
  return { convoId: convo.id, code: joinLink.code }
}

const getLog = async (user: TestUser, cursor?: string) =>
  (await user.call('chat.bsky.convo.getLog', undefined, cursor ? { cursor } : {})) as { logs: Log[]; cursor: string }
const kinds = (logs: Log[]) => logs.map((l) => l.$type.split('#')[1])

describe('chat.bsky.convo for group convos', () => {
  it('getConvo shows a convo to its members with a rev that grows, and to nobody else', async () => {
    const { convoId, code } = await groupWithLink(ada, 'Getting')
    await bo.call('chat.bsky.group.requestJoin', { code })
    const first = ((await bo.call('chat.bsky.convo.getConvo', undefined, { convoId })) as { convo: Convo }).convo
    expect(first).toMatchObject({ id: convoId, status: 'accepted', kind: { name: 'Getting', memberCount: 2 } })
    await ada.call('chat.bsky.group.editGroup', { convoId, name: 'Renamed' })
    const second = ((await bo.call('chat.bsky.convo.getConvo', undefined, { convoId })) as { convo: Convo }).convo
    expect(second.kind.name).toBe('Renamed')
    expect(second.rev > first.rev).toBe(true)
    for (const id of [convoId, 'no-such-convo'])
      expect(await xrpcErrorOf(dee.call('chat.bsky.convo.getConvo', undefined, { convoId: id }))).toMatchObject({
        status: 400,
        error: 'InvalidConvo',
      })
  })

  it('listConvos pages through the caller’s group convos and applies the lexicon’s filters', async () => {
    const [me] = await svc.newUsers()
    const a = await groupWithLink(me, 'A')
    const b = await groupWithLink(me, 'B')
    await me.call('chat.bsky.convo.lockConvo', { convoId: b.convoId })
    const page1 = (await me.call('chat.bsky.convo.listConvos', undefined, { limit: 1 })) as {
      convos: Convo[]
      cursor?: string
    }
    const page2 = (await me.call('chat.bsky.convo.listConvos', undefined, { limit: 1, cursor: page1.cursor })) as {
      convos: Convo[]
      cursor?: string
    }
    // In the order the caller joined (groups joined in the same instant order by id): each once over the pages.
    expect([...page1.convos, ...page2.convos].map((c) => c.id).sort()).toEqual([a.convoId, b.convoId].sort())
    expect(page2.cursor).toBeUndefined()
    const list = (params: Record<string, unknown>) =>
      me.call('chat.bsky.convo.listConvos', undefined, params) as Promise<{ convos: Convo[] }>
    expect((await list({ lockStatus: 'locked' })).convos.map((c) => c.id)).toEqual([b.convoId])
    expect((await list({ kind: 'group', status: 'accepted' })).convos).toHaveLength(2)
    for (const filter of [{ kind: 'direct' }, { status: 'request' }, { readState: 'unread' }])
      expect((await list(filter)).convos, JSON.stringify(filter)).toEqual([])
    expect((await me.call('chat.bsky.convo.listConvoRequests', undefined, {})) as unknown).toEqual({ requests: [] })
  })

  it('acceptConvo answers a member without a rev (already accepted) and refuses a stranger', async () => {
    const { convoId } = await groupWithLink(ada, 'Accepting')
    expect(await ada.call('chat.bsky.convo.acceptConvo', { convoId })).toEqual({})
    expect(await xrpcErrorOf(dee.call('chat.bsky.convo.acceptConvo', { convoId }))).toMatchObject({
      status: 400,
      error: 'InvalidConvo',
    })
  })

  it('getLog starts at now, then gives each member the membership and link changes in rev order', async () => {
    const [owner, joiner, asker] = await svc.newUsers()
    const { convoId, code } = await groupWithLink(owner, 'Logged')
    const start = await getLog(owner)
    expect(start.logs).toEqual([])
    await joiner.call('chat.bsky.group.requestJoin', { code })
    const joinerStart = await getLog(joiner)
    const askerStart = await getLog(asker)
    await owner.call('chat.bsky.group.editJoinLink', { convoId, requireApproval: true })
    await asker.call('chat.bsky.group.requestJoin', { code })
    await owner.call('chat.bsky.group.approveJoinRequest', { convoId, member: asker.did })
    await owner.call('chat.bsky.group.disableJoinLink', { convoId })
    await owner.call('chat.bsky.convo.lockConvo', { convoId })
    await owner.call('chat.bsky.convo.unlockConvo', { convoId })
    const left = (await joiner.call('chat.bsky.convo.leaveConvo', { convoId })) as { rev: string }
    await owner.call('chat.bsky.group.removeMembers', { convoId, members: [asker.did] })

    const log = await getLog(owner, start.cursor)
    expect(kinds(log.logs)).toEqual([
      'logMemberJoin',
      'logEditJoinLink',
      'logIncomingJoinRequest',
      'logApproveJoinRequest',
      'logMemberJoin',
      'logDisableJoinLink',
      'logLockConvo',
      'logUnlockConvo',
      'logMemberLeave',
      'logRemoveMember',
    ])
    expect(log.logs.every((l) => l.convoId === convoId)).toBe(true)
    const revs = log.logs.map((l) => l.rev)
    expect([...revs].sort()).toEqual(revs)
    expect(log.logs[0]?.relatedProfiles?.map((p) => p.did)).toEqual([joiner.did])
    expect(log.logs[2]?.member?.did).toBe(asker.did)
    expect(log.logs[4]?.message?.data).toMatchObject({ member: { did: asker.did }, approvedBy: { did: owner.did } })
    expect(log.cursor).toBe(revs.at(-1))
    // Polling again from the cursor: nothing new.
    expect((await getLog(owner, log.cursor)).logs).toEqual([])
    // The joiner, who has left, reads no more of this convo's log but their own leave, at the rev leaveConvo answered
    // (the others' changes while they were a member went to them then; the join requests to the owner only).
    const joinerLog = await getLog(joiner, joinerStart.cursor)
    expect(kinds(joinerLog.logs)).toEqual(['logLeaveConvo'])
    expect(joinerLog.logs[0]).toMatchObject({ convoId, rev: left.rev })
    expect(revs).toContain(left.rev)
    // The asker, removed since, reads their own request, their admission and their removal (as their leave); the
    // convo's other changes while they were a member reached them only if they polled then.
    expect(kinds((await getLog(asker, askerStart.cursor)).logs)).toEqual([
      'logOutgoingJoinRequest',
      'logBeginConvo',
      'logMemberJoin',
      'logLeaveConvo',
    ])
  })

  it('getLog gives a requester their own requests and withdrawals, and an invitee their invitation and acceptance', async () => {
    const [owner, asker, invitee] = await svc.newUsers()
    const { convoId, code } = await groupWithLink(owner, 'Asked')
    await owner.call('chat.bsky.group.editJoinLink', { convoId, requireApproval: true })
    const [askerStart, inviteeStart, ownerStart] = [await getLog(asker), await getLog(invitee), await getLog(owner)]
    await asker.call('chat.bsky.group.requestJoin', { code })
    await asker.call('chat.bsky.group.withdrawJoinRequest', { convoId })
    expect(kinds((await getLog(asker, askerStart.cursor)).logs)).toEqual([
      'logOutgoingJoinRequest',
      'logWithdrawOutgoingJoinRequest',
    ])
    await owner.call('chat.bsky.group.addMembers', { convoId, members: [invitee.did] })
    const invited = await getLog(invitee, inviteeStart.cursor)
    expect(kinds(invited.logs)).toEqual(['logBeginConvo', 'logAddMember'])
    expect(invited.logs[1]?.message?.data).toMatchObject({ member: { did: invitee.did }, addedBy: { did: owner.did } })
    const accepted = (await invitee.call('chat.bsky.convo.acceptConvo', { convoId })) as { rev: string }
    const acceptance = await getLog(invitee, invited.cursor)
    expect(kinds(acceptance.logs)).toEqual(['logAcceptConvo'])
    expect(acceptance.logs[0]?.rev).toBe(accepted.rev)
    // The owner saw the request come and go, and the invitee added (not joining a second time when accepting).
    expect(kinds((await getLog(owner, ownerStart.cursor)).logs)).toEqual([
      'logIncomingJoinRequest',
      'logWithdrawIncomingJoinRequest',
      'logAddMember',
    ])
  })

  it('getLog gives a new member the beginning of their convo, and refuses a cursor it did not make', async () => {
    const [owner, joiner] = await svc.newUsers()
    const { code, convoId } = await groupWithLink(owner, 'Beginning')
    const before = await getLog(joiner)
    await joiner.call('chat.bsky.group.requestJoin', { code })
    await owner.call('chat.bsky.group.editGroup', { convoId, name: 'Begun' })
    const log = await getLog(joiner, before.cursor)
    expect(kinds(log.logs)).toEqual(['logBeginConvo', 'logMemberJoin', 'logEditGroup'])
    expect(log.logs[2]?.message?.data).toEqual({
      $type: 'chat.bsky.convo.defs#systemMessageDataEditGroup',
      oldName: 'Beginning',
      newName: 'Begun',
    })
    expect(await xrpcErrorOf(getLog(joiner, 'not-a-rev'))).toMatchObject({ status: 400, error: 'InvalidRequest' })
  })

  it('listMutualGroups lists the convos the caller shares with the subject', async () => {
    const [me, friend, other] = await svc.newUsers()
    const shared = await groupWithLink(me, 'Shared')
    const mine = await groupWithLink(me, 'Mine')
    const theirs = await groupWithLink(other, 'Theirs')
    await friend.call('chat.bsky.group.requestJoin', { code: shared.code })
    await friend.call('chat.bsky.group.requestJoin', { code: theirs.code })
    const out = (await me.call('chat.bsky.group.listMutualGroups', undefined, { subject: friend.did })) as {
      convos: Convo[]
    }
    expect(out.convos.map((c) => c.id)).toEqual([shared.convoId])
    // A cursor naming no mutual group ends the list (a client paging on never starts over).
    const stale = (await me.call('chat.bsky.group.listMutualGroups', undefined, {
      subject: friend.did,
      cursor: theirs.convoId,
    })) as { convos: Convo[]; cursor?: string }
    expect(stale).toEqual({ convos: [] })
    expect(mine.convoId).not.toBe(shared.convoId)
    const none = (await me.call('chat.bsky.group.listMutualGroups', undefined, { subject: dee.did })) as {
      convos: Convo[]
    }
    expect(none.convos).toEqual([])
  })
})
