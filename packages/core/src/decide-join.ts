import { err, ok, type Result } from 'neverthrow'
import type { JoinRefusal } from './domain/errors.js'
import type { Group } from './domain/group.js'
import { type JoinLink, linkUnavailability } from './domain/join-link.js'
import type { JoinRequest } from './domain/join-request.js'
import type { Membership } from './domain/membership.js'
import { type Removal, removalIsActive } from './domain/removal.js'

/** Everything the join rules look at, read in one transaction. */
export interface JoinSnapshot {
  /** How the user asks: with a link code (and the link it names, `null` if unknown) or directly by group id. */
  readonly via: { readonly kind: 'link'; readonly link: JoinLink | null } | { readonly kind: 'direct' }
  readonly group: Group | null
  readonly membership: Membership | null
  /** The user's pending request, if any and not expired. */
  readonly pendingRequest: JoinRequest | null
  readonly removal: Removal | null
  /** Whether the owner follows the user; `null` when nobody asked the social graph. */
  readonly ownerFollowsUser: boolean | null
  readonly now: Date
}

export type JoinDecision =
  | { readonly kind: 'already-member'; readonly membership: Membership }
  | { readonly kind: 'already-pending'; readonly request: JoinRequest }
  /** Create a pending request for the approvers. */
  | { readonly kind: 'request' }
  /** Accept the pending invitation: become a member now. */
  | { readonly kind: 'accept-invitation'; readonly invitation: JoinRequest }
  /** Become a member now. */
  | { readonly kind: 'join' }

// The two answers that carry nothing but their kind, made once: a decision is a value, and `Ok` never changes.
const REQUEST: Result<JoinDecision, never> = ok({ kind: 'request' })
const JOIN: Result<JoinDecision, never> = ok({ kind: 'join' })

/**
 * The rules checked by {@link decideJoin}, in their order of precedence: the first that applies decides.
 * Exported so documentation and `explain` can show them.
 */
export const JOIN_RULES = [
  'the link code must exist (InvalidCode)',
  'the group must exist and, for a direct request, be visible to the user or have invited them (GroupNotFound)',
  'a member asking again is answered with their membership, whatever else holds',
  'a banned or kicked user stays out until an approver lifts it or it ends (UserBanned, UserKicked)',
  'a locked group admits nobody (GroupLocked)',
  'a user with a pending invitation joins, if there is a free seat (MemberLimitReached)',
  'the link must be enabled (LinkDisabled)',
  'the link must not have expired (LinkExpired)',
  'the link must not have reached its use cap, unless the user already has a pending request (LinkUsedUp)',
  'an invite-only group refuses direct requests (GroupInviteOnly)',
  'a followed-by-owner link needs the owner to follow the user (FollowRequired)',
  'a user with a pending request is answered with that request',
  'a full group takes nobody new, at once or by request (MemberLimitReached)',
  'if the link or the group asks for approval, a request is made; otherwise the user joins',
] as const

/**
 * Decides a join attempt. Pure: the same snapshot always gives the same answer, and nothing is written.
 * A pending request does not hold a seat: the member limit is checked again at approval.
 */
export function decideJoin(s: JoinSnapshot): Result<JoinDecision, JoinRefusal> {
  const link = s.via.kind === 'link' ? s.via.link : null
  if (s.via.kind === 'link' && link === null) return err({ code: 'InvalidCode' })

  const group = s.group
  if (group === null) return err({ code: 'GroupNotFound' })
  if (s.membership) return ok({ kind: 'already-member', membership: s.membership })
  // A hidden group exists only for its members, its invitees and holders of a valid code.
  const invited = s.pendingRequest?.via.kind === 'invitation'
  if (!link && !invited && group.visibility === 'hidden') return err({ code: 'GroupNotFound' })

  if (removalIsActive(s.removal, s.now)) {
    return err({ code: s.removal.kind === 'banned' ? 'UserBanned' : 'UserKicked' })
  }
  if (group.lockStatus !== 'unlocked') return err({ code: 'GroupLocked', lockStatus: group.lockStatus })

  // An approver invited the user: no link, admission or follow rule applies, only the seat.
  const invitation = invited ? s.pendingRequest : null
  if (invitation) {
    if (group.memberLimit !== null && group.memberCount >= group.memberLimit) {
      return err({ code: 'MemberLimitReached', limit: group.memberLimit })
    }
    return ok({ kind: 'accept-invitation', invitation })
  }

  if (link) {
    const unavailable = linkUnavailability(link, s.now, s.pendingRequest !== null)
    if (unavailable) return err({ code: unavailable })
  } else if (group.admission === 'invite-only') {
    return err({ code: 'GroupInviteOnly' })
  }

  if (link?.joinRule === 'followed-by-owner' && s.ownerFollowsUser !== true) return err({ code: 'FollowRequired' })

  if (s.pendingRequest) return ok({ kind: 'already-pending', request: s.pendingRequest })

  // A full group takes no new requests either: they could not be approved (the limit is checked again then).
  if (group.memberLimit !== null && group.memberCount >= group.memberLimit) {
    return err({ code: 'MemberLimitReached', limit: group.memberLimit })
  }
  return needsApproval(group, link) ? REQUEST : JOIN
}

/** The last rule of {@link decideJoin}: a join needs approval when the group or the link asks for it. */
export function needsApproval(group: Group, link: JoinLink | null): boolean {
  return group.admission === 'approval' || (link?.requireApproval ?? false)
}
