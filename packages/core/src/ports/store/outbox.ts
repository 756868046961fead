import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../../domain/errors.js'
import type { DomainEvent } from '../../domain/events.js'

/** The events of a transaction, written with its changes. Part of `StoreTx`. */
export interface Outbox {
  /**
   * Records events in the same transaction (an outbox): kept, in order, exactly when the transaction commits (the
   * core hands them to the `EventSink` after the commit; a store may also keep them for a relay). An empty list is
   * a no-op. An event may name a group that no longer exists (`GroupDeleted` does) and MUST still be recorded.
   */
  appendEvents(events: readonly DomainEvent[]): ResultAsync<void, StorageFailure>
}
