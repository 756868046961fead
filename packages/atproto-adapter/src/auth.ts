import { AuthRequiredError } from '@atproto/xrpc-server'
import { err, ok } from 'neverthrow'
import type { ServiceJwtError } from './jwt/service-jwt-error.js'
import { type IssuerKeySource, verifyServiceJwt } from './jwt/verify-service-jwt.js'
import { cacheSigningKeys } from './signatures/signing-key-cache.js'
import { createSignatureVerifier } from './signatures/verify-signature.js'

/** Resolves the atproto signing key (a `did:key:…`) of a DID; `forceRefresh` after a signature failed. */
export type SigningKeyResolver = (did: string, forceRefresh: boolean) => Promise<string>

/** Remembers token ids until they expire, to refuse a replayed service JWT. */
export interface ReplayGuard {
  /**
   * Records `jti` and answers whether it was new. MUST remember it at least until `expiresAtMs`, and MUST answer `true`
   * to one caller only when several instances sharing it see the same id at once.
   */
  firstUse(jti: string, expiresAtMs: number): boolean | Promise<boolean>
}

export interface ServiceAuthOptions {
  /** This service's DID: the audience tokens must carry, bare or as `did#serviceId`. */
  readonly serviceDid: string
  /**
   * Keys of issuers that are not `did:key`. Without it only `did:key` issuers are accepted. In production pass
   * `@atproto/identity`: `const ids = new IdResolver(); (did, fresh) => ids.did.resolveAtprotoKey(did, fresh)`.
   */
  readonly resolveSigningKey?: SigningKeyResolver
  /** Refuses a token id seen before (`createReplayGuard(…)`); none here, as in `@atproto/xrpc-server`. */
  readonly replayGuard?: ReplayGuard
  /** How long a key from `resolveSigningKey` is used before it is resolved again. Default 10 minutes. */
  readonly signingKeyTtlMs?: number
  /** How many resolved issuer keys, and separately how many decoded `did:key`s, are kept. Default 10,000 each. */
  readonly signingKeyCacheSize?: number
}

/** The verified caller. */
export interface Caller {
  readonly did: string
}

/** Why a request's token was refused: the token checks' reasons, and this adapter's own. */
type Refusal =
  | ServiceJwtError
  | { readonly code: 'AuthMissing' | 'BadJwtIssuer' | 'JwtReplayed' | 'BadJwt'; readonly message: string }

/** The one place a refusal becomes the 401 the protocol answers with. */
function refuse(r: Refusal): never {
  throw new AuthRequiredError(r.message, r.code, 'cause' in r && r.cause !== undefined ? { cause: r.cause } : undefined)
}

/**
 * Verifies atproto inter-service JWTs (`Authorization: Bearer …`) with the checks of `@atproto/xrpc-server`'s
 * `verifyJwt` — audience, lexicon method (`lxm`), expiry, signature by the issuer's key — with signatures checked
 * by OpenSSL under `@atproto/crypto`'s rules (compact, low-S). Every failure is a 401 `AuthRequiredError`.
 */
export function createServiceAuth(options: ServiceAuthOptions) {
  const { serviceDid, resolveSigningKey, replayGuard } = options
  const cacheSize = options.signingKeyCacheSize ?? 10_000
  const verifySignature = createSignatureVerifier({ maxKeys: cacheSize })
  const resolve =
    resolveSigningKey &&
    cacheSigningKeys(resolveSigningKey, { ttlMs: options.signingKeyTtlMs ?? 10 * 60_000, maxEntries: cacheSize })

  // A bare DID of ours or any `did#service` form of it.
  const acceptsAudience = (aud: string) => aud === serviceDid || aud.startsWith(`${serviceDid}#`)

  const keyOf: IssuerKeySource = async (iss, forceRefresh) => {
    if (iss.startsWith('did:key:')) return ok(iss)
    if (!resolve) return err({ code: 'UntrustedIss', message: `cannot resolve the signing key of ${iss}` })
    return resolve(iss, forceRefresh).then(
      (key) => ok(key),
      (cause: unknown) => err({ code: 'UntrustedIss', message: 'could not resolve the issuer signing key', cause }),
    )
  }

  /** The caller of `nsid` if the request carries a valid token for it; throws 401 otherwise. */
  async function verify(authorization: string | undefined, nsid: string): Promise<Caller> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : null
    if (!token) refuse({ code: 'AuthMissing', message: 'missing service token' })
    const verified = await verifyServiceJwt(token, { acceptsAudience, lxm: nsid }, keyOf, verifySignature)
    if (verified.isErr()) refuse(verified.error)
    const payload = verified.value
    if (payload.iss.includes('#'))
      refuse({ code: 'BadJwtIssuer', message: 'a user token cannot name a service issuer' })
    if (replayGuard) {
      if (typeof payload.jti !== 'string') refuse({ code: 'BadJwt', message: 'token has no jti' })
      if (!(await replayGuard.firstUse(payload.jti, payload.exp * 1000)))
        refuse({ code: 'JwtReplayed', message: 'token replayed' })
    }
    return { did: payload.iss }
  }

  return { verify }
}

export type ServiceAuth = ReturnType<typeof createServiceAuth>
