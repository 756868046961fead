import { describe, expect, it } from 'vitest'
import { createJoinery } from '../../joinery.js'
import { uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The caps of `createJoinery` on this store: each refuses exactly at its boundary, counting what the store holds. */
export function capsTests(s: StoreUnderTest): void {
  describe('caps, through the core', () => {
    const joineryWith = (caps: Parameters<typeof createJoinery>[0]['caps']) => createJoinery({ store: s.store, caps })

    it('groups per user: the third group of a user capped at 2 is refused, and other users are not', async () => {
      const joinery = joineryWith({ groupsPerUser: 2 })
      const owner = uid('owner')
      for (const name of ['One', 'Two']) (await joinery.createGroup({ actor: owner, name }))._unsafeUnwrap()
      expect((await joinery.createGroup({ actor: owner, name: 'Three' }))._unsafeUnwrapErr()).toEqual({
        code: 'GroupsPerUserLimitReached',
        limit: 2,
      })
      expect((await joinery.createGroup({ actor: uid('other'), name: 'Theirs' })).isOk()).toBe(true)
      // An administrator making a group for the user counts against the user's cap, not the administrator's.
      const forOwner = { actor: uid('admin'), asAdministrator: true, ownerId: owner, name: 'Given' }
      expect((await joinery.createGroup(forOwner))._unsafeUnwrapErr().code).toBe('GroupsPerUserLimitReached')
    })

    it('links per group: the third link of a group capped at 2 is refused, disabled links counting', async () => {
      const joinery = joineryWith({ linksPerGroup: 2 })
      const owner = uid('owner')
      const group = (await joinery.createGroup({ actor: owner, name: 'G', allowMultipleLinks: true }))._unsafeUnwrap()
      const first = (await joinery.createJoinLink({ actor: owner, groupId: group.id }))._unsafeUnwrap()
      ;(await joinery.disableJoinLink({ actor: owner, groupId: group.id, code: first.code }))._unsafeUnwrap()
      ;(await joinery.createJoinLink({ actor: owner, groupId: group.id }))._unsafeUnwrap()
      expect((await joinery.createJoinLink({ actor: owner, groupId: group.id }))._unsafeUnwrapErr()).toEqual({
        code: 'LinksPerGroupLimitReached',
        limit: 2,
      })
    })

    it('pending requests per group: the third request to a group capped at 2 is refused; a join without one is not', async () => {
      const joinery = joineryWith({ pendingRequestsPerGroup: 2 })
      const owner = uid('owner')
      const group = (await joinery.createGroup({ actor: owner, name: 'G', admission: 'approval' }))._unsafeUnwrap()
      for (const actor of [uid('a'), uid('b')])
        expect((await joinery.requestJoin({ actor, groupId: group.id }))._unsafeUnwrap().status).toBe('pending')
      expect((await joinery.requestJoin({ actor: uid('c'), groupId: group.id }))._unsafeUnwrapErr()).toEqual({
        code: 'PendingRequestLimitReached',
        limit: 2,
      })
      const open = (await joinery.createGroup({ actor: owner, name: 'Open', admission: 'open' }))._unsafeUnwrap()
      await joinery.requestJoin({ actor: uid('a'), groupId: open.id })
      await joinery.requestJoin({ actor: uid('b'), groupId: open.id })
      expect((await joinery.requestJoin({ actor: uid('c'), groupId: open.id }))._unsafeUnwrap().status).toBe('joined')
    })
  })
}
