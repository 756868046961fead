import type { Group, Inviters } from './domain/group.js'
import type { Membership } from './domain/membership.js'

/** Whether `membership` (the actor's, or `null`) may approve requests, add, kick and ban in `group`. */
export function isApprover(group: Group, membership: Membership | null): boolean {
  if (!membership) return false
  if (membership.role === 'owner') return true
  return membership.role === 'moderator' && group.approvers === 'owner-and-moderators'
}

export function isOwner(group: Group, actor: string): boolean {
  return group.ownerId === actor
}

export const INVITE_PERMISSION_RULES = [
  "a group's inviters are those its invite policy names: the owner alone, the owner and the moderators, or every member",
  'a group without an invite policy lets its approvers invite',
] as const

/** The group's invite policy: its own, or, for a group without one, the one that matches its approvers. */
export function invitersOf(group: Group): Inviters {
  return group.inviters ?? group.approvers
}

/** Whether `membership` (the actor's, or `null`) may invite users to `group` (`INVITE_PERMISSION_RULES`). Pure. */
export function mayInvite(group: Group, membership: Membership | null): boolean {
  if (!membership) return false
  const inviters = invitersOf(group)
  if (membership.role === 'owner' || inviters === 'members') return true
  return membership.role === 'moderator' && inviters === 'owner-and-moderators'
}
