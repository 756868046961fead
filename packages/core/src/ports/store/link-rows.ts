import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../../domain/errors.js'
import type { GroupId } from '../../domain/group.js'
import type { JoinLink } from '../../domain/join-link.js'

/** The link fields a command may change; the counters change only through `countOnLink`. */
export type LinkChange = Partial<
  Pick<JoinLink, 'joinRule' | 'requireApproval' | 'enabled' | 'name' | 'expiresAt' | 'maxUses'>
>

/** What a command adds to a link's counters: joins, pending requests (±), and one refusal by its code. */
export interface LinkCounterChange {
  readonly uses?: number
  readonly pending?: number
  readonly refusal?: string
}

/** The join links, keyed by `code` across all groups, each belonging to one group. Part of `StoreTx`. */
export interface LinkRows {
  /** The link with this code, without locking it; `null` when there is none. */
  getLink(code: string): ResultAsync<JoinLink | null, StorageFailure>
  /**
   * The group's links, newest (`createdAt`) first; links made at the same instant come in no promised order.
   * `[]` when the group has none or does not exist.
   */
  listLinks(groupId: GroupId): ResultAsync<readonly JoinLink[], StorageFailure>
  /**
   * Stores the link as given, counters included. MUST fail with `StorageError`, storing nothing, when a link with
   * this code exists (in any group) or when the link's group does not exist.
   */
  insertLink(link: JoinLink): ResultAsync<void, StorageFailure>
  /**
   * Changes only the settings given (never the counters), leaving the rest as stored now. MUST fail with
   * `StorageError` when the link is missing, even when `change` is empty.
   */
  updateLink(code: string, change: LinkChange): ResultAsync<void, StorageFailure>
  /**
   * Adds to a link's counters in one atomic step (`pending` never goes below 0), so concurrent joins through one
   * link all count. A code with no link is a no-op (`ok`): counters are bookkeeping and never fail a command.
   */
  countOnLink(code: string, change: LinkCounterChange): ResultAsync<void, StorageFailure>
}
