import { schemas } from '@atproto/api'
import { createServer } from '@atproto/xrpc-server'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createAppViewChatFacts,
  createInMemoryChatFacts,
  decideGroupInvite,
  GROUP_INVITE_RULES,
  type SubjectFacts,
} from './group-consent.js'
import { startTestService, type TestService, xrpcErrorOf } from './internal/test-service.js'
import { type Listening, listen } from './node.js'

const open: (TestService | Listening)[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})

const ok: SubjectFacts = { exists: true, blocksAdder: false, blockedByAdder: false, followsAdder: true }

describe(decideGroupInvite, () => {
  it('applies the rules in order', () => {
    expect(GROUP_INVITE_RULES).toHaveLength(6)
    expect(decideGroupInvite(undefined)).toBe('RecipientNotFound')
    expect(decideGroupInvite({ ...ok, exists: false, blocksAdder: true })).toBe('RecipientNotFound')
    expect(decideGroupInvite({ ...ok, blocksAdder: true, blockedByAdder: true })).toBe('BlockedActor')
    expect(decideGroupInvite({ ...ok, blockedByAdder: true })).toBe('BlockedSubject')
    expect(decideGroupInvite(ok)).toBeNull()
    expect(decideGroupInvite({ ...ok, followsAdder: false })).toBe('NotFollowedBySender')
    expect(decideGroupInvite({ ...ok, followsAdder: false, allowIncoming: 'all' })).toBeNull()
    expect(decideGroupInvite({ ...ok, allowIncoming: 'all', allowGroupInvites: 'none' })).toBe('UserForbidsGroups')
    expect(
      decideGroupInvite({ ...ok, allowIncoming: 'none', allowGroupInvites: 'all', followsAdder: false }),
    ).toBeNull()
    expect(decideGroupInvite({ ...ok, allowGroupInvites: 'friends-of-friends' })).toBe('UserForbidsGroups')
  })

  it('never lets through a subject who is missing, blocks or is blocked, whatever the declaration', () => {
    fc.assert(
      fc.property(
        fc.record({
          exists: fc.boolean(),
          blocksAdder: fc.boolean(),
          blockedByAdder: fc.boolean(),
          followsAdder: fc.boolean(),
          allowIncoming: fc.option(fc.constantFrom('all', 'none', 'following', 'x'), { nil: undefined }),
          allowGroupInvites: fc.option(fc.constantFrom('all', 'none', 'following', 'x'), { nil: undefined }),
        }),
        (f) => {
          const facts = Object.fromEntries(
            Object.entries(f).filter(([, v]) => v !== undefined),
          ) as unknown as SubjectFacts
          const refusal = decideGroupInvite(facts)
          if (!f.exists || f.blocksAdder || f.blockedByAdder) expect(refusal).not.toBeNull()
          if (refusal === null) expect((f.allowGroupInvites ?? f.allowIncoming ?? 'following') !== 'none').toBe(true)
        },
      ),
    )
  })
})

