import type { DomainEvent, EventSink } from '@joinery/core'
import type { OutboxEvent, OutboxSubscriber } from './subscribers.js'

/** An `EventSink` that feeds subscribers in this process, and tells when it has caught up. */
export interface EventSinkFeed extends EventSink {
  /** Resolves once every event published so far has been handed to every subscriber. */
  idle(): Promise<void>
}

/**
 * Feeds the Bitrix24 event subscribers from the core's in-process `EventSink`, for the in-memory store (which has
 * no durable outbox for `@joinery/relay`): `createJoinery({ store: createInMemoryStore(), events: feed })`. The
 * command does not wait for delivery; events go out in commit order, one command's events as one hit. Nothing is
 * kept: events in flight when the process stops are lost, and a subscriber that rejects is not retried (`onError`).
 * With a PostgreSQL store use the relay instead.
 */
export function createEventSinkFeed(
  subscribers: readonly OutboxSubscriber[],
  options: { readonly onError?: (error: unknown, event: OutboxEvent) => void } = {},
): EventSinkFeed {
  let tail: Promise<void> = Promise.resolve()
  let next = 1
  async function feed(events: readonly DomainEvent[], createdAt: Date) {
    for (const event of events) {
      const e: OutboxEvent = { id: `m${next++}`, groupId: event.groupId, type: event.type, event, createdAt }
      for (const s of subscribers) {
        if (!s.accepts(e)) continue
        try {
          await s.deliver(e)
        } catch (error) {
          try {
            options.onError?.(error, e)
          } catch {
            // A failing hook changes nothing.
          }
        }
      }
    }
  }
  return {
    publish(events) {
      const createdAt = new Date()
      tail = tail.then(() => feed(events, createdAt))
    },
    idle: () => tail,
  }
}
