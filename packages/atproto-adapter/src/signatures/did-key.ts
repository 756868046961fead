import { createPublicKey, type KeyObject } from 'node:crypto'
import { err, ok, type Result } from 'neverthrow'
import { decodeBase58btc } from './base58.js'
import { CURVES, type Curve } from './curves.js'

/** A public key read from a `did:key`, imported once into OpenSSL. */
export interface PublicSigningKey {
  readonly curve: Curve
  readonly key: KeyObject
}

export interface UnsupportedDidKey {
  readonly code: 'UnsupportedDidKey'
  readonly message: string
}

const DID_KEY_PREFIX = 'did:key:'
const COMPRESSED_POINT_BYTES = 33

const unsupported = (message: string) => err<never, UnsupportedDidKey>({ code: 'UnsupportedDidKey', message })

const startsWith = (bytes: Uint8Array, prefix: Uint8Array) =>
  bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b)

/**
 * Reads a `did:key:z…` multikey the way `@atproto/crypto`'s `parseDidKey` does: base58btc, the multicodec of
 * secp256k1 (0xe7) or P-256 (0x1200), then a compressed point (33 bytes, 02/03 then x) that lies on the curve.
 */
export function decodeDidKey(didKey: string): Result<PublicSigningKey, UnsupportedDidKey> {
  if (!didKey.startsWith(DID_KEY_PREFIX)) return unsupported('not a did:key')
  const multikey = didKey.slice(DID_KEY_PREFIX.length)
  if (!multikey.startsWith('z')) return unsupported('multikey is not base58btc')
  const bytes = decodeBase58btc(multikey.slice(1))
  if (!bytes) return unsupported('multikey is not base58btc')
  const curve = CURVES.find((c) => startsWith(bytes, c.multicodec))
  if (!curve) return unsupported('unsupported key type')
  const point = bytes.subarray(curve.multicodec.length)
  if (point.length !== COMPRESSED_POINT_BYTES || (point[0] !== 0x02 && point[0] !== 0x03))
    return unsupported('expected a 33-byte compressed public key')
  // OpenSSL would also refuse x ≥ p today; the check states the rule instead of relying on it.
  if (Buffer.compare(point.subarray(1), curve.fieldPrime) >= 0) return unsupported('public key is not on the curve')
  try {
    // OpenSSL decompresses the point and refuses an x with no y on the curve.
    const key = createPublicKey({ key: Buffer.concat([curve.spkiPrefix, point]), format: 'der', type: 'spki' })
    return ok({ curve, key })
  } catch {
    return unsupported('public key is not on the curve')
  }
}
