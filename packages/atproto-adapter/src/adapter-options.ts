import type { Joinery } from '@joinery/core'
import type { ChatFacts } from './group-consent.js'
import { didWebOrigin, serviceDidDocument } from './identity/service-did-document.js'
import { isDidOrService } from './jwt/claims.js'
import type { ServedMethod } from './lexicons/index.js'
import type { RateLimiterFactory } from './rate-limiters.js'
import type { ReplayGuard, ServiceAuthOptions } from './token-check.js'
import type { AnonymousPreviewLimit, UnknownCodeLimit } from './unknown-code-limiter.js'
import type { ViewOptions } from './views.js'

/**
 * The adapter's settings on every runtime: the token checks of `ServiceAuthOptions` (service DID, key resolution,
 * time bounds), views, and these. The Node entry's `AtprotoAdapterOptions` and the web entry's
 * `XrpcHandlerOptions` add how a request's client address is read.
 */
export interface AdapterOptions extends ViewOptions, Omit<ServiceAuthOptions, 'replayGuard'> {
  /** The core the methods run on. */
  readonly joinery: Joinery
  /**
   * Where this service answers (an `http(s)` origin), for its DID document. Default: the origin its `did:web` names
   * (`did:web:chat.example.com` → `https://chat.example.com`, `did:web:localhost%3A8080` → `http://localhost:8080`).
   */
  readonly serviceEndpoint?: string
  /**
   * With a `did:web` `serviceDid`, the standalone server and the web handler serve the service's DID document
   * (`serviceDidDocument`: a `#bsky_chat` service at `serviceEndpoint`) at `/.well-known/did.json`, so a PDS can
   * route `atproto-proxy: <serviceDid>#bsky_chat` here. Default true; off when the host publishes its own.
   */
  readonly serveDidDocument?: boolean
  /**
   * Refuses a token id seen before with 401 `JwtReplayed`. On by default, kept where `rateLimiters` count (so shared
   * by every instance on one database with `createSharedRateLimiters(db)`); `false` turns it off.
   */
  readonly replayGuard?: ReplayGuard | false
  /**
   * Where the rate limits and the replay guard count: in this process by default; `createSharedRateLimiters(db)` from
   * `@joinery/postgres-store` counts in the database, so that every instance on one PostgreSQL server shares them.
   */
  readonly rateLimiters?: RateLimiterFactory
  /** Calls of `getJoinLinkPreviews` without a token per IP address; answered with `RateLimitExceeded` beyond. */
  readonly anonymousPreviewLimit?: Partial<AnonymousPreviewLimit> | false
  /** Attempts with unknown codes allowed per caller; answered with `RateLimitExceeded` beyond. */
  readonly unknownCodeLimit?: Partial<UnknownCodeLimit>
  /** The member limit of groups made with `createGroup`, and the one shown for groups without a limit. Default 100, as Bluesky. */
  readonly memberLimit?: number
  /**
   * Checks the caller of `createGroup` and `addMembers` (`GROUP_ADDER_RULES`: not suspended, not too new to create a
   * group) and each user they would add (`GROUP_INVITE_RULES`: the account exists, no block either way, their
   * `chat.bsky.actor.declaration` allows the adder), and refuses with the declared error (`AccountSuspended`,
   * `NewAccountCannotCreateGroup`, `RecipientNotFound`, `BlockedActor`, `BlockedSubject`, `UserForbidsGroups`,
   * `NotFollowedBySender`). `createAppViewChatFacts()` asks an AppView; none by default (anyone may add anyone).
   */
  readonly groupConsent?: ChatFacts
  /**
   * What `createGroup` and `addMembers` make of the users they name: `'request'` (default, as the lexicons describe)
   * invites them — a convo in `status: 'request'` they accept with `acceptConvo`; `'member'` adds them at once.
   */
  readonly addMembersAs?: 'request' | 'member'
  /**
   * Called with the cause of every unexpected failure: each answer with status 500 (a `StorageError`, a handler or
   * token check that threw) or 502 (`SocialGraphUnavailable`). The client only ever sees a generic body.
   */
  readonly onError?: (cause: unknown, context: { readonly method: ServedMethod }) => void
  /** The `Retry-After` (seconds) of a 503 answered when the storage is unavailable. Default 5. */
  readonly retryAfterSeconds?: number
  /**
   * Called once per call of a served method whose parameters were valid (the token check is reached), when its
   * answer has been sent: `caller` is the DID whose service JWT was verified, `null` when none was (no token, or a
   * refused one) — never a claim read from an unverified token. For logs; a throwing hook is ignored.
   */
  readonly onCall?: (entry: CallEntry) => void
}

/** What `onCall` reports of one answered call. */
export interface CallEntry {
  readonly method: ServedMethod
  /** The verified caller's DID, or `null` when the call was not authenticated. */
  readonly caller: string | null
  readonly status: number
  readonly ms: number
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v))

/**
 * Checks the options of `factory` when it is called, so that a mistake is named at start-up rather than found by the
 * first request: a missing core, a `serviceDid` that is no DID, limits that are not positive integers, an endpoint
 * that is no origin, hooks that are not functions. Throws a `TypeError` (a `RangeError` for numbers out of range)
 * naming the option, what it must be and what it got. Answers the service's DID document when it will be served.
 */
