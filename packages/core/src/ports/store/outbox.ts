import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../../domain/errors.js'
import type { DomainEvent } from '../../domain/events.js'
import type { GroupId, UserId } from '../../domain/group.js'

/** An event as the outbox keeps it, with its position in the log. */
export interface StoredEvent {
  /**
   * Given by the store when the event is appended: a positive integer, unique, and greater than every `seq` the
   * group's earlier events got (every writing command holds its group's lock until it commits, so within one group
   * `seq` grows in commit order). Across groups `seq` only orders events roughly.
   */
  readonly seq: number
  readonly event: DomainEvent
}

/** The events of a transaction, written with its changes. Part of `StoreTx`. */
export interface Outbox {
  /**
   * Records events in the same transaction (an outbox): kept, in order, exactly when the transaction commits (the
   * core hands them to the `EventSink` after the commit; a store may also keep them for a relay). An empty list is
   * a no-op. An event may name a group that no longer exists (`GroupDeleted` does) and MUST still be recorded.
   */
  appendEvents(events: readonly DomainEvent[]): ResultAsync<void, StorageFailure>
  /**
   * The group's recorded events with `seq` greater than `after` (all when `null`), in `seq` order, at most `limit`;
   * `[]` when there are none (or no such group). Sees the transaction's own appended events. A store may have
   * dropped old events (a retention its host configured, a bounded log in memory): they are then not returned.
   */
  readGroupEvents(
    groupId: GroupId,
    after: number | null,
    limit: number,
  ): ResultAsync<readonly StoredEvent[], StorageFailure>
  /**
   * The recorded events of every group that name the user as their `actor` or `subject`, with `seq` greater than
   * `after` (all when `null`), in `seq` order, at most `limit`; `[]` when there are none. Sees the transaction's own
   * appended events; like `readGroupEvents`, old events a retention dropped are not returned. A user's own log
   * (their leaves, removals and requests in groups they are no longer or not yet a member of) reads it.
   */
  readUserEvents(
    userId: UserId,
    after: number | null,
    limit: number,
  ): ResultAsync<readonly StoredEvent[], StorageFailure>
  /** The `seq` of the group's newest recorded event; `null` when it has none. */
  lastGroupEventSeq(groupId: GroupId): ResultAsync<number | null, StorageFailure>
}
