export {
  type BitrixAuthResolver,
  type BitrixUserId,
  createWebhookAuth,
  EXPIRED_TOKEN,
  type TokenOutcome,
  type WebhookCredential,
} from './auth.js'
export { MAX_BATCH_COMMANDS, MAX_BATCH_USER_IDS } from './batch.js'
export { BITRIX_ERRORS, toBitrixError } from './bitrix-errors.js'
export {
  type ApplicationGrant,
  type BitrixApplication,
  type BitrixApplications,
  createInMemoryApplications,
  type EventTokens,
  type PortalIdentity,
} from './events/applications.js'
export { BITRIX_EVENT_OF, BITRIX_EVENTS, type BitrixEventName, EVENTS_OUTSIDE_BITRIX } from './events/catalogue.js'
export {
  type BitrixEventStore,
  createInMemoryEventStore,
  type EventBinding,
  type NewBinding,
  type NewOfflineEvent,
  type OfflineEvent,
  type QueueKey,
} from './events/event-store.js'
export type { EventsContext } from './events/methods.js'
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
export { type BitrixAdapterOptions, createBitrixHandler, METHODS, verifiedBitrixUser } from './handler.js'
export { MAX_USER_IDS_PER_CALL } from './limits.js'
export type { MethodEntry } from './methods/context.js'
export { createPostgresSubjects, type SubjectsDatabase } from './postgres-subjects.js'
export type { BitrixProtocolOptions } from './protocol.js'
export {
  type CredentialFailureLimit,
  inMemoryRateLimiters,
  type LeakyBucketOptions,
  type RateLimiterFactory,
  type RateLimiterSpec,
} from './rate-limit.js'
export { type BitrixSubjects, createInMemorySubjects, DEFAULT_SUBJECT, type Subject } from './subjects.js'
export { groupFields, memberFields, ROLE_LETTER, requestFields } from './views.js'
export { type BitrixFetchHandler, type BitrixFetchHandlerOptions, createBitrixFetchHandler } from './web-handler.js'
export type { BitrixError, MethodSuccess, Timing } from './wire/envelope.js'
export { type Params, type ParamValue, parsePhpParams } from './wire/php-params.js'
