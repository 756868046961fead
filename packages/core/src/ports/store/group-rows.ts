import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../../domain/errors.js'
import type { Group, GroupAttributes, GroupId, UserId } from '../../domain/group.js'

/** Which group a command works on: by id, or through one of its join links. */
export type LockTarget = { readonly groupId: GroupId } | { readonly code: string }

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
    | 'inviters'
    | 'allowMultipleLinks'
    | 'updatedAt'
    | 'lastActivityAt'
  >
> & {
  /** Merged into the stored attributes: the keys given are set, the others kept. */
  readonly attributes?: GroupAttributes
}

/**
 * The group fields a query may filter and order on. `updatedAt` and `lastActivityAt` read as `createdAt` when the
 * group has none (`updatedAtOf`, `lastActivityAtOf`).
 */
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
  | 'updatedAt'
  | 'lastActivityAt'

/**
 * One filter condition. Strings compare by code unit, except `id`, which compares as a number when both sides are
 * decimal integers; `contains` is a case-insensitive substring match on a string field, `notContains` its negation.
 */
export interface GroupCondition {
  readonly field: GroupField
  readonly op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'contains' | 'notContains'
  readonly value: string | number | Date
}

/**
 * One condition on a descriptive attribute: a missing attribute reads as `""`. Values compare by code unit, as
 * numbers when both sides are decimal integers; `contains`/`notContains` as for fields.
 */
export interface GroupAttributeCondition {
  readonly attribute: string
  readonly op: GroupCondition['op']
  readonly value: string
}

/** Holds when at least one of its conditions holds (an empty `anyOf` never holds). */
export interface GroupAnyOf {
  readonly anyOf: readonly (GroupCondition | GroupAttributeCondition)[]
}

export interface GroupQuery {
  /** Only public groups and the hidden groups this user is a member of; `null`: public groups only. */
  readonly visibleTo: UserId | null
  /** Every group, hidden ones included, whoever `visibleTo` names (an administrator's view). Default false. */
  readonly everyGroup?: boolean
  /** All must hold; a `GroupAnyOf` holds when any of its conditions does. */
  readonly conditions: readonly (GroupCondition | GroupAttributeCondition | GroupAnyOf)[]
  /** Ties are broken by `id` ascending. */
  readonly order: readonly { readonly field: GroupField; readonly direction: 'asc' | 'desc' }[]
  readonly offset: number
  readonly limit: number
}

/** The groups, one row per id, and the lock that makes commands on one group run one at a time. Part of `StoreTx`. */
export interface GroupRows {
  /**
   * Reads the group (named by id, or by one of its link codes) and holds it until the transaction ends: a second
   * transaction that locks the same group waits until this one has committed or rolled back, and every read this
   * transaction makes after the lock sees every change committed by the transactions that held the lock before it.
   * Every writing command locks its group before it reads anything else, which makes commands on one group run as
   * if one at a time (see `MembershipStore.transaction`).
   *
   * `null` when there is no such group, or no link with that code; then nothing is held, so a concurrent
   * transaction may still insert that group.
   */
  lockGroup(target: LockTarget): ResultAsync<Group | null, StorageFailure>
  /**
   * How many groups `ownerId` owns now, holding that user's ownership until the transaction ends: a second
   * transaction that calls it for the same user waits until this one has committed or rolled back, and then counts
   * every group this one inserted for them. `0` for a user who owns none. `createGroup` calls it before inserting,
   * so a cap on groups per user holds when one user makes groups from several connections at once.
   */
  lockOwnedGroups(ownerId: UserId): ResultAsync<number, StorageFailure>
  /** The group as stored now, without locking it; `null` when there is none. */
  getGroup(id: GroupId): ResultAsync<Group | null, StorageFailure>
  /**
   * Adds the group with `memberCount` 0, whatever the row says. MUST fail with `StorageError`, storing nothing,
   * when a group with this id exists; the id of a deleted group may be used again.
   */
  insertGroup(group: Group): ResultAsync<void, StorageFailure>
  /**
   * Changes only the fields given (an `undefined` field is left alone), leaving every other field as it is in the
   * store now, `memberCount` included. MUST fail with `StorageError` when the group is missing, even when
   * `change` is empty.
   */
  updateGroup(id: GroupId, change: GroupChange): ResultAsync<void, StorageFailure>
  /**
   * A page of the groups matching the query (from `offset`, at most `limit`) and how many match in all, whatever
   * the page. No match is an empty page and a `total` of 0, not an error.
   */
  listGroups(
    query: GroupQuery,
  ): ResultAsync<{ readonly groups: readonly Group[]; readonly total: number }, StorageFailure>
  /**
   * Deletes the group with its links, memberships, requests and removals, and nothing of any other group; events
   * already appended stay. A missing group is a no-op (`ok`), so deleting twice is safe. Its id may then be used
   * again, starting empty.
   */
  deleteGroup(id: GroupId): ResultAsync<void, StorageFailure>
}
