import { afterEach, describe, expect, it } from 'vitest'
import { startTestService, type TestService, xrpcErrorOf } from './internal/test-service.js'
import type { CallEntry } from './register.js'

let svc: TestService
afterEach(() => svc.close())

const dids = (n: number) => Array.from({ length: n }, (_, i) => `did:plc:member${String(i).padStart(4, '0')}`)

describe('members lists bounded by the member limit', () => {
  it('refuses more members than a group can hold on createGroup, addMembers and removeMembers, naming the field', async () => {
    svc = await startTestService({ memberLimit: 100 })
    const owner = await svc.newUser()
    const made = (await owner.call('chat.bsky.group.createGroup', { name: 'G', members: dids(99) })) as {
      convo: { id: string }
    }
    const convoId = made.convo.id
    for (const [nsid, body] of [
      ['chat.bsky.group.createGroup', { name: 'H', members: dids(101) }],
      ['chat.bsky.group.addMembers', { convoId, members: dids(101) }],
      ['chat.bsky.group.removeMembers', { convoId, members: dids(101) }],
    ] as const) {
      expect(await xrpcErrorOf(owner.call(nsid, body)), nsid).toMatchObject({
        status: 400,
        error: 'InvalidRequest',
        message: expect.stringContaining('members: must hold at most 100 items'),
      })
    }
    // 100 is allowed: removing every member named at once.
    await owner.call('chat.bsky.group.removeMembers', { convoId, members: dids(100) })
    const group = (await svc.joinery.getGroup({ groupId: convoId, viewer: owner.did }))._unsafeUnwrap().group
    expect(group.memberCount).toBe(1)
  })
})

describe('onCall', () => {
  it('names the verified caller, and null for a refused token whatever its issuer claims', async () => {
    const calls: CallEntry[] = []
    svc = await startTestService({ onCall: (entry) => calls.push(entry) })
    const user = await svc.newUser()
    await user.call('chat.bsky.group.createGroup', { name: 'G', members: [] })
    const forged = await user.token('chat.bsky.group.createGroup', { iss: 'did:plc:admin\nfake line' })
    const res = await fetch(`${svc.url}/xrpc/chat.bsky.group.createGroup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'H', members: [] }),
    })
    expect(res.status).toBe(401)
    await new Promise((r) => setTimeout(r, 20))
    expect(calls.map(({ ms: _ms, ...c }) => c)).toEqual([
      { method: 'chat.bsky.group.createGroup', caller: user.did, status: 200 },
      { method: 'chat.bsky.group.createGroup', caller: null, status: 401 },
    ])
  })
})
