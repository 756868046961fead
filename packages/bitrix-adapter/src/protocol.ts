import { groupIdForm, type Joinery } from '@joinery/core'
import { authenticate, type BitrixAuthResolver } from './auth.js'
import { MAX_BATCH_USER_IDS, runBatch, userIdsNamed } from './batch.js'
import { type EventsContext, eventMethods } from './events/methods.js'
import { fail, optionalFunction, optionalNumber, requireObject } from './internal/check-options.js'
import { upperKeys } from './internal/params.js'
import { entries, type MethodCall, type MethodEntry } from './methods/context.js'
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
import { type BitrixError, bitrixError, isBitrixError, type MethodSuccess, timingJson } from './wire/envelope.js'
import type { Params } from './wire/php-params.js'
import type { Credentials, RestCall } from './wire/route.js'

/** What every Bitrix24 handler takes, whatever carries its requests (node:http, a web `Request`). */
export interface BitrixProtocolOptions {
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
  /**
   * The path the handler is mounted under, before `/rest/…` (`'/bitrix'` answers `/bitrix/rest/…`). Default none.
   * Under Express `app.use('/rest', handler)` needs none: the handler reads `req.originalUrl`.
   */
  readonly basePath?: string
  /**
   * Called with each answered call, for logs: `user` is the verified caller (`null` when the call was not
   * authenticated), never a claim read from the request.
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

/** One answer, ready to send: the status, the JSON text, and a `Retry-After` for a 503. */
export interface BitrixReply {
  readonly status: number
  readonly json: string
  readonly retryAfter: string | null
  /** The verified caller, `null` when the call was not authenticated. */
  readonly user: string | null
}

/**
 * A call as the transport read it: the route and parameters (or the error reading them gave), and the client's
 * address, asked only when the wrong-credential limit needs it.
 */
export interface BitrixCallInput {
  /** The call read from the request; a rejection is an unexpected failure (reported, answered 500). */
  readonly call: RestCall | BitrixError | Promise<RestCall | BitrixError>
  readonly clientAddress: () => string
  /** When the request arrived (ms since the epoch), for the `time` block. */
  readonly started: number
}

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

const INTERNAL_ERROR = () => bitrixError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error')

/**
 * Checks a handler's options at construction, so that misuse fails at once and names the option, not on the first
 * call with a TypeError or a wrong answer.
 */
export function checkProtocolOptions(owner: string, options: BitrixProtocolOptions): void {
  if (typeof options !== 'object' || options === null) fail(owner, 'options are required: { joinery, auth }')
  requireObject(
    owner,
    'joinery',
    options.joinery,
    ['createGroup', 'requestJoin'],
    'createJoinery({ store, ids: createSequentialIdGenerator() }) from @joinery/core',
  )
  // Bitrix24 clients send GROUP_ID as a number: a core promising other ids could make groups nobody can address.
  // A generator that does not say is caught at its first sonet_group.create instead (methods/groups.ts).
  if (groupIdForm(options.joinery) === 'text')
    fail(
      owner,
      'joinery makes group ids that are not integers (the default, UUIDs), but Bitrix24 clients send GROUP_ID as a ' +
        'number: build it with createJoinery({ store, ids: createSequentialIdGenerator() }) from @joinery/core, or ' +
        'createDatabaseIdGenerator(db) from @joinery/postgres-store',
    )
  const auth = options.auth as BitrixAuthResolver | undefined
  if (
    typeof auth !== 'object' ||
    auth === null ||
    (typeof auth.webhook !== 'function' && typeof auth.token !== 'function')
  )
    fail(owner, 'auth is required: createWebhookAuth([{ userId, code }]), or a resolver with webhook() and/or token()')
  if (
    options.administrators !== undefined &&
    !(Array.isArray(options.administrators) && options.administrators.every((a) => typeof a === 'string'))
  )
    fail(owner, "administrators must be a list of user ids as strings (['1'])")
  if (options.subjects !== undefined)
    requireObject(owner, 'subjects', options.subjects, ['list'], 'createInMemorySubjects()')
  if (options.rateLimit !== undefined && options.rateLimit !== false) {
    if (typeof options.rateLimit !== 'object' || options.rateLimit === null)
      fail(owner, 'rateLimit must be { burst, perSecond } or false')
    optionalNumber(owner, 'rateLimit.burst', options.rateLimit.burst, { min: 1, inclusive: true, integer: true })
    optionalNumber(owner, 'rateLimit.perSecond', options.rateLimit.perSecond, { min: 0, inclusive: false })
  }
  const failures = options.credentialFailureLimit
  if (failures !== undefined && failures !== false) {
    if (typeof failures !== 'object' || failures === null)
      fail(owner, 'credentialFailureLimit must be { attempts, windowSeconds, blockSeconds } or false')
    for (const name of ['attempts', 'windowSeconds', 'blockSeconds'] as const)
      optionalNumber(owner, `credentialFailureLimit.${name}`, failures[name], {
        min: 1,
        inclusive: true,
        integer: true,
      })
  }
  optionalFunction(owner, 'rateLimiters', options.rateLimiters)
  optionalFunction(owner, 'onCall', options.onCall)
  optionalFunction(owner, 'onError', options.onError)
  optionalNumber(owner, 'retryAfterSeconds', options.retryAfterSeconds, { min: 1, inclusive: true, integer: true })
  if (options.events !== undefined) {
    requireObject(owner, 'events.store', options.events?.store, [], 'createInMemoryEventStore()')
    requireObject(owner, 'events.applications', options.events?.applications, [], 'createInMemoryApplications()')
  }
  if (options.basePath !== undefined && !/^(\/[^/?#]+)+$/.test(options.basePath))
    fail(
      owner,
      `basePath must be a path such as '/bitrix', with no trailing slash (got ${JSON.stringify(options.basePath)})`,
    )
}

/**
 * The Bitrix24 REST protocol without its transport: a read call (method, parameters, credentials) and the client's
 * address in, the status and JSON body out. The Node listener and the web-standard handler both sit on it.
 * Every failure is a Bitrix24 error envelope; an unexpected one is a 500 without internal detail.
 */
export function createBitrixProtocol(options: BitrixProtocolOptions) {
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
  const defaultRetryAfter = String(options.retryAfterSeconds ?? 5)
  const events = options.events
  const joinery = options.joinery
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
      const administrator = administrators.has(user)
      const call: MethodCall = events
        ? { joinery, user, administrator, params, catalogue: METHODS, subjects, credentials, events }
        : { joinery, user, administrator, params, catalogue: METHODS, subjects, credentials }
      const answer = await entry.run(call)
      if (isBitrixError(answer) && answer.status >= 500 && answer.status !== 503) report(answer.cause, method)
      return answer
    } catch (error) {
      report(error, method)
      return INTERNAL_ERROR()
    }
  }

  async function answer(
    input: BitrixCallInput,
    call: RestCall,
  ): Promise<{ body: MethodSuccess | BitrixError; user: string | null }> {
    // An address that sent too many wrong codes is refused before its credentials are checked: guessing costs time.
    const address = failures ? input.clientAddress() : ''
    const blocked = failures ? failures.isBlocked(address) : false
    if (blocked !== false && (await blocked)) return { body: tooManyRequests(failureLimit?.blockSeconds), user: null }
    const authenticated = authenticate(options.auth, call.credentials)
    const auth = authenticated instanceof Promise ? await authenticated : authenticated
    if ('status' in auth) {
      if (failures && !(await failures.recordFailure(address)))
        return { body: tooManyRequests(failureLimit?.blockSeconds), user: null }
      return { body: bitrixError(auth.status, auth.error, auth.description), user: null }
    }
    const user = auth.user
    if (bucket && !(await bucket.take(user))) return { body: tooManyRequests(), user }
    if (call.method !== 'batch')
      return { body: await runMethod(call.method, user, call.params, call.credentials), user }
    // Each command counts against the rate limit (the request paid for the first), and all of them together name
    // at most MAX_BATCH_USER_IDS user ids: one batch does no more work than one big call.
    let userIdsLeft = MAX_BATCH_USER_IDS
    const body = await runBatch(
      upperKeys(call.params),
      (method, params) => runMethod(method, user, params, call.credentials),
      async (index, params) => {
        if (index > 0 && bucket && !(await bucket.take(user))) return tooManyRequests()
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
    return { body, user }
  }

  /** Answers one call: never throws; the unexpected is reported to `onError` and answered 500 without detail. */
  return async function reply(input: BitrixCallInput): Promise<BitrixReply> {
    let outcome: { body: MethodSuccess | BitrixError; user: string | null }
    let method = '?'
    try {
      const call = await input.call
      if ('error' in call) {
        outcome = { body: call, user: null }
      } else {
        method = call.method
        outcome = await answer(input, call)
      }
    } catch (error) {
      // The one funnel for the unexpected: the cause goes to onError, no internal detail leaves the process.
      report(error, '?')
      outcome = { body: INTERNAL_ERROR(), user: null }
      method = '?'
    }
    const { body, user } = outcome
    const finished = Date.now()
    let reply: BitrixReply
    if (isBitrixError(body)) {
      const json = `{"error":${JSON.stringify(body.error)},"error_description":${JSON.stringify(body.error_description)}}`
      const retryAfter =
        body.status === 503
          ? body.retryAfterSeconds !== undefined
            ? String(body.retryAfterSeconds)
            : defaultRetryAfter
          : null
      reply = { status: body.status, json, retryAfter, user }
    } else {
      reply = { status: 200, json: successJson(body, input.started, finished), retryAfter: null, user }
    }
    if (options.onCall) {
      try {
        options.onCall({
          method,
          user,
          status: reply.status,
          ...(isBitrixError(body) ? { error: body.error } : {}),
          ms: finished - input.started,
        })
      } catch {
        // A failing hook must not change the answer.
      }
    }
    return reply
  }
}

/** A success envelope, written out directly: `result`, `total` and `next` when a list has them, and `time`. */
function successJson(body: MethodSuccess, started: number, finished: number): string {
  let json = `{"result":${JSON.stringify(body.result) ?? 'null'}`
  if (body.total !== undefined) json += `,"total":${JSON.stringify(body.total)}`
  if (body.next !== undefined) json += `,"next":${JSON.stringify(body.next)}`
  return `${json},"time":${timingJson(started, finished)}}`
}

export type BitrixProtocol = ReturnType<typeof createBitrixProtocol>
