import { AuthRequiredError, UpstreamFailureError } from '@atproto/xrpc-server'
import { NODE_PLATFORM } from './node-platform.js'
import { type Caller, createTokenCheck, type ServiceAuthOptions, type TokenRefusal } from './token-check.js'

export type { SigningKeyResolver } from './identity/signing-key-refusal.js'
export type { Caller, ReplayGuard, ServiceAuthOptions } from './token-check.js'

/**
 * The one place a refusal becomes the error `@atproto/xrpc-server` answers with: 401, or 502 `UpstreamFailure` when
 * the issuer's DID document could not be fetched (the token may be good; the caller may retry).
 */
function refuse(r: TokenRefusal): never {
  if (r.code === 'IssuerUnavailable') throw new UpstreamFailureError(r.message)
  throw new AuthRequiredError(r.message, r.code, 'cause' in r && r.cause !== undefined ? { cause: r.cause } : undefined)
}

/**
 * Verifies atproto inter-service JWTs (`Authorization: Bearer …`) with the checks of `@atproto/xrpc-server`'s
 * `verifyJwt` — audience, lexicon method (`lxm`), expiry, signature by the issuer's key — with signatures checked
 * by OpenSSL under `@atproto/crypto`'s rules (compact, low-S). Every failure is a 401 `AuthRequiredError`.
 */
export function createServiceAuth(options: ServiceAuthOptions) {
  const check = createTokenCheck(options, NODE_PLATFORM)
  /** The caller of `nsid` if the request carries a valid token for it; throws 401 otherwise. */
  async function verify(authorization: string | undefined, nsid: string): Promise<Caller> {
    const checked = await check(authorization, nsid)
    if (checked.isErr()) refuse(checked.error)
    return checked.value
  }
  return { verify }
}

export type ServiceAuth = ReturnType<typeof createServiceAuth>
