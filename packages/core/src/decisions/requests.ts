import { err, ok, type Result } from 'neverthrow'
import type { ErrorOf } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import { type Removal, removalIsActive } from '../domain/removal.js'
import { ACCESS_RULES } from './access.js'

/** What an approver's decision on a user's request looks at, read after the group is locked. */
export interface RequestSnapshot {
  readonly group: Group
  /** The user's latest request as it stands now: an overdue pending request reads as expired. */
  readonly request: JoinRequest | null
  /** The user's membership, if they are a member already. */
  readonly membership: Membership | null
  readonly removal: Removal | null
  readonly now: Date
}

export type RequestNotFound = ErrorOf<'RequestNotFound'>
export type RequestAlreadyDecided = ErrorOf<'RequestAlreadyDecided'>

/** What approving does: nothing (approved already), or approve and seat the user (unless a member already). */
export type ApproveDecision =
  | { readonly kind: 'unchanged'; readonly request: JoinRequest }
  | { readonly kind: 'approve'; readonly request: JoinRequest; readonly seat: boolean }

export type ApproveRefusal =
  | RequestNotFound
  | RequestAlreadyDecided
  | ErrorOf<'GroupLocked' | 'UserBanned' | 'UserKicked' | 'MemberLimitReached'>

export const APPROVE_RULES = [
  ...ACCESS_RULES,
  'the user must have a request, and an invitation is not one: only the invitee accepts it (RequestNotFound)',
  'an approved request is answered as it is; nothing changes',
  'a rejected, withdrawn or expired request stays decided (RequestAlreadyDecided)',
  'a locked group admits nobody (GroupLocked)',
  'a banned or kicked user stays out until an approver lifts it or it ends (UserBanned, UserKicked)',
  'a user who is a member already has the request approved and takes no seat',
  'a full group takes nobody new (MemberLimitReached)',
  'otherwise the request is approved and the user becomes a member',
] as const

/** Decides an approval (the approver's authority is checked by `decideAccess` before). Pure. */
export function decideApprove(s: RequestSnapshot): Result<ApproveDecision, ApproveRefusal> {
  const request = s.request
  if (!request || request.via.kind === 'invitation') return err({ code: 'RequestNotFound' })
  if (request.status === 'approved') return ok({ kind: 'unchanged', request })
  if (request.status !== 'pending') return err(alreadyDecided(request))
  const group = s.group
  if (group.lockStatus !== 'unlocked') return err({ code: 'GroupLocked', lockStatus: group.lockStatus })
  if (removalIsActive(s.removal, s.now)) {
    return err({ code: s.removal.kind === 'banned' ? 'UserBanned' : 'UserKicked' })
  }
  if (s.membership) return ok({ kind: 'approve', request, seat: false })
  if (!hasSeat(group)) return err({ code: 'MemberLimitReached', limit: group.memberLimit ?? 0 })
  return ok({ kind: 'approve', request, seat: true })
}

export type CloseDecision =
  | { readonly kind: 'unchanged'; readonly request: JoinRequest }
  | { readonly kind: 'close'; readonly request: JoinRequest }

export const REJECT_RULES = [
  ...ACCESS_RULES,
  'the user must have a request or an invitation (RequestNotFound)',
  'a rejected request is answered as it is; nothing changes',
  'an approved, withdrawn or expired request stays decided (RequestAlreadyDecided)',
  'otherwise the request is rejected, with the reason given',
] as const

/** Decides a rejection by an approver. Pure. */
export function decideReject(
  request: JoinRequest | null,
): Result<CloseDecision, RequestNotFound | RequestAlreadyDecided> {
  return decideClose(request, 'rejected')
}

export const WITHDRAW_RULES = [
  'the group must exist; a hidden group exists only for its members and for users who hold a request or an invitation there (GroupNotFound)',
  'the actor must have a request or an invitation there (RequestNotFound)',
  'a withdrawn request is answered as it is; nothing changes',
  'an approved, rejected or expired request stays decided (RequestAlreadyDecided)',
  'otherwise the request is withdrawn',
] as const

/** What a withdrawal looks at, read after the group is locked. */
export interface WithdrawSnapshot {
  /** `null` when there is no such group. */
  readonly group: Group | null
  /** The actor's membership, if they are a member. */
  readonly membership: Membership | null
  /** The actor's latest request or invitation as it stands now (an overdue pending request reads as expired). */
  readonly request: JoinRequest | null
}

/**
 * Decides a requester's withdrawal. Pure. A hidden group answers a user who is neither a member nor holds a
 * request or invitation there exactly as a missing group does: a requester may still withdraw, and nobody else
 * learns the group exists.
 */
export function decideWithdraw(
  s: WithdrawSnapshot,
): Result<CloseDecision, ErrorOf<'GroupNotFound'> | RequestNotFound | RequestAlreadyDecided> {
  if (!s.group || (s.group.visibility === 'hidden' && !s.membership && !s.request))
    return err({ code: 'GroupNotFound' })
  return decideClose(s.request, 'withdrawn')
}

function decideClose(
  request: JoinRequest | null,
  closing: 'rejected' | 'withdrawn',
): Result<CloseDecision, RequestNotFound | RequestAlreadyDecided> {
  if (!request) return err({ code: 'RequestNotFound' })
  if (request.status === closing) return ok({ kind: 'unchanged', request })
  if (request.status !== 'pending') return err(alreadyDecided(request))
  return ok({ kind: 'close', request })
}

/** Whether one more member fits under the group's limit (which counts every member, the owner included). */
export function hasSeat(group: Group, seats = 1): boolean {
  return group.memberLimit === null || group.memberCount + seats <= group.memberLimit
}

function alreadyDecided(request: JoinRequest): RequestAlreadyDecided {
  return { code: 'RequestAlreadyDecided', status: request.status as RequestAlreadyDecided['status'] }
}
