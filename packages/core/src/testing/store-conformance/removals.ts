import { describe, expect, it } from 'vitest'
import { aRemoval, at, uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The `RemovalRows` contract: one kick or ban per user and group. */
export function removalRowsTests(s: StoreUnderTest): void {
  const { run, refused, withGroup } = s

  describe('removals', () => {
    it('puts, replaces, reads and deletes the removal of one user in one group', async () => {
      const [group, other] = [await withGroup(), await withGroup()]
      const [user, bystander] = [uid('u'), uid('u')]
      const kick = aRemoval(group.id, user, { reason: 'noise' })
      await run((tx) => tx.putRemoval(kick))
      expect(await run((tx) => tx.getRemoval(group.id, user))).toEqual(kick)
      const ban = aRemoval(group.id, user, { kind: 'banned', by: 'mod', at: at(5), until: at(10), reason: 'spam' })
      await run((tx) => tx.putRemoval(ban))
      expect(await run((tx) => tx.getRemoval(group.id, user))).toEqual(ban)
      const elsewhere = aRemoval(other.id, user)
      const another = aRemoval(group.id, bystander)
      await run((tx) => tx.putRemoval(elsewhere).andThen(() => tx.putRemoval(another)))

      expect(await run((tx) => tx.deleteRemoval(group.id, user))).toBe(true)
      expect(await run((tx) => tx.getRemoval(group.id, user))).toBeNull()
      expect(await run((tx) => tx.deleteRemoval(group.id, user))).toBe(false)
      expect(await run((tx) => tx.getRemoval(other.id, user))).toEqual(elsewhere)
      expect(await run((tx) => tx.getRemoval(group.id, bystander))).toEqual(another)
      expect(await run((tx) => tx.getRemoval(group.id, uid('nobody')))).toBeNull()
    })

    it('refuses a removal from a missing group, storing nothing, and deletes none there', async () => {
      const removal = aRemoval(uid('missing'), uid('u'))
      await refused((tx) => tx.putRemoval(removal))
      expect(await run((tx) => tx.getRemoval(removal.groupId, removal.userId))).toBeNull()
      expect(await run((tx) => tx.deleteRemoval(removal.groupId, removal.userId))).toBe(false)
    })
  })
}
