import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Joinery } from '@joinery/core'
import { authenticate, type BitrixAuthResolver } from './auth.js'
import { MAX_BATCH_USER_IDS, runBatch, userIdsNamed } from './batch.js'
import { type EventsContext, eventMethods } from './events/methods.js'
import { upperKeys } from './internal/params.js'
import { entries, type MethodEntry } from './methods/context.js'
import { groupMethods } from './methods/groups.js'
import { extensionMethods, memberMethods } from './methods/members.js'
import { featureMethods, portalMethods } from './methods/portal.js'
import { subjectMethods } from './methods/subjects.js'
import { workgroupApiMethods } from './methods/workgroup-api.js'
import {
  type CredentialFailureLimit,
  createCredentialFailureLimiter,
  createLeakyBucket,
  inMemoryRateLimiters,
  type LeakyBucketOptions,
  type RateLimiterFactory,
} from './rate-limit.js'
import { type BitrixSubjects, createInMemorySubjects } from './subjects.js'
import { type BitrixError, bitrixError, isBitrixError, type MethodSuccess, timing } from './wire/envelope.js'
import type { Params } from './wire/php-params.js'
import { type Credentials, readRestCall } from './wire/read-request.js'

export interface BitrixAdapterOptions {
  /** The core the methods run on. Its group ids should be integers (`createSequentialIdGenerator()`). */
  readonly joinery: Joinery
  /** Who a webhook or token acts as: `createWebhookAuth([...])` or the host's own resolver. */
  readonly auth: BitrixAuthResolver
  /**
   * The portal's administrators (user ids): only they may call `sonet_group.user.add`, `.update` and `.delete`, and
   * they may act on any group as its owner would (`IS_ADMIN=Y`, `OWNER_ID` on create, setowner, delete, …). Default:
   * none. On a real portal user 1, its first user, is one; the demo server makes it so.
   */
  readonly administrators?: readonly string[]
  /**
   * The portal's workgroup subjects (`sonet_group_subject.*`). Default: in this process's memory, starting with
   * subject 1 "Workgroups"; copies of a server sharing one database need a shared one.
   */
  readonly subjects?: BitrixSubjects
  /** The per-user leaky bucket; default 50 burst, 2 per second, as Bitrix24. `false` turns it off. */
  readonly rateLimit?: Partial<LeakyBucketOptions> | false
  /**
   * Wrong webhook codes or tokens one IP address may send (default 10 a minute) before it is refused for a while
   * (default 5 minutes) with 503 `QUERY_LIMIT_EXCEEDED`, right codes included. `false` turns it off.
   */
  readonly credentialFailureLimit?: Partial<CredentialFailureLimit> | false
  /**
   * Where the limits count: in this process by default; `createSharedRateLimiters(db)` from `@joinery/postgres-store`
   * counts in the database, so that every instance on one PostgreSQL server shares one limit.
   */
  readonly rateLimiters?: RateLimiterFactory
  /** The address a request's IP limits count against. Default the socket's peer; behind a proxy, its client's. */
  readonly clientAddress?: (req: IncomingMessage) => string
  /**
   * Called with each answered call, for logs: `user` is the verified caller (`null` when the call was not
   * authenticated), never a claim read from the request. See also `verifiedBitrixUser(req)`.
   */
  readonly onCall?: (entry: { method: string; user: string | null; status: number; error?: string; ms: number }) => void
  /**
   * Called with the cause of every unexpected failure, answered 500 without detail: a `StorageError` (with its
   * driver `cause`), a `SocialGraphUnavailable`, or whatever a method or the request reading threw.
   */
  readonly onError?: (cause: unknown, context: { readonly method: string }) => void
  /** The `Retry-After` (seconds) of a 503 answered when the storage is unavailable. Default 5. */
  readonly retryAfterSeconds?: number
  /**
   * Bitrix24's event API (`event.bind`, `event.offline.get`, …): where bindings and the offline queue live, and the
   * portal's applications. Without it every event method answers `WRONG_AUTH_TYPE`, as for a caller of no application.
   */
  readonly events?: EventsContext
}

const verified = new WeakMap<IncomingMessage, string>()

/**
 * The Bitrix24 user a request was verified as (its webhook or token checked by the adapter's `auth`), or `null`
 * when it was not (yet): no credentials, refused ones, or a request this adapter never read. For a host's logs.
 */
export function verifiedBitrixUser(req: IncomingMessage): string | null {
  return verified.get(req) ?? null
}

const INTERNAL_ERROR = () => bitrixError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error')

/**
 * Every method this adapter answers, with its scope and whether it is an extension (`extension: true`: not a
 * Bitrix24 method; a portal answers it `ERROR_METHOD_NOT_FOUND`). `methods` lists the standard ones.
 */
export const METHODS: Readonly<Record<string, MethodEntry>> = {
  ...entries('basic', { scope: portalMethods.scope, methods: portalMethods.methods, profile: portalMethods.profile }),
  ...entries('user', { 'user.current': portalMethods['user.current'] }),
  ...entries('sonet_group', {
    ...groupMethods,
    ...memberMethods,
    ...featureMethods,
    ...subjectMethods,
  }),
  ...entries('socialnetwork', workgroupApiMethods),
  ...entries('basic', eventMethods),
  ...entries('sonet_group', extensionMethods, true),
} as const satisfies Record<string, MethodEntry>

