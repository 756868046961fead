import { errAsync } from 'neverthrow'
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

    it("reads a group's events back in order, each with a seq greater than the ones before", async () => {
      const [group, other] = [await withGroup(), await withGroup()]
      const banned: DomainEvent = {
        type: 'UserBanned',
        groupId: group.id,
        actor: 'o',
        at: t0,
        subject: 'u',
        until: new Date(t0.getTime() + 1000),
        reason: null,
      }
      const first: DomainEvent[] = [anEvent(group.id), anEvent(other.id), banned]
      await run((tx) => tx.appendEvents(first))
      const later: DomainEvent = { type: 'MemberLeft', groupId: group.id, actor: 'x', at: t0 }
      await run((tx) => tx.appendEvents([later]))
      const all = await run((tx) => tx.readGroupEvents(group.id, null, 10))
      expect(all.map((e) => e.event)).toEqual([anEvent(group.id), banned, later])
      const seqs = all.map((e) => e.seq)
      expect(seqs.every((seq, i) => Number.isInteger(seq) && seq > 0 && (i === 0 || seq > (seqs[i - 1] ?? 0)))).toBe(
        true,
      )
      expect((await run((tx) => tx.readGroupEvents(group.id, seqs[0] ?? 0, 1))).map((e) => e.event)).toEqual([banned])
      expect(await run((tx) => tx.readGroupEvents(group.id, seqs[2] ?? 0, 10))).toEqual([])
      expect(await run((tx) => tx.lastGroupEventSeq(group.id))).toBe(seqs[2])
      expect(await run((tx) => tx.readGroupEvents(uid('none'), null, 10))).toEqual([])
      expect(await run((tx) => tx.lastGroupEventSeq(uid('none')))).toBeNull()
    })

    it('reads the events naming a user as actor or subject, of every group, in order', async () => {
      const [group, other] = [await withGroup(), await withGroup()]
      const user = uid('user')
      const joined: DomainEvent = {
        type: 'MemberJoined',
        groupId: group.id,
        actor: user,
        at: t0,
        subject: user,
        code: null,
        requestId: null,
      }
      const kicked: DomainEvent = {
        type: 'MemberKicked',
        groupId: other.id,
        actor: 'o',
        at: t0,
        subject: user,
        reason: null,
      }
      const left: DomainEvent = { type: 'MemberLeft', groupId: group.id, actor: user, at: t0 }
      const elsewhere: DomainEvent = { type: 'MemberLeft', groupId: other.id, actor: uid('someone'), at: t0 }
      await run((tx) => tx.appendEvents([joined, anEvent(group.id), elsewhere]))
      await run((tx) => tx.appendEvents([kicked, left]))
      const all = await run((tx) => tx.readUserEvents(user, null, 10))
      expect(all.map((e) => e.event)).toEqual([joined, kicked, left])
      const seqs = all.map((e) => e.seq)
      expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? 0))).toBe(true)
      expect((await run((tx) => tx.readUserEvents(user, seqs[0] ?? 0, 1))).map((e) => e.event)).toEqual([kicked])
      expect(await run((tx) => tx.readUserEvents(user, seqs[2] ?? 0, 10))).toEqual([])
      expect(await run((tx) => tx.readUserEvents(uid('nobody'), null, 10))).toEqual([])
      const seen = await run((tx) =>
        tx
          .appendEvents([{ type: 'MemberLeft', groupId: other.id, actor: user, at: t0 }])
          .andThen(() => tx.readUserEvents(user, seqs[2] ?? 0, 10)),
      )
      expect(seen.map((e) => e.event.groupId)).toEqual([other.id])
    })

    it('shows a transaction its own events, and keeps none of a failed one', async () => {
      const group = await withGroup()
      const seen = await run((tx) =>
        tx.appendEvents([anEvent(group.id)]).andThen(() => tx.readGroupEvents(group.id, null, 10)),
      )
      expect(seen.map((e) => e.event)).toEqual([anEvent(group.id)])
      const failed = await s.store.transaction((tx) =>
        tx.appendEvents([anEvent(group.id)]).andThen(() => errAsync({ code: 'Nope' as const })),
      )
      expect(failed.isErr()).toBe(true)
      const kept = await run((tx) => tx.readGroupEvents(group.id, null, 10))
      expect(kept).toEqual(seen)
      expect(await run((tx) => tx.lastGroupEventSeq(group.id))).toBe(seen[0]?.seq)
    })
  })
}
