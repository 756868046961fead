import { AuthRequiredError, UpstreamFailureError } from '@atproto/xrpc-server'
import { err, ok } from 'neverthrow'
import {
  createDidSigningKeyResolver,
  isSigningKeyRefusal,
  type SigningKeyResolver,
} from './identity/resolve-signing-key.js'
import type { ServiceJwtError } from './jwt/service-jwt-error.js'
import { type IssuerKeySource, verifyServiceJwt } from './jwt/verify-service-jwt.js'
import { cacheSigningKeys } from './signatures/signing-key-cache.js'
import { createSignatureVerifier } from './signatures/verify-signature.js'

export type { SigningKeyResolver } from './identity/resolve-signing-key.js'

/** Remembers token ids until they expire, to refuse a replayed service JWT. */
export interface ReplayGuard {
  /**
   * Records `jti` and answers whether it was new. MUST remember it at least until `expiresAtMs`, and MUST answer `true`
   * to one caller only when several instances sharing it see the same id at once.
   */
  firstUse(jti: string, expiresAtMs: number): boolean | Promise<boolean>
}

export interface ServiceAuthOptions {
  /** This service's DID: the audience tokens must carry, bare or as `<serviceDid>#<serviceId>`. */
  readonly serviceDid: string
  /** The service id of this service in its DID document; `<serviceDid>#<serviceId>` is accepted as audience. Default `bsky_chat`. */
  readonly serviceId?: string
  /**
   * Signing keys of `did:plc` and `did:web` issuers. Default `createDidSigningKeyResolver()`: their DID documents
   * through `@atproto/identity` (PLC directory `https://plc.directory`, 3 s timeout).
   */
  readonly resolveSigningKey?: SigningKeyResolver
  /**
   * Accept `did:key` issuers (self-made keys, no account behind them): for tests and local development only.
   * Default false: a `did:key` token is refused with `UntrustedIss`.
   */
  readonly allowDidKeyIssuers?: boolean
  /** The longest a token may live, from its `iat` (or from now). Default 3,600 s, the most a PDS mints. */
  readonly maxTokenLifetimeSeconds?: number
  /** How far in the future a token's `iat` may lie, for clocks that disagree. Default 30 s. */
  readonly clockSkewSeconds?: number
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

/**
 * The one place a refusal becomes the error the protocol answers with: 401, or 502 `UpstreamFailure` when the
 * issuer's DID document could not be fetched (the token may be good; the caller may retry).
 */
function refuse(r: Refusal): never {
  if (r.code === 'IssuerUnavailable') throw new UpstreamFailureError(r.message)
  throw new AuthRequiredError(r.message, r.code, 'cause' in r && r.cause !== undefined ? { cause: r.cause } : undefined)
}

/**
 * Verifies atproto inter-service JWTs (`Authorization: Bearer …`) with the checks of `@atproto/xrpc-server`'s
 * `verifyJwt` — audience, lexicon method (`lxm`), expiry, signature by the issuer's key — with signatures checked
 * by OpenSSL under `@atproto/crypto`'s rules (compact, low-S). Every failure is a 401 `AuthRequiredError`.
 */
export function createServiceAuth(options: ServiceAuthOptions) {
  const { serviceDid, replayGuard } = options
  const cacheSize = options.signingKeyCacheSize ?? 10_000
  const verifySignature = createSignatureVerifier({ maxKeys: cacheSize })
  const resolve = cacheSigningKeys(options.resolveSigningKey ?? createDidSigningKeyResolver(), {
    ttlMs: options.signingKeyTtlMs ?? 10 * 60_000,
    maxEntries: cacheSize,
  })
  const lifetime = {
    maxLifetimeSeconds: options.maxTokenLifetimeSeconds ?? 3_600,
    clockSkewSeconds: options.clockSkewSeconds ?? 30,
  }

  // Exactly our DID, or our DID with our own service id: a token for another service of ours (`#atproto_labeler`)
  // is not for us.
  const serviceAudience = `${serviceDid}#${options.serviceId ?? 'bsky_chat'}`
  const acceptsAudience = (aud: string) => aud === serviceDid || aud === serviceAudience

  const keyOf: IssuerKeySource = async (iss, forceRefresh) => {
    if (iss.startsWith('did:key:'))
      return options.allowDidKeyIssuers
        ? ok(iss)
        : err({ code: 'UntrustedIss', message: 'did:key issuers are not accepted by this service' })
    return resolve(iss, forceRefresh).then(
      (key) => ok(key),
      (cause: unknown) => {
        // The DID document could not be fetched now: the token may be good, so this is no 401 (see `refuse`).
        if (isSigningKeyRefusal(cause) && cause.code === 'ResolutionUnavailable')
          return err({ code: 'IssuerUnavailable', message: cause.message, cause })
        const message = isSigningKeyRefusal(cause) ? cause.message : 'could not resolve the issuer signing key'
        return err({ code: 'UntrustedIss', message, cause })
      },
    )
  }

  /** The caller of `nsid` if the request carries a valid token for it; throws 401 otherwise. */
  async function verify(authorization: string | undefined, nsid: string): Promise<Caller> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : null
    if (!token) refuse({ code: 'AuthMissing', message: 'missing service token' })
    const verified = await verifyServiceJwt(token, { acceptsAudience, lxm: nsid, lifetime }, keyOf, verifySignature)
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
