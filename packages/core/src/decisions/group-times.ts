import type { DomainEvent, DomainEventType } from '../domain/events.js'
import type { GroupId } from '../domain/group.js'
import type { GroupChange } from '../ports/store/group-rows.js'

/**
 * Which of a group's two times each event moves: `updated` (the group's settings changed: `Group.updatedAt`),
 * `activity` (something happened among its people: `Group.lastActivityAt`), both, or none. A group's creation sets
 * neither (both read as the creation time); its deletion leaves nothing to stamp; an expiry, a link's creation or
 * change are nobody's activity in the group.
 */
export const GROUP_TIME_EVENTS = {
  GroupCreated: [],
  GroupUpdated: ['updated'],
  GroupLocked: ['updated'],
  GroupUnlocked: ['updated'],
  GroupDeleted: [],
  JoinLinkCreated: [],
  JoinLinkChanged: [],
  JoinRequested: ['activity'],
  MemberInvited: ['activity'],
  JoinRequestApproved: ['activity'],
  JoinRequestRejected: ['activity'],
  JoinRequestWithdrawn: ['activity'],
  JoinRequestExpired: [],
  MemberJoined: ['activity'],
  MemberLeft: ['activity'],
  MemberKicked: ['activity'],
  UserBanned: ['activity'],
  UserUnbanned: ['activity'],
  RoleChanged: ['activity'],
  OwnershipTransferred: ['updated', 'activity'],
} as const satisfies Record<DomainEventType, readonly ('updated' | 'activity')[]>

/**
 * The time stamps a command's events put on their groups: for each group the latest time of the events that move
 * each time, skipping groups the command created or deleted. Pure; `runCommand` writes the result with the events.
 */
export function groupTimes(events: readonly DomainEvent[]): Map<GroupId, GroupChange> {
  // Built only when a command creates or deletes a group: most commands' events never need it.
  let skipped: Set<GroupId> | null = null
  for (const event of events) {
    if (event.type !== 'GroupCreated' && event.type !== 'GroupDeleted') continue
    skipped ??= new Set()
    skipped.add(event.groupId)
  }
  const stamps = new Map<GroupId, { updatedAt?: Date; lastActivityAt?: Date }>()
  for (const event of events) {
    if (skipped?.has(event.groupId)) continue
    const moves: readonly string[] = GROUP_TIME_EVENTS[event.type]
    if (moves.length === 0) continue
    let stamp = stamps.get(event.groupId)
    if (stamp === undefined) {
      stamp = {}
      stamps.set(event.groupId, stamp)
    }
    if (moves.includes('updated') && !(stamp.updatedAt && stamp.updatedAt >= event.at)) stamp.updatedAt = event.at
    if (moves.includes('activity') && !(stamp.lastActivityAt && stamp.lastActivityAt >= event.at)) {
      stamp.lastActivityAt = event.at
    }
  }
  return stamps
}
