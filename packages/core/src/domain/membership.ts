import type { GroupId, UserId } from './group.js'

export type Role = 'owner' | 'moderator' | 'member'

/** How a member came in. */
export type MembershipSource =
  | { readonly kind: 'created' }
  | { readonly kind: 'link'; readonly code: string }
  | { readonly kind: 'request'; readonly requestId: string }
  | { readonly kind: 'added' }
  | { readonly kind: 'transfer' }

export interface Membership {
  readonly groupId: GroupId
  readonly userId: UserId
  readonly role: Role
  readonly joinedAt: Date
  readonly source: MembershipSource
  /** Who let them in: the approver of their request, the adder, or `null` when they came in by themselves. */
  readonly addedBy: UserId | null
}
