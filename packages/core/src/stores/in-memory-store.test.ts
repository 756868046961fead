import { describe, expect, it } from 'vitest'
import type { DomainEvent } from '../domain/events.js'
import { describeStoreConformance } from '../testing/store-conformance.js'
import { createInMemoryStore } from './in-memory-store.js'

describeStoreConformance('in-memory store', { create: () => createInMemoryStore() })

const event = (groupId: string): DomainEvent => ({ type: 'GroupDeleted', groupId, actor: 'a', at: new Date(0) })

describe(createInMemoryStore, () => {
  it('keeps only committed events, in order, up to eventLogLimit', async () => {
    const store = createInMemoryStore({ eventLogLimit: 3 })
    for (const id of ['1', '2']) await store.transaction((t) => t.appendEvents([event(id)]))
    await store.transaction((t) =>
      t.appendEvents([event('rolled back')]).map(() => {
        throw new Error('fail after append')
      }),
    )
    for (const id of ['3', '4']) await store.transaction((t) => t.appendEvents([event(id)]))
    expect(store.recentEvents().map((e) => e.groupId)).toEqual(['2', '3', '4'])
  })
})
