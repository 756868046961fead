export { type AppViewSocialGraphOptions, createAppViewSocialGraph } from './appview-social-graph.js'
export {
  type Caller,
  createServiceAuth,
  type ReplayGuard,
  type ServiceAuth,
  type ServiceAuthOptions,
  type SigningKeyResolver,
} from './auth.js'
export { LEXICONS, SERVED_METHODS, type ServedMethod } from './lexicons/index.js'
export { maxMembersPerCall } from './methods.js'
export { type Listening, listen } from './node.js'
export {
  inMemoryRateLimiters,
  type RateLimiterFactory,
  type RateLimiterSpec,
} from './rate-limiters.js'
export {
  type AtprotoAdapterOptions,
  type CallEntry,
  createJoineryXrpcServer,
  registerJoineryMethods,
  verifiedCaller,
} from './register.js'
export { createMemoryReplayGuard, createReplayGuard } from './replay-guard.js'
export type { AnonymousPreviewLimit, UnknownCodeLimit } from './unknown-code-limiter.js'
export type { ConvoEnricher, ConvoView, ProfileBasics, ProfileLookup, ProfileViewBasic, ViewOptions } from './views.js'
export { toXrpcError, XRPC_ERRORS, type XrpcErrorResult } from './xrpc-errors.js'
