import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decideJoin, type JoinSnapshot } from './decide-join.js'
import type { Group } from './domain/group.js'
import { emptyCounters, type JoinLink } from './domain/join-link.js'
import type { JoinRequest, JoinRequestStatus } from './domain/join-request.js'
import type { Membership } from './domain/membership.js'
import { createTestKit } from './internal/test-kit.js'

const PEOPLE = ['owner', 'mod', 'u1', 'u2', 'u3', 'u4'] as const
type Person = (typeof PEOPLE)[number]
const STATUSES: JoinRequestStatus[] = ['pending', 'approved', 'rejected', 'withdrawn', 'expired']

/** One step a random user may take. */
type Step =
  | { kind: 'joinByCode'; actor: Person; message: string | null }
  | { kind: 'joinDirect'; actor: Person }
  | { kind: 'withdraw'; actor: Person }
  | { kind: 'approve' | 'reject' | 'ban' | 'unban'; actor: Person; user: Person }
  | { kind: 'kick' | 'add' | 'invite'; actor: Person; users: Person[] }
  | { kind: 'leave' | 'lock' | 'unlock' | 'disableLink' | 'enableLink' | 'markRead'; actor: Person }
  | { kind: 'editLink'; actor: Person; requireApproval: boolean }
  | { kind: 'role'; actor: Person; user: Person; role: 'moderator' | 'member' }
  | { kind: 'wait'; ms: number }

const person = fc.constantFrom(...PEOPLE)
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('joinByCode' as const),
      actor: person,
      message: fc.option(fc.string({ maxLength: 5 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('joinDirect' as const), actor: person }) },
  fc.record({ kind: fc.constant('withdraw' as const), actor: person }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('approve' as const, 'reject' as const, 'ban' as const, 'unban' as const),
      actor: person,
      user: person,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('kick' as const, 'add' as const, 'invite' as const),
      actor: person,
      users: fc.uniqueArray(person, { minLength: 1, maxLength: 3 }),
    }),
  },
  fc.record({
    kind: fc.constantFrom(
      'leave' as const,
      'lock' as const,
      'unlock' as const,
      'disableLink' as const,
      'enableLink' as const,
      'markRead' as const,
    ),
    actor: person,
  }),
  fc.record({ kind: fc.constant('editLink' as const), actor: person, requireApproval: fc.boolean() }),
  fc.record({
    kind: fc.constant('role' as const),
    actor: person,
    user: person,
    role: fc.constantFrom('moderator' as const, 'member' as const),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 120_000 }) }),
)

const scenario = fc.record({
  memberLimit: fc.integer({ min: 1, max: 5 }),
  admission: fc.constantFrom('open' as const, 'approval' as const, 'invite-only' as const),
  approvers: fc.constantFrom('owner' as const, 'owner-and-moderators' as const),
  requireApproval: fc.boolean(),
  requestTtlMs: fc.constantFrom(null, 60_000),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
})

