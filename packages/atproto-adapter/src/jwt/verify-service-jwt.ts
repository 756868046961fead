import { err, ok, type Result } from 'neverthrow'
import { decodeBase64Url, utf8Bytes } from '../internal/base64url.js'
import type { SignatureVerifier } from '../signatures/verify-signature.js'
import { isDidOrService, parseHeader, parsePayload, type ServiceJwtPayload } from './claims.js'
import type { ServiceJwtError } from './service-jwt-error.js'

/** What a token must say to be accepted. */
export interface ServiceJwtExpectation {
  /** Whether `aud` names this service. */
  readonly acceptsAudience: (aud: string) => boolean
  /** The NSID the token must be scoped to (`lxm`); `null` skips the check. */
  readonly lxm: string | null
  /**
   * Time bounds stricter than `verifyJwt`'s (which checks only `exp`): a token may live at most `maxLifetimeSeconds`
   * (from its `iat`, and from now) and may not be issued more than `clockSkewSeconds` in the future. Off when absent.
   */
  readonly lifetime?: { readonly maxLifetimeSeconds: number; readonly clockSkewSeconds: number }
  readonly now?: () => number
}

/** The issuer's `did:key`; `forceRefresh` after a signature failed, in case the key rotated. */
export type IssuerKeySource = (iss: string, forceRefresh: boolean) => Promise<Result<string, ServiceJwtError>>

// xrpc-server's reasons: these are OAuth access tokens, @atproto refresh tokens and DPoP proofs, not service tokens.
const REFUSED_TYPES: ReadonlySet<unknown> = new Set(['at+jwt', 'refresh+jwt', 'dpop+jwt'])

const refuse = (code: ServiceJwtError['code'], message: string) => err<never, ServiceJwtError>({ code, message })

/**
 * Verifies an atproto inter-service JWT with the checks of `@atproto/xrpc-server`'s `verifyJwt`, in its order and
 * with its error names — format, `typ`, expiry, audience, `lxm`, issuer syntax, then the signature, retried once
 * with a refreshed key — except that the signature is checked by `verifySignature` (see `createSignatureVerifier`:
 * compact low-S only, where `verifyJwt` also lets DER and high-S through).
 */
export async function verifyServiceJwt(
  token: string,
  expect: ServiceJwtExpectation,
  keyOf: IssuerKeySource,
  verifySignature: SignatureVerifier,
): Promise<Result<ServiceJwtPayload, ServiceJwtError>> {
  const parts = token.split('.')
  const [headerPart, payloadPart, sigPart] = parts
  if (parts.length !== 3 || headerPart === undefined || payloadPart === undefined || sigPart === undefined)
    return refuse('BadJwt', 'poorly formatted jwt')
  const header = parseHeader(headerPart)
  if (header.isErr()) return err(header.error)
  const { alg, typ } = header.value
  if (REFUSED_TYPES.has(typ)) return refuse('BadJwtType', `Invalid jwt type "${String(typ)}"`)
  const claims = parsePayload(payloadPart)
  if (claims.isErr()) return err(claims.error)
  const payload = claims.value

  const now = (expect.now ?? Date.now)() / 1000
  if (now > payload.exp) return refuse('JwtExpired', 'jwt expired')
  if (expect.lifetime) {
    const refused = checkLifetime(payload, now, expect.lifetime)
    if (refused) return err(refused)
  }
  if (!expect.acceptsAudience(payload.aud)) return refuse('BadJwtAudience', 'jwt audience does not match service did')
  if (expect.lxm !== null && payload.lxm !== expect.lxm)
    return refuse(
      'BadJwtLexiconMethod',
      `${payload.lxm !== undefined ? 'bad' : 'missing'} jwt lexicon method ("lxm"). must match: ${expect.lxm}`,
    )
  if (!payload.iss || !isDidOrService(payload.iss)) return refuse('BadJwtIss', 'jwt iss is not a valid did')

  const data = utf8Bytes(`${headerPart}.${payloadPart}`)
  const sig = decodeBase64Url(sigPart)
  const key = await keyOf(payload.iss, false)
  if (key.isErr()) return err(key.error)
  let valid = await verifySignature(key.value, data, sig, alg)
  if (valid.isOk() && !valid.value) {
    // As verifyJwt: a key that fails may have just rotated; ask for it afresh once.
    const fresh = await keyOf(payload.iss, true)
    if (fresh.isErr()) return err(fresh.error)
    valid = fresh.value === key.value ? ok(false) : await verifySignature(fresh.value, data, sig, alg)
  }
  if (valid.isErr()) return refuse('BadJwtSignature', 'could not verify jwt signature')
  if (!valid.value) return refuse('BadJwtSignature', 'jwt signature does not match jwt issuer')
  return ok(payload)
}

/** The time bounds of `ServiceJwtExpectation.lifetime`: `null` when the token keeps them. */
function checkLifetime(
  payload: ServiceJwtPayload,
  now: number,
  bounds: NonNullable<ServiceJwtExpectation['lifetime']>,
): ServiceJwtError | null {
  const { iat } = payload
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat)))
    return { code: 'BadJwt', message: 'jwt iat is not a number' }
  if (typeof iat === 'number' && iat > now + bounds.clockSkewSeconds)
    return { code: 'BadJwtIat', message: 'jwt issued in the future' }
  const lifetime = payload.exp - (typeof iat === 'number' ? iat : now)
  if (lifetime > bounds.maxLifetimeSeconds || payload.exp - now > bounds.maxLifetimeSeconds + bounds.clockSkewSeconds)
    return { code: 'BadJwtLifetime', message: `jwt lifetime exceeds ${bounds.maxLifetimeSeconds} seconds` }
  return null
}
