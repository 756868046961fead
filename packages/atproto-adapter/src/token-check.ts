import { err, ok, type Result } from 'neverthrow'
import { isSigningKeyRefusal, type SigningKeyResolver } from './identity/signing-key-refusal.js'
import type { ServiceJwtError } from './jwt/service-jwt-error.js'
import { type IssuerKeySource, verifyServiceJwt } from './jwt/verify-service-jwt.js'
import { cacheSigningKeys } from './signatures/signing-key-cache.js'
import type { SignatureVerifier } from './signatures/verify-signature.js'

export type { SigningKeyResolver } from './identity/signing-key-refusal.js'

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
   * through `@atproto/identity` (PLC directory `https://plc.directory`, 3 s timeout); on the web entry
   * `createFetchSigningKeyResolver()`, the same documents through `fetch`.
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
export type TokenRefusal =
  | ServiceJwtError
  | { readonly code: 'AuthMissing' | 'BadJwtIssuer' | 'JwtReplayed' | 'BadJwt'; readonly message: string }

/** What differs between runtimes: how signatures are checked, and where keys come from by default. */
export interface TokenCheckPlatform {
  /** A signature verifier keeping at most `maxKeys` decoded keys. */
  readonly createVerifier: (maxKeys: number) => SignatureVerifier
  /** The resolver used when the host names none. */
  readonly defaultResolver: () => SigningKeyResolver
}

/** Checks the service JWT of a request: the caller, or the typed reason it was refused. Never throws for a refusal. */
export type TokenCheck = (authorization: string | undefined, nsid: string) => Promise<Result<Caller, TokenRefusal>>

/**
 * The checks of `@atproto/xrpc-server`'s `verifyJwt` — audience, lexicon method (`lxm`), expiry, signature by the
 * issuer's key — plus the time bounds, the issuer rules and the replay guard of this adapter, as a `Result`.
 * Runtime-free: the signature verifier and the default key source come from `platform`.
 */
export function createTokenCheck(options: ServiceAuthOptions, platform: TokenCheckPlatform): TokenCheck {
  const { serviceDid, replayGuard } = options
  const cacheSize = options.signingKeyCacheSize ?? 10_000
  const verifySignature = platform.createVerifier(cacheSize)
  const resolve = cacheSigningKeys(options.resolveSigningKey ?? platform.defaultResolver(), {
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
        // The DID document could not be fetched now: the token may be good, so this is no 401.
        if (isSigningKeyRefusal(cause) && cause.code === 'ResolutionUnavailable')
          return err({ code: 'IssuerUnavailable', message: cause.message, cause })
        const message = isSigningKeyRefusal(cause) ? cause.message : 'could not resolve the issuer signing key'
        return err({ code: 'UntrustedIss', message, cause })
      },
    )
  }

  return async (authorization, nsid) => {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : null
    if (!token) return err({ code: 'AuthMissing', message: 'missing service token' })
    const verified = await verifyServiceJwt(token, { acceptsAudience, lxm: nsid, lifetime }, keyOf, verifySignature)
    if (verified.isErr()) return err(verified.error)
    const payload = verified.value
    if (payload.iss.includes('#'))
      return err({ code: 'BadJwtIssuer', message: 'a user token cannot name a service issuer' })
    if (replayGuard) {
      if (typeof payload.jti !== 'string') return err({ code: 'BadJwt', message: 'token has no jti' })
      if (!(await replayGuard.firstUse(payload.jti, payload.exp * 1000)))
        return err({ code: 'JwtReplayed', message: 'token replayed' })
    }
    return ok({ did: payload.iss })
  }
}
