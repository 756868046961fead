/** The JWT `alg` of each key type atproto signs with. */
export type SignatureAlg = 'ES256K' | 'ES256'

/** What it takes to read a `did:key` of one curve and to judge its signatures. */
export interface Curve {
  readonly alg: SignatureAlg
  /** The multicodec code of the compressed public key, as its unsigned varint (0xe7 → e7 01, 0x1200 → 80 24). */
  readonly multicodec: Uint8Array
  /** DER of an SPKI up to the 33-byte compressed point: `SEQUENCE { AlgorithmIdentifier, BIT STRING 00 …`. */
  readonly spkiPrefix: Buffer
  /** The field prime p, big-endian: a compressed point's x must be below it. */
  readonly fieldPrime: Buffer
  /** The group order n, big-endian: r and s of a signature lie in [1, n − 1]. */
  readonly order: Buffer
  /** ⌊n/2⌋, big-endian: a larger `s` is the malleated (high-S) twin of a signature. */
  readonly halfOrder: Buffer
}

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex')
const orders = (n: string) => ({
  order: hex(n),
  halfOrder: hex((BigInt(`0x${n.replace(/\s/g, '')}`) >> 1n).toString(16).padStart(64, '0')),
})

// id-ecPublicKey (1.2.840.10045.2.1) followed by the named curve's OID.
const EC_PUBLIC_KEY_OID = '06072a8648ce3d0201'

export const SECP256K1: Curve = {
  alg: 'ES256K',
  multicodec: Uint8Array.of(0xe7, 0x01),
  // 30 36 (SPKI) 30 10 (AlgorithmIdentifier) … 06 05 2b8104000a (secp256k1) 03 22 00 (BIT STRING, 33 bytes follow)
  spkiPrefix: hex(`3036 3010 ${EC_PUBLIC_KEY_OID} 06052b8104000a 032200`),
  fieldPrime: hex('ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff fffffffe fffffc2f'),
  ...orders('ffffffff ffffffff ffffffff fffffffe baaedce6 af48a03b bfd25e8c d0364141'),
}

export const P256: Curve = {
  alg: 'ES256',
  multicodec: Uint8Array.of(0x80, 0x24),
  // 30 39 (SPKI) 30 13 (AlgorithmIdentifier) … 06 08 2a8648ce3d030107 (prime256v1) 03 22 00
  spkiPrefix: hex(`3039 3013 ${EC_PUBLIC_KEY_OID} 06082a8648ce3d030107 032200`),
  fieldPrime: hex('ffffffff 00000001 00000000 00000000 00000000 ffffffff ffffffff ffffffff'),
  ...orders('ffffffff 00000000 ffffffff ffffffff bce6faad a7179e84 f3b9cac2 fc632551'),
}

export const CURVES: readonly Curve[] = [SECP256K1, P256]
