import { err, ok, type Result } from 'neverthrow'
import type { ErrorOf } from '../domain/errors.js'

/**
 * The service-wide caps on what one caller can make pile up; each `null` turns its cap off. The defaults are far
 * above what a person does and far below what a script can (issue 11: one user made 2,750 groups in 55 calls).
 */
export interface Caps {
  /** Pending requests (join requests and invitations) one group may hold. Default 10,000. */
  readonly pendingRequestsPerGroup: number | null
  /** Groups one user may own when making another. Default 1,000. */
  readonly groupsPerUser: number | null
  /** Join links one group may hold, enabled or not. Default 100. */
  readonly linksPerGroup: number | null
}

export const DEFAULT_CAPS: Caps = { pendingRequestsPerGroup: 10_000, groupsPerUser: 1_000, linksPerGroup: 100 }

export const CAP_RULES = [
  'a join that would make a request is refused when the group holds as many pending requests as the cap (PendingRequestLimitReached); joins without a request, invitations and answers to existing requests are not',
  'a user who owns as many groups as the cap gets no other, made by them or for them by an administrator (GroupsPerUserLimitReached); ownership handed over is not refused',
  'a group that holds as many join links as the cap gets no other (LinksPerGroupLimitReached)',
  "a cap counts what the store holds when the group (for groups per user: the user's groups) is locked, so concurrent calls never pass it together",
] as const

type CapRefusal = ErrorOf<'PendingRequestLimitReached' | 'GroupsPerUserLimitReached' | 'LinksPerGroupLimitReached'>

/** Decides whether one more fits under a cap, given how many there are now (`null`: no cap). Pure. */
export function decideCap<C extends CapRefusal['code']>(
  code: C,
  count: number,
  cap: number | null,
): Result<'within', Extract<CapRefusal, { code: C }>> {
  if (cap !== null && count >= cap) return err({ code, limit: cap } as Extract<CapRefusal, { code: C }>)
  return ok('within')
}
