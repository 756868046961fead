import type { GroupId, UserId } from './group.js'

/** `followed-by-owner`: only people the group's owner follows may use the link (Bluesky's `followedByOwner`). */
export type JoinRule = 'anyone' | 'followed-by-owner'

export interface JoinLinkCounters {
  /** Members who came in through the link. */
  readonly uses: number
  /** Requests made through the link that still wait for a decision. */
  readonly pending: number
  /** Refused attempts, by the refusing rule. */
  readonly refusals: Readonly<Partial<Record<string, number>>>
}

export interface JoinLink {
  /** Unguessable, URL-safe; ≥ 96 bits from a crypto source. */
  readonly code: string
  readonly groupId: GroupId
  readonly createdBy: UserId
  readonly joinRule: JoinRule
  readonly requireApproval: boolean
  readonly enabled: boolean
  readonly createdAt: Date
  readonly name: string | null
  readonly expiresAt: Date | null
  /** `null`: no cap. Counts joins and requests made through the link. */
  readonly maxUses: number | null
  readonly counters: JoinLinkCounters
}

export const emptyCounters: JoinLinkCounters = { uses: 0, pending: 0, refusals: {} }

/**
 * Why a link cannot be used now, if it cannot: disabled, expired, or at its cap (joins plus pending requests). A
 * user whose pending request already holds a place is not turned away by the cap. The group's own state is judged
 * by `decideJoin`.
 */
export function linkUnavailability(
  link: JoinLink,
  now: Date,
  holdsPlace = false,
): 'LinkDisabled' | 'LinkExpired' | 'LinkUsedUp' | null {
  if (!link.enabled) return 'LinkDisabled'
  if (link.expiresAt && link.expiresAt.getTime() <= now.getTime()) return 'LinkExpired'
  const { uses, pending } = link.counters
  if (!holdsPlace && link.maxUses !== null && uses + pending >= link.maxUses) return 'LinkUsedUp'
  return null
}
