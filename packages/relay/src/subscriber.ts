import type { DomainEvent, DomainEventType } from '@joinery/core'

/** One outbox event as the relay hands it to a subscriber. */
export interface RelayEvent {
  /** The outbox id: unique in the schema, increasing per group in commit order. The same on every retry. */
  readonly id: string
  readonly groupId: string
  readonly type: DomainEventType
  readonly event: DomainEvent
  /** When the transaction that wrote it ran. */
  readonly createdAt: Date
}

/**
 * Somewhere events go. The relay calls `deliver` once per event at a time, in outbox order per group, and calls it
 * again (after a back-off) when it rejects, so it MUST tolerate a repeat: delivery is at least once.
 */
export interface Subscriber {
  /** Stable across restarts and the same on every instance: the relay keeps each subscriber's progress under it. */
  readonly id: string
  /** Events it does not want (its filters). Default: every event. MUST be a pure function of the event. */
  accepts?(event: RelayEvent): boolean
  /**
   * Resolves once the event is accepted downstream; a rejection is a failed attempt. MUST settle within a bound
   * (give it a timeout, as the webhook subscriber has): while it runs, its group stays with this instance.
   */
  deliver(event: RelayEvent): Promise<void>
}

/** Which events a subscriber takes: by type and by group. An absent list takes every value. */
export interface EventFilter {
  readonly types?: readonly DomainEventType[]
  readonly groups?: readonly string[]
}

/**
 * The `accepts` of a filter: an event passes when its type is in `types` and its group in `groups`.
 * @example createWebhookSubscriber({ …, filter: { types: ['MemberJoined', 'MemberLeft'] } })
 */
export function acceptsOf(filter: EventFilter | undefined): (event: RelayEvent) => boolean {
  const types = filter?.types ? new Set<string>(filter.types) : null
  const groups = filter?.groups ? new Set(filter.groups) : null
  return (e) => (types === null || types.has(e.type)) && (groups === null || groups.has(e.groupId))
}
