import { bytesToMultibase, P256Keypair, Secp256k1Keypair, verifySignature } from '@atproto/crypto'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { flipBit, malleate, outOfRange, toDer } from '../internal/signature-mutations.js'
import { createSignatureVerifier, type SignatureVerifier } from './verify-signature.js'
import { createPortableSignatureVerifier } from './verify-signature-portable.js'

// Differential: the OpenSSL verifier must answer exactly as @atproto/crypto's verifySignature (default options:
// compact, low-S) on valid signatures and on every way of damaging one.
type Alg = 'ES256K' | 'ES256'
type Keypair = Secp256k1Keypair | P256Keypair
const KEYS_PER_CURVE = 3
const keys: Record<Alg, Keypair[]> = { ES256K: [], ES256: [] }
beforeAll(async () => {
  for (let i = 0; i < KEYS_PER_CURVE; i++) {
    keys.ES256K.push(await Secp256k1Keypair.create())
    keys.ES256.push(await P256Keypair.create())
  }
})

/** `'throws'` where @atproto/crypto throws (ours answers `err`), else the boolean answer. */
type Answer = boolean | 'throws'
// verifySignature throws synchronously on a key it cannot read: always call it through a promise.
const theirs = (...args: Parameters<typeof verifySignature>) => Promise.resolve().then(() => verifySignature(...args))
const reference = (didKey: string, data: Uint8Array, sig: Uint8Array): Promise<Answer> =>
  theirs(didKey, data, sig).catch(() => 'throws' as const)
// What verifyJwt passes today: proof that a malleated or DER signature is a real signature, refused only by rule.
const lenient = (didKey: string, data: Uint8Array, sig: Uint8Array) =>
  theirs(didKey, data, sig, { allowMalleableSig: true }).catch(() => false)

const other = (alg: Alg): Alg => (alg === 'ES256K' ? 'ES256' : 'ES256K')

const MUTATIONS = [
  'valid',
  'highS',
  'truncated',
  'lengthened',
  'der',
  'wrongKey',
  'flippedData',
  'flippedSig',
  'wrongCurve',
  'outOfRange',
  'random',
] as const

// The Node entry's verifier (OpenSSL) and the web entry's (@atproto/crypto itself, plus the empty-alg rule): one suite.
const VERIFIERS: [string, () => SignatureVerifier][] = [
  ['createSignatureVerifier (node:crypto)', () => createSignatureVerifier({ maxKeys: 4 })],
  ['createPortableSignatureVerifier (web)', () => createPortableSignatureVerifier()],
]

