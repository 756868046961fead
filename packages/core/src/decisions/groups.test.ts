import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Group, LockStatus } from '../domain/group.js'
import {
  decideCreateGroup,
  decideCreateGroupInvitations,
  decideLock,
  decideUnlock,
  decideUpdateGroup,
} from './groups.js'

const LOCKS: LockStatus[] = ['unlocked', 'locked', 'locked-permanently']
const group = (lockStatus: LockStatus): Group => ({
  id: 'g',
  name: 'Old',
  description: '',
  ownerId: 'owner',
  createdAt: new Date(0),
  memberLimit: null,
  memberCount: 1,
  lockStatus,
  admission: 'approval',
  visibility: 'public',
  approvers: 'owner',
  allowMultipleLinks: false,
})

describe('group decisions', () => {
  it('make a group only if the owner and the initial members fit (CREATE_GROUP_RULES)', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }), fc.nat({ max: 6 }), (limit, n) => {
        const r = decideCreateGroup(limit, n)
        expect(r.isOk()).toBe(limit === null || n + 1 <= limit)
      }),
    )
  })

  it('invite, each once, the invited users not added already, unless the group is born locked (CREATE_GROUP_RULES)', () => {
    const user = fc.constantFrom('owner', 'a', 'b', 'c', 'd')
    fc.assert(
      fc.property(fc.array(user), fc.array(user), fc.constantFrom(...LOCKS), (added, invite, lock) => {
        const r = decideCreateGroupInvitations(added, invite, lock)
        const expected = [...new Set(invite)].filter((u) => !added.includes(u))
        if (expected.length > 0 && lock !== 'unlocked') {
          expect(r.isErr() && r.error.code).toBe('GroupLocked')
        } else {
          expect(r._unsafeUnwrap()).toEqual(expected)
        }
      }),
    )
  })

  it('lock and unlock: a permanent lock stays, the same state is no change (LOCK/UNLOCK_GROUP_RULES)', () => {
    for (const current of LOCKS) {
      expect(decideLock(current, 'locked')).toBe(current === 'unlocked' ? 'locked' : null)
      expect(decideLock(current, 'locked-permanently')).toBe(
        current === 'locked-permanently' ? null : 'locked-permanently',
      )
      const u = decideUnlock(current)
      expect(u.isOk() ? u.value : u.error.code).toBe(
        current === 'unlocked' ? null : current === 'locked' ? 'unlocked' : 'GroupLocked',
      )
    }
  })

  it('update settings and lock in one step by the first rule that applies (UPDATE_GROUP_RULES)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LOCKS),
        fc.option(fc.constantFrom(...LOCKS), { nil: undefined }),
        fc.record({ name: fc.constantFrom('Old', 'New'), memberLimit: fc.constantFrom(null, 3) }, { requiredKeys: [] }),
        (current, wanted, settings) => {
          const r = decideUpdateGroup(group(current), settings, wanted)
          const given = Object.values(settings).some((v) => v !== undefined)
          const expected =
            wanted === 'unlocked' && current === 'locked-permanently'
              ? 'GroupLocked'
              : given && current !== 'unlocked' && wanted !== 'unlocked'
                ? 'GroupLocked'
                : 'ok'
          expect(r.isOk() ? 'ok' : r.error.code).toBe(expected)
          if (r.isOk()) {
            const g = group(current)
            const changed = (Object.keys(settings) as (keyof typeof settings)[]).filter((k) => settings[k] !== g[k])
            expect([...r.value.fields].sort()).toEqual(changed.sort())
            const lock =
              wanted === undefined
                ? null
                : wanted === 'unlocked'
                  ? decideUnlock(current)._unsafeUnwrap()
                  : decideLock(current, wanted)
            expect(r.value.lock).toBe(lock)
            expect(r.value.change.lockStatus).toBe(lock ?? undefined)
          }
        },
      ),
    )
  })
})
