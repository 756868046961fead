import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestService, type TestService, type TestUser, xrpcErrorOf } from './internal/test-service.js'

// Consent as the lexicons describe it (`addMembersAs: 'request'`): users named by createGroup and addMembers get a
// convo request they accept with acceptConvo. Every output is validated against the pinned lexicons.

interface Convo {
  id: string
  rev: string
  status?: string
  kind: { name: string; memberCount: number }
}
type Request = { $type: string; id?: string; status?: string; convoId?: string; viewer?: { requestedAt?: string } }

let svc: TestService
let ada: TestUser
let bo: TestUser
let cy: TestUser
let dee: TestUser
beforeAll(async () => {
  svc = await startTestService({ addMembersAs: 'request' })
  ;[ada, bo, cy, dee] = await svc.newUsers()
})
afterAll(() => svc.close())

const getConvo = async (user: TestUser, convoId: string) =>
  ((await user.call('chat.bsky.convo.getConvo', undefined, { convoId })) as { convo: Convo }).convo
const listConvos = async (user: TestUser, params: Record<string, unknown> = {}) =>
  ((await user.call('chat.bsky.convo.listConvos', undefined, params)) as { convos: Convo[] }).convos
const requestsOf = async (user: TestUser) =>
  ((await user.call('chat.bsky.convo.listConvoRequests', undefined, {})) as { requests: Request[] }).requests

describe('convo requests', () => {
  it('createGroup invites its members: a request they can read and list until they accept it', async () => {
    const { convo } = (await ada.call('chat.bsky.group.createGroup', { name: 'Asked', members: [bo.did, cy.did] })) as {
      convo: Convo
    }
    expect(convo.kind.memberCount).toBe(1)
    expect(svc.store.recentEvents().filter((e) => e.type === 'MemberInvited' && e.groupId === convo.id)).toHaveLength(2)
    const asked = await getConvo(bo, convo.id)
    expect(asked).toMatchObject({ id: convo.id, status: 'request', kind: { name: 'Asked' } })
    // As Bluesky shows a member in request status: the convo's members, and themself as added by the inviter.
    const shown = (
      asked as unknown as { members: { did: string; kind?: { role: string; addedBy?: { did: string } } }[] }
    ).members
    expect(shown.map((m) => [m.did, m.kind?.role, m.kind?.addedBy?.did])).toEqual([
      [ada.did, 'owner', undefined],
      [bo.did, 'standard', ada.did],
    ])
    expect((await listConvos(bo, { status: 'request' })).map((c) => c.id)).toEqual([convo.id])
    expect(await listConvos(bo)).toEqual([])
    expect(await requestsOf(bo)).toMatchObject([
      { $type: 'chat.bsky.convo.defs#convoView', id: convo.id, status: 'request' },
    ])
    // Someone not invited still finds no such convo.
    expect(await xrpcErrorOf(dee.call('chat.bsky.convo.getConvo', undefined, { convoId: convo.id }))).toMatchObject({
      status: 400,
      error: 'InvalidConvo',
    })
    const accepted = (await bo.call('chat.bsky.convo.acceptConvo', { convoId: convo.id })) as { rev?: string }
    expect(accepted.rev).toMatch(/^[a-z2-7]{13}$/)
    expect(await getConvo(bo, convo.id)).toMatchObject({ status: 'accepted', kind: { memberCount: 2 } })
    expect(await requestsOf(bo)).toEqual([])
    expect((await listConvos(bo)).map((c) => c.id)).toEqual([convo.id])
    expect(await listConvos(bo, { status: 'request' })).toEqual([])
    // cy has not accepted: still a request, and not a member (no member list for them).
    expect((await requestsOf(cy)).map((r) => r.id)).toEqual([convo.id])
    expect(
      await xrpcErrorOf(cy.call('chat.bsky.convo.getConvoMembers', undefined, { convoId: convo.id })),
    ).toMatchObject({ status: 400, error: 'InvalidConvo' })
  })

  it('addMembers invites (owner only, InsufficientRole first), and own join requests list as joinRequestConvoViews', async () => {
    const { convo } = (await ada.call('chat.bsky.group.createGroup', { name: 'Later', members: [] })) as {
      convo: Convo
    }
    const added = (await ada.call('chat.bsky.group.addMembers', { convoId: convo.id, members: [dee.did] })) as {
      convo: Convo
      addedMembers: { did: string }[]
    }
    expect(added.convo.kind.memberCount).toBe(1)
    expect(added.addedMembers.map((m) => m.did)).toEqual([dee.did])
    expect(await getConvo(dee, convo.id)).toMatchObject({ status: 'request' })
    await dee.call('chat.bsky.convo.acceptConvo', { convoId: convo.id })
    expect(
      await xrpcErrorOf(dee.call('chat.bsky.group.addMembers', { convoId: convo.id, members: [cy.did] })),
    ).toMatchObject({ status: 400, error: 'InsufficientRole' })

    const [asker] = await svc.newUsers()
    const { joinLink } = (await ada.call('chat.bsky.group.createJoinLink', {
      convoId: convo.id,
      joinRule: 'anyone',
      requireApproval: true,
    })) as { joinLink: { code: string } }
    expect(await asker.call('chat.bsky.group.requestJoin', { code: joinLink.code })).toEqual({ status: 'pending' })
    const asked = await requestsOf(asker)
    expect(asked).toMatchObject([
      { $type: 'chat.bsky.group.defs#joinRequestConvoView', convoId: convo.id, name: 'Later' },
    ])
    expect(asked[0]?.viewer?.requestedAt).toBeDefined()
    // A join request is not a convo request: listConvos with status request shows only invitations.
    expect(await listConvos(asker, { status: 'request' })).toEqual([])
    await asker.call('chat.bsky.group.withdrawJoinRequest', { convoId: convo.id })
    expect(await requestsOf(asker)).toEqual([])
  })
})
