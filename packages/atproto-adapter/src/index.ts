export type { AdapterOptions } from './adapter-options.js'
export { type AppViewProfilesOptions, createAppViewProfiles, createStaticProfiles } from './appview-profiles.js'
export { type AppViewSocialGraphOptions, createAppViewSocialGraph } from './appview-social-graph.js'
export {
  type Caller,
  createServiceAuth,
  type ReplayGuard,
  type ServiceAuth,
  type ServiceAuthOptions,
  type SigningKeyResolver,
} from './auth.js'
export {
  type ActorFacts,
  type ChatFacts,
  createAppViewChatFacts,
  createInMemoryChatFacts,
  DEFAULT_MIN_ACCOUNT_AGE_MS,
  decideGroupAdder,
  decideGroupInvite,
  GROUP_ADDER_RULES,
  GROUP_INVITE_RULES,
  type GroupAdderRefusal,
  type GroupInviteRefusal,
  type SubjectFacts,
} from './group-consent.js'
export {
  createDidSigningKeyResolver,
  type DidSigningKeyResolverOptions,
  isSigningKeyRefusal,
  type SigningKeyRefusal,
} from './identity/resolve-signing-key.js'
export {
  didWebOrigin,
  type ServiceDidDocument,
  type ServiceDidDocumentOptions,
  serviceDidDocument,
} from './identity/service-did-document.js'
export { LEXICONS, SERVED_METHODS, type ServedMethod } from './lexicons/index.js'
export { maxMembersPerCall } from './methods.js'
export { type Listening, listen } from './node.js'
export type { NodeRequestListener } from './node-handler.js'
export {
  inMemoryRateLimiters,
  type RateLimiterFactory,
  type RateLimiterSpec,
} from './rate-limiters.js'
export {
  type AtprotoAdapterOptions,
  type CallEntry,
  createJoineryXrpcServer,
  type JoineryXrpcServer,
  registerJoineryMethods,
  verifiedCaller,
} from './register.js'
export { createMemoryReplayGuard, createReplayGuard } from './replay-guard.js'
export type { AnonymousPreviewLimit, UnknownCodeLimit } from './unknown-code-limiter.js'
export type { ConvoEnricher, ConvoView, ProfileBasics, ProfileLookup, ProfileViewBasic, ViewOptions } from './views.js'
export type { XrpcHandler, XrpcRequestContext } from './web-handler.js'
export { toXrpcError, XRPC_ERRORS, type XrpcErrorResult } from './xrpc-errors.js'
