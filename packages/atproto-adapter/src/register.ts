import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, InternalServerError, type Server, UpstreamFailureError, XRPCError } from '@atproto/xrpc-server'
import type { Joinery } from '@joinery/core'
import { createServiceAuth, type ReplayGuard, type ServiceAuthOptions } from './auth.js'
import type { ChatFacts } from './group-consent.js'
import { didWebOrigin, serviceDidDocument } from './identity/service-did-document.js'
import { LEXICONS, SERVED_METHODS, type ServedMethod } from './lexicons/index.js'
import { createMethods } from './methods.js'
import { inMemoryRateLimiters, type RateLimiterFactory } from './rate-limiters.js'
import { createReplayGuard } from './replay-guard.js'
import {
  type AnonymousPreviewLimit,
  createAnonymousPreviewLimiter,
  createUnknownCodeLimiter,
  type UnknownCodeLimit,
} from './unknown-code-limiter.js'
import { createViews, type ViewOptions } from './views.js'

/** The adapter's settings: the token checks of `ServiceAuthOptions` (service DID, key resolution, time bounds), views, and these. */
export interface AtprotoAdapterOptions extends ViewOptions, Omit<ServiceAuthOptions, 'replayGuard'> {
  /** The core the methods run on. */
  readonly joinery: Joinery
  /**
   * Where this service answers (an `http(s)` origin), for its DID document. Default: the origin its `did:web` names
   * (`did:web:chat.example.com` → `https://chat.example.com`, `did:web:localhost%3A8080` → `http://localhost:8080`).
   */
  readonly serviceEndpoint?: string
  /**
   * With a `did:web` `serviceDid`, `createJoineryXrpcServer` serves the service's DID document
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
  /** The address a request's IP limits count against. Default the socket's peer; behind a proxy, its client's. */
  readonly clientAddress?: (req: IncomingMessage) => string
  /** Attempts with unknown codes allowed per caller; answered with `RateLimitExceeded` beyond. */
  readonly unknownCodeLimit?: Partial<UnknownCodeLimit>
  /** The member limit of groups made with `createGroup`, and the one shown for groups without a limit. Default 100, as Bluesky. */
  readonly memberLimit?: number
  /**
   * Checks each user `createGroup` and `addMembers` would add (`GROUP_INVITE_RULES`: the account exists, no block
   * either way, their `chat.bsky.actor.declaration` allows the adder) and refuses with the declared error
   * (`RecipientNotFound`, `BlockedActor`, `BlockedSubject`, `UserForbidsGroups`, `NotFollowedBySender`).
   * `createAppViewChatFacts()` asks an AppView; none by default (anyone may be added).
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

const verified = new WeakMap<IncomingMessage, string>()

/**
 * The DID whose service JWT this adapter verified for `req`, or `null` when it verified none (no token, a refused
 * one, or a request it never checked: an unknown method, invalid parameters). For a host's logs.
 */
export function verifiedCaller(req: IncomingMessage): string | null {
  return verified.get(req) ?? null
}

/** The body of every 500: nothing of the cause. */
const INTERNAL = { status: 500, error: 'InternalServerError', message: 'Internal Server Error' } as const

/** Methods anyone may call without a token (a token, when sent, must still be valid). */
const ANONYMOUS_ALLOWED: ReadonlySet<ServedMethod> = new Set(['chat.bsky.group.getJoinLinkPreviews'])

/**
 * Registers the `chat.bsky.group` join family on an existing `@atproto/xrpc-server` server, adding the pinned
 * lexicons it does not have yet.
 * @example
 * const server = createServer()
 * registerJoineryMethods(server, { joinery, serviceDid: 'did:web:chat.example.com' })
 */
export function registerJoineryMethods(server: Server, options: AtprotoAdapterOptions): void {
  for (const doc of LEXICONS) if (!server.lex.get(doc.id)) server.addLexicon(doc)
  const memberLimit = options.memberLimit ?? 100
  const limiters = options.rateLimiters ?? inMemoryRateLimiters
  const { replayGuard = createReplayGuard(limiters) } = options
  const auth = createServiceAuth({ ...options, replayGuard: replayGuard || undefined })
  const previews =
    options.anonymousPreviewLimit === false
      ? null
      : createAnonymousPreviewLimiter({ calls: 60, windowSeconds: 60, ...options.anonymousPreviewLimit }, limiters)
  const addressOf = options.clientAddress ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown')
  const methods = createMethods({
    joinery: options.joinery,
    views: createViews(options.joinery, options, memberLimit),
    unknownCodes: createUnknownCodeLimiter({ attempts: 20, windowMs: 60_000, ...options.unknownCodeLimit }, limiters),
    defaultMemberLimit: memberLimit,
    groupConsent: options.groupConsent ?? null,
    addMembersAs: options.addMembersAs ?? 'request',
  })

  const retryAfter = String(options.retryAfterSeconds ?? 5)
  const report = (cause: unknown, method: ServedMethod) => {
    try {
      options.onError?.(cause, { method })
    } catch {
      // A failing hook must not change the answer.
    }
  }

  for (const nsid of SERVED_METHODS) {
    const handle = methods[nsid]
    server.method(nsid, {
      auth: async ({ req, res }: { req: IncomingMessage; res: ServerResponse }) => {
        if (options.onCall) {
          const started = Date.now()
          res.once('finish', () => {
            try {
              options.onCall?.({
                method: nsid,
                caller: verifiedCaller(req),
                status: res.statusCode,
                ms: Date.now() - started,
              })
            } catch {
              // A failing hook must not change anything.
            }
          })
        }
        const header = req.headers.authorization
        if (header === undefined && ANONYMOUS_ALLOWED.has(nsid)) {
          if (previews && !(await previews.take(addressOf(req))))
            throw new XRPCError(429, 'Too many calls without a token from this address', 'RateLimitExceeded')
          return { credentials: null }
        }
        try {
          const credentials = await auth.verify(header, nsid)
          verified.set(req, credentials.did)
          return { credentials }
        } catch (error) {
          // Refusals are XRPC errors (401, 400); anything else is unexpected: reported, answered without detail.
          if (error instanceof XRPCError && !(error instanceof InternalServerError)) {
            if (error instanceof UpstreamFailureError) report(error, nsid)
            throw error
          }
          report(error, nsid)
          throw new InternalServerError(INTERNAL.message)
        }
      },
      handler: async ({ auth: verified, input, params, res }) => {
        try {
          const credentials = (verified as { credentials: { did: string } | null }).credentials
          const outcome = await handle({
            caller: credentials?.did ?? null,
            input: ((input as { body?: unknown } | undefined)?.body ?? {}) as Record<string, unknown>,
            params: params as Record<string, unknown>,
          })
          if (!('error' in outcome)) return { encoding: 'application/json', body: outcome.body }
          const { status } = outcome.error
          if (status === 503) res.setHeader('Retry-After', retryAfter)
          else if (status >= 500) report(outcome.cause ?? outcome.error, nsid)
          return outcome.error
        } catch (error) {
          // The one funnel for the unexpected in a method: the cause goes to onError, never to the client.
          report(error, nsid)
          return INTERNAL
        }
      },
    })
  }
}

/**
 * A standalone XRPC server with the join family registered, for services that have none. It validates every
 * response against the lexicons. Mount `server.router` on a Node HTTP server (see `listen`).
 */
export function createJoineryXrpcServer(options: AtprotoAdapterOptions): Server {
  const server = createServer([], { validateResponse: true })
  const serviceEndpoint = options.serviceEndpoint ?? didWebOrigin(options.serviceDid)
  if (options.serveDidDocument !== false && options.serviceDid.startsWith('did:web:') && serviceEndpoint) {
    const document = serviceDidDocument({
      serviceDid: options.serviceDid,
      serviceEndpoint,
      ...(options.serviceId ? { serviceId: options.serviceId } : {}),
    })
    const body = JSON.stringify(document)
    server.router.get('/.well-known/did.json', (_req: IncomingMessage, res: ServerResponse) => {
      res.setHeader('content-type', 'application/json')
      res.end(body)
    })
  }
  registerJoineryMethods(server, options)
  return server
}
