import { describe, expect, it } from 'vitest'
import type { JoinLink } from '../../domain/join-link.js'
import { aLink, at, t0, uid } from './fixtures.js'
import type { StoreUnderTest } from './store-under-test.js'

/** The `LinkRows` contract: join links and their counters. */
export function linkRowsTests(s: StoreUnderTest): void {
  const { run, refused, withGroup } = s

  describe('join links', () => {
    it('inserts, reads and updates a link with every field', async () => {
      const group = await withGroup()
      const link = aLink(group.id, {
        joinRule: 'followed-by-owner',
        requireApproval: true,
        createdAt: at(2),
        expiresAt: at(5),
        maxUses: 3,
        name: 'Flyer',
      })
      await run((tx) => tx.insertLink(link))
      expect(await run((tx) => tx.getLink(link.code))).toEqual(link)
      await run((tx) => tx.countOnLink(link.code, { uses: 2, pending: 1, refusal: 'LinkDisabled' }))
      const changed: JoinLink = {
        ...link,
        enabled: false,
        requireApproval: false,
        name: null,
        expiresAt: null,
        maxUses: null,
        counters: { uses: 2, pending: 1, refusals: { LinkDisabled: 1 } },
      }
      await run((tx) =>
        tx.updateLink(link.code, {
          enabled: false,
          requireApproval: false,
          name: null,
          expiresAt: null,
          maxUses: null,
        }),
      )
      // The settings changed; the counters kept what the joins counted.
      expect(await run((tx) => tx.getLink(link.code))).toEqual(changed)
      expect(
        (await s.store.transaction((tx) => tx.updateLink(uid('none'), { enabled: true })))._unsafeUnwrapErr().code,
      ).toBe('StorageError')
      expect(await run((tx) => tx.getLink(uid('none')))).toBeNull()
    })

    it("lists a group's links newest first", async () => {
      const [group, other] = [await withGroup(), await withGroup()]
      const links = [1, 3, 0, 2].map((ms) => aLink(group.id, { createdAt: at(ms) }))
      for (const link of links) await run((tx) => tx.insertLink(link))
      await run((tx) => tx.insertLink(aLink(other.id, { createdAt: at(9) })))
      const listed = await run((tx) => tx.listLinks(group.id))
      expect(listed.map((l) => l.createdAt.getTime() - t0.getTime())).toEqual([3, 2, 1, 0])
      expect(listed.map((l) => l.code).sort()).toEqual(links.map((l) => l.code).sort())
      expect(await run((tx) => tx.listLinks(uid('no-group')))).toEqual([])
    })

    it('refuses a duplicate code, even in another group, and keeps the first link', async () => {
      const [group, other] = [await withGroup(), await withGroup()]
      const link = aLink(group.id)
      await run((tx) => tx.insertLink(link))
      await refused((tx) => tx.insertLink({ ...link, name: 'copy' }))
      await refused((tx) => tx.insertLink({ ...link, groupId: other.id }))
      expect(await run((tx) => tx.getLink(link.code))).toEqual(link)
      expect(await run((tx) => tx.listLinks(other.id))).toEqual([])
    })

    it('refuses a link whose group does not exist, storing nothing', async () => {
      const missing = uid('missing')
      const link = aLink(missing)
      await refused((tx) => tx.insertLink(link))
      expect(await run((tx) => tx.getLink(link.code))).toBeNull()
      expect(await run((tx) => tx.lockGroup({ code: link.code }))).toBeNull()
      // A group made later with that id does not find the refused link among its own.
      await withGroup({ id: missing })
      expect(await run((tx) => tx.listLinks(missing))).toEqual([])
      expect(await run((tx) => tx.getLink(link.code))).toBeNull()
    })

    it('refuses to update a missing link even with an empty change', async () => {
      await refused((tx) => tx.updateLink(uid('none'), {}))
      expect(await run((tx) => tx.getLink(uid('none')))).toBeNull()
    })
  })

  describe('link counters', () => {
    it('adds uses, pending (never below zero) and refusals, and ignores a missing link', async () => {
      const group = await withGroup()
      const link = aLink(group.id)
      await run((tx) => tx.insertLink(link))
      await run((tx) => tx.countOnLink(link.code, { uses: 1, pending: 2 }))
      await run((tx) => tx.countOnLink(link.code, { pending: -5, refusal: 'LinkDisabled' }))
      await run((tx) => tx.countOnLink(link.code, { refusal: 'LinkDisabled' }))
      await run((tx) => tx.countOnLink(uid('missing'), { uses: 1 }))
      expect((await run((tx) => tx.getLink(link.code)))?.counters).toEqual({
        uses: 1,
        pending: 0,
        refusals: { LinkDisabled: 2 },
      })
    })
  })
}
