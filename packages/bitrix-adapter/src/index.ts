// The main entry: everything of the web-standard entry, plus the Node listener, the PostgreSQL-backed stores and
// the event subscribers (these import `node:` modules, so they stay out of `./web`).

export { BITRIX_EVENT_OF, BITRIX_EVENTS, type BitrixEventName, EVENTS_OUTSIDE_BITRIX } from './events/catalogue.js'
export type {
  EventBinding,
  NewBinding,
  NewOfflineEvent,
  OfflineEvent,
  QueueKey,
} from './events/event-store.js'
export { createPostgresEventStore, type EventSqlDatabase } from './events/postgres-event-store.js'
export { createEventSinkFeed, type EventSinkFeed } from './events/sink-feed.js'
export {
  type BitrixEventSubscriberOptions,
  createBitrixEventSubscribers,
  type HandlerFailure,
  handlerForm,
  type OutboxEvent,
  type OutboxSubscriber,
} from './events/subscribers.js'
export { type BitrixAdapterOptions, createBitrixHandler, verifiedBitrixUser } from './handler.js'
export { createPostgresSubjects, type SubjectsDatabase } from './postgres-subjects.js'
export { groupFields, memberFields, ROLE_LETTER, requestFields } from './views.js'
export * from './web.js'
