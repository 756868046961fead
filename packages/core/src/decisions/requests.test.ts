import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Group } from '../domain/group.js'
import type { JoinRequest, JoinRequestStatus } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import type { Removal } from '../domain/removal.js'
import { ACCESS_RULES, decideAccess } from './access.js'
import { APPROVE_RULES, decideApprove, decideReject, decideWithdraw, REJECT_RULES, WITHDRAW_RULES } from './requests.js'

// Each rule list is checked against an independent statement of its rules, one predicate per rule in the documented
// order: on any snapshot, the decision must answer what the first rule that applies says.

const now = new Date('2026-06-01T00:00:00Z')
const STATUSES: JoinRequestStatus[] = ['pending', 'approved', 'rejected', 'withdrawn', 'expired']

const aGroup: fc.Arbitrary<Group> = fc
  .record({
    lockStatus: fc.constantFrom('unlocked', 'unlocked', 'locked', 'locked-permanently'),
    memberLimit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    memberCount: fc.integer({ min: 1, max: 6 }),
    visibility: fc.constantFrom('public', 'hidden'),
    approvers: fc.constantFrom('owner', 'owner-and-moderators'),
  })
  .map((g) => ({
    id: 'g',
    name: 'G',
    description: '',
    ownerId: 'owner',
    createdAt: now,
    admission: 'approval',
    allowMultipleLinks: false,
    ...g,
  }))

const aMembership = (userId: string): fc.Arbitrary<Membership | null> =>
  fc.option(
    fc.constantFrom('owner', 'moderator', 'member').map((role) => ({
      groupId: 'g',
      userId,
      role,
      joinedAt: now,
      source: { kind: 'added' },
      addedBy: null,
    })),
    { nil: null },
  )

const aRequest: fc.Arbitrary<JoinRequest | null> = fc.option(
  fc
    .record({
      status: fc.constantFrom(...STATUSES),
      via: fc.constantFrom<JoinRequest['via']>(
        { kind: 'direct' },
        { kind: 'link', code: 'c' },
        { kind: 'invitation', invitedBy: 'owner' },
      ),
    })
    .map(({ status, via }) => ({
      id: 'r',
      groupId: 'g',
      requesterId: 'bob',
      via,
      message: null,
      status,
      createdAt: now,
      decidedAt: null,
      decidedBy: null,
      rejectionReason: null,
      read: false,
    })),
  { nil: null },
)

const aRemoval: fc.Arbitrary<Removal | null> = fc.option(
  fc
    .record({
      kind: fc.constantFrom('kicked', 'banned'),
      until: fc.constantFrom(null, new Date(now.getTime() - 1), new Date(now.getTime() + 1)),
    })
    .map(({ kind, until }) => ({ groupId: 'g', userId: 'bob', kind, by: 'owner', at: now, until, reason: null })),
  { nil: null },
)

/** The code the first applying rule gives, `ok:<kind>` for a success. */
function firstRule<S>(rules: readonly [string, (s: S) => string | null][], s: S): string {
  for (const [, answer] of rules) {
    const a = answer(s)
    if (a !== null) return a
  }
  throw new Error('no rule applied: the last rule must always apply')
}

const answerOf = (r: { isOk(): boolean; value?: { kind: string }; error?: { code: string } }) =>
  r.isOk() ? `ok:${(r as { value: { kind: string } }).value.kind}` : (r as { error: { code: string } }).error.code

describe('decideAccess', () => {
  type S = { group: Group | null; actor: Membership | null; authority: 'owner' | 'approver' | 'member' }
  const rules: [string, (s: S) => string | null][] = [
    [ACCESS_RULES[0], (s) => (!s.group || (s.group.visibility === 'hidden' && !s.actor) ? 'GroupNotFound' : null)],
    [
      ACCESS_RULES[1],
      (s) => {
        const role = s.actor?.role
        const ok =
          s.authority === 'owner'
            ? role === 'owner'
            : s.authority === 'member'
              ? role !== undefined
              : role === 'owner' || (role === 'moderator' && s.group?.approvers === 'owner-and-moderators')
        return ok ? 'ok' : 'InsufficientRole'
      },
    ],
  ]
  it('answers by the first rule that applies, in ACCESS_RULES order', () => {
    expect(rules.map(([r]) => r)).toEqual([...ACCESS_RULES])
    fc.assert(
      fc.property(
        fc.option(aGroup, { nil: null }),
        aMembership('actor'),
        fc.constantFrom('owner', 'approver', 'member'),
        (group, actor, authority) => {
          const r = decideAccess(group, actor, authority)
          expect(r.isOk() ? 'ok' : r._unsafeUnwrapErr().code).toBe(firstRule(rules, { group, actor, authority }))
        },
      ),
    )
  })
})

