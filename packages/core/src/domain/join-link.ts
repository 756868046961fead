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