export function checkAdapterOptions(factory: string, options: unknown): void {
  const fail = (message: string, Kind: typeof TypeError = TypeError): never => {
    throw new Kind(`${factory}: ${message}`)
  }
  if (!isObject(options)) fail(`options must be an object ({ joinery, serviceDid }), got ${show(options)}`)
  const o = options as Record<string, unknown>
  const joinery = o.joinery
  if (!isObject(joinery) || typeof joinery.requestJoin !== 'function')
    fail(`options.joinery must be a Joinery core (createJoinery({ store })), got ${show(joinery)}`)
  const did = o.serviceDid
  if (typeof did !== 'string' || !isDidOrService(did) || did.includes('#'))
    fail(`options.serviceDid must be this service's DID, e.g. "did:web:chat.example.com", got ${show(did)}`)
  if (o.serviceId !== undefined && (typeof o.serviceId !== 'string' || !/^[A-Za-z0-9._~-]+$/.test(o.serviceId)))
    fail(`options.serviceId must be a service id without "#", e.g. "bsky_chat", got ${show(o.serviceId)}`)

  const integer = (name: string, value: unknown, min: number) => {
    if (value === undefined) return
    if (typeof value !== 'number' || !Number.isInteger(value))
      fail(`options.${name} must be an integer of at least ${min}, got ${show(value)}`)
    if ((value as number) < min) fail(`options.${name} must be at least ${min}, got ${show(value)}`, RangeError)
  }
  const positive = (name: string, value: unknown) => {
    if (value === undefined) return
    if (typeof value !== 'number' || !Number.isFinite(value))
      fail(`options.${name} must be a number, got ${show(value)}`)
    if ((value as number) <= 0) fail(`options.${name} must be more than 0, got ${show(value)}`, RangeError)
  }
  integer('memberLimit', o.memberLimit, 1)
  integer('convoMembers', o.convoMembers, 1)
  integer('retryAfterSeconds', o.retryAfterSeconds, 0)
  integer('signingKeyCacheSize', o.signingKeyCacheSize, 1)
  positive('maxTokenLifetimeSeconds', o.maxTokenLifetimeSeconds)
  positive('signingKeyTtlMs', o.signingKeyTtlMs)
  if (o.clockSkewSeconds !== undefined)
    if (typeof o.clockSkewSeconds !== 'number' || !(o.clockSkewSeconds >= 0) || !Number.isFinite(o.clockSkewSeconds))
      fail(`options.clockSkewSeconds must be a number of at least 0, got ${show(o.clockSkewSeconds)}`, RangeError)
  const limit = (name: string, value: unknown, count: string, window: string) => {
    if (value === undefined || (value === false && name === 'anonymousPreviewLimit')) return
    if (!isObject(value)) fail(`options.${name} must be an object ({ ${count}, ${window} }), got ${show(value)}`)
    const v = value as Record<string, unknown>
    integer(`${name}.${count}`, v[count], 1)
    positive(`${name}.${window}`, v[window])
  }
  limit('unknownCodeLimit', o.unknownCodeLimit, 'attempts', 'windowMs')
  limit('anonymousPreviewLimit', o.anonymousPreviewLimit, 'calls', 'windowSeconds')
  if (o.addMembersAs !== undefined && o.addMembersAs !== 'member' && o.addMembersAs !== 'request')
    fail(`options.addMembersAs must be "member" or "request", got ${show(o.addMembersAs)}`)
  for (const hook of [
    'onError',
    'onCall',
    'profiles',
    'enrichConvo',
    'clientAddress',
    'resolveSigningKey',
    'rateLimiters',
    'signatureVerifier',
  ])
    if (o[hook] !== undefined && typeof o[hook] !== 'function')
      fail(`options.${hook} must be a function, got ${show(o[hook])}`)
  if (
    o.replayGuard !== undefined &&
    o.replayGuard !== false &&
    !(isObject(o.replayGuard) && typeof o.replayGuard.firstUse === 'function')
  )
    fail(`options.replayGuard must be a ReplayGuard ({ firstUse }) or false, got ${show(o.replayGuard)}`)
  if (o.serviceEndpoint !== undefined) {
    if (typeof o.serviceEndpoint !== 'string')
      fail(`options.serviceEndpoint must be an http(s) origin, got ${show(o.serviceEndpoint)}`)
    try {
      serviceDidDocument({ serviceDid: did as string, serviceEndpoint: o.serviceEndpoint as string })
    } catch {
      fail(
        `options.serviceEndpoint must be an http(s) origin without path, query or fragment, e.g. "https://chat.example.com", got ${show(o.serviceEndpoint)}`,
      )
    }
  }
}

/** The DID document to serve at `/.well-known/did.json`, or `null` when none is (not a did:web, or turned off). */
export function didDocumentToServe(options: AdapterOptions): string | null {
  const serviceEndpoint = options.serviceEndpoint ?? didWebOrigin(options.serviceDid)
  if (options.serveDidDocument === false || !options.serviceDid.startsWith('did:web:') || !serviceEndpoint) return null
  return JSON.stringify(
    serviceDidDocument({
      serviceDid: options.serviceDid,
      serviceEndpoint,
      ...(options.serviceId ? { serviceId: options.serviceId } : {}),
    }),
  )
}
