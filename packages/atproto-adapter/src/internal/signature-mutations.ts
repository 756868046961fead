// Test helpers: ways to damage a compact ECDSA signature, for comparing verifiers.

/** The group order n of each curve, by JWT `alg`. */
export const ORDER = {
  ES256K: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
} as const

const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`)
const to32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex')

/** The malleated twin (r, n − s): valid for the same message and key, with the other half's s. */
export function malleate(sig: Uint8Array, alg: keyof typeof ORDER): Buffer {
  return Buffer.concat([sig.subarray(0, 32), to32(ORDER[alg] - toBigInt(sig.subarray(32, 64)))])
}

function derInteger(bytes: Uint8Array): Buffer {
  let i = 0
  while (i < bytes.length - 1 && bytes[i] === 0) i++
  const body = Buffer.from(bytes.subarray(i))
  // A set top bit would read as negative: DER prepends a zero byte.
  const value = (body[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.of(0), body]) : body
  return Buffer.concat([Buffer.of(0x02, value.length), value])
}

/** The same (r, s) in DER, the encoding OpenSSL emits by default. */
export function toDer(sig: Uint8Array): Buffer {
  const body = Buffer.concat([derInteger(sig.subarray(0, 32)), derInteger(sig.subarray(32, 64))])
  return Buffer.concat([Buffer.of(0x30, body.length), body])
}

export function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const out = Buffer.from(bytes)
  const i = Math.floor(bit / 8) % Math.max(out.length, 1)
  if (out.length > 0) out[i] = (out[i] ?? 0) ^ (1 << (bit % 8))
  return out
}

/** A signature whose r or s is 0 or n, outside [1, n − 1]. */
export function outOfRange(sig: Uint8Array, alg: keyof typeof ORDER, which: 'r0' | 's0' | 'rN' | 'sN'): Buffer {
  const zero = Buffer.alloc(32)
  const n = to32(ORDER[alg])
  const r = which === 'r0' ? zero : which === 'rN' ? n : sig.subarray(0, 32)
  const s = which === 's0' ? zero : which === 'sN' ? n : sig.subarray(32, 64)
  return Buffer.concat([r, s])
}