/**
 * A Node request handler answering Bitrix24 REST calls (`/rest/...`) with the `sonet_group.*` family and `batch`.
 * Every failure is a Bitrix24 error envelope; an unexpected one is a 500 without internal detail.
 */
export function createBitrixHandler(options: BitrixAdapterOptions) {
  const limits = { burst: 50, perSecond: 2, ...(options.rateLimit || {}) }
  const administrators = new Set(options.administrators ?? [])
  const subjects = options.subjects ?? createInMemorySubjects()
  const limiters = options.rateLimiters ?? inMemoryRateLimiters
  const bucket = options.rateLimit === false ? null : createLeakyBucket(limits, limiters)
  const tooManyRequests = (retryAfterSeconds = Math.max(1, Math.ceil(1 / limits.perSecond))) =>
    bitrixError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests', { retryAfterSeconds })
  const failureLimit =
    options.credentialFailureLimit === false
      ? null
      : { attempts: 10, windowSeconds: 60, blockSeconds: 300, ...options.credentialFailureLimit }
  const failures = failureLimit && createCredentialFailureLimiter(failureLimit, limiters)
  const addressOf = options.clientAddress ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown')
  const report = (cause: unknown, method: string) => {
    try {
      options.onError?.(cause, { method })
    } catch {
      // A failing hook must not change the answer.
    }
  }

  /** Runs one method (alone or in a batch); never throws: the unexpected becomes a reported 500. */
  async function runMethod(
    method: string,
    user: string,
    params: Params,
    credentials: Credentials,
  ): Promise<MethodSuccess | BitrixError> {
    const entry = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined
    if (!entry) return bitrixError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!')
    try {
      const answer = await entry.run({
        joinery: options.joinery,
        user,
        administrator: administrators.has(user),
        params,
        catalogue: METHODS,
        subjects,
        credentials,
        ...(options.events ? { events: options.events } : {}),
      })
      if (isBitrixError(answer) && answer.status >= 500 && answer.status !== 503) report(answer.cause, method)
      return answer
    } catch (error) {
      report(error, method)
      return INTERNAL_ERROR()
    }
  }

  async function answer(
    req: IncomingMessage,
  ): Promise<{ body: MethodSuccess | BitrixError; method: string; user: string | null }> {
    const call = await readRestCall(req)
    if ('error' in call) return { body: call, method: '?', user: null }
    // An address that sent too many wrong codes is refused before its credentials are checked: guessing costs time.
    const address = failures ? addressOf(req) : ''
    const blocked = () => ({ body: tooManyRequests(failureLimit?.blockSeconds), method: call.method, user: null })
    if (failures && (await failures.isBlocked(address))) return blocked()
    const auth = await authenticate(options.auth, call.credentials)
    if ('status' in auth) {
      if (failures && !(await failures.recordFailure(address))) return blocked()
      return { body: bitrixError(auth.status, auth.error, auth.description), method: call.method, user: null }
    }
    verified.set(req, auth.user)
    if (bucket && !(await bucket.take(auth.user))) {
      return { body: tooManyRequests(), method: call.method, user: auth.user }
    }
    if (call.method === 'batch') {
      // Each command counts against the rate limit (the request paid for the first), and all of them together name
      // at most MAX_BATCH_USER_IDS user ids: one batch does no more work than one big call.
      let userIdsLeft = MAX_BATCH_USER_IDS
      const body = await runBatch(
        upperKeys(call.params),
        (method, params) => runMethod(method, auth.user, params, call.credentials),
        async (index, params) => {
          if (index > 0 && bucket && !(await bucket.take(auth.user))) return tooManyRequests()
          userIdsLeft -= userIdsNamed(params)
          return userIdsLeft < 0
            ? bitrixError(
                400,
                'ERROR_BATCH_LIMIT_EXCEEDED',
                `The commands of one batch may name at most ${MAX_BATCH_USER_IDS} user IDs in all`,
              )
            : null
        },
      )
      return { body, method: call.method, user: auth.user }
    }
    return {
      body: await runMethod(call.method, auth.user, call.params, call.credentials),
      method: call.method,
      user: auth.user,
    }
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now()
    let outcome: { body: MethodSuccess | BitrixError; method: string; user: string | null }
    try {
      outcome = await answer(req)
    } catch (error) {
      // The one funnel for the unexpected: the cause goes to onError, no internal detail leaves the process.
      report(error, '?')
      outcome = { body: INTERNAL_ERROR(), method: '?', user: null }
    }
    const { body } = outcome
    const status = isBitrixError(body) ? body.status : 200
    const payload = isBitrixError(body)
      ? { error: body.error, error_description: body.error_description }
      : { ...body, time: timing(started) }
    const text = JSON.stringify(payload)
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...(status === 503 && isBitrixError(body)
        ? { 'retry-after': String(body.retryAfterSeconds ?? options.retryAfterSeconds ?? 5) }
        : {}),
    })
    res.end(text)
    options.onCall?.({
      method: outcome.method,
      user: outcome.user,
      status,
      ...(isBitrixError(body) ? { error: body.error } : {}),
      ms: Date.now() - started,
    })
  }
}