describe('decideApprove', () => {
  type S = Parameters<typeof decideApprove>[0]
  const active = (s: S) => s.removal !== null && (s.removal.until === null || s.removal.until > s.now)
  const rules: [string, (s: S) => string | null][] = [
    [APPROVE_RULES[2], (s) => (!s.request || s.request.via.kind === 'invitation' ? 'RequestNotFound' : null)],
    [APPROVE_RULES[3], (s) => (s.request?.status === 'approved' ? 'ok:unchanged' : null)],
    [APPROVE_RULES[4], (s) => (s.request?.status !== 'pending' ? 'RequestAlreadyDecided' : null)],
    [APPROVE_RULES[5], (s) => (s.group.lockStatus !== 'unlocked' ? 'GroupLocked' : null)],
    [APPROVE_RULES[6], (s) => (active(s) ? (s.removal?.kind === 'banned' ? 'UserBanned' : 'UserKicked') : null)],
    [APPROVE_RULES[7], (s) => (s.membership ? 'ok:approve' : null)],
    [
      APPROVE_RULES[8],
      (s) => (s.group.memberLimit !== null && s.group.memberCount >= s.group.memberLimit ? 'MemberLimitReached' : null),
    ],
    [APPROVE_RULES[9], () => 'ok:approve'],
  ]
  it('answers by the first rule that applies, in APPROVE_RULES order (after the access rules)', () => {
    expect(rules.map(([r]) => r)).toEqual(APPROVE_RULES.slice(ACCESS_RULES.length))
    fc.assert(
      fc.property(aGroup, aRequest, aMembership('bob'), aRemoval, (group, request, membership, removal) => {
        const s = { group, request, membership, removal, now }
        expect(answerOf(decideApprove(s))).toBe(firstRule(rules, s))
      }),
    )
  })
  it('takes a seat exactly when the user is not a member yet, and never past the limit', () => {
    fc.assert(
      fc.property(aGroup, aRequest, aMembership('bob'), aRemoval, (group, request, membership, removal) => {
        const r = decideApprove({ group, request, membership, removal, now })
        if (r.isOk() && r.value.kind === 'approve') {
          expect(r.value.seat).toBe(membership === null)
          if (r.value.seat && group.memberLimit !== null) expect(group.memberCount).toBeLessThan(group.memberLimit)
        }
      }),
    )
  })
})

describe('decideReject and decideWithdraw', () => {
  const closeRules = (closing: 'rejected' | 'withdrawn'): [string, (r: JoinRequest | null) => string | null][] => {
    const list = closing === 'rejected' ? REJECT_RULES.slice(ACCESS_RULES.length) : WITHDRAW_RULES.slice(1)
    return [
      [list[0] as string, (r) => (r ? null : 'RequestNotFound')],
      [list[1] as string, (r) => (r?.status === closing ? 'ok:unchanged' : null)],
      [list[2] as string, (r) => (r?.status !== 'pending' ? 'RequestAlreadyDecided' : null)],
      [list[3] as string, () => 'ok:close'],
    ]
  }
  type WithdrawCase = { group: Group | null; membership: Membership | null; request: JoinRequest | null }
  const withdrawRules: [string, (c: WithdrawCase) => string | null][] = [
    [
      WITHDRAW_RULES[0],
      (c) =>
        c.group === null || (c.group.visibility === 'hidden' && c.membership === null && c.request === null)
          ? 'GroupNotFound'
          : null,
    ],
    ...closeRules('withdrawn').map(([rule, f]): [string, (c: WithdrawCase) => string | null] => [
      rule,
      (c) => f(c.request),
    ]),
  ]
  it('answer by the first rule that applies, in REJECT_RULES and WITHDRAW_RULES order', () => {
    expect(closeRules('rejected').map(([r]) => r)).toEqual(REJECT_RULES.slice(ACCESS_RULES.length))
    expect(withdrawRules.map(([r]) => r)).toEqual([...WITHDRAW_RULES])
    fc.assert(
      fc.property(aRequest, fc.option(aGroup, { nil: null }), aMembership('u'), (request, group, membership) => {
        expect(answerOf(decideReject(request))).toBe(firstRule(closeRules('rejected'), request))
        const c = { group, membership, request }
        expect(answerOf(decideWithdraw(c))).toBe(firstRule(withdrawRules, c))
      }),
    )
  })

  it('withdrawJoinRequest answers a hidden group as a missing one to a user with no membership, request or invitation', () => {
    fc.assert(
      fc.property(aGroup, (group) => {
        const hidden = decideWithdraw({ group: { ...group, visibility: 'hidden' }, membership: null, request: null })
        expect(hidden).toEqual(decideWithdraw({ group: null, membership: null, request: null }))
      }),
    )
  })
})
