import { formatDidKey, multibaseToBytes, P256_JWT_ALG, parseMultikey, SECP256K1_JWT_ALG } from '@atproto/crypto'
import type { DidSigningKeyResolverOptions } from './resolve-signing-key.js'
import type { SigningKeyRefusal, SigningKeyResolver } from './signing-key-refusal.js'

type Refused = (code: SigningKeyRefusal['code'], message: string, cause?: unknown) => SigningKeyRefusal

/** Where a DID's document lives, as `@atproto/identity` reads it: the PLC directory, or the did:web host. */
function documentUrl(did: string, plcUrl: string, refuse: Refused): URL {
  if (did.startsWith('did:plc:')) return new URL(`/${encodeURIComponent(did)}`, plcUrl)
  const parts = did.split(':').slice(2)
  if (!did.startsWith('did:web:') || parts.length !== 1)
    throw refuse('UnsupportedDid', 'only did:plc and did:web (without a path) issuers are supported')
  let url: URL
  try {
    url = new URL(`https://${decodeURIComponent(parts[0] ?? '')}/.well-known/did.json`)
  } catch (cause) {
    throw refuse('UnsupportedDid', 'only did:plc and did:web (without a path) issuers are supported', cause)
  }
  if (url.hostname === 'localhost') url.protocol = 'http'
  return url
}

/** The `did:key` of the `#atproto` verification method, in the forms `@atproto/identity` reads; `null` if none. */
function atprotoKey(did: string, doc: Record<string, unknown>): string | null {
  const methods = Array.isArray(doc.verificationMethod) ? (doc.verificationMethod as unknown[]) : []
  const method = methods.find(
    (m): m is Record<string, unknown> =>
      typeof m === 'object' &&
      m !== null &&
      ((m as { id?: unknown }).id === '#atproto' || (m as { id?: unknown }).id === `${did}#atproto`),
  )
  const multibase = method?.publicKeyMultibase
  if (typeof multibase !== 'string') return null
  try {
    if (method?.type === 'Multikey') {
      const { jwtAlg, keyBytes } = parseMultikey(multibase)
      return formatDidKey(jwtAlg, keyBytes)
    }
    if (method?.type === 'EcdsaSecp256r1VerificationKey2019')
      return formatDidKey(P256_JWT_ALG, multibaseToBytes(multibase))
    if (method?.type === 'EcdsaSecp256k1VerificationKey2019')
      return formatDidKey(SECP256K1_JWT_ALG, multibaseToBytes(multibase))
  } catch {
    return null
  }
  return null
}

/**
 * `createDidSigningKeyResolver` for runtimes with only the web platform (the web entry's default): the same DID
 * documents — `did:plc` from the PLC directory, `did:web` from `https://<host>/.well-known/did.json` (`http` for
 * `localhost`, redirects refused) — fetched with `fetch` and bounded by `timeoutMs`, the same `#atproto` key forms,
 * and the same typed refusals: `UnsupportedDid`, `DidNotFound` (a 404, or any failed status for did:web),
 * `BadDidDocument` (not an object with this `id`), `NoSigningKey`, `ResolutionUnavailable` (a timeout, a network
 * failure, another directory error). It checks less of a document's shape than `@atproto/identity`'s schema: only
 * what the key needs.
 */
export function createFetchSigningKeyResolver(options: DidSigningKeyResolverOptions = {}): SigningKeyResolver {
  const plcUrl = options.plcUrl ?? 'https://plc.directory'
  const timeoutMs = options.timeoutMs ?? 3_000
  return async (did) => {
    const refuse: Refused = (code, message, cause) => ({
      code,
      did,
      message,
      ...(cause === undefined ? {} : { cause }),
    })
    const url = documentUrl(did, plcUrl, refuse)
    let doc: unknown
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
        headers: { accept: 'application/did+ld+json,application/json' },
      })
      const plc = did.startsWith('did:plc:')
      if (res.status === 404 || (!plc && !res.ok)) {
        await res.body?.cancel()
        throw refuse('DidNotFound', 'the issuer DID has no DID document')
      }
      if (!res.ok) {
        await res.body?.cancel()
        throw refuse('ResolutionUnavailable', "could not fetch the issuer's DID document", new Error(res.statusText))
      }
      doc = await res.json()
    } catch (cause) {
      if (typeof cause === 'object' && cause !== null && 'did' in cause) throw cause
      throw refuse('ResolutionUnavailable', "could not fetch the issuer's DID document", cause)
    }
    if (typeof doc !== 'object' || doc === null || (doc as { id?: unknown }).id !== did)
      throw refuse('BadDidDocument', "the issuer's DID document is invalid")
    const key = atprotoKey(did, doc as Record<string, unknown>)
    if (!key) throw refuse('NoSigningKey', "the issuer's DID document has no #atproto signing key")
    return key
  }
}
