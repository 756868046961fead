import type { DomainEvent } from '../../domain/events.js'
import type { Group, GroupId, UserId } from '../../domain/group.js'
import { emptyCounters, type JoinLink } from '../../domain/join-link.js'
import type { JoinRequest } from '../../domain/join-request.js'
import type { Membership } from '../../domain/membership.js'
import type { Removal } from '../../domain/removal.js'
import type { ListKey } from '../../ports/membership-store.js'

// Ids unique across tests and runs, so a store backed by a shared database never shows one test another's rows.
const run36 = Math.floor(Math.random() * 36 ** 6).toString(36)
let sequence = 0
/** The next number of this run's sequence: a suffix no other test of the run will use. */
export const nextSequence = () => sequence++
export const uid = (prefix: string) => `${prefix}-${run36}-${nextSequence().toString(36).padStart(4, '0')}`

export const t0 = new Date('2026-01-01T00:00:00.000Z')
export const at = (ms: number) => new Date(t0.getTime() + ms)

export function aGroup(overrides: Partial<Group> = {}): Group {
  return {
    id: uid('g'),
    name: 'Group',
    description: '',
    ownerId: uid('owner'),
    createdAt: t0,
    memberLimit: null,
    memberCount: 0,
    lockStatus: 'unlocked',
    admission: 'open',
    visibility: 'public',
    approvers: 'owner',
    allowMultipleLinks: false,
    ...overrides,
  }
}

export function aMembership(groupId: GroupId, overrides: Partial<Membership> = {}): Membership {
  return {
    groupId,
    userId: uid('u'),
    role: 'member',
    joinedAt: t0,
    source: { kind: 'added' },
    addedBy: null,
    ...overrides,
  }
}

export function aLink(groupId: GroupId, overrides: Partial<JoinLink> = {}): JoinLink {
  return {
    code: uid('code'),
    groupId,
    createdBy: 'owner',
    joinRule: 'anyone',
    requireApproval: false,
    enabled: true,
    createdAt: t0,
    name: null,
    expiresAt: null,
    maxUses: null,
    counters: emptyCounters,
    ...overrides,
  }
}

export function aRequest(groupId: GroupId, overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    id: uid('r'),
    groupId,
    requesterId: uid('u'),
    via: { kind: 'direct' },
    message: null,
    status: 'pending',
    createdAt: t0,
    decidedAt: null,
    decidedBy: null,
    rejectionReason: null,
    read: false,
    ...overrides,
  }
}

export function aRemoval(groupId: GroupId, userId: UserId, overrides: Partial<Removal> = {}): Removal {
  return { groupId, userId, kind: 'kicked', by: 'owner', at: t0, until: null, reason: null, ...overrides }
}

export function anEvent(groupId: GroupId): DomainEvent {
  return { type: 'GroupUpdated', groupId, actor: 'owner', at: t0, fields: ['name'] }
}

/** The rows in the port's keyset order, written out here so the suite does not trust the code it tests. */
export function sortedBy<T>(rows: readonly T[], keyOf: (row: T) => ListKey): T[] {
  return [...rows].sort((a, b) => {
    const [ka, kb] = [keyOf(a), keyOf(b)]
    const byTime = ka.at.getTime() - kb.at.getTime()
    if (byTime !== 0) return byTime
    return ka.id < kb.id ? -1 : ka.id > kb.id ? 1 : 0
  })
}

export const memberKey = (m: Membership): ListKey => ({ at: m.joinedAt, id: m.userId })
export const membershipKey = (m: Membership): ListKey => ({ at: m.joinedAt, id: m.groupId })
export const requestKey = (r: JoinRequest): ListKey => ({ at: r.createdAt, id: r.id })
