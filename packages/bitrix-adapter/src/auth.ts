import type { Credentials } from './wire/route.js'

/** Who a request acts as: a Bitrix24 user id ("1", "17", …). */
export type BitrixUserId = string

/** Resolves credentials to a user; `null` refuses them. Supplied by the host, or `createWebhookAuth`. */
export interface BitrixAuthResolver {
  /** An incoming webhook `/rest/{userId}/{code}/…`. */
  webhook?(userId: string, code: string): BitrixUserId | null | Promise<BitrixUserId | null>
  /**
   * An OAuth access token (`auth=…` or `Authorization: Bearer …`): the user, `null` for a token never issued
   * (`invalid_token`), or `EXPIRED_TOKEN` for one issued and lapsed (`expired_token`, which tells the client to
   * renew it with its refresh token).
   */
  token?(token: string): TokenOutcome | Promise<TokenOutcome>
}

/** What a token resolver answers for a token that was issued and has expired. */
export const EXPIRED_TOKEN = Object.freeze({ expired: true as const })
export type TokenOutcome = BitrixUserId | null | typeof EXPIRED_TOKEN

export interface WebhookCredential {
  readonly userId: string
  readonly code: string
}

/**
 * Whether `given` equals `expected`, in a time that depends on the length of `given` alone (the caller's own input),
 * never on where the two first differ or on the length of `expected`. Plain JavaScript, so it runs on any runtime.
 */
export function constantTimeEqual(expected: string, given: string): boolean {
  let difference = expected.length ^ given.length
  const length = expected.length
  for (let i = 0; i < given.length; i++) {
    // Past the end of `expected` it compares with itself again; the length difference above already failed it.
    difference |= (length === 0 ? 0 : expected.charCodeAt(i % length)) ^ given.charCodeAt(i)
  }
  return difference === 0 && length > 0
}

/**
 * Built-in webhooks: each `userId:code` pair acts as that user. Codes are compared in constant time (in the length
 * of the code sent, not the one kept). Throws at once on an empty list or a pair without a user id or code.
 */
export function createWebhookAuth(webhooks: readonly WebhookCredential[]): BitrixAuthResolver {
  if (!Array.isArray(webhooks)) throw new TypeError('createWebhookAuth: give a list of { userId, code }')
  for (const w of webhooks) {
    if (typeof w?.userId !== 'string' || !/^[1-9][0-9]*$/.test(w.userId))
      throw new TypeError(
        `createWebhookAuth: userId must be a numeric user id as a string (got ${JSON.stringify(w?.userId)})`,
      )
    if (typeof w.code !== 'string' || w.code === '')
      throw new TypeError(`createWebhookAuth: the code of user ${w.userId} must be a non-empty string`)
  }
  const byUser = new Map(webhooks.map((w) => [w.userId, w.code]))
  return {
    webhook(userId, code) {
      const expected = byUser.get(userId)
      return expected !== undefined && constantTimeEqual(expected, code) ? userId : null
    },
  }
}

export type AuthOutcome =
  | { readonly user: BitrixUserId }
  | { readonly status: 401; readonly error: string; readonly description: string }

/** The caller of `credentials`; synchronous when the resolver is, so that a call pays no extra turn for it. */
export function authenticate(
  resolver: BitrixAuthResolver,
  credentials: Credentials,
): AuthOutcome | Promise<AuthOutcome> {
  if (credentials.kind === 'webhook') {
    const user = resolver.webhook ? resolver.webhook(credentials.userId, credentials.code) : null
    return isPromise(user) ? Promise.resolve(user).then(webhookOutcome) : webhookOutcome(user)
  }
  if (credentials.kind === 'token') {
    const user = resolver.token ? resolver.token(credentials.token) : null
    return isPromise(user) ? Promise.resolve(user).then(tokenOutcome) : tokenOutcome(user)
  }
  return NO_AUTH
}

const NO_AUTH: AuthOutcome = Object.freeze({
  status: 401,
  error: 'NO_AUTH_FOUND',
  description: 'Wrong authorization data',
})

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

function webhookOutcome(user: BitrixUserId | null): AuthOutcome {
  return user ? { user } : NO_AUTH
}

function tokenOutcome(user: TokenOutcome): AuthOutcome {
  // As a portal answers (_includes/system-errors.md): 401 expired_token for a lapsed access token.
  if (typeof user === 'object' && user?.expired)
    return { status: 401, error: 'expired_token', description: 'The access token provided has expired' }
  return typeof user === 'string' && user !== ''
    ? { user }
    : { status: 401, error: 'invalid_token', description: 'Unable to get application by token' }
}
