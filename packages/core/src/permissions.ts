import type { Group } from './domain/group.js'
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
