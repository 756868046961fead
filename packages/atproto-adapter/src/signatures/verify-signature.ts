import { verify } from 'node:crypto'
import { err, ok, type Result } from 'neverthrow'
import { createBoundedCache } from '../internal/bounded-cache.js'
import type { Curve } from './curves.js'
import { decodeDidKey, type PublicSigningKey, type UnsupportedDidKey } from './did-key.js'

/** Why a signature could not be checked at all (`@atproto/crypto` throws in these cases rather than answer false). */
export type SignatureError =
  | UnsupportedDidKey
  | { readonly code: 'AlgMismatch'; readonly message: string }
  | { readonly code: 'MalformedSignature'; readonly message: string }

/** Checks a signature by a `did:key`: `ok(true|false)` for an answer, `err` when the key, `alg` or form is unusable. */
export type SignatureVerifier = (
  didKey: string,
  data: Uint8Array,
  sig: Uint8Array,
  jwtAlg?: string,
) => Promise<Result<boolean, SignatureError>>

const COMPACT_SIGNATURE_BYTES = 64
const ZERO = Buffer.alloc(COMPACT_SIGNATURE_BYTES / 2)

const inScalarRange = (v: Uint8Array, curve: Curve) => !ZERO.equals(v) && Buffer.compare(v, curve.order) < 0

/** The compact form r‖s: 64 bytes, r and s in [1, n − 1]. DER and any other length are not it. */
function isCompact(sig: Uint8Array, curve: Curve): boolean {
  const half = COMPACT_SIGNATURE_BYTES / 2
  return (
    sig.length === COMPACT_SIGNATURE_BYTES &&
    inScalarRange(sig.subarray(0, half), curve) &&
    inScalarRange(sig.subarray(half), curve)
  )
}

/**
 * Whether `sig`, already known to be compact, is an ECDSA signature of SHA-256(`data`) by `key` with s in the lower half
 * of the group order: a high-S signature (the malleated twin of a valid one) is refused, as `@atproto/crypto` does.
 */
async function verifyCompactSignature(key: PublicSigningKey, data: Uint8Array, sig: Uint8Array): Promise<boolean> {
  if (Buffer.compare(sig.subarray(COMPACT_SIGNATURE_BYTES / 2), key.curve.halfOrder) > 0) return false
  // With a callback the check runs on libuv's thread pool: a secp256k1 check takes OpenSSL about 0.3 ms, which the
  // event loop spends serving other requests.
  return new Promise((resolve) =>
    verify('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, sig, (error, valid) =>
      resolve(!error && valid),
    ),
  )
}

/**
 * A verifier that answers as `@atproto/crypto`'s `verifySignature` with its default options — `err` where that
 * throws, the same `true`/`false` otherwise — with the arithmetic done by OpenSSL (`node:crypto`). Decoded keys are
 * kept in a bounded cache: reading and importing a key costs more than checking a signature.
 * @example
 * const verify = createSignatureVerifier()
 * await verify('did:key:zQ3sh…', data, sig, 'ES256K') // ok(true)
 */
export function createSignatureVerifier(options: { readonly maxKeys?: number } = {}): SignatureVerifier {
  const keys = createBoundedCache<string, PublicSigningKey>({ maxEntries: options.maxKeys ?? 10_000 })
  return async (didKey, data, sig, jwtAlg) => {
    let key = keys.get(didKey)
    if (!key) {
      const decoded = decodeDidKey(didKey)
      if (decoded.isErr()) return err(decoded.error)
      key = decoded.value
      keys.set(didKey, key)
    }
    // Stricter than @atproto/crypto in one place: it skips this check for an empty `alg`, here only `undefined` does.
    if (jwtAlg !== undefined && jwtAlg !== key.curve.alg)
      return err({ code: 'AlgMismatch', message: `Expected key alg ${jwtAlg}, got ${key.curve.alg}` })
    if (!isCompact(sig, key.curve))
      return err({ code: 'MalformedSignature', message: 'expected a 64-byte compact signature, r and s in [1, n-1]' })
    return ok(await verifyCompactSignature(key, data, sig))
  }
}
