import type { ResultAsync } from 'neverthrow'
import type { StorageError } from '../domain/errors.js'
import type { DomainEvent } from '../domain/events.js'
import type { Group, GroupId, UserId } from '../domain/group.js'
import type { JoinLink } from '../domain/join-link.js'
import type { JoinRequest, JoinRequestStatus } from '../domain/join-request.js'
import type { Membership, Role } from '../domain/membership.js'
import type { Removal } from '../domain/removal.js'

/** What a join attempt reads: the link (when asked by code), the group, and the user's standing in it. */
export interface JoinState {
  readonly link: JoinLink | null
  readonly group: Group | null
  readonly membership: Membership | null
  /** The user's latest request to the group, locked as `getLatestRequest` locks it. */
  readonly latestRequest: JoinRequest | null
  readonly removal: Removal | null
}

/** A position in a keyset-ordered list: the sort time and the id that breaks ties. */
export interface ListKey {
  readonly at: Date
  readonly id: string
}

export interface Page {
  /** Return only rows strictly after this key, in ascending (at, id) order. */
  readonly after: ListKey | null
  readonly limit: number
}

/** What a command adds to a link's counters: joins, pending requests (±), and one refusal by its code. */
export interface LinkCounterChange {
  readonly uses?: number
  readonly pending?: number
  readonly refusal?: string
}

export type InsertMembershipOutcome = 'inserted' | 'exists' | 'limit-reached'

/** The group fields a command may change; `memberCount` changes only with memberships, `id` and `createdAt` never. */
export type GroupChange = Partial<
  Pick<
    Group,
    | 'name'
    | 'description'
    | 'ownerId'
    | 'memberLimit'
    | 'lockStatus'
    | 'admission'
    | 'visibility'
    | 'approvers'
    | 'allowMultipleLinks'
  >
>

/** The link fields a command may change; the counters change only through `countOnLink`. */
export type LinkChange = Partial<
  Pick<JoinLink, 'joinRule' | 'requireApproval' | 'enabled' | 'name' | 'expiresAt' | 'maxUses'>
>

/** Which group a command works on: by id, or through one of its join links. */
export type LockTarget = { readonly groupId: GroupId } | { readonly code: string }

/** The group fields a query may filter and order on. */
export type GroupField =
  | 'id'
  | 'name'
  | 'ownerId'
  | 'createdAt'
  | 'memberCount'
  | 'visibility'
  | 'admission'
  | 'lockStatus'
  | 'approvers'

/**
 * One filter condition. Strings compare by code unit, except `id`, which compares as a number when both sides are
 * decimal integers; `contains` is a case-insensitive substring match on a string field.
 */
export interface GroupCondition {
  readonly field: GroupField
  readonly op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains'
  readonly value: string | number | Date
}

export interface GroupQuery {
  /** Only public groups and the hidden groups this user is a member of; `null`: public groups only. */
  readonly visibleTo: UserId | null
  /** All must hold. */
  readonly conditions: readonly GroupCondition[]
  /** Ties are broken by `id` ascending. */
  readonly order: readonly { readonly field: GroupField; readonly direction: 'asc' | 'desc' }[]
  readonly offset: number
  readonly limit: number
}

/**
 * The reads and writes a command may do inside one transaction. Every method MUST return `err(StorageError)`
 * (never throw or reject) when the storage fails. Absent rows are `null`, never an error.
 */
export interface StoreTx {
  /**
   * Reads the group (named by id, or by one of its link codes) and holds it until the transaction ends: a second
   * transaction that locks the same group waits until this one has committed or rolled back, and every read this
   * transaction makes after the lock sees every change committed by the transactions that held the lock before it.
   * Every writing command locks its group before it reads anything else, which makes commands on one group run as
   * if one at a time (see `MembershipStore.transaction`). `null` when there is no such group (or link).
   */
  lockGroup(target: LockTarget): ResultAsync<Group | null, StorageError>
  getGroup(id: GroupId): ResultAsync<Group | null, StorageError>
  /** MUST fail if a group with this id exists. `memberCount` of the row is ignored: it starts at 0. */
  insertGroup(group: Group): ResultAsync<void, StorageError>
  /** Changes only the fields given, leaving every other field as it is in the store now. Fails if the group is missing. */
  updateGroup(id: GroupId, change: GroupChange): ResultAsync<void, StorageError>
  /** The groups matching the query (a page of them) and how many match in all. */
  listGroups(
    query: GroupQuery,
  ): ResultAsync<{ readonly groups: readonly Group[]; readonly total: number }, StorageError>
  /** Deletes the group with its links, memberships, requests and removals. */
  deleteGroup(id: GroupId): ResultAsync<void, StorageError>