describe.each(VERIFIERS)('%s', (_name, make) => {
  const ours = make()
  const answer = async (didKey: string, data: Uint8Array, sig: Uint8Array): Promise<Answer> => {
    const r = await ours(didKey, data, sig)
    return r.isOk() ? r.value : 'throws'
  }

  it('answers as @atproto/crypto verifySignature (true, false or throws) on valid and damaged signatures', async () => {
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Alg>('ES256K', 'ES256'),
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(...MUTATIONS),
        fc.nat({ max: KEYS_PER_CURVE - 1 }),
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        async (alg, data, mutation, k, pick, extra, noise) => {
          const keypair = keys[alg][k] as Keypair
          const sig = await keypair.sign(data)
          let did = keypair.did()
          let msg: Uint8Array = data
          let candidate: Uint8Array = sig
          switch (mutation) {
            case 'valid':
              break
            case 'highS':
              candidate = malleate(sig, alg)
              expect(await lenient(did, msg, candidate)).toBe(true)
              break
            case 'truncated':
              candidate = sig.subarray(0, pick % 64)
              break
            case 'lengthened':
              candidate = Buffer.concat([sig, extra])
              break
            case 'der':
              candidate = toDer(sig)
              expect(await lenient(did, msg, candidate)).toBe(true)
              break
            case 'wrongKey':
              did = (keys[alg][(k + 1 + (pick % (KEYS_PER_CURVE - 1))) % KEYS_PER_CURVE] as Keypair).did()
              break
            case 'flippedData':
              msg = data.length > 0 ? flipBit(data, pick) : Uint8Array.of(pick & 0xff)
              break
            case 'flippedSig':
              candidate = flipBit(sig, pick % 512)
              break
            case 'wrongCurve':
              did = (keys[other(alg)][k] as Keypair).did()
              break
            case 'outOfRange':
              candidate = outOfRange(sig, alg, (['r0', 's0', 'rN', 'sN'] as const)[pick % 4] ?? 'r0')
              break
            case 'random':
              candidate = noise
              break
          }
          const expected = await reference(did, msg, candidate)
          expect(await answer(did, msg, candidate), `${alg} ${mutation}`).toBe(expected)
          const key = `${mutation}:${expected}`
          seen.set(key, (seen.get(key) ?? 0) + 1)
        },
      ),
      { numRuns: 400 },
    )
    // The runs covered every mutation, and the only accepted ones are the untouched signatures.
    for (const m of MUTATIONS)
      expect(
        [...seen.keys()].some((key) => key.startsWith(`${m}:`)),
        m,
      ).toBe(true)
    expect([...seen.keys()].filter((key) => key.endsWith(':true'))).toEqual(['valid:true'])
  })

  it('reads did:keys as @atproto/crypto does: same keys refused, same keys accepted', async () => {
    const data = Buffer.from('hello')
    const sig = await (keys.ES256K[0] as Keypair).sign(data)
    const outcomes = { read: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(
        // Weighted towards well-formed keys of both curves, so that x decides most runs.
        fc.constantFrom([0xe7, 0x01], [0xe7, 0x01], [0x80, 0x24], [0x80, 0x24], [0xe7], [0xed, 0x01], [0x12, 0x00]),
        fc.constantFrom(0x02, 0x03, 0x02, 0x03, 0x04, 0x00),
        fc.uint8Array({ minLength: 30, maxLength: 34 }),
        fc.constantFrom('x32', 'x32', 'asIs', 'ffff'),
        async (codec, head, x, shape) => {
          // 'x32' makes x 32 bytes, 'asIs' keeps its length, 'ffff' puts it above every field prime.
          const x32 = Buffer.concat([x, Buffer.alloc(2)]).subarray(0, 32)
          const body =
            shape === 'asIs' ? x : shape === 'x32' ? x32 : Buffer.concat([Buffer.alloc(2, 0xff), x32.subarray(2)])
          const did = `did:key:${bytesToMultibase(Uint8Array.from([...codec, head, ...body]), 'base58btc')}`
          const reference = await theirs(did, data, sig).then(
            () => 'read',
            () => 'refused',
          )
          const mine = (await ours(did, data, sig)).isOk() ? ('read' as const) : ('refused' as const)
          expect(mine, did).toBe(reference)
          outcomes[mine] += 1
        },
      ),
      { numRuns: 500 },
    )
    // About half of all x have a point on the curve: both answers must have come up often.
    expect(outcomes.read).toBeGreaterThan(40)
    expect(outcomes.refused).toBeGreaterThan(40)
  })

  it('reads a P-256 key with x = 0, which is on the curve, as @atproto/crypto does', async () => {
    const did = `did:key:${bytesToMultibase(Uint8Array.from([0x80, 0x24, 0x02, ...Buffer.alloc(32)]), 'base58btc')}`
    const sig = Buffer.alloc(64, 1)
    expect(await verifySignature(did, Buffer.from('x'), sig)).toBe(false)
    expect((await ours(did, Buffer.from('x'), sig))._unsafeUnwrap()).toBe(false)
  })

  it('refuses a key whose type differs from the JWT alg, as verifySignature with jwtAlg', async () => {
    const keypair = keys.ES256K[0] as Keypair
    const data = Buffer.from('payload')
    const sig = await keypair.sign(data)
    expect((await ours(keypair.did(), data, sig, 'ES256K'))._unsafeUnwrap()).toBe(true)
    for (const alg of ['ES256', 'HS256', 'none', '']) {
      expect((await ours(keypair.did(), data, sig, alg))._unsafeUnwrapErr().code, alg).toBe('AlgMismatch')
    }
    await expect(theirs(keypair.did(), data, sig, { jwtAlg: 'ES256' })).rejects.toThrow()
    // The one difference, on purpose: @atproto/crypto skips the check when the alg is empty.
    expect(await verifySignature(keypair.did(), data, sig, { jwtAlg: '' })).toBe(true)
  })

  it('refuses what is not a did:key multikey', async () => {
    const sig = Buffer.alloc(64)
    for (const did of ['did:plc:abc', 'did:key:', 'did:key:z', 'did:key:mAbc', 'did:key:z0OIl', 'did:key:z€']) {
      expect((await ours(did, Buffer.from('x'), sig))._unsafeUnwrapErr().code, did).toBe('UnsupportedDidKey')
      await expect(theirs(did, Buffer.from('x'), sig), did).rejects.toThrow()
    }
  })
})
