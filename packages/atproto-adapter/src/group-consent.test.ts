import { AtpAgent, ChatBskyGroupAddMembers, ChatBskyGroupCreateGroup, schemas } from '@atproto/api'
import { XRPCError } from '@atproto/xrpc'
import { createServer } from '@atproto/xrpc-server'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createAppViewChatFacts,
  createInMemoryChatFacts,
  DEFAULT_MIN_ACCOUNT_AGE_MS,
  decideGroupAdder,
  decideGroupInvite,
  GROUP_ADDER_RULES,
  GROUP_INVITE_RULES,
  type SubjectFacts,
} from './group-consent.js'
import { startTestService, type TestService, type TestUser, xrpcErrorOf } from './internal/test-service.js'
import { LEXICONS } from './lexicons/index.js'
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

describe(decideGroupAdder, () => {
  const now = new Date('2026-12-01T12:00:00Z')
  const day = DEFAULT_MIN_ACCOUNT_AGE_MS
  const at = (ms: number) => new Date(now.getTime() - ms)

  it('applies the rules in order', () => {
    expect(GROUP_ADDER_RULES).toHaveLength(2)
    const creating = { creating: true, now, minAccountAgeMs: day }
    const adding = { ...creating, creating: false }
    expect(decideGroupAdder({ suspended: true, createdAt: at(1) }, creating)).toBe('AccountSuspended')
    expect(decideGroupAdder({ suspended: true }, adding)).toBe('AccountSuspended')
    expect(decideGroupAdder({ suspended: false, createdAt: at(day - 1) }, creating)).toBe('NewAccountCannotCreateGroup')
    expect(decideGroupAdder({ suspended: false, createdAt: at(day) }, creating)).toBeNull()
    expect(decideGroupAdder({ suspended: false, createdAt: at(1) }, adding)).toBeNull()
    expect(decideGroupAdder({ suspended: false }, creating)).toBeNull()
    expect(decideGroupAdder({ suspended: false, createdAt: at(1) }, { ...creating, minAccountAgeMs: 0 })).toBeNull()
  })

  it('never lets a suspended account through, nor a new one create a group', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.option(fc.integer({ min: -day, max: 3 * day }), { nil: undefined }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 * day }),
        (suspended, ageMs, creating, minAccountAgeMs) => {
          const facts = { suspended, ...(ageMs === undefined ? {} : { createdAt: at(ageMs) }) }
          const refusal = decideGroupAdder(facts, { creating, now, minAccountAgeMs })
          if (suspended) expect(refusal).toBe('AccountSuspended')
          else if (creating && ageMs !== undefined && ageMs < minAccountAgeMs)
            expect(refusal).toBe('NewAccountCannotCreateGroup')
          else expect(refusal).toBeNull()
        },
      ),
    )
  })
})

describe('group consent over XRPC', () => {
  it('refuses a suspended caller and a new account with their declared errors, through @atproto/api', async () => {
    const facts = createInMemoryChatFacts()
    const svc = await startTestService({ groupConsent: facts })
    open.push(svc)
    const [owner, newcomer, friend, other] = await svc.newUsers()
    const longAgo = new Date(Date.now() - 30 * DEFAULT_MIN_ACCOUNT_AGE_MS)
    facts.addAccount(owner.did, {}, longAgo)
    facts.addAccount(newcomer.did, { allowIncoming: 'all' }, new Date(Date.now() - 60_000))
    facts.addAccount(friend.did, { allowIncoming: 'all' }, longAgo)
    facts.addAccount(other.did, { allowIncoming: 'all' }, longAgo)
    const agentOf = (user: TestUser) => {
      const agent = new AtpAgent({ service: svc.url })
      return {
        agent,
        as: async (lxm: string) => ({ headers: { authorization: `Bearer ${await user.token(lxm)}` } }),
      }
    }
    const o = agentOf(owner)
    const n = agentOf(newcomer)
    const refusedNew = await n.agent.chat.bsky.group
      .createGroup({ name: 'Mine', members: [] }, await n.as('chat.bsky.group.createGroup'))
      .catch((e: unknown) => e)
    // The Node 20 line of @atproto/api (0.19) predates this name, so it surfaces as its generic XRPCError; the
    // pinned lexicon (0.21) declares it for createGroup.
    expect(refusedNew).toBeInstanceOf(XRPCError)
    expect(refusedNew).toMatchObject({
      status: 400,
      error: 'NewAccountCannotCreateGroup',
      message: 'You cannot create a group chat yet.',
    })
    expect(JSON.stringify(LEXICONS.find((doc) => doc.id === 'chat.bsky.group.createGroup'))).toContain(
      '"NewAccountCannotCreateGroup"',
    )
    const { data } = await o.agent.chat.bsky.group.createGroup(
      { name: 'Club', members: [newcomer.did, friend.did] },
      await o.as('chat.bsky.group.createGroup'),
    )
    // A new account may still be asked, and accept, and (as a member) is not barred from what it may do.
    await newcomer.call('chat.bsky.convo.acceptConvo', { convoId: data.convo.id })
    facts.suspend(owner.did)
    const refusedAdd = await o.agent.chat.bsky.group
      .addMembers({ convoId: data.convo.id, members: [other.did] }, await o.as('chat.bsky.group.addMembers'))
      .catch((e: unknown) => e)
    expect(refusedAdd).toBeInstanceOf(ChatBskyGroupAddMembers.AccountSuspendedError)
    const refusedCreate = await o.agent.chat.bsky.group
      .createGroup({ name: 'Again', members: [] }, await o.as('chat.bsky.group.createGroup'))
      .catch((e: unknown) => e)
    expect(refusedCreate).toBeInstanceOf(ChatBskyGroupCreateGroup.AccountSuspendedError)
    expect(refusedCreate).toMatchObject({ message: 'Suspended accounts cannot participate in a group chat.' })
    // Nothing was written by the refused calls: the other user holds no request, and one group exists.
    expect(
      ((await other.call('chat.bsky.convo.listConvoRequests', undefined, {})) as { requests: [] }).requests,
    ).toEqual([])
    expect(svc.store.recentEvents().filter((e) => e.type === 'GroupCreated')).toHaveLength(1)
  })

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
    const suspended = 'did:plc:suspendedaaaaaaaaaaaaaaa'
    const server = createServer(schemas)
    // As the AppView answers: a taken-down account is an error, others a profile dated by createdAt.
    server.method('app.bsky.actor.getProfile', async ({ params }) => {
      if (down) return { status: 500, error: 'InternalServerError', message: 'down' }
      if (params.actor === suspended)
        return { status: 400, error: 'AccountTakedown', message: 'Account has been suspended' }
      return {
        encoding: 'application/json',
        body: { did: params.actor, handle: 'x.test', createdAt: '2024-01-02T03:04:05.000Z' },
      }
    })
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
    expect(await facts.actor(adder)).toEqual({ suspended: false, createdAt: new Date('2024-01-02T03:04:05.000Z') })
    expect(await facts.actor(suspended)).toEqual({ suspended: true })
    expect(facts.minAccountAgeMs).toBe(DEFAULT_MIN_ACCOUNT_AGE_MS)
    down = true
    await expect(facts.actor(adder)).rejects.toBeDefined()
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
