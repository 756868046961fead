import { AtpAgent, ChatBskyGroupRequestJoin } from '@atproto/api'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestService, type TestService, type TestUser } from './internal/test-service.js'

let svc: TestService
beforeEach(async () => {
  svc = await startTestService({ memberLimit: 3 })
})
afterEach(() => svc.close())

/** An `@atproto/api` agent that calls as `user`, with a fresh service JWT per call as a PDS proxy would send. */
function agentFor(user: TestUser) {
  const agent = new AtpAgent({ service: svc.url })
  const headers = async (lxm: string) => ({ headers: { authorization: `Bearer ${await user.token(lxm)}` } })
  return { agent, headers }
}

async function errorOf(call: Promise<unknown>) {
  try {
    await call
  } catch (e) {
    return e
  }
  throw new Error('expected the call to fail')
}

describe('@atproto/api against the adapter', () => {
  it('runs the flow through the generated client methods', async () => {
    const [owner, alice, bob] = await Promise.all([svc.newUser(), svc.newUser(), svc.newUser()])
    const o = agentFor(owner)
    const created = await o.agent.chat.bsky.group.createGroup(
      { name: 'Club', members: [] },
      await o.headers('chat.bsky.group.createGroup'),
    )
    const convoId = created.data.convo.id
    const link = await o.agent.chat.bsky.group.createJoinLink(
      { convoId, joinRule: 'anyone', requireApproval: true },
      await o.headers('chat.bsky.group.createJoinLink'),
    )
    const a = agentFor(alice)
    const pending = await a.agent.chat.bsky.group.requestJoin(
      { code: link.data.joinLink.code },
      await a.headers('chat.bsky.group.requestJoin'),
    )
    expect(pending.data.status).toBe('pending')
    const list = await o.agent.chat.bsky.group.listJoinRequests(
      { convoId },
      await o.headers('chat.bsky.group.listJoinRequests'),
    )
    expect(list.data.requests.map((r) => r.requestedBy.did)).toEqual([alice.did])
    const approved = await o.agent.chat.bsky.group.approveJoinRequest(
      { convoId, member: alice.did },
      await o.headers('chat.bsky.group.approveJoinRequest'),
    )
    expect(approved.data.convo.kind).toMatchObject({ memberCount: 2 })
    const added = await o.agent.chat.bsky.group.addMembers(
      { convoId, members: [bob.did] },
      await o.headers('chat.bsky.group.addMembers'),
    )
    expect(added.data.addedMembers?.map((m) => m.did)).toEqual([bob.did])
    // Added members hold a convo request until they accept it.
    const b = agentFor(bob)
    const invited = await b.agent.chat.bsky.convo.getConvo({ convoId }, await b.headers('chat.bsky.convo.getConvo'))
    expect(invited.data.convo.status).toBe('request')
    const accepted = await b.agent.chat.bsky.convo.acceptConvo(
      { convoId },
      await b.headers('chat.bsky.convo.acceptConvo'),
    )
    expect(accepted.data.rev).toBeTypeOf('string')
    const members = await o.agent.chat.bsky.convo.getConvoMembers(
      { convoId },
      await o.headers('chat.bsky.convo.getConvoMembers'),
    )
    expect(members.data.members).toHaveLength(3)
  })

  it('surfaces requestJoin errors as the generated error classes', async () => {
    const [owner, alice, bob, carol] = await Promise.all([svc.newUser(), svc.newUser(), svc.newUser(), svc.newUser()])
    const o = agentFor(owner)
    const convoId = (
      await o.agent.chat.bsky.group.createGroup(
        { name: 'Club', members: [alice.did] },
        await o.headers('chat.bsky.group.createGroup'),
      )
    ).data.convo.id
    const a = agentFor(alice)
    await a.agent.chat.bsky.convo.acceptConvo({ convoId }, await a.headers('chat.bsky.convo.acceptConvo'))
    const code = (
      await o.agent.chat.bsky.group.createJoinLink(
        { convoId, joinRule: 'followedByOwner' },
        await o.headers('chat.bsky.group.createJoinLink'),
      )
    ).data.joinLink.code
    const join = async (user: TestUser, c = code) => {
      const u = agentFor(user)
      return u.agent.chat.bsky.group.requestJoin({ code: c }, await u.headers('chat.bsky.group.requestJoin'))
    }
    expect(await errorOf(join(bob, 'wrong'))).toBeInstanceOf(ChatBskyGroupRequestJoin.InvalidCodeError)
    expect(await errorOf(join(bob))).toBeInstanceOf(ChatBskyGroupRequestJoin.FollowRequiredError)
    svc.graph.follow(owner.did, bob.did)
    svc.graph.follow(owner.did, carol.did)
    svc.graph.follow(owner.did, alice.did)
    expect((await join(bob)).data.status).toBe('joined')
    expect(await errorOf(join(carol))).toBeInstanceOf(ChatBskyGroupRequestJoin.MemberLimitReachedError)
    await o.agent.chat.bsky.group.removeMembers(
      { convoId, members: [alice.did] },
      await o.headers('chat.bsky.group.removeMembers'),
    )
    expect(await errorOf(join(alice))).toBeInstanceOf(ChatBskyGroupRequestJoin.UserKickedError)
    await o.agent.chat.bsky.group.disableJoinLink({ convoId }, await o.headers('chat.bsky.group.disableJoinLink'))
    expect(await errorOf(join(carol))).toBeInstanceOf(ChatBskyGroupRequestJoin.LinkDisabledError)
    await o.agent.chat.bsky.group.enableJoinLink({ convoId }, await o.headers('chat.bsky.group.enableJoinLink'))
    await o.agent.chat.bsky.convo.lockConvo({ convoId }, await o.headers('chat.bsky.convo.lockConvo'))
    expect(await errorOf(join(carol))).toBeInstanceOf(ChatBskyGroupRequestJoin.ConvoLockedError)
  })
})
