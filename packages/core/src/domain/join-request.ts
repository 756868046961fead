import type { GroupId, UserId } from './group.js'

export type JoinRequestStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'expired'

/**
 * How a request came: through a link, directly by group id, or as an invitation from an approver (which the
 * invitee accepts by asking to join, and which needs no further approval).
 */
export type JoinRequestVia =
  | { readonly kind: 'link'; readonly code: string }
  | { readonly kind: 'direct' }
  | { readonly kind: 'invitation'; readonly invitedBy: UserId }

export interface JoinRequest {
  readonly id: string
  readonly groupId: GroupId
  readonly requesterId: UserId
  readonly via: JoinRequestVia
  readonly message: string | null
  readonly status: JoinRequestStatus
  readonly createdAt: Date
  readonly decidedAt: Date | null
  /** The approver who decided, the requester for a withdrawal, `null` for an expiry. */
  readonly decidedBy: UserId | null
  readonly rejectionReason: string | null
  /** Whether the approvers have seen it (`markJoinRequestsRead`). */
  readonly read: boolean
}

/** The most a request's message may hold, in UTF-16 code units. */
export const MAX_REQUEST_MESSAGE_LENGTH = 2000
