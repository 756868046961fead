import type { DomainEvent } from '../domain/events.js'

/** Receives domain events after their transaction committed, in order. A failing sink never undoes a command. */
export interface EventSink {
  publish(events: readonly DomainEvent[]): void | Promise<void>
}
