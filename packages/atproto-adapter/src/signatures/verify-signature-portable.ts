import { parseDidKey, verifySignature } from '@atproto/crypto'
import { err, ok } from 'neverthrow'
import type { SignatureVerifier } from './verify-signature.js'

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/**
 * A verifier with no `node:` import, for the web entry: `@atproto/crypto`'s own `verifySignature` (pure JavaScript,
 * `@noble/curves`) with its default, strict options — compact 64-byte signatures, low-S only — so it answers as
 * `createSignatureVerifier` (OpenSSL) does, and one differential suite holds both to `@atproto/crypto`. Like that one
 * it refuses an `alg` that does not name the key's type, an empty one included. Slower than OpenSSL (a secp256k1
 * check takes about a millisecond of the event loop), which is why the Node entry keeps OpenSSL.
 */
export function createPortableSignatureVerifier(): SignatureVerifier {
  return async (didKey, data, sig, jwtAlg) => {
    let alg: string
    try {
      alg = parseDidKey(didKey).jwtAlg
    } catch (cause) {
      return err({ code: 'UnsupportedDidKey', message: messageOf(cause) })
    }
    if (jwtAlg !== undefined && jwtAlg !== alg)
      return err({ code: 'AlgMismatch', message: `Expected key alg ${jwtAlg}, got ${alg}` })
    try {
      return ok(await verifySignature(didKey, data, sig))
    } catch (cause) {
      return err({ code: 'MalformedSignature', message: messageOf(cause) })
    }
  }
}