  getLink(code: string): ResultAsync<JoinLink | null, StorageError>
  /**
   * Reads everything a join decision needs in one call (a SQL store answers with one query): the link named by
   * `code` and its group, or the group `groupId`; then the user's membership, latest request and removal there.
   * MUST answer exactly what the separate reads would.
   */
  readJoinState(
    target: { readonly code: string } | { readonly groupId: GroupId },
    userId: UserId,
  ): ResultAsync<JoinState, StorageError>
  /** The group's links, newest first. */
  listLinks(groupId: GroupId): ResultAsync<readonly JoinLink[], StorageError>
  insertLink(link: JoinLink): ResultAsync<void, StorageError>
  /** Changes only the settings given (never the counters). Fails if the link is missing. */
  updateLink(code: string, change: LinkChange): ResultAsync<void, StorageError>
  /**
   * Adds to a link's counters in one atomic step (`pending` never goes below 0), so concurrent joins through one
   * link all count. A link that does not exist is left alone.
   */
  countOnLink(code: string, change: LinkCounterChange): ResultAsync<void, StorageError>

  getMembership(groupId: GroupId, userId: UserId): ResultAsync<Membership | null, StorageError>
  /**
   * Adds the member and increments the group's `memberCount` as one atomic step. When `limit` is a number the
   * seat reservation MUST answer `limit-reached` rather than let `memberCount` exceed it, even when other
   * transactions or processes add members to the same group at the same time. `exists` when already a member.
   */
  insertMembership(membership: Membership, limit: number | null): ResultAsync<InsertMembershipOutcome, StorageError>
  updateMembershipRole(groupId: GroupId, userId: UserId, role: Role): ResultAsync<void, StorageError>
  /** Removes the member and decrements `memberCount` atomically. `false` when they were not a member. */
  deleteMembership(groupId: GroupId, userId: UserId): ResultAsync<boolean, StorageError>
  /** Members in (joinedAt, userId) order; `ListKey.id` is the user id. */
  listMembers(groupId: GroupId, page: Page): ResultAsync<readonly Membership[], StorageError>
  /** A user's memberships in (joinedAt, groupId) order; `ListKey.id` is the group id. */
  listMembershipsOfUser(userId: UserId, page: Page): ResultAsync<readonly Membership[], StorageError>

  getRequest(id: string): ResultAsync<JoinRequest | null, StorageError>
  /** The user's most recently inserted request to the group, whatever its status. Reading it MUST lock it until the transaction ends, so two deciders of one request serialise. */
  getLatestRequest(groupId: GroupId, userId: UserId): ResultAsync<JoinRequest | null, StorageError>
  /** MUST fail rather than store a second `pending` request of one user for one group. */
  insertRequest(request: JoinRequest): ResultAsync<void, StorageError>
  updateRequest(request: JoinRequest): ResultAsync<void, StorageError>
  /** Requests of a group with the given status in (createdAt, id) order. */
  listRequests(
    groupId: GroupId,
    status: JoinRequestStatus,
    page: Page,
  ): ResultAsync<readonly JoinRequest[], StorageError>
  countPendingRequests(groupId: GroupId): ResultAsync<{ total: number; unread: number }, StorageError>
  /** Marks every pending request of the group read; returns how many changed. */
  markRequestsRead(groupId: GroupId): ResultAsync<number, StorageError>

  getRemoval(groupId: GroupId, userId: UserId): ResultAsync<Removal | null, StorageError>
  /** Inserts or replaces the removal of (groupId, userId). */
  putRemoval(removal: Removal): ResultAsync<void, StorageError>
  deleteRemoval(groupId: GroupId, userId: UserId): ResultAsync<boolean, StorageError>

  /** Records events in the same transaction (an outbox); they are published to the sink after commit. */
  appendEvents(events: readonly DomainEvent[]): ResultAsync<void, StorageError>
}

/** Where Joinery keeps its state. */
export interface MembershipStore {
  /**
   * Runs `work` as one unit: every write it made is kept if it returns `ok`, and none is kept if it returns `err`
   * or the storage fails.
   *
   * The guarantee every store MUST give: transactions that lock the same group (`StoreTx.lockGroup`) run as if one
   * at a time, each seeing all that the earlier ones committed; transactions on different groups touch disjoint
   * rows. Since every writing command locks its group first, every set of concurrent commands ends in the state of
   * some one-at-a-time order of them. Besides, whatever a caller does, concurrent transactions MUST NOT let a
   * group's `memberCount` exceed its limit nor leave two pending requests of one user for one group.
   */
  transaction<T, E>(work: (tx: StoreTx) => ResultAsync<T, E>): ResultAsync<T, E | StorageError>
}
