import { describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../domain/events.js'
import { anEvent, t0, uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The `Outbox` contract: events appended with the transaction. */
export function outboxTests(s: StoreUnderTest): void {
  const { run, withGroup } = s

  describe('events', () => {
    it('appends events within a transaction', async () => {
      const group = await withGroup()
      const events: DomainEvent[] = [anEvent(group.id), { type: 'GroupDeleted', groupId: group.id, actor: 'o', at: t0 }]
      const value = await run((tx) =>
        tx
          .appendEvents(events)
          .andThen(() => tx.appendEvents([]))
          .andThen(() => tx.getGroup(group.id)),
      )
      expect(value).toEqual(group)
    })

    it('records events about a group that no longer exists, or never did', async () => {
      const group = await withGroup()
      const deleted: DomainEvent = { type: 'GroupDeleted', groupId: group.id, actor: 'o', at: t0 }
      await run((tx) => tx.deleteGroup(group.id).andThen(() => tx.appendEvents([deleted])))
      await run((tx) => tx.appendEvents([anEvent(uid('never'))]))
    })
  })
}
