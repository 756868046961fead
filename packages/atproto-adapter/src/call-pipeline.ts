import type { AdapterOptions, CallEntry } from './adapter-options.js'
import { SERVED_METHODS, type ServedMethod } from './lexicons/index.js'
import { createMethods } from './methods.js'
import { inMemoryRateLimiters } from './rate-limiters.js'
import { createTokenCheck, type TokenCheckPlatform } from './token-check.js'
import { guardTokenIds, type Sha256 } from './token-replay.js'
import { createAnonymousPreviewLimiter, createUnknownCodeLimiter } from './unknown-code-limiter.js'
import { createViews } from './views.js'
import type { XrpcErrorResult } from './xrpc-errors.js'

/** What differs between runtimes: signatures, the default key source, and the hash the replay guard keys by. */
export interface AdapterPlatform extends TokenCheckPlatform {
  readonly sha256: Sha256
}

/** An XRPC error answer, with the headers it carries (`Retry-After` of a 503). */
export interface ErrorAnswer extends XrpcErrorResult {
  readonly headers?: Readonly<Record<string, string>>
}

/** How a method's call ended: a body, or an error answer. */
export type CallAnswer = { readonly body: Record<string, unknown> } | { readonly error: ErrorAnswer }

/** The body of every 500: nothing of the cause. */
export const INTERNAL: XrpcErrorResult = { status: 500, error: 'InternalServerError', message: 'Internal Server Error' }

/** Methods anyone may call without a token (a token, when sent, must still be valid). */
const ANONYMOUS_ALLOWED: ReadonlySet<ServedMethod> = new Set(['chat.bsky.group.getJoinLinkPreviews'])

const verified = new WeakMap<object, string>()

/**
 * The DID whose service JWT this adapter verified for `request` (a Node `IncomingMessage` or a web `Request`), or
 * `null` when it verified none (no token, a refused one, or a request it never checked: an unknown method, invalid
 * parameters). For a host's logs.
 */
export function verifiedCaller(request: object): string | null {
  return verified.get(request) ?? null
}

/** What the pipeline needs of a request to authenticate it. */
export interface CallRequest {
  /** The object `verifiedCaller` is asked with. */
  readonly key: object
  readonly authorization: string | undefined
  /** The client's address, for the per-address limit of calls without a token. */
  readonly clientAddress: () => string
}

/**
 * The part of a call every shell shares — the `@atproto/xrpc-server` registration, the Node handler and the web
 * handler: the token check with its limits, one core command through `createMethods`, and the one funnel that turns
 * the unexpected into a 500 without detail (the cause goes to `onError`).
 */
export function createCallPipeline(options: AdapterOptions, platform: AdapterPlatform) {
  const memberLimit = options.memberLimit ?? 100
  const limiters = options.rateLimiters ?? inMemoryRateLimiters
  const { replayGuard = guardTokenIds(limiters, platform.sha256) } = options
  const check = createTokenCheck({ ...options, replayGuard: replayGuard || undefined }, platform)
  const previews =
    options.anonymousPreviewLimit === false
      ? null
      : createAnonymousPreviewLimiter({ calls: 60, windowSeconds: 60, ...options.anonymousPreviewLimit }, limiters)
  const methods = createMethods({
    joinery: options.joinery,
    views: createViews(options.joinery, options, memberLimit),
    unknownCodes: createUnknownCodeLimiter({ attempts: 20, windowMs: 60_000, ...options.unknownCodeLimit }, limiters),
    defaultMemberLimit: memberLimit,
    groupConsent: options.groupConsent ?? null,
    addMembersAs: options.addMembersAs ?? 'request',
  })
  const retryAfter = String(options.retryAfterSeconds ?? 5)

  /** Hands a cause to `onError`; a failing hook must not change the answer. */
  function report(cause: unknown, method: ServedMethod): void {
    try {
      options.onError?.(cause, { method })
    } catch {
      // ignored, on purpose
    }
  }

  /** The verified caller (`null` for an anonymous call a method allows), or the error to answer. */
  async function authenticate(
    nsid: ServedMethod,
    request: CallRequest,
  ): Promise<{ readonly caller: string | null } | { readonly error: ErrorAnswer }> {
    try {
      if (request.authorization === undefined && ANONYMOUS_ALLOWED.has(nsid)) {
        if (previews && !(await previews.take(request.clientAddress())))
          return {
            error: {
              status: 429,
              error: 'RateLimitExceeded',
              message: 'Too many calls without a token from this address',
            },
          }
        return { caller: null }
      }
      const checked = await check(request.authorization, nsid)
      if (checked.isOk()) {
        verified.set(request.key, checked.value.did)
        return { caller: checked.value.did }
      }
      const refusal = checked.error
      if (refusal.code === 'IssuerUnavailable') {
        report(refusal, nsid)
        return { error: { status: 502, error: 'UpstreamFailure', message: refusal.message } }
      }
      return { error: { status: 401, error: refusal.code, message: refusal.message } }
    } catch (cause) {
      // Anything else (a replay guard or limiter whose store failed) is unexpected: reported, answered without detail.
      report(cause, nsid)
      return { error: INTERNAL }
    }
  }

  /** Runs `nsid`'s one core command for `caller` with validated `input` (procedures) or `params` (queries). */
  async function run(
    nsid: ServedMethod,
    caller: string | null,
    input: Record<string, unknown>,
    params: Record<string, unknown>,
  ): Promise<CallAnswer> {
    try {
      const outcome = await methods[nsid]({ caller, input, params })
      if (!('error' in outcome)) return { body: outcome.body }
      const { status } = outcome.error
      if (status === 503) return { error: { ...outcome.error, headers: { 'Retry-After': retryAfter } } }
      if (status >= 500) report(outcome.cause ?? outcome.error, nsid)
      return { error: outcome.error }
    } catch (cause) {
      // The one funnel for the unexpected in a method: the cause goes to onError, never to the client.
      report(cause, nsid)
      return { error: INTERNAL }
    }
  }

  /** Tells `onCall` of an answered call; a failing hook changes nothing. */
  function answered(entry: CallEntry): void {
    try {
      options.onCall?.(entry)
    } catch {
      // ignored, on purpose
    }
  }

  return {
    authenticate,
    run,
    report,
    answered: options.onCall ? answered : null,
    served: new Set<string>(SERVED_METHODS) as ReadonlySet<string>,
  }
}

export type CallPipeline = ReturnType<typeof createCallPipeline>
