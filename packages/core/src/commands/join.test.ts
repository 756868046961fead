import { errAsync as errAsyncOf, okAsync as okAsyncOf } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { createTestKit } from '../internal/test-kit.js'

describe('requestJoinByCode', () => {
  it('joins an open link at once, counts the use and publishes MemberJoined', async () => {
    const { joinery, groupOf, linkTo, published } = createTestKit()
    const group = await groupOf()
    const code = await linkTo(group.id)
    const r = (await joinery.requestJoinByCode({ actor: 'alice', code }))._unsafeUnwrap()
    expect(r).toMatchObject({
      status: 'joined',
      changed: true,
      membership: { userId: 'alice', role: 'member', source: { kind: 'link', code } },
    })
    expect(r.group.memberCount).toBe(2)
    expect(published.at(-1)).toMatchObject({ type: 'MemberJoined', subject: 'alice', code })
    const preview = (await joinery.previewJoinLinks({ codes: [code] }))._unsafeUnwrap()[0]
    expect(preview).toMatchObject({ kind: 'valid', link: { counters: { uses: 1, pending: 0 } } })
  })

  it('answers a member asking again with joined and changes nothing', async () => {
    const { joinery, groupOf, linkTo, published } = createTestKit()
    const group = await groupOf()
    const code = await linkTo(group.id)
    await joinery.requestJoinByCode({ actor: 'alice', code })
    const eventsBefore = published.length
    const again = (await joinery.requestJoinByCode({ actor: 'alice', code }))._unsafeUnwrap()
    expect(again).toMatchObject({ status: 'joined', changed: false })
    expect(again.group.memberCount).toBe(2)
    expect(published.length).toBe(eventsBefore)
    // The owner too: nothing changes for them either.
    expect((await joinery.requestJoinByCode({ actor: 'owner', code }))._unsafeUnwrap()).toMatchObject({
      changed: false,
    })
  })

  it('leaves one pending request through an approval link, and replaces its message when asked again', async () => {
    const { joinery, groupOf, linkTo } = createTestKit()
    const group = await groupOf()
    const code = await linkTo(group.id, { requireApproval: true })
    const first = (await joinery.requestJoinByCode({ actor: 'bob', code, message: 'hi' }))._unsafeUnwrap()
    expect(first).toMatchObject({
      status: 'pending',
      changed: true,
      request: { message: 'hi', via: { kind: 'link', code } },
    })
    const same = (await joinery.requestJoinByCode({ actor: 'bob', code, message: 'hi' }))._unsafeUnwrap()
    expect(same).toMatchObject({ status: 'pending', changed: false })
    const edited = (await joinery.requestJoinByCode({ actor: 'bob', code, message: 'hello' }))._unsafeUnwrap()
    expect(edited).toMatchObject({ status: 'pending', changed: true, request: { message: 'hello' } })
    if (first.status !== 'pending' || edited.status !== 'pending') throw new Error('expected pending')
    expect(edited.request.id).toBe(first.request.id)
    const list = (await joinery.listJoinRequests({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    expect(list.items).toHaveLength(1)
  })

  it('refuses with the typed refusal, counts it on the link, and writes nothing else', async () => {
    const { joinery, groupOf, linkTo, published } = createTestKit()
    const group = await groupOf({ memberLimit: 1 })
    const code = await linkTo(group.id)
    const eventsBefore = published.length
    const refused = (await joinery.requestJoinByCode({ actor: 'alice', code }))._unsafeUnwrapErr()
    expect(refused).toEqual({ code: 'MemberLimitReached', limit: 1 })
    expect(published.length).toBe(eventsBefore)
    const preview = (await joinery.previewJoinLinks({ codes: [code] }))._unsafeUnwrap()[0]
    expect(preview).toMatchObject({ link: { counters: { uses: 0, refusals: { MemberLimitReached: 1 } } } })
    const members = (await joinery.listMembers({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    expect(members.items.map((m) => m.userId)).toEqual(['owner'])
  })

  it('refuses unknown codes with InvalidCode and bad input with InvalidInput carrying the issues', async () => {
    const { joinery } = createTestKit()
    expect((await joinery.requestJoinByCode({ actor: 'alice', code: 'nope' }))._unsafeUnwrapErr()).toEqual({
      code: 'InvalidCode',
    })
    const bad = (await joinery.requestJoinByCode({ actor: '', code: 'x'.repeat(300) }))._unsafeUnwrapErr()
    expect(bad.code).toBe('InvalidInput')
    if (bad.code !== 'InvalidInput') return
    expect(bad.issues.map((i) => i.path.join('.')).sort()).toEqual(['actor', 'code'])
    const tooLong = await joinery.requestJoin({ actor: 'a', groupId: 'g', message: 'm'.repeat(2001) })
    expect(tooLong._unsafeUnwrapErr().code).toBe('InvalidInput')
  })

  it('asks the social graph for followed-by-owner links only when the rule is reached', async () => {
    const asked: string[] = []
    const follows = new Set(['owner>fan'])
    const { joinery, groupOf, linkTo } = createTestKit({
      socialGraph: {
        follows: (follower, subject) => {
          asked.push(subject)
          return okAsyncOf(follows.has(`${follower}>${subject}`))
        },
      },
    })
    const group = await groupOf()
    const code = await linkTo(group.id, { joinRule: 'followed-by-owner' })
    expect((await joinery.requestJoinByCode({ actor: 'stranger', code }))._unsafeUnwrapErr()).toEqual({
      code: 'FollowRequired',
    })
    expect((await joinery.requestJoinByCode({ actor: 'fan', code }))._unsafeUnwrap().status).toBe('joined')
    await joinery.requestJoinByCode({ actor: 'owner', code })
    await joinery.requestJoinByCode({ actor: 'fan', code })
    expect(asked).toEqual(['stranger', 'fan'])
  })

  it('answers SocialGraphUnavailable when the graph fails or none is configured', async () => {
    const failing = createTestKit({
      socialGraph: { follows: () => errAsyncOf({ code: 'SocialGraphUnavailable' as const }) },
    })
    const g1 = await failing.groupOf()
    const c1 = await failing.linkTo(g1.id, { joinRule: 'followed-by-owner' })
    expect((await failing.joinery.requestJoinByCode({ actor: 'x', code: c1 }))._unsafeUnwrapErr().code).toBe(
      'SocialGraphUnavailable',
    )

    const none = createTestKit({ socialGraph: undefined })
    const g2 = await none.groupOf()
    const c2 = await none.linkTo(g2.id, { joinRule: 'followed-by-owner' })
    expect((await none.joinery.requestJoinByCode({ actor: 'x', code: c2 }))._unsafeUnwrapErr().code).toBe(
      'SocialGraphUnavailable',
    )
  })

  it('expires a pending request after the configured lifetime and lets the user ask again', async () => {
    const { joinery, groupOf, linkTo, clock, published } = createTestKit({ requestTtlMs: 60_000 })
    const group = await groupOf()
    const code = await linkTo(group.id, { requireApproval: true })
    const first = (await joinery.requestJoinByCode({ actor: 'bob', code }))._unsafeUnwrap()
    clock.advance(60_000)
    const second = (await joinery.requestJoinByCode({ actor: 'bob', code }))._unsafeUnwrap()
    if (first.status !== 'pending' || second.status !== 'pending') throw new Error('expected pending')
    expect(second.request.id).not.toBe(first.request.id)
    expect(published.map((e) => e.type)).toContain('JoinRequestExpired')
    const expired = (
      await joinery.listJoinRequests({ actor: 'owner', groupId: group.id, status: 'expired' })
    )._unsafeUnwrap()
    expect(expired.items.map((r) => r.id)).toEqual([first.request.id])
    const preview = (await joinery.previewJoinLinks({ codes: [code] }))._unsafeUnwrap()[0]
    expect(preview).toMatchObject({ link: { counters: { pending: 1 } } })
  })
})

describe('requestJoin', () => {
  it('joins an open group directly, and makes a request with a message in an approval group', async () => {
    const { joinery, groupOf } = createTestKit()
    const open = await groupOf({ admission: 'open' })
    const closed = await groupOf({ admission: 'approval' })
    expect((await joinery.requestJoin({ actor: 'alice', groupId: open.id }))._unsafeUnwrap().status).toBe('joined')
    const pending = (
      await joinery.requestJoin({ actor: 'alice', groupId: closed.id, message: 'let me in' })
    )._unsafeUnwrap()
    expect(pending).toMatchObject({ status: 'pending', request: { message: 'let me in', via: { kind: 'direct' } } })
  })

  it('does not reveal hidden groups, and refuses invite-only groups', async () => {
    const { joinery, groupOf } = createTestKit()
    const hidden = await groupOf({ admission: 'open', visibility: 'hidden' })
    const inviteOnly = await groupOf({ admission: 'invite-only' })
    expect((await joinery.requestJoin({ actor: 'alice', groupId: hidden.id }))._unsafeUnwrapErr().code).toBe(
      'GroupNotFound',
    )
    expect((await joinery.requestJoin({ actor: 'alice', groupId: 'missing' }))._unsafeUnwrapErr().code).toBe(
      'GroupNotFound',
    )
    expect((await joinery.requestJoin({ actor: 'alice', groupId: inviteOnly.id }))._unsafeUnwrapErr().code).toBe(
      'GroupInviteOnly',
    )
  })
})

describe('explain', () => {
  it('tells what would happen and which rule refuses, without writing anything', async () => {
    const { joinery, groupOf, linkTo, published } = createTestKit()
    const group = await groupOf({ memberLimit: 2 })
    const code = await linkTo(group.id)
    const before = published.length
    expect((await joinery.explain({ actor: 'alice', code }))._unsafeUnwrap()).toMatchObject({ outcome: 'join' })
    expect((await joinery.explain({ actor: 'owner', code }))._unsafeUnwrap()).toMatchObject({
      outcome: 'already-member',
    })
    expect(published.length).toBe(before)
    await joinery.requestJoinByCode({ actor: 'alice', code })
    const full = (await joinery.explain({ actor: 'bob', groupId: group.id }))._unsafeUnwrap()
    expect(full).toMatchObject({ outcome: 'refused', refusal: { code: 'MemberLimitReached', limit: 2 } })
    if (full.outcome === 'refused') expect(full.fix).toMatch(/member limit/)
    expect((await joinery.getGroup({ groupId: group.id }))._unsafeUnwrap().group.memberCount).toBe(2)
  })

  it('asks the social graph when the follow rule decides', async () => {
    const { joinery, groupOf, linkTo, graph } = createTestKit()
    const group = await groupOf()
    const code = await linkTo(group.id, { joinRule: 'followed-by-owner' })
    expect((await joinery.explain({ actor: 'fan', code }))._unsafeUnwrap()).toMatchObject({
      refusal: { code: 'FollowRequired' },
    })
    graph.follow('owner', 'fan')
    expect((await joinery.explain({ actor: 'fan', code }))._unsafeUnwrap()).toMatchObject({ outcome: 'join' })
  })
})
