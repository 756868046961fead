import {
  DidNotFoundError,
  IdResolver,
  PoorlyFormattedDidDocumentError,
  PoorlyFormattedDidError,
  UnsupportedDidMethodError,
  UnsupportedDidWebPathError,
} from '@atproto/identity'
import type { SigningKeyRefusal, SigningKeyResolver } from './signing-key-refusal.js'

export {
  isSigningKeyRefusal,
  type SigningKeyRefusal,
  type SigningKeyResolver,
} from './signing-key-refusal.js'

export interface DidSigningKeyResolverOptions {
  /** The PLC directory for `did:plc`. Default `https://plc.directory`. */
  readonly plcUrl?: string
  /** How long one DID document fetch may take. Default 3,000 ms (as a PDS). */
  readonly timeoutMs?: number
}

function refusalOf(did: string, cause: unknown): SigningKeyRefusal {
  const at = (code: SigningKeyRefusal['code'], message: string): SigningKeyRefusal => ({ code, did, message, cause })
  if (
    cause instanceof UnsupportedDidMethodError ||
    cause instanceof PoorlyFormattedDidError ||
    cause instanceof UnsupportedDidWebPathError
  )
    return at('UnsupportedDid', 'only did:plc and did:web (without a path) issuers are supported')
  if (cause instanceof DidNotFoundError) return at('DidNotFound', 'the issuer DID has no DID document')
  if (cause instanceof PoorlyFormattedDidDocumentError)
    return at('BadDidDocument', "the issuer's DID document is invalid")
  // @atproto/identity says this with a plain Error when the document has no usable `#atproto` key.
  if (cause instanceof Error && cause.message.startsWith('Could not parse signingKey'))
    return at('NoSigningKey', "the issuer's DID document has no #atproto signing key")
  return at('ResolutionUnavailable', "could not fetch the issuer's DID document")
}

/**
 * The signing keys of `did:plc` and `did:web` accounts, read from their DID documents through `@atproto/identity`
 * (verification method `#atproto`): `did:plc` from the PLC directory, `did:web` from
 * `https://<host>/.well-known/did.json` (`http` for `localhost`). Every fetch is bounded by `timeoutMs`; every
 * failure rejects with a {@link SigningKeyRefusal}. `did:key` issuers are refused here (`UnsupportedDid`): whether
 * they are accepted at all is the service's `allowDidKeyIssuers`. The service caches what this answers.
 * @example
 * createJoineryXrpcServer({ joinery, serviceDid, resolveSigningKey: createDidSigningKeyResolver({ timeoutMs: 2000 }) })
 */
export function createDidSigningKeyResolver(options: DidSigningKeyResolverOptions = {}): SigningKeyResolver {
  const ids = new IdResolver({
    timeout: options.timeoutMs ?? 3_000,
    ...(options.plcUrl ? { plcUrl: options.plcUrl } : {}),
  })
  return async (did, forceRefresh) => {
    if (!did.startsWith('did:plc:') && !did.startsWith('did:web:'))
      throw refusalOf(did, new UnsupportedDidMethodError(did))
    try {
      return await ids.did.resolveAtprotoKey(did, forceRefresh)
    } catch (cause) {
      throw refusalOf(did, cause)
    }
  }
}