describe('group consent over XRPC', () => {
  it('refuses createGroup and addMembers with the declared error of the first user who may not be added, writing nothing', async () => {
    const facts = createInMemoryChatFacts()
    const svc = await startTestService({ groupConsent: facts })
    open.push(svc)
    const [owner, friend, blocker, blocked, closed, stranger] = await svc.newUsers()
    facts.addAccount(owner.did)
    facts.addAccount(friend.did, { allowIncoming: 'following' })
    facts.follow(friend.did, owner.did)
    facts.addAccount(blocker.did, { allowIncoming: 'all' })
    facts.block(blocker.did, owner.did)
    facts.addAccount(blocked.did, { allowIncoming: 'all' })
    facts.block(owner.did, blocked.did)
    facts.addAccount(closed.did, { allowIncoming: 'all', allowGroupInvites: 'none' })
    facts.addAccount(stranger.did)
    const ghost = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
    const groupsBefore = svc.store.recentEvents().filter((e) => e.type === 'GroupCreated').length
    for (const [member, error] of [
      [ghost, 'RecipientNotFound'],
      [blocker.did, 'BlockedActor'],
      [blocked.did, 'BlockedSubject'],
      [closed.did, 'UserForbidsGroups'],
      [stranger.did, 'NotFollowedBySender'],
    ] as const) {
      const refused = await xrpcErrorOf(
        owner.call('chat.bsky.group.createGroup', { name: 'G', members: [friend.did, member] }),
      )
      expect(refused, member).toMatchObject({ status: 400, error })
    }
    expect(svc.store.recentEvents().filter((e) => e.type === 'GroupCreated')).toHaveLength(groupsBefore)
    const created = (await owner.call('chat.bsky.group.createGroup', {
      name: 'G',
      members: [owner.did, friend.did],
    })) as {
      convo: { id: string; kind: { memberCount: number } }
    }
    // The friend holds a request until they accept it.
    expect(created.convo.kind.memberCount).toBe(1)
    await friend.call('chat.bsky.convo.acceptConvo', { convoId: created.convo.id })
    const seen = (await owner.call('chat.bsky.convo.getConvo', undefined, { convoId: created.convo.id })) as {
      convo: { kind: { memberCount: number } }
    }
    expect(seen.convo.kind.memberCount).toBe(2)
    expect(
      await xrpcErrorOf(owner.call('chat.bsky.group.addMembers', { convoId: created.convo.id, members: [closed.did] })),
    ).toMatchObject({ status: 400, error: 'UserForbidsGroups' })
  })

  it('tells a caller who may not add anyone so before any consent refusal, and a stranger that the convo is missing', async () => {
    const facts = createInMemoryChatFacts()
    const svc = await startTestService({ groupConsent: facts })
    open.push(svc)
    const [owner, friend, outsider] = await svc.newUsers()
    facts.addAccount(owner.did)
    facts.addAccount(friend.did, { allowIncoming: 'all' })
    facts.addAccount(outsider.did, { allowIncoming: 'all' })
    const created = (await owner.call('chat.bsky.group.createGroup', { name: 'G', members: [friend.did] })) as {
      convo: { id: string }
    }
    const convoId = created.convo.id
    await friend.call('chat.bsky.convo.acceptConvo', { convoId })
    const ghost = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
    // The ghost would be refused (RecipientNotFound) if anyone asked; a member who is not the owner hears their role.
    expect(await xrpcErrorOf(friend.call('chat.bsky.group.addMembers', { convoId, members: [ghost] }))).toMatchObject({
      status: 400,
      error: 'InsufficientRole',
    })
    expect(await xrpcErrorOf(outsider.call('chat.bsky.group.addMembers', { convoId, members: [ghost] }))).toMatchObject(
      { status: 400, error: 'InvalidConvo' },
    )
    expect(await xrpcErrorOf(owner.call('chat.bsky.group.addMembers', { convoId, members: [ghost] }))).toMatchObject({
      status: 400,
      error: 'RecipientNotFound',
    })
  })

  it('asks an AppView for profiles, declarations, follows and blocks, and answers 502 when it cannot', async () => {
    const [adder, fan, hater] = [
      'did:plc:adderaaaaaaaaaaaaaaaaaaa',
      'did:plc:fanaaaaaaaaaaaaaaaaaaaaa',
      'did:plc:hateraaaaaaaaaaaaaaaaaaa',
    ]
    let down = false
    const server = createServer(schemas)
    server.method('app.bsky.actor.getProfiles', async ({ params }) => {
      if (down) return { status: 500, error: 'InternalServerError', message: 'down' }
      const actors = params.actors as string[]
      return {
        encoding: 'application/json',
        body: {
          profiles: actors
            .filter((d) => d === fan || d === hater)
            .map((did) => ({ did, handle: 'x.test', associated: { chat: { allowIncoming: 'following' } } })),
        },
      }
    })
    server.method('app.bsky.graph.getRelationships', async ({ params }) => ({
      encoding: 'application/json',
      body: {
        actor: params.actor,
        relationships: (params.others as string[]).map((did) => ({
          $type: 'app.bsky.graph.defs#relationship',
          did,
          ...(did === fan ? { followedBy: `at://${did}/app.bsky.graph.follow/3k2abc` } : {}),
          ...(did === hater ? { blockedBy: `at://${did}/app.bsky.graph.block/3k2abc` } : {}),
        })),
      },
    }))
    const appview = await listen(server)
    open.push(appview)
    const facts = createAppViewChatFacts({ service: appview.url })
    const got = await facts.subjects(adder, [fan, hater, 'did:plc:ghostaaaaaaaaaaaaaaaaaaa'])
    expect([...got.values()].map(decideGroupInvite)).toEqual([null, 'BlockedActor', 'RecipientNotFound'])
    down = true
    await expect(facts.subjects(adder, [fan])).rejects.toBeDefined()
    const svc = await startTestService({ groupConsent: facts })
    open.push(svc)
    const [owner] = await svc.newUsers()
    expect(await xrpcErrorOf(owner.call('chat.bsky.group.createGroup', { name: 'G', members: [fan] }))).toMatchObject({
      status: 502,
      error: 'UpstreamFailure',
    })
  })
})
