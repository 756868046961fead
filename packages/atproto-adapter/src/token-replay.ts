import { type RateLimiterFactory, withinLimit } from './rate-limiters.js'
import type { ReplayGuard } from './token-check.js'

/** SHA-256 of a text, base64url: how a token id is keyed (synchronous on Node, WebCrypto's promise on the web). */
export type Sha256 = (text: string) => string | Promise<string>

/**
 * The replay guard on `rate-limiter-flexible`, runtime-free: each token id may be used once until its `exp`, keyed
 * by `sha256(jti)` so that a key's length does not depend on what a caller sent.
 */
export function guardTokenIds(limiters: RateLimiterFactory, sha256: Sha256): ReplayGuard {
  const seen = limiters({ keyPrefix: 'atproto-jti', points: 1, duration: 60 })
  return {
    async firstUse(jti, expiresAtMs) {
      // Kept until the token expires (a second at least, as 0 would mean "forever").
      const seconds = Math.max(1, Math.ceil((expiresAtMs - Date.now()) / 1000))
      return withinLimit(seen, await sha256(jti), 1, { customDuration: seconds })
    },
  }
}

const base64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')

/** SHA-256 through WebCrypto (`crypto.subtle`), for runtimes without `node:crypto`. */
export const webSha256: Sha256 = async (text) =>
  base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
