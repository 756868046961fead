import { describe, expect, it } from 'vitest'
import type { Removal } from '../../domain/removal.js'
import { aLink, aMembership, aRequest, at, uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The `JoinReads` contract: one read that answers what the separate reads would. */
export function joinReadsTests(s: StoreUnderTest): void {
  const { run, withGroup } = s

  describe('join state', () => {
    it('answers exactly what the separate reads answer, by code and by group id', async () => {
      const group = await withGroup({ memberLimit: 9 })
      const link = aLink(group.id, { counters: { uses: 2, pending: 1, refusals: { LinkDisabled: 3 } } })
      await run((tx) => tx.insertLink(link))
      const member = aMembership(group.id, { joinedAt: at(1) })
      await run((tx) => tx.insertMembership(member, null))
      const outsider = uid('u')
      await run((tx) =>
        tx.insertRequest(
          aRequest(group.id, {
            requesterId: outsider,
            status: 'rejected',
            createdAt: at(1),
            decidedAt: at(2),
            decidedBy: 'owner',
          }),
        ),
      )
      const latest = aRequest(group.id, {
        requesterId: outsider,
        createdAt: at(3),
        via: { kind: 'link', code: link.code },
        message: 'again',
      })
      await run((tx) => tx.insertRequest(latest))
      const removal: Removal = {
        groupId: group.id,
        userId: outsider,
        kind: 'banned',
        by: 'owner',
        at: at(4),
        until: at(9),
        reason: 'spam',
      }
      await run((tx) => tx.putRemoval(removal))
      const separately = async (groupId: string, userId: string) => ({
        group: await run((tx) => tx.getGroup(groupId)),
        membership: await run((tx) => tx.getMembership(groupId, userId)),
        latestRequest: await run((tx) => tx.getLatestRequest(groupId, userId)),
        removal: await run((tx) => tx.getRemoval(groupId, userId)),
      })
      for (const userId of [member.userId, outsider, uid('nobody')]) {
        const expected = await separately(group.id, userId)
        expect(await run((tx) => tx.readJoinState({ code: link.code }, userId))).toEqual({
          link,
          ...expected,
          group: { ...group, memberCount: 1 },
        })
        expect(await run((tx) => tx.readJoinState({ groupId: group.id }, userId))).toEqual({
          link: null,
          ...expected,
          group: { ...group, memberCount: 1 },
        })
        // Locking first changes what is held, never what is read.
        for (const target of [{ code: link.code }, { groupId: group.id }]) {
          expect(await run((tx) => tx.readJoinState(target, userId, { lock: true }))).toEqual(
            await run((tx) => tx.readJoinState(target, userId)),
          )
        }
      }
      const none = { link: null, group: null, membership: null, latestRequest: null, removal: null }
      expect(await run((tx) => tx.readJoinState({ code: uid('nope') }, outsider))).toEqual(none)
      expect(await run((tx) => tx.readJoinState({ groupId: uid('nope') }, outsider))).toEqual(none)
      expect(await run((tx) => tx.readJoinState({ code: uid('nope') }, outsider, { lock: true }))).toEqual(none)
    })
  })
}
