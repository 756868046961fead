import { createHash, timingSafeEqual } from 'node:crypto'
import type { Credentials } from './wire/read-request.js'

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

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Built-in webhooks: each `userId:code` pair acts as that user. Codes are compared in constant time. */
export function createWebhookAuth(webhooks: readonly WebhookCredential[]): BitrixAuthResolver {
  const byUser = new Map(webhooks.map((w) => [w.userId, digest(w.code)]))
  return {
    webhook(userId, code) {
      const expected = byUser.get(userId)
      // Hashing first gives equal lengths, so the comparison time says nothing about the code.
      const given = digest(code)
      return expected && timingSafeEqual(expected, given) ? userId : null
    },
  }
}

export type AuthOutcome =
  | { readonly user: BitrixUserId }
  | { readonly status: 401; readonly error: string; readonly description: string }

export async function authenticate(resolver: BitrixAuthResolver, credentials: Credentials): Promise<AuthOutcome> {
  if (credentials.kind === 'webhook') {
    const user = resolver.webhook ? await resolver.webhook(credentials.userId, credentials.code) : null
    return user ? { user } : { status: 401, error: 'NO_AUTH_FOUND', description: 'Wrong authorization data' }
  }
  if (credentials.kind === 'token') {
    const user = resolver.token ? await resolver.token(credentials.token) : null
    // As a portal answers (_includes/system-errors.md): 401 expired_token for a lapsed access token.
    if (typeof user === 'object' && user?.expired)
      return { status: 401, error: 'expired_token', description: 'The access token provided has expired' }
    return typeof user === 'string' && user !== ''
      ? { user }
      : { status: 401, error: 'invalid_token', description: 'Unable to get application by token' }
  }
  return { status: 401, error: 'NO_AUTH_FOUND', description: 'Wrong authorization data' }
}
