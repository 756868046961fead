import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../../domain/errors.js'
import type { Group, GroupId, UserId } from '../../domain/group.js'
import type { JoinLink } from '../../domain/join-link.js'
import type { JoinRequest } from '../../domain/join-request.js'
import type { Membership } from '../../domain/membership.js'
import type { Removal } from '../../domain/removal.js'

/** What a join attempt reads: the link (when asked by code), the group, and the user's standing in it. */
export interface JoinState {
  readonly link: JoinLink | null
  readonly group: Group | null
  readonly membership: Membership | null
  /** The user's latest request to the group, locked as `getLatestRequest` locks it. */
  readonly latestRequest: JoinRequest | null
  readonly removal: Removal | null
}

/** A read across groups, links, memberships, requests and removals, so a join costs one round trip. Part of `StoreTx`. */
export interface JoinReads {
  /**
   * Reads everything a join decision needs in one call (a SQL store answers with one query): the link named by
   * `code` and its group, or the group `groupId`; then the user's membership, latest request and removal there.
   * MUST answer exactly what the separate reads would, and lock the latest request as `getLatestRequest` does. With
   * `lock: true` it first locks the group exactly as `lockGroup` does (the read then sees every change committed
   * before the lock), so a join costs one call; without it the group is not locked. A code with no link, or an id
   * with no group, answers every field `null`.
   */
  readJoinState(
    target: { readonly code: string } | { readonly groupId: GroupId },
    userId: UserId,
    options?: { readonly lock?: boolean },
  ): ResultAsync<JoinState, StorageFailure>
}
