import { afterEach, describe, expect, it } from 'vitest'
import { codeOf, startTestPortal, type TestPortal } from './internal/test-portal.js'
import { createLeakyBucket } from './rate-limit.js'

describe(createLeakyBucket, () => {
  it('allows a burst, then drains at the given rate', () => {
    let t = 0
    const bucket = createLeakyBucket({ burst: 3, perSecond: 2 }, () => t)
    expect([bucket.take('u'), bucket.take('u'), bucket.take('u'), bucket.take('u')]).toEqual([true, true, true, false])
    expect(bucket.take('other')).toBe(true)
    t += 500
    expect(bucket.take('u')).toBe(true)
    expect(bucket.take('u')).toBe(false)
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
