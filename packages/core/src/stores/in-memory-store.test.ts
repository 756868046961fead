import fc from 'fast-check'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import type { DomainEvent } from '../domain/events.js'
import type { Membership } from '../domain/membership.js'
import { aGroup, aMembership, at } from '../testing/store-conformance/fixtures.js'
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

  // The member order is kept by a search from the end (a join lands last, or among the last millisecond's joins);
  // any order of inserts and removals must still list as a sort would.
  it('lists members in (joinedAt, userId) order whatever the order of joins and leaves', async () => {
    const anInsert = fc.record({ user: fc.integer({ min: 0, max: 59 }), time: fc.integer({ min: 0, max: 4 }) })
    const aStep = fc.oneof(
      { weight: 4, arbitrary: anInsert.map((i) => ({ ...i, leave: false })) },
      { weight: 1, arbitrary: anInsert.map((i) => ({ ...i, leave: true })) },
    )
    await fc.assert(
      fc.asyncProperty(fc.array(aStep, { minLength: 1, maxLength: 120 }), async (steps) => {
        const store = createInMemoryStore()
        const group = aGroup()
        const other = aGroup()
        const members = new Map<string, Membership>()
        await store.transaction((tx) => tx.insertGroup(group).andThen(() => tx.insertGroup(other)))
        for (const step of steps) {
          const userId = `u${step.user}`
          if (step.leave) {
            await store.transaction((tx) => tx.deleteMembership(group.id, userId))
            members.delete(userId)
          } else if (!members.has(userId)) {
            const m = aMembership(group.id, { userId, joinedAt: at(step.time) })
            // Some users are in a second group too, so both shapes of a user's memberships are listed.
            const elsewhere = step.user % 3 === 0 ? aMembership(other.id, { userId, joinedAt: at(step.time) }) : null
            await store.transaction((tx) =>
              tx
                .insertMembership(m, null)
                .andThen(() => (elsewhere ? tx.insertMembership(elsewhere, null) : okAsync('inserted' as const))),
            )
            members.set(userId, m)
          }
        }
        const listed = (await store.transaction((tx) => tx.listMembers(group.id, { after: null, limit: 1000 })))
          ._unsafeUnwrap()
          .map((m) => m.userId)
        const expected = [...members.values()]
          .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime() || (a.userId < b.userId ? -1 : 1))
          .map((m) => m.userId)
        expect(listed).toEqual(expected)
        const found = await store.transaction((tx) =>
          ResultAsync.combine([...members.keys()].map((u) => tx.listMembershipsOfUser(u, { after: null, limit: 10 }))),
        )
        for (const rows of found._unsafeUnwrap()) expect(rows.some((r) => r.groupId === group.id)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })
})