describe('invariants under any sequence of commands', () => {
  it('holds the limit, keeps removed users out, and ends every request in one terminal state', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const { joinery, clock, groupOf, linkTo } = createTestKit({ requestTtlMs: sc.requestTtlMs })
        const group = await groupOf({ memberLimit: sc.memberLimit, admission: sc.admission, approvers: sc.approvers })
        const code = await linkTo(group.id, { requireApproval: sc.requireApproval })
        const groupId = group.id

        const listAll = async <T>(
          fetch: (cursor?: string) => Promise<{ items: readonly T[]; cursor: string | null }>,
        ) => {
          const rows: T[] = []
          let cursor: string | undefined
          do {
            const page = await fetch(cursor)
            rows.push(...page.items)
            cursor = page.cursor ?? undefined
          } while (cursor)
          return rows
        }
        const members = () =>
          listAll(async (cursor) =>
            (await joinery.listMembers({ actor: 'owner', groupId, limit: 100, cursor }))._unsafeUnwrap(),
          )
        const ownerNow = async () => (await joinery.getGroup({ groupId }))._unsafeUnwrap().group.ownerId
        const requests = async () => {
          const owner = await ownerNow()
          const all: JoinRequest[] = []
          for (const status of STATUSES) {
            all.push(
              ...(await listAll(async (cursor) =>
                (await joinery.listJoinRequests({ actor: owner, groupId, status, limit: 100, cursor }))._unsafeUnwrap(),
              )),
            )
          }
          return all
        }
        const observable = async () => ({
          group: (await joinery.getGroup({ groupId }))._unsafeUnwrap().group,
          members: (await members()).map((m: Membership) => `${m.userId}:${m.role}`).sort(),
          requests: (await requests()).map((r) => `${r.id}:${r.status}:${r.message}`).sort(),
        })

        /** Users kicked or banned and not let back in by an approver. */
        const blocked = new Set<string>()
        const seenStatus = new Map<string, JoinRequestStatus>()

        for (const s of sc.steps) {
          const before = await observable()
          const wasBlocked = new Set(blocked)
          let result: { isErr(): boolean; isOk(): boolean; error?: { code: string } } | null = null
          switch (s.kind) {
            case 'joinByCode':
              result = await joinery.requestJoinByCode({ actor: s.actor, code, message: s.message })
              break
            case 'joinDirect':
              result = await joinery.requestJoin({ actor: s.actor, groupId })
              break
            case 'withdraw':
              result = await joinery.withdrawJoinRequest({ actor: s.actor, groupId })
              break
            case 'approve':
              result = await joinery.approveJoinRequest({ actor: s.actor, groupId, userId: s.user })
              break
            case 'reject':
              result = await joinery.rejectJoinRequest({ actor: s.actor, groupId, userId: s.user })
              break
            case 'ban':
              result = await joinery.banUser({ actor: s.actor, groupId, userId: s.user })
              if (result.isOk()) blocked.add(s.user)
              break
            case 'unban':
              result = await joinery.unbanUser({ actor: s.actor, groupId, userId: s.user })
              if (result.isOk()) blocked.delete(s.user)
              break
            case 'kick': {
              const r = await joinery.removeMembers({ actor: s.actor, groupId, userIds: s.users })
              if (r.isOk()) for (const u of r.value.removed) blocked.add(u)
              result = r
              break
            }
            case 'add': {
              const r = await joinery.addMembers({ actor: s.actor, groupId, userIds: s.users })
              // Adding lifts a kick (bans refuse the whole call).
              if (r.isOk()) for (const m of r.value.added) blocked.delete(m.userId)
              result = r
              break
            }
            case 'invite': {
              const r = await joinery.inviteMembers({ actor: s.actor, groupId, userIds: s.users })
              if (r.isOk()) for (const i of r.value.invited) blocked.delete(i.requesterId)
              result = r
              break
            }
            case 'leave':
              result = await joinery.leaveGroup({ actor: s.actor, groupId })
              break
            case 'lock':
              result = await joinery.lockGroup({ actor: s.actor, groupId })
              break
            case 'unlock':
              result = await joinery.unlockGroup({ actor: s.actor, groupId })
              break
            case 'disableLink':
              result = await joinery.disableJoinLink({ actor: s.actor, groupId })
              break
            case 'enableLink':
              result = await joinery.enableJoinLink({ actor: s.actor, groupId })
              break
            case 'markRead':
              result = await joinery.markJoinRequestsRead({ actor: s.actor, groupId })
              break
            case 'editLink':
              result = await joinery.editJoinLink({ actor: s.actor, groupId, requireApproval: s.requireApproval })
              break
            case 'role':
              result = await joinery.changeRole({ actor: s.actor, groupId, userId: s.user, role: s.role })
              break
            case 'wait':
              clock.advance(s.ms)
              break
          }
          const after = await observable()

          // The member limit holds, and the stored count is the real count.
          expect(after.group.memberCount).toBeLessThanOrEqual(sc.memberLimit)
          expect(after.members).toHaveLength(after.group.memberCount)

          // A kicked or banned user never gets back in by asking or by approval.
          for (const user of wasBlocked) {
            if (['joinByCode', 'joinDirect', 'approve'].includes(s.kind)) {
              expect(
                after.members.some((m) => m.startsWith(`${user}:`)),
                `${user} got back in by ${s.kind}`,
              ).toBe(false)
            }
          }

          // Every request is in exactly one state; once decided it never changes; one pending per user.
          const all = await requests()
          expect(new Set(all.map((r) => r.id)).size).toBe(all.length)
          for (const r of all) {
            const previous = seenStatus.get(r.id)
            if (previous && previous !== 'pending') expect(r.status, `request ${r.id}`).toBe(previous)
            seenStatus.set(r.id, r.status)
          }
          const pendingUsers = all.filter((r) => r.status === 'pending').map((r) => r.requesterId)
          expect(new Set(pendingUsers).size).toBe(pendingUsers.length)

          // A refused command changes nothing observable, except requests that expired meanwhile.
          if (result?.isErr()) {
            const expiredNow = (x: string) => x.replace(/:expired:/, ':pending:')
            expect(
              { ...after, requests: after.requests.map(expiredNow) },
              `${s.kind} refused with ${result.error?.code}`,
            ).toEqual({
              ...before,
              requests: before.requests.map(expiredNow),
            })
          }
        }
      }),
      { numRuns: 150 },
    )
  }, 120_000)
})

