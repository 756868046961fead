import { createInMemoryStore, createJoinery, createSequentialIdGenerator } from '@joinery/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { codeOf, sdkErrorOf, startTestPortal, type TestPortal } from './internal/test-portal.js'
import { createCredentialFailureLimiter, createLeakyBucket } from './rate-limit.js'

describe(createLeakyBucket, () => {
  afterEach(() => vi.useRealTimers())

  it('allows a burst, then the steady rate', async () => {
    vi.useFakeTimers({ now: 0 })
    const bucket = createLeakyBucket({ burst: 3, perSecond: 2 })
    const takes = async (n: number) => {
      const out = []
      for (let i = 0; i < n; i++) out.push(await bucket.take('u'))
      return out
    }
    expect(await takes(4)).toEqual([true, true, true, false])
    expect(await bucket.take('other')).toBe(true)
    // A client pacing itself at the steady rate after a burst is served.
    vi.advanceTimersByTime(1000)
    expect(await takes(3)).toEqual([true, true, false])
    // The burst allowance (here 3 − 2 = 1) comes back whole after burst / perSecond = 1.5 s.
    vi.advanceTimersByTime(1000)
    expect(await takes(4)).toEqual([true, true, true, false])
  })

  it('never lets a user past burst + perSecond × t requests in t seconds', async () => {
    vi.useFakeTimers({ now: 0 })
    const bucket = createLeakyBucket({ burst: 10, perSecond: 2 })
    let served = 0
    for (let ms = 0; ms < 20_000; ms += 100) {
      for (let i = 0; i < 3; i++) if (await bucket.take('greedy')) served++
      vi.advanceTimersByTime(100)
    }
    // One window of the burst allowance per 5 s renews it whole: at most 4 bursts and the steady rate in 20 s.
    expect(served).toBeLessThanOrEqual(2 * 20 + 4 * 10)
    expect(served).toBeGreaterThanOrEqual(2 * 20 + 10)
  })

  it('refuses a bucket it cannot build', () => {
    expect(() => createLeakyBucket({ burst: 0, perSecond: 2 })).toThrow(RangeError)
    expect(() => createLeakyBucket({ burst: 5, perSecond: 0 })).toThrow(RangeError)
  })
})

describe(createCredentialFailureLimiter, () => {
  afterEach(() => vi.useRealTimers())

  it('blocks an address past the limit, for the block time, and no other address', async () => {
    vi.useFakeTimers({ now: 0 })
    const limiter = createCredentialFailureLimiter({ attempts: 3, windowSeconds: 60, blockSeconds: 600 })
    const results = []
    for (let i = 0; i < 4; i++) results.push(await limiter.recordFailure('10.0.0.1'))
    expect(results).toEqual([true, true, true, false])
    expect(await limiter.isBlocked('10.0.0.1')).toBe(true)
    expect(await limiter.isBlocked('10.0.0.2')).toBe(false)
    // Still blocked after the counting window; free after the block.
    vi.advanceTimersByTime(120_000)
    expect(await limiter.isBlocked('10.0.0.1')).toBe(true)
    vi.advanceTimersByTime(500_000)
    expect(await limiter.isBlocked('10.0.0.1')).toBe(false)
  })
})

describe('wrong webhook codes over HTTP', () => {
  let portal: TestPortal
  afterEach(() => portal.close())

  it('answers 401 up to the limit, then 503 QUERY_LIMIT_EXCEEDED with Retry-After, right codes included', async () => {
    portal = await startTestPortal({ credentialFailureLimit: { attempts: 5, blockSeconds: 120 } })
    const statuses = []
    for (let i = 0; i < 7; i++)
      statuses.push((await fetch(`${portal.httpUrl}/rest/1/wrong-${i}/sonet_group.user.groups`)).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 503, 503])
    const right = await fetch(`${portal.httpUrl}/rest/1/${codeOf('1')}/sonet_group.user.groups`)
    expect(right.status).toBe(503)
    expect(right.headers.get('retry-after')).toBe('120')
    expect(await right.json()).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' })
  })

  it('counts per address: another client address is served', async () => {
    let address = '192.0.2.1'
    portal = await startTestPortal({ credentialFailureLimit: { attempts: 2 }, clientAddress: () => address })
    for (let i = 0; i < 3; i++) await fetch(`${portal.httpUrl}/rest/1/wrong/sonet_group.user.groups`)
    expect((await fetch(`${portal.httpUrl}/rest/1/${codeOf('1')}/sonet_group.user.groups`)).status).toBe(503)
    address = '192.0.2.2'
    expect((await fetch(`${portal.httpUrl}/rest/1/${codeOf('1')}/sonet_group.user.groups`)).status).toBe(200)
  })
})

describe('rate limit over HTTP', () => {
  let portal: TestPortal
  afterEach(() => portal.close())

  it('answers 503 QUERY_LIMIT_EXCEEDED past the burst, per user', async () => {
    portal = await startTestPortal({ rateLimit: { burst: 5, perSecond: 0.001 } })
    const get = (user: string) => fetch(`${portal.httpUrl}/rest/${user}/${codeOf(user)}/sonet_group.user.groups`)
    const statuses = []
    for (let i = 0; i < 6; i++) statuses.push((await get('1')).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 503])
    const refused = await get('1')
    expect(await refused.json()).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' })
    expect((await get('2')).status).toBe(200)
  })
})

describe('rate limit of a batch', () => {
  let portal: TestPortal
  afterEach(() => portal.close())

  it("counts each command of a batch against the caller's bucket", async () => {
    portal = await startTestPortal({ rateLimit: { burst: 5, perSecond: 0.001 } })
    const cmd = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`c${i}`, 'sonet_group.user.groups']))
    const res = await fetch(`${portal.httpUrl}/rest/1/${codeOf('1')}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cmd }),
    })
    const body = (await res.json()) as { result: { result: object; result_error: Record<string, { error: string }> } }
    expect(Object.keys(body.result.result)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4'])
    expect(body.result.result_error).toEqual({
      c5: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
      c6: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' },
    })
    // The bucket is full: the next request is refused whole.
    expect((await fetch(`${portal.httpUrl}/rest/1/${codeOf('1')}/sonet_group.user.groups`)).status).toBe(503)
  })
})

describe('caps over HTTP', () => {
  let portal: TestPortal
  afterEach(() => portal.close())

  it("answers a user's group past the core's cap with 400 ERROR_GROUP_LIMIT_REACHED, through the official SDK", async () => {
    const store = createInMemoryStore()
    portal = await startTestPortal({
      joinery: createJoinery({ store, ids: createSequentialIdGenerator(), caps: { groupsPerUser: 2 } }),
    })
    await portal.call('1', 'sonet_group.create', { NAME: 'One' })
    await portal.call('1', 'sonet_group.create', { NAME: 'Two' })
    expect(await sdkErrorOf(portal.call('1', 'sonet_group.create', { NAME: 'Three' }))).toEqual({
      code: 'ERROR_GROUP_LIMIT_REACHED',
      status: 400,
      message: 'Cannot create group: the user owns as many groups as allowed',
    })
  })
})
