import { describe, expect, it } from 'vitest'
import { decideJoin, type JoinSnapshot } from './decide-join.js'
import type { Group } from './domain/group.js'
import { emptyCounters, type JoinLink } from './domain/join-link.js'
import type { JoinRequest } from './domain/join-request.js'
import type { Membership } from './domain/membership.js'
import type { Removal } from './domain/removal.js'

const now = new Date('2026-11-23T12:00:00Z')
const later = new Date('2026-11-24T12:00:00Z')
const earlier = new Date('2026-11-22T12:00:00Z')

function aGroup(overrides: Partial<Group> = {}): Group {
  return {
    id: 'g1',
    name: 'Climbers',
    description: '',
    ownerId: 'owner',
    createdAt: earlier,
    memberLimit: 10,
    memberCount: 3,
    lockStatus: 'unlocked',
    admission: 'open',
    visibility: 'public',
    approvers: 'owner',
    allowMultipleLinks: false,
    ...overrides,
  }
}

function aLink(overrides: Partial<JoinLink> = {}): JoinLink {
  return {
    code: 'code1',
    groupId: 'g1',
    createdBy: 'owner',
    joinRule: 'anyone',
    requireApproval: false,
    enabled: true,
    createdAt: earlier,
    name: null,
    expiresAt: null,
    maxUses: null,
    counters: emptyCounters,
    ...overrides,
  }
}

const aMembership: Membership = {
  groupId: 'g1',
  userId: 'alice',
  role: 'member',
  joinedAt: earlier,
  source: { kind: 'added' },
  addedBy: 'owner',
}

const aPendingRequest: JoinRequest = {
  id: 'r1',
  groupId: 'g1',
  requesterId: 'alice',
  via: { kind: 'link', code: 'code1' },
  message: null,
  status: 'pending',
  createdAt: earlier,
  decidedAt: null,
  decidedBy: null,
  rejectionReason: null,
  read: false,
}

function aRemoval(overrides: Partial<Removal> = {}): Removal {
  return {
    groupId: 'g1',
    userId: 'alice',
    kind: 'kicked',
    by: 'owner',
    at: earlier,
    until: null,
    reason: null,
    ...overrides,
  }
}

/** A snapshot of alice using a valid `anyone` link to an open group with free seats: decides `join`. */
function viaLink(overrides: Partial<JoinSnapshot> = {}, link: Partial<JoinLink> = {}): JoinSnapshot {
  return {
    via: { kind: 'link', link: aLink(link) },
    group: aGroup(),
    membership: null,
    pendingRequest: null,
    removal: null,
    ownerFollowsUser: null,
    now,
    ...overrides,
  }
}

function direct(overrides: Partial<JoinSnapshot> = {}): JoinSnapshot {
  return { ...viaLink(overrides), via: { kind: 'direct' } }
}

const refusal = (s: JoinSnapshot) => decideJoin(s)._unsafeUnwrapErr().code
const decision = (s: JoinSnapshot) => decideJoin(s)._unsafeUnwrap().kind

