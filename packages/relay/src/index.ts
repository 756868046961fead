export type { Backoff } from './internal/backoff.js'
export {
  type OutboxListener,
  type PgListenClient,
  type PgListenPool,
  type PgliteListenable,
  pgListener,
  pgliteListener,
} from './listeners.js'
export {
  createRelay,
  type DeadLetter,
  type DeliveryReport,
  type Relay,
  type RelayHooks,
  type RelayOptions,
  type SubscriberBacklog,
  type SubscriberStats,
} from './relay.js'
export { acceptsOf, type EventFilter, type RelayEvent, type Subscriber } from './subscriber.js'
export {
  createWebhookSubscriber,
  generateWebhookSecret,
  signWebhook,
  type WebhookPayload,
  type WebhookSubscriberOptions,
  webhookPayload,
} from './webhook.js'
