/**
 * Why a service JWT was refused. The codes are the XRPC error names `@atproto/xrpc-server`'s `verifyJwt` answers
 * with (all 401), plus `UntrustedIss` for an issuer whose key cannot be had, and `BadJwtIat` / `BadJwtLifetime` for the time bounds
 * `verifyJwt` does not check, and `IssuerUnavailable` when the issuer's DID document cannot be fetched now.
 */
export interface ServiceJwtError {
  readonly code:
    | 'BadJwt'
    | 'BadJwtType'
    | 'JwtExpired'
    | 'BadJwtAudience'
    | 'BadJwtLexiconMethod'
    | 'BadJwtIss'
    | 'BadJwtSignature'
    | 'UntrustedIss'
    | 'BadJwtIat'
    | 'BadJwtLifetime'
    | 'IssuerUnavailable'
  readonly message: string
  readonly cause?: unknown
}
