import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Group } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership, Role } from '../domain/membership.js'
import type { Removal } from '../domain/removal.js'
import {
  decideAddMembers,
  decideBan,
  decideChangeRole,
  decideChangeRoles,
  decideInviteMembers,
  decideLeave,
  decideRemoveMembers,
  decideTransfer,
  type Standing,
} from './members.js'

const now = new Date('2026-06-01T00:00:00Z')
const USERS = ['owner', 'mod', 'ann', 'bob', 'cat'] as const

const aGroup: fc.Arbitrary<Group> = fc
  .record({
    lockStatus: fc.constantFrom('unlocked', 'unlocked', 'locked', 'locked-permanently'),
    memberLimit: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
    memberCount: fc.integer({ min: 1, max: 5 }),
  })
  .map((g) => ({
    id: 'g',
    name: 'G',
    description: '',
    ownerId: 'owner',
    createdAt: now,
    admission: 'approval',
    visibility: 'public',
    approvers: 'owner-and-moderators',
    allowMultipleLinks: false,
    ...g,
  }))

const membership = (userId: string, role: Role): Membership => ({
  groupId: 'g',
  userId,
  role,
  joinedAt: now,
  source: { kind: 'added' },
  addedBy: null,
})

/** A user's standing; the owner is always the owner, the others member, moderator or outsider. */
const aStanding = (userId: string): fc.Arbitrary<Standing> =>
  fc
    .record({
      role:
        userId === 'owner'
          ? fc.constant<Role | null>('owner')
          : fc.constantFrom<Role | null>(null, 'member', 'moderator'),
      removal: fc.constantFrom<'none' | 'kick' | 'ban' | 'lapsed-ban'>('none', 'kick', 'ban', 'lapsed-ban'),
      pending: fc.boolean(),
    })
    .map(({ role, removal, pending }) => {
      const member = role !== null
      const r: Removal | null =
        member || removal === 'none'
          ? null
          : {
              groupId: 'g',
              userId,
              kind: removal === 'kick' ? 'kicked' : 'banned',
              by: 'owner',
              at: now,
              until: removal === 'lapsed-ban' ? new Date(now.getTime() - 1) : null,
              reason: null,
            }
      const request: JoinRequest | null =
        !member && pending
          ? {
              id: `r-${userId}`,
              groupId: 'g',
              requesterId: userId,
              via: { kind: 'direct' },
              message: null,
              status: 'pending',
              createdAt: now,
              decidedAt: null,
              decidedBy: null,
              rejectionReason: null,
              read: false,
            }
          : null
      return { userId, membership: role ? membership(userId, role) : null, removal: r, pending: request }
    })

const someStandings = fc
  .uniqueArray(fc.constantFrom(...USERS), { minLength: 1, maxLength: 4 })
  .chain((ids) => fc.tuple(...ids.map(aStanding)))

const bannedNow = (s: Standing) => s.removal?.kind === 'banned' && s.removal.until === null
const actorOf = fc.constantFrom(membership('owner', 'owner'), membership('mod', 'moderator'))

