import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import type { DomainEvent } from '../domain/events.js'
import { describeStoreConformance } from '../testing/store-conformance/index.js'
import { createInMemoryStore } from './in-memory-store.js'

describeStoreConformance('in-memory store', { create: () => createInMemoryStore() })

const t0 = new Date('2026-01-01T00:00:00.000Z')

/** An event told apart by its group id. */
function anEvent(label: string): DomainEvent {
  return { type: 'GroupDeleted', groupId: label, actor: 'a', at: t0 }
}

describe(createInMemoryStore, () => {
  it('keeps the events of committed transactions only, in order', async () => {
    const store = createInMemoryStore()
    await store.transaction((tx) => tx.appendEvents([anEvent('1'), anEvent('2')]))
    await store.transaction((tx) => tx.appendEvents([anEvent('returned err')]).andThen(() => errAsync('no')))
    await store.transaction((tx) =>
      tx.appendEvents([anEvent('threw')]).map(() => {
        throw new Error('fail after append')
      }),
    )
    await store.transaction((tx) => tx.appendEvents([anEvent('3')]).andThen(() => tx.appendEvents([anEvent('4')])))
    await store.transaction(() => okAsync('nothing to record'))
    expect(store.recentEvents().map((e) => e.groupId)).toEqual(['1', '2', '3', '4'])
  })

  it('keeps only the newest eventLogLimit events', async () => {
    const store = createInMemoryStore({ eventLogLimit: 3 })
    await store.transaction((tx) => tx.appendEvents([anEvent('1'), anEvent('2')]))
    expect(store.recentEvents().map((e) => e.groupId)).toEqual(['1', '2'])
    await store.transaction((tx) => tx.appendEvents([anEvent('3'), anEvent('4')]))
    expect(store.recentEvents().map((e) => e.groupId)).toEqual(['2', '3', '4'])
    await store.transaction((tx) => tx.appendEvents([anEvent('5'), anEvent('6'), anEvent('7'), anEvent('8')]))
    expect(store.recentEvents().map((e) => e.groupId)).toEqual(['6', '7', '8'])
  })
})
