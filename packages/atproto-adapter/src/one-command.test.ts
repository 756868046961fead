import { createJoinery } from '@joinery/core'
import { type WatchedStore, watchStore } from '@joinery/core/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestService, type TestService, xrpcErrorOf } from './internal/test-service.js'

let svc: TestService
let counting: WatchedStore
let joinery: ReturnType<typeof createJoinery>
beforeEach(async () => {
  counting = watchStore()
  joinery = createJoinery({ store: counting.store })
  svc = await startTestService({ joinery })
})
afterEach(() => svc.close())

/** What `call` answered and how many core commands (store transactions) it ran. */
async function counted<T>(call: () => Promise<T>): Promise<{ value: T; commands: number }> {
  const before = counting.transactions
  const value = await call()
  return { value, commands: counting.transactions - before }
}

describe('each XRPC call runs one core command', () => {
  it('chat.bsky.convo.getConvoMembers checks membership and lists in one command', async () => {
    const [owner, alice, stranger] = await svc.newUsers()
    const group = (
      await joinery.createGroup({
        actor: owner.did,
        name: 'Climbers',
        visibility: 'public',
        initialMembers: [alice.did],
      })
    )._unsafeUnwrap()
    const listed = await counted(
      () =>
        alice.call('chat.bsky.convo.getConvoMembers', undefined, { convoId: group.id }) as Promise<{
          members: { did: string }[]
        }>,
    )
    expect(listed.commands).toBe(1)
    expect(listed.value.members.map((m) => m.did).sort()).toEqual([owner.did, alice.did].sort())
    // Even where the core would list a public group for anyone, the convo lists only for its members.
    const refused = await counted(() =>
      xrpcErrorOf(stranger.call('chat.bsky.convo.getConvoMembers', undefined, { convoId: group.id })),
    )
    expect(refused.value).toEqual({ status: 400, error: 'InvalidConvo', message: 'Not a member of this convo.' })
    expect(refused.commands).toBe(1)
  })

  it('chat.bsky.group.getJoinLinkPreviews shows the approval the core decides, and the join then agrees', async () => {
    const [owner, alice, bob] = await svc.newUsers()
    const cases = [
      { admission: 'invite-only', requireApproval: false, joiner: alice, expected: false },
      { admission: 'approval', requireApproval: false, joiner: bob, expected: true },
    ] as const
    for (const { admission, requireApproval, joiner, expected } of cases) {
      const group = (await joinery.createGroup({ actor: owner.did, name: admission, admission }))._unsafeUnwrap()
      const { code } = (
        await joinery.createJoinLink({ actor: owner.did, groupId: group.id, requireApproval })
      )._unsafeUnwrap()
      const preview = await counted(
        () =>
          joiner.call('chat.bsky.group.getJoinLinkPreviews', undefined, { codes: [code] }) as Promise<{
            joinLinkPreviews: { requireApproval: boolean }[]
          }>,
      )
      expect(preview.commands, admission).toBe(1)
      expect(preview.value.joinLinkPreviews[0]?.requireApproval, admission).toBe(expected)
      const joined = (await joiner.call('chat.bsky.group.requestJoin', { code })) as { status: string }
      expect(joined.status, admission).toBe(expected ? 'pending' : 'joined')
    }
  })
})
