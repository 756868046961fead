// The web-standard entry: only web platform APIs (no `node:` import; a test bundles it for a neutral platform and
// runs it in a context with web globals alone). The Node listener is `createBitrixHandler` in the main entry.
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
export { type BitrixEventStore, createInMemoryEventStore } from './events/event-store.js'
export type { EventsContext } from './events/methods.js'
export { MAX_USER_IDS_PER_CALL } from './limits.js'
export type { MethodEntry } from './methods/context.js'
export { type BitrixProtocolOptions, METHODS } from './protocol.js'
export {
  type CredentialFailureLimit,
  inMemoryRateLimiters,
  type LeakyBucketOptions,
  type RateLimiterFactory,
  type RateLimiterSpec,
} from './rate-limit.js'
export { type BitrixSubjects, createInMemorySubjects, DEFAULT_SUBJECT, type Subject } from './subjects.js'
export { type BitrixFetchHandler, type BitrixFetchHandlerOptions, createBitrixFetchHandler } from './web-handler.js'
export type { BitrixError, MethodSuccess, Timing } from './wire/envelope.js'
export { type Params, type ParamValue, parsePhpParams } from './wire/php-params.js'
