import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../../domain/errors.js'
import type { GroupId, UserId } from '../../domain/group.js'
import type { JoinRequest, JoinRequestStatus } from '../../domain/join-request.js'
import type { Page } from './page.js'

/**
 * The join requests, keyed by `id`, each of one user to one group. Part of `StoreTx`. A user MUST never have two
 * `pending` requests for one group, whatever the order of inserts and updates.
 */
export interface RequestRows {
  /**
   * The request with this id; `null` when there is none. A store may lock it as `getLatestRequest` does (the
   * PostgreSQL store does); the port does not require it.
   */
  getRequest(id: string): ResultAsync<JoinRequest | null, StorageFailure>
  /**
   * The user's most recently inserted request to the group, whatever its status or `createdAt`; `null` when the
   * user never asked (or the group does not exist). Reading it MUST lock it until the transaction ends, so two
   * deciders of one request serialise.
   */
  getLatestRequest(groupId: GroupId, userId: UserId): ResultAsync<JoinRequest | null, StorageFailure>
  /**
   * Stores the request, which becomes the user's latest to the group. MUST fail with `StorageError`, storing
   * nothing, when a request with this id exists, when it is `pending` and the user has a `pending` request for the
   * group already, or when the group does not exist.
   */
  insertRequest(request: JoinRequest): ResultAsync<void, StorageFailure>
  /**
   * Replaces every field of the stored request with the same `id` (its `groupId` and `requesterId` must stay as
   * stored); which request is the latest does not change. MUST fail with `StorageError` when no request has this
   * id, and when it would make a second `pending` request of the user for the group.
   */
  updateRequest(request: JoinRequest): ResultAsync<void, StorageFailure>
  /** A page of the group's requests with this status in (createdAt, id) order; `[]` when there are none. */
  listRequests(
    groupId: GroupId,
    status: JoinRequestStatus,
    page: Page,
  ): ResultAsync<readonly JoinRequest[], StorageFailure>
  /**
   * A page of the user's pending requests and invitations, to every group, in (createdAt, id) order; `[]` when
   * there are none.
   */
  listPendingRequestsOfUser(userId: UserId, page: Page): ResultAsync<readonly JoinRequest[], StorageFailure>
  /** How many of the group's requests are pending, and how many of those unread; zeros for no group. */
  countPendingRequests(groupId: GroupId): ResultAsync<{ total: number; unread: number }, StorageFailure>
  /** Marks every pending unread request of the group read; returns how many changed (0 for no group). */
  markRequestsRead(groupId: GroupId): ResultAsync<number, StorageFailure>
}
