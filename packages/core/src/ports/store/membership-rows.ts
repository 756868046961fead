import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../../domain/errors.js'
import type { GroupId, UserId } from '../../domain/group.js'
import type { Membership, Role } from '../../domain/membership.js'
import type { Page } from './page.js'

export type InsertMembershipOutcome = 'inserted' | 'exists' | 'limit-reached'

/**
 * The memberships, one per (group, user), and the group's `memberCount` that counts them. Part of `StoreTx`.
 * `memberCount` MUST always equal the number of the group's memberships.
 */
export interface MembershipRows {
  /** The user's membership in the group; `null` when they are not a member or the group does not exist. */
  getMembership(groupId: GroupId, userId: UserId): ResultAsync<Membership | null, StorageFailure>
  /**
   * Adds the member and increments the group's `memberCount` as one atomic step. When `limit` is a number the
   * seat reservation MUST answer `limit-reached` rather than let `memberCount` exceed it, even when other
   * transactions or processes add members to the same group at the same time (the store compares with `limit`,
   * not with the group's `memberLimit`). `exists` when already a member, leaving that membership as it is;
   * `limit-reached` stores nothing. MUST fail with `StorageError`, storing nothing, when the group does not exist.
   */
  insertMembership(membership: Membership, limit: number | null): ResultAsync<InsertMembershipOutcome, StorageFailure>
  /**
   * Changes the member's role and nothing else. MUST fail with `StorageError` when the user is not a member of the
   * group (or the group does not exist).
   */
  updateMembershipRole(groupId: GroupId, userId: UserId, role: Role): ResultAsync<void, StorageFailure>
  /**
   * Removes the member and decrements `memberCount` in one atomic step; `true` when they were a member. `false`,
   * changing nothing, when they were not (or the group does not exist).
   */
  deleteMembership(groupId: GroupId, userId: UserId): ResultAsync<boolean, StorageFailure>
  /**
   * A page of the group's members in (joinedAt, userId) order; `ListKey.id` is the user id. `[]` past the last
   * member, and for a group with none or no such group.
   */
  listMembers(groupId: GroupId, page: Page): ResultAsync<readonly Membership[], StorageFailure>
  /**
   * A page of the user's memberships in (joinedAt, groupId) order; `ListKey.id` is the group id. `[]` past the
   * last one, and for a user who is in no group.
   */
  listMembershipsOfUser(userId: UserId, page: Page): ResultAsync<readonly Membership[], StorageFailure>
}