describe(decideJoin, () => {
  describe('each rule alone', () => {
    it('joins at once through a valid link to an open group with room', () => {
      expect(decision(viaLink())).toBe('join')
    })
    it('refuses an unknown code with InvalidCode', () => {
      expect(refusal({ ...viaLink(), via: { kind: 'link', link: null } })).toBe('InvalidCode')
    })
    it('refuses a missing group with GroupNotFound', () => {
      expect(refusal(viaLink({ group: null }))).toBe('GroupNotFound')
      expect(refusal(direct({ group: null }))).toBe('GroupNotFound')
    })
    it('hides a hidden group from direct requests but not from link holders', () => {
      expect(refusal(direct({ group: aGroup({ visibility: 'hidden' }) }))).toBe('GroupNotFound')
      expect(decision(viaLink({ group: aGroup({ visibility: 'hidden' }) }))).toBe('join')
    })
    it('answers a member with their membership and changes nothing', () => {
      const d = decideJoin(viaLink({ membership: aMembership }))._unsafeUnwrap()
      expect(d).toEqual({ kind: 'already-member', membership: aMembership })
    })
    it('refuses kicked and banned users while the removal is in force', () => {
      expect(refusal(viaLink({ removal: aRemoval() }))).toBe('UserKicked')
      expect(refusal(direct({ removal: aRemoval({ kind: 'banned' }) }))).toBe('UserBanned')
      expect(refusal(viaLink({ removal: aRemoval({ kind: 'banned', until: later }) }))).toBe('UserBanned')
    })
    it('lets a user in once a timed removal has ended', () => {
      expect(decision(viaLink({ removal: aRemoval({ kind: 'banned', until: now }) }))).toBe('join')
    })
    it('refuses locked and permanently locked groups', () => {
      const locked = decideJoin(viaLink({ group: aGroup({ lockStatus: 'locked' }) }))._unsafeUnwrapErr()
      expect(locked).toEqual({ code: 'GroupLocked', lockStatus: 'locked' })
      expect(refusal(direct({ group: aGroup({ lockStatus: 'locked-permanently' }) }))).toBe('GroupLocked')
    })
    it('refuses a disabled link', () => {
      expect(refusal(viaLink({}, { enabled: false }))).toBe('LinkDisabled')
    })
    it('refuses an expired link from the moment it expires', () => {
      expect(refusal(viaLink({}, { expiresAt: now }))).toBe('LinkExpired')
      expect(decision(viaLink({}, { expiresAt: later }))).toBe('join')
    })
    it('refuses a link whose uses and pending requests reached its cap', () => {
      expect(refusal(viaLink({}, { maxUses: 2, counters: { uses: 1, pending: 1, refusals: {} } }))).toBe('LinkUsedUp')
      expect(decision(viaLink({}, { maxUses: 3, counters: { uses: 1, pending: 1, refusals: {} } }))).toBe('join')
    })
    it('refuses direct requests to an invite-only group but not link holders', () => {
      expect(refusal(direct({ group: aGroup({ admission: 'invite-only' }) }))).toBe('GroupInviteOnly')
      expect(decision(viaLink({ group: aGroup({ admission: 'invite-only' }) }))).toBe('join')
    })
    it('needs the owner to follow the user on a followed-by-owner link', () => {
      const link = { joinRule: 'followed-by-owner' } as const
      expect(refusal(viaLink({ ownerFollowsUser: false }, link))).toBe('FollowRequired')
      expect(refusal(viaLink({ ownerFollowsUser: null }, link))).toBe('FollowRequired')
      expect(decision(viaLink({ ownerFollowsUser: true }, link))).toBe('join')
    })
    it('answers a user with a pending request with that request', () => {
      const d = decideJoin(viaLink({ pendingRequest: aPendingRequest }))._unsafeUnwrap()
      expect(d).toEqual({ kind: 'already-pending', request: aPendingRequest })
    })
    it('makes a request when the link or the group asks for approval', () => {
      expect(decision(viaLink({}, { requireApproval: true }))).toBe('request')
      expect(decision(viaLink({ group: aGroup({ admission: 'approval' }) }))).toBe('request')
      expect(decision(direct({ group: aGroup({ admission: 'approval' }) }))).toBe('request')
      expect(decision(direct())).toBe('join')
    })
    it('refuses a join at once into a full group, with the limit', () => {
      const full = aGroup({ memberLimit: 3, memberCount: 3 })
      expect(decideJoin(viaLink({ group: full }))._unsafeUnwrapErr()).toEqual({ code: 'MemberLimitReached', limit: 3 })
      expect(decision(viaLink({ group: aGroup({ memberLimit: null, memberCount: 10_000 }) }))).toBe('join')
    })
    it('refuses new requests into a full group too', () => {
      const full = aGroup({ memberLimit: 3, memberCount: 3, admission: 'approval' })
      expect(refusal(viaLink({ group: full }))).toBe('MemberLimitReached')
      expect(decision(viaLink({ group: full, pendingRequest: aPendingRequest }))).toBe('already-pending')
    })
  })

  describe('invitations', () => {
    const invitation: JoinRequest = { ...aPendingRequest, via: { kind: 'invitation', invitedBy: 'owner' } }
    it('lets an invitee in directly, past invite-only, hidden and approval rules', () => {
      const strict = aGroup({ admission: 'invite-only', visibility: 'hidden' })
      const d = decideJoin(direct({ group: strict, pendingRequest: invitation }))._unsafeUnwrap()
      expect(d).toEqual({ kind: 'accept-invitation', invitation })
    })
    it('still refuses removed users, locked groups and full groups', () => {
      expect(refusal(direct({ pendingRequest: invitation, removal: aRemoval({ kind: 'banned' }) }))).toBe('UserBanned')
      expect(refusal(direct({ pendingRequest: invitation, group: aGroup({ lockStatus: 'locked' }) }))).toBe(
        'GroupLocked',
      )
      expect(refusal(direct({ pendingRequest: invitation, group: aGroup({ memberLimit: 3, memberCount: 3 }) }))).toBe(
        'MemberLimitReached',
      )
    })
  })

  describe('precedence', () => {
    // Every rule fails at once; removing the winning cause each time reveals the next rule in JOIN_RULES order.
    const everythingWrong = {
      group: aGroup({ lockStatus: 'locked', admission: 'invite-only', memberLimit: 1, memberCount: 1 }),
      removal: aRemoval({ kind: 'banned' }),
      ownerFollowsUser: false,
    } satisfies Partial<JoinSnapshot>
    const badLink = {
      enabled: false,
      expiresAt: earlier,
      maxUses: 1,
      counters: { uses: 1, pending: 0, refusals: {} },
      joinRule: 'followed-by-owner',
    } satisfies Partial<JoinLink>

    it('follows the documented order for links', () => {
      let s = viaLink(everythingWrong, badLink)
      expect(refusal({ ...s, via: { kind: 'link', link: null } })).toBe('InvalidCode')
      expect(refusal({ ...s, group: null })).toBe('GroupNotFound')
      expect(decision({ ...s, membership: aMembership })).toBe('already-member')
      expect(refusal(s)).toBe('UserBanned')
      s = { ...s, removal: null }
      expect(refusal(s)).toBe('GroupLocked')
      s = { ...s, group: { ...everythingWrong.group, lockStatus: 'unlocked' } }
      expect(refusal(s)).toBe('LinkDisabled')
      const withLink = (link: Partial<JoinLink>): JoinSnapshot => ({ ...s, via: { kind: 'link', link: aLink(link) } })
      s = withLink({ ...badLink, enabled: true })
      expect(refusal(s)).toBe('LinkExpired')
      s = withLink({ ...badLink, enabled: true, expiresAt: null })
      expect(refusal(s)).toBe('LinkUsedUp')
      s = withLink({ ...badLink, enabled: true, expiresAt: null, maxUses: null })
      expect(refusal(s)).toBe('FollowRequired')
      expect(decision({ ...s, ownerFollowsUser: true, pendingRequest: aPendingRequest })).toBe('already-pending')
      expect(refusal({ ...s, ownerFollowsUser: true })).toBe('MemberLimitReached')
    })

    it('follows the documented order for direct requests', () => {
      const s = direct(everythingWrong)
      expect(refusal(s)).toBe('UserBanned')
      expect(refusal({ ...s, removal: null })).toBe('GroupLocked')
      const unlocked = { ...everythingWrong.group, lockStatus: 'unlocked' } as const
      expect(refusal({ ...s, removal: null, group: unlocked })).toBe('GroupInviteOnly')
      // A followed-by-owner rule belongs to links: direct requests never ask for a follow.
      expect(refusal({ ...s, removal: null, group: { ...unlocked, admission: 'open' } })).toBe('MemberLimitReached')
    })

    it('lets a pending request through a used-up link stay pending', () => {
      const s = viaLink(
        { pendingRequest: aPendingRequest },
        { maxUses: 1, counters: { uses: 0, pending: 1, refusals: {} } },
      )
      expect(decision(s)).toBe('already-pending')
    })
  })
})
