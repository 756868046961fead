import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../domain/errors.js'
import type { GroupRows } from './store/group-rows.js'
import type { JoinReads } from './store/join-reads.js'
import type { LinkRows } from './store/link-rows.js'
import type { MembershipRows } from './store/membership-rows.js'
import type { Outbox } from './store/outbox.js'
import type { RemovalRows } from './store/removal-rows.js'
import type { RequestRows } from './store/request-rows.js'

// One import path for the whole port: commands and stores name its parts from here.
export type {
  GroupAnyOf,
  GroupAttributeCondition,
  GroupChange,
  GroupCondition,
  GroupField,
  GroupQuery,
  GroupRows,
  LockTarget,
} from './store/group-rows.js'
export type { JoinReads, JoinState } from './store/join-reads.js'
export type { LinkChange, LinkCounterChange, LinkRows } from './store/link-rows.js'
export type { InsertMembershipOutcome, MembershipRows } from './store/membership-rows.js'
export type { Outbox, StoredEvent } from './store/outbox.js'
export type { ListKey, Page } from './store/page.js'
export type { RemovalRows } from './store/removal-rows.js'
export type { RequestRows } from './store/request-rows.js'

/**
 * The reads and writes a command may do inside one transaction, one interface per concern. Every method MUST
 * return `err(StorageFailure)` (never throw or reject) when the storage fails: `StorageUnavailable` when the storage
 * cannot answer now and a retry later may succeed (connection refused or dropped, a connect, statement or lock
 * timeout, the database paused, starting, restarting or shutting down, no connection left), `StorageError` for
 * every other failure. A read of a missing row answers `null` (a list `[]`, a count 0), never an error; what a
 * write does when its row is missing is stated on each method. Reads see the transaction's own earlier writes.
 */
export interface StoreTx extends GroupRows, LinkRows, MembershipRows, RequestRows, RemovalRows, JoinReads, Outbox {}

/** Where Joinery keeps its state. */
export interface MembershipStore {
  /**
   * Runs `work` as one unit: every write it made is kept if it returns `ok`, and none is kept if it returns `err`
   * or the storage fails. When `work` fails with a store call's error, the transaction answers that error
   * unchanged. A store MUST answer `StorageUnavailable` (not hang) when it cannot reach its storage; a store with
   * timeouts answers it within their bound.
   *
   * The guarantee every store MUST give: transactions that lock the same group (`StoreTx.lockGroup`) run as if one
   * at a time, each seeing all that the earlier ones committed; transactions on different groups touch disjoint
   * rows. Since every writing command locks its group first, every set of concurrent commands ends in the state of
   * some one-at-a-time order of them. Besides, whatever a caller does, concurrent transactions MUST NOT let a
   * group's `memberCount` exceed its limit nor leave two pending requests of one user for one group.
   */
  transaction<T, E>(work: (tx: StoreTx) => ResultAsync<T, E>): ResultAsync<T, E | StorageFailure>
}
