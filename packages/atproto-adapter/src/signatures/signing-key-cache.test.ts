import { describe, expect, it } from 'vitest'
import { cacheSigningKeys } from './signing-key-cache.js'

/** A resolver that counts its calls and answers `key-<n>` (n = how many times it was asked). */
function countingResolver() {
  const calls: [string, boolean][] = []
  const resolve = async (did: string, forceRefresh: boolean) => {
    calls.push([did, forceRefresh])
    if (did === 'did:plc:broken') throw new Error('unreachable')
    return `key-${calls.length}`
  }
  return { calls, resolve }
}

describe(cacheSigningKeys, () => {
  it('resolves a DID once per TTL, and again after it', async () => {
    let t = 0
    const { calls, resolve } = countingResolver()
    const keys = cacheSigningKeys(resolve, { ttlMs: 1000, maxEntries: 10, now: () => t })
    expect(await keys('did:plc:a', false)).toBe('key-1')
    t = 999
    expect(await keys('did:plc:a', false)).toBe('key-1')
    t = 1000
    expect(await keys('did:plc:a', false)).toBe('key-2')
    expect(calls).toEqual([
      ['did:plc:a', false],
      ['did:plc:a', false],
    ])
  })

  it('resolves afresh on forceRefresh and keeps the fresh key', async () => {
    const { calls, resolve } = countingResolver()
    const keys = cacheSigningKeys(resolve, { ttlMs: 60_000, maxEntries: 10 })
    await keys('did:plc:a', false)
    expect(await keys('did:plc:a', true)).toBe('key-2')
    expect(await keys('did:plc:a', false)).toBe('key-2')
    expect(calls.map(([, fresh]) => fresh)).toEqual([false, true])
  })

  it('shares one lookup among concurrent calls, forced or not', async () => {
    const { calls, resolve } = countingResolver()
    const keys = cacheSigningKeys(resolve, { ttlMs: 60_000, maxEntries: 10 })
    expect(await Promise.all([keys('did:plc:a', false), keys('did:plc:a', false)])).toEqual(['key-1', 'key-1'])
    expect(await Promise.all([keys('did:plc:a', true), keys('did:plc:a', true)])).toEqual(['key-2', 'key-2'])
    expect(calls).toHaveLength(2)
  })

  it('does not remember a failed lookup', async () => {
    const { calls, resolve } = countingResolver()
    const keys = cacheSigningKeys(resolve, { ttlMs: 60_000, maxEntries: 10 })
    await expect(keys('did:plc:broken', false)).rejects.toThrow('unreachable')
    await expect(keys('did:plc:broken', false)).rejects.toThrow('unreachable')
    expect(calls).toHaveLength(2)
  })

  it('keeps at most maxEntries DIDs, dropping the least recently used', async () => {
    const { calls, resolve } = countingResolver()
    const keys = cacheSigningKeys(resolve, { ttlMs: 60_000, maxEntries: 2 })
    await keys('did:plc:a', false)
    await keys('did:plc:b', false)
    await keys('did:plc:a', false) // a is now the most recent
    await keys('did:plc:c', false) // pushes b out
    await keys('did:plc:a', false)
    await keys('did:plc:b', false)
    expect(calls.map(([did]) => did)).toEqual(['did:plc:a', 'did:plc:b', 'did:plc:c', 'did:plc:b'])
  })
})
