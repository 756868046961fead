import { afterEach, describe, expect, it } from 'vitest'
import { type StandInChatService, startStandInChatService } from './index.js'

const services: StandInChatService[] = []
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()))
})

async function service(options?: Parameters<typeof startStandInChatService>[0]) {
  const started = await startStandInChatService(options)
  services.push(started)
  return started
}

describe(startStandInChatService, () => {
  it('answers @atproto/api agents of named users: create, link, join with approval, approve', async () => {
    const chat = await service()
    const ada = await chat.agent('ada')
    const bob = await chat.agent('bob')
    const created = await ada.chat.bsky.group.createGroup({ name: 'Climbers', members: [] })
    expect(created.data.convo.kind).toMatchObject({ name: 'Climbers' })
    const convoId = created.data.convo.id
    const link = await ada.chat.bsky.group.createJoinLink({ convoId, joinRule: 'anyone', requireApproval: true })
    const asked = await bob.chat.bsky.group.requestJoin({ code: link.data.joinLink.code })
    expect(asked.data.status).toBe('pending')
    await ada.chat.bsky.group.approveJoinRequest({ convoId, member: await chat.did('bob') })
    const members = await ada.chat.bsky.convo.getConvoMembers({ convoId })
    expect(members.data.members.map((m) => m.did).sort()).toEqual([await chat.did('ada'), await chat.did('bob')].sort())
  })

  it('gives each name one DID, and lets a test seed what no method sets through the core', async () => {
    const chat = await service()
    expect(await chat.did('ada')).toBe(await chat.did('ada'))
    expect(await chat.did('ada')).not.toBe(await chat.did('bob'))
    // A member limit has no protocol call: seed it in the core, then see it refuse over the wire.
    const owner = await chat.did('ada')
    const group = (
      await chat.joinery.createGroup({ actor: owner, name: 'Tiny', admission: 'open', memberLimit: 1 })
    )._unsafeUnwrap()
    const link = (await chat.joinery.createJoinLink({ actor: owner, groupId: group.id }))._unsafeUnwrap()
    const bob = await chat.agent('bob')
    const refused = await bob.chat.bsky.group.requestJoin({ code: link.code }).catch((e: { error: string }) => e)
    expect(refused).toMatchObject({ error: 'MemberLimitReached' })
  })

  it('asks added users to accept, as Bluesky does, while members seeded through the core are members at once', async () => {
    const chat = await service()
    const ada = await chat.agent('ada')
    const bob = await chat.agent('bob')
    const convoId = (await ada.chat.bsky.group.createGroup({ name: 'Climbers', members: [await chat.did('bob')] })).data
      .convo.id
    expect((await bob.chat.bsky.convo.getConvo({ convoId })).data.convo.status).toBe('request')
    await bob.chat.bsky.convo.acceptConvo({ convoId })
    expect((await bob.chat.bsky.convo.getConvo({ convoId })).data.convo.status).toBe('accepted')
    // Seeding: the core's addMembers makes a member without a request to accept.
    const cy = await chat.did('cy')
    ;(await chat.joinery.addMembers({ actor: await chat.did('ada'), groupId: convoId, userIds: [cy] }))._unsafeUnwrap()
    const cyAgent = await chat.agent('cy')
    expect((await cyAgent.chat.bsky.convo.getConvo({ convoId })).data.convo).toMatchObject({
      status: 'accepted',
      kind: { memberCount: 3 },
    })
  })

  it('is a real service: a call without a token is refused', async () => {
    const chat = await service()
    const res = await fetch(`${chat.url}/xrpc/chat.bsky.group.createGroup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Climbers', members: [] }),
    })
    expect(res.status).toBe(401)
  })
})