// A reference of the documented precedence, written as plainly as possible, to check decideJoin against.
function referenceDecision(s: JoinSnapshot): string {
  const link = s.via.kind === 'link' ? s.via.link : null
  const g = s.group
  const pending = s.pendingRequest
  const invited = pending?.via.kind === 'invitation'
  const full = g !== null && g.memberLimit !== null && g.memberCount >= g.memberLimit
  const removed = s.removal !== null && (s.removal.until === null || s.removal.until > s.now)
  const rules: [boolean, string][] = [
    [s.via.kind === 'link' && link === null, 'InvalidCode'],
    [g === null, 'GroupNotFound'],
    [s.membership !== null, 'already-member'],
    [s.via.kind === 'direct' && g?.visibility === 'hidden' && !invited, 'GroupNotFound'],
    [removed && s.removal?.kind === 'banned', 'UserBanned'],
    [removed, 'UserKicked'],
    [g?.lockStatus !== 'unlocked', 'GroupLocked'],
    [invited && full, 'MemberLimitReached'],
    [invited, 'accept-invitation'],
    [link !== null && !link.enabled, 'LinkDisabled'],
    [link !== null && link.expiresAt !== null && link.expiresAt <= s.now, 'LinkExpired'],
    [
      link !== null &&
        link.maxUses !== null &&
        pending === null &&
        link.counters.uses + link.counters.pending >= link.maxUses,
      'LinkUsedUp',
    ],
    [link === null && g?.admission === 'invite-only', 'GroupInviteOnly'],
    [link?.joinRule === 'followed-by-owner' && s.ownerFollowsUser !== true, 'FollowRequired'],
    [pending !== null, 'already-pending'],
    [full, 'MemberLimitReached'],
    [g?.admission === 'approval' || link?.requireApproval === true, 'request'],
  ]
  return rules.find(([applies]) => applies)?.[1] ?? 'join'
}

const now = new Date('2026-06-01T00:00:00Z')
const near = fc.integer({ min: -2, max: 2 }).map((d) => new Date(now.getTime() + d * 1000))
const snapshot: fc.Arbitrary<JoinSnapshot> = fc
  .record({
    viaLink: fc.boolean(),
    link: fc.option(
      fc.record({
        enabled: fc.boolean(),
        expiresAt: fc.option(near),
        maxUses: fc.option(fc.integer({ min: 1, max: 3 })),
        uses: fc.integer({ min: 0, max: 3 }),
        pending: fc.integer({ min: 0, max: 2 }),
        joinRule: fc.constantFrom('anyone' as const, 'followed-by-owner' as const),
        requireApproval: fc.boolean(),
      }),
    ),
    group: fc.option(
      fc.record({
        memberLimit: fc.option(fc.integer({ min: 1, max: 3 })),
        memberCount: fc.integer({ min: 1, max: 4 }),
        lockStatus: fc.constantFrom('unlocked' as const, 'locked' as const, 'locked-permanently' as const),
        admission: fc.constantFrom('open' as const, 'approval' as const, 'invite-only' as const),
        visibility: fc.constantFrom('public' as const, 'hidden' as const),
      }),
    ),
    member: fc.boolean(),
    pending: fc.constantFrom(null, 'request' as const, 'invitation' as const),
    removal: fc.option(
      fc.record({ kind: fc.constantFrom('kicked' as const, 'banned' as const), until: fc.option(near) }),
    ),
    follows: fc.constantFrom(null, true, false),
  })
  .map((r): JoinSnapshot => {
    const group: Group | null = r.group && {
      id: 'g',
      name: 'G',
      description: '',
      ownerId: 'owner',
      createdAt: now,
      approvers: 'owner',
      allowMultipleLinks: false,
      ...r.group,
    }
    const link: JoinLink | null = r.link && {
      code: 'c',
      groupId: 'g',
      createdBy: 'owner',
      createdAt: now,
      name: null,
      enabled: r.link.enabled,
      expiresAt: r.link.expiresAt,
      maxUses: r.link.maxUses,
      joinRule: r.link.joinRule,
      requireApproval: r.link.requireApproval,
      counters: { ...emptyCounters, uses: r.link.uses, pending: r.link.pending },
    }
    const request: JoinRequest | null = r.pending && {
      id: 'r',
      groupId: 'g',
      requesterId: 'u',
      via: r.pending === 'invitation' ? { kind: 'invitation', invitedBy: 'owner' } : { kind: 'direct' },
      message: null,
      status: 'pending',
      createdAt: now,
      decidedAt: null,
      decidedBy: null,
      rejectionReason: null,
      read: false,
    }
    return {
      via: r.viaLink ? { kind: 'link', link } : { kind: 'direct' },
      group,
      membership: r.member
        ? { groupId: 'g', userId: 'u', role: 'member', joinedAt: now, source: { kind: 'added' }, addedBy: null }
        : null,
      pendingRequest: request,
      removal: r.removal && { groupId: 'g', userId: 'u', by: 'owner', at: now, reason: null, ...r.removal },
      ownerFollowsUser: r.follows,
      now,
    }
  })

describe(decideJoin, () => {
  it('decides every snapshot as the documented precedence says', () => {
    fc.assert(
      fc.property(snapshot, (s) => {
        const d = decideJoin(s)
        expect(d.isOk() ? d.value.kind : d.error.code).toBe(referenceDecision(s))
      }),
      { numRuns: 5000 },
    )
  })
})
