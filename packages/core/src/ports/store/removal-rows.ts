import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../../domain/errors.js'
import type { GroupId, UserId } from '../../domain/group.js'
import type { Removal } from '../../domain/removal.js'

/** Kicks and bans: at most one removal per (group, user), the latest. Part of `StoreTx`. */
export interface RemovalRows {
  /** The user's removal from the group, expired or not; `null` when there is none. */
  getRemoval(groupId: GroupId, userId: UserId): ResultAsync<Removal | null, StorageFailure>
  /**
   * Inserts the removal of (groupId, userId), or replaces the one there. MUST fail with `StorageError`, storing
   * nothing, when the group does not exist.
   */
  putRemoval(removal: Removal): ResultAsync<void, StorageFailure>
  /** Deletes the user's removal from the group; `true` when there was one, `false` (changing nothing) when not. */
  deleteRemoval(groupId: GroupId, userId: UserId): ResultAsync<boolean, StorageFailure>
}
