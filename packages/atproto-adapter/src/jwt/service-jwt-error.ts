/**
 * Why a service JWT was refused. The codes are the XRPC error names `@atproto/xrpc-server`'s `verifyJwt` answers
 * with (all 401), plus `UntrustedIss` for an issuer whose key cannot be had.
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
  readonly message: string
  readonly cause?: unknown
}
