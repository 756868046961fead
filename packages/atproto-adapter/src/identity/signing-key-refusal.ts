/** Resolves the atproto signing key (a `did:key:…`) of a DID; `forceRefresh` after a signature failed. */
export type SigningKeyResolver = (did: string, forceRefresh: boolean) => Promise<string>

/**
 * Why an issuer's signing key could not be had. A resolver made by `createDidSigningKeyResolver` rejects with one
 * of these (never with a bare `Error`); the service answers the first four with 401 `UntrustedIss` and the last
 * with 502 `UpstreamFailure`, since the token may well be good.
 */
export interface SigningKeyRefusal {
  readonly code:
    | 'UnsupportedDid'
    | 'DidNotFound'
    | 'BadDidDocument'
    | 'NoSigningKey'
    /** The DID's document could not be fetched now (a timeout, a network failure, a PLC directory error). */
    | 'ResolutionUnavailable'
  readonly did: string
  readonly message: string
  readonly cause?: unknown
}

const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'UnsupportedDid',
  'DidNotFound',
  'BadDidDocument',
  'NoSigningKey',
  'ResolutionUnavailable',
])

/** Whether a resolver's rejection is a `SigningKeyRefusal`. */
export function isSigningKeyRefusal(value: unknown): value is SigningKeyRefusal {
  return (
    typeof value === 'object' &&
    value !== null &&
    REFUSAL_CODES.has((value as { code?: unknown }).code as string) &&
    typeof (value as { message?: unknown }).message === 'string'
  )
}
