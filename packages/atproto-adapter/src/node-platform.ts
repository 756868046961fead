import { createHash } from 'node:crypto'
import type { AdapterPlatform } from './call-pipeline.js'
import { createDidSigningKeyResolver } from './identity/resolve-signing-key.js'
import { createSignatureVerifier } from './signatures/verify-signature.js'

/**
 * Node's pieces: signatures checked by OpenSSL (`node:crypto`, on libuv's thread pool), keys of did:plc and did:web
 * read through `@atproto/identity`, token ids hashed by `node:crypto`.
 */
export const NODE_PLATFORM: AdapterPlatform = {
  createVerifier: (maxKeys) => createSignatureVerifier({ maxKeys }),
  defaultResolver: () => createDidSigningKeyResolver(),
  sha256: (text) => createHash('sha256').update(text).digest('base64url'),
}
