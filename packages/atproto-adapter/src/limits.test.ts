import { createInMemoryStore, createJoinery } from '@joinery/core'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestService, type TestService, xrpcErrorOf } from './internal/test-service.js'

let svc: TestService
afterEach(() => svc.close())

const previews = (codes: string, headers: Record<string, string> = {}) =>
  fetch(`${svc.url}/xrpc/chat.bsky.group.getJoinLinkPreviews?codes=${codes}`, { headers })

describe('anonymous getJoinLinkPreviews', () => {
  it('answers 429 RateLimitExceeded past the per-address limit, and not callers with a token', async () => {
    svc = await startTestService({ anonymousPreviewLimit: { calls: 3 } })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await previews('abc')).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(await (await previews('abc')).json()).toEqual({
      error: 'RateLimitExceeded',
      message: 'Too many calls without a token from this address',
    })
    const user = await svc.newUser()
    const token = await user.token('chat.bsky.group.getJoinLinkPreviews')
    expect((await previews('abc', { authorization: `Bearer ${token}` })).status).toBe(200)
  })

  it('counts per address (clientAddress)', async () => {
    let address = '198.51.100.1'
    svc = await startTestService({ anonymousPreviewLimit: { calls: 1 }, clientAddress: () => address })
    expect([(await previews('abc')).status, (await previews('abc')).status]).toEqual([200, 429])
    address = '198.51.100.2'
    expect((await previews('abc')).status).toBe(200)
  })
})

describe('the replay guard', () => {
  it('is on by default: a token used twice is refused with 401 JwtReplayed, changing nothing', async () => {
    svc = await startTestService()
    const user = await svc.newUser()
    const nsid = 'chat.bsky.group.createGroup'
    const token = await user.token(nsid)
    const create = () =>
      fetch(`${svc.url}/xrpc/${nsid}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Once', members: [] }),
      })
    expect((await create()).status).toBe(200)
    const again = await create()
    expect(again.status).toBe(401)
    expect(await again.json()).toEqual({ error: 'JwtReplayed', message: 'token replayed' })
    expect(svc.store.recentEvents().filter((e) => e.type === 'GroupCreated')).toHaveLength(1)
  })

  it('can be turned off', async () => {
    svc = await startTestService({ replayGuard: false })
    const user = await svc.newUser()
    const token = await user.token('chat.bsky.group.getJoinLinkPreviews')
    for (let i = 0; i < 2; i++) expect((await previews('abc', { authorization: `Bearer ${token}` })).status).toBe(200)
  })
})

describe('caps', () => {
  it("answers a user's convo past the core's cap with 400 InvalidRequest, naming the cap", async () => {
    svc = await startTestService({
      joinery: createJoinery({ store: createInMemoryStore(), caps: { groupsPerUser: 1 } }),
    })
    const user = await svc.newUser()
    await user.call('chat.bsky.group.createGroup', { name: 'One', members: [] })
    expect(await xrpcErrorOf(user.call('chat.bsky.group.createGroup', { name: 'Two', members: [] }))).toEqual({
      status: 400,
      error: 'InvalidRequest',
      message: 'You own as many groups as this service allows.',
    })
  })
})