describe('member decisions', () => {
  it('add all or nobody: locked, then banned, then the limit, in ADD_MEMBERS_RULES order', () => {
    fc.assert(
      fc.property(aGroup, someStandings, (group, users) => {
        const r = decideAddMembers(group, users, now)
        const fresh = users.filter((u) => !u.membership).length
        const expected =
          group.lockStatus !== 'unlocked'
            ? 'GroupLocked'
            : users.some(bannedNow)
              ? 'UserBanned'
              : fresh > 0 && group.memberLimit !== null && group.memberCount + fresh > group.memberLimit
                ? 'MemberLimitReached'
                : 'ok'
        expect(r.isOk() ? 'ok' : r.error.code).toBe(expected)
        if (r.isOk()) {
          expect(r.value.add.map((u) => u.userId)).toEqual(users.filter((u) => !u.membership).map((u) => u.userId))
          expect(r.value.alreadyMembers).toEqual(users.filter((u) => u.membership).map((u) => u.userId))
        }
      }),
    )
  })

  it('invite all or nobody, leaving members and pending users as they are (INVITE_MEMBERS_RULES)', () => {
    fc.assert(
      fc.property(aGroup, someStandings, (group, users) => {
        const r = decideInviteMembers(group, users, now)
        const expected = group.lockStatus !== 'unlocked' ? 'GroupLocked' : users.some(bannedNow) ? 'UserBanned' : 'ok'
        expect(r.isOk() ? 'ok' : r.error.code).toBe(expected)
        if (r.isOk()) {
          const all = [...r.value.invite.map((u) => u.userId), ...r.value.alreadyMembers, ...r.value.alreadyPending]
          expect(all.sort()).toEqual(users.map((u) => u.userId).sort())
          for (const u of r.value.invite) expect(u.membership === null && u.pending === null).toBe(true)
        }
      }),
    )
  })

  it('remove nobody who may not be acted on, and keep a ban in force rather than a kick (REMOVE_MEMBERS_RULES)', () => {
    fc.assert(
      fc.property(
        aGroup,
        actorOf,
        someStandings,
        fc.boolean(),
        fc.boolean(),
        (group, actor, users, skipOwner, blockRejoin) => {
          const r = decideRemoveMembers(group, actor, users, { skipOwner, blockRejoin }, now)
          const targets = users.filter((u) => !(skipOwner && u.userId === 'owner'))
          const expected = targets.some((u) => u.userId === 'owner')
            ? 'TargetIsOwner'
            : targets.some((u) => u.membership?.role === 'moderator') && actor.role !== 'owner'
              ? 'InsufficientRole'
              : 'ok'
          expect(r.isOk() ? 'ok' : r.error.code).toBe(expected)
          if (r.isOk()) {
            expect(r.value.skippedOwner).toBe(skipOwner && users.some((u) => u.userId === 'owner') ? 'owner' : null)
            expect(r.value.remove.every((u) => u.membership !== null)).toBe(true)
            expect(r.value.kick).toEqual(blockRejoin ? r.value.remove.map((u) => u.userId) : [])
          }
        },
      ),
    )
  })

  it('ban anyone but the owner; moderators only by the owner (BAN_RULES)', () => {
    fc.assert(
      fc.property(aGroup, actorOf, fc.constantFrom(...USERS).chain(aStanding), (group, actor, target) => {
        const r = decideBan(group, actor, target)
        const expected =
          target.userId === 'owner'
            ? 'TargetIsOwner'
            : target.membership?.role === 'moderator' && actor.role !== 'owner'
              ? 'InsufficientRole'
              : 'ok'
        expect(r.isOk() ? 'ok' : r.error.code).toBe(expected)
      }),
    )
  })

  it('let members but the owner leave (LEAVE_RULES)', () => {
    fc.assert(
      fc.property(fc.constantFrom<Role | null>(null, 'member', 'moderator', 'owner'), (role) => {
        const r = decideLeave(role ? membership('x', role) : null)
        expect(r.isOk() ? 'ok' : r.error.code).toBe(
          role === null ? 'NotAMember' : role === 'owner' ? 'OwnerCannotLeave' : 'ok',
        )
      }),
    )
  })

  it('change roles of members but the owner; many at once skip what one at a time refuses (CHANGE_ROLE(S)_RULES)', () => {
    fc.assert(
      fc.property(aGroup, someStandings, fc.constantFrom('member', 'moderator'), (group, users, role) => {
        const many = decideChangeRoles(group, users, role)
        const one = users.map((u) => decideChangeRole(group, u, role))
        expect(many.members).toEqual(one.flatMap((r) => (r.isOk() ? [r.value] : [])))
        expect(many.notMembers).toEqual(
          users.filter((u, i) => one[i]?.isErr() && u.userId !== 'owner').map((u) => u.userId),
        )
        expect(many.skippedOwner).toBe(users.some((u) => u.userId === 'owner') ? 'owner' : null)
        for (const [i, u] of users.entries()) {
          const r = one[i]
          const expected =
            u.userId === 'owner'
              ? 'TargetIsOwner'
              : !u.membership
                ? 'NotAMember'
                : u.membership.role === role
                  ? 'ok:unchanged'
                  : 'ok:change'
          expect(r?.isOk() ? `ok:${r.value.kind}` : r?._unsafeUnwrapErr().code).toBe(expected)
        }
      }),
    )
  })

  it('with onlyNewcomers, skip pending and banned users instead of approving or refusing (ADD_MEMBERS_RULES)', () => {
    fc.assert(
      fc.property(aGroup, someStandings, (group, users) => {
        const r = decideAddMembers(group, users, now, { onlyNewcomers: true })
        const skipped = users.filter((u) => !u.membership && (u.pending !== null || bannedNow(u)))
        const fresh = users.filter((u) => !u.membership && !skipped.includes(u))
        const expected =
          group.lockStatus !== 'unlocked'
            ? 'GroupLocked'
            : fresh.length > 0 && group.memberLimit !== null && group.memberCount + fresh.length > group.memberLimit
              ? 'MemberLimitReached'
              : 'ok'
        expect(r.isOk() ? 'ok' : r.error.code).toBe(expected)
        if (r.isOk()) {
          expect(r.value.add.map((u) => u.userId)).toEqual(fresh.map((u) => u.userId))
          expect(r.value.skipped).toEqual(skipped.map((u) => u.userId))
        }
      }),
    )
  })

  it('with rejectPending, reject the pending request of each named non-member (REMOVE_MEMBERS_RULES)', () => {
    fc.assert(
      fc.property(aGroup, someStandings, (group, users) => {
        const options = { skipOwner: true, blockRejoin: false, rejectPending: true }
        const r = decideRemoveMembers(group, 'administrator', users, options, now)
        // An administrator acts as the owner: no moderator refuses the call.
        expect(r.isOk()).toBe(true)
        const value = r._unsafeUnwrap()
        expect(value.reject.map((u) => u.userId)).toEqual(
          users.filter((u) => u.userId !== 'owner' && !u.membership && u.pending).map((u) => u.userId),
        )
        expect(value.remove.map((u) => u.userId)).toEqual(
          users.filter((u) => u.userId !== 'owner' && u.membership).map((u) => u.userId),
        )
      }),
    )
  })

  it('admit a non-member as the owner only when asked, and not a banned one or past the limit (TRANSFER_RULES)', () => {
    fc.assert(
      fc.property(aGroup, fc.constantFrom(...USERS).chain(aStanding), (group, to) => {
        const r = decideTransfer(group, to, { admitNonMember: true }, now)
        const expected =
          to.userId === 'owner'
            ? 'unchanged'
            : to.membership
              ? 'transfer'
              : bannedNow(to)
                ? 'UserBanned'
                : group.memberLimit !== null && group.memberCount + 1 > group.memberLimit
                  ? 'MemberLimitReached'
                  : 'admit'
        expect(r.isOk() ? r.value : r.error.code).toBe(expected)
      }),
    )
  })

  it('hand the group only to a member (TRANSFER_RULES)', () => {
    fc.assert(
      fc.property(aGroup, fc.constantFrom(...USERS).chain(aStanding), (group, to) => {
        const r = decideTransfer(group, to)
        const expected = to.userId === 'owner' ? 'unchanged' : to.membership ? 'transfer' : 'NotAMember'
        expect(r.isOk() ? r.value : r.error.code).toBe(expected)
      }),
    )
  })
})
