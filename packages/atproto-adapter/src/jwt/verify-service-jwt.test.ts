import { P256Keypair, Secp256k1Keypair, verifySignature } from '@atproto/crypto'
import { AuthRequiredError, verifyJwt } from '@atproto/xrpc-server'
import fc from 'fast-check'
import { err, ok } from 'neverthrow'
import { beforeAll, describe, expect, it } from 'vitest'
import { malleate, toDer } from '../internal/signature-mutations.js'
import { createSignatureVerifier } from '../signatures/verify-signature.js'
import type { ServiceJwtError } from './service-jwt-error.js'
import { type IssuerKeySource, verifyServiceJwt } from './verify-service-jwt.js'

// Differential: the same tokens through verifyServiceJwt and through @atproto/xrpc-server's verifyJwt. verifyJwt
// is given @atproto/crypto's strict verifySignature (its own default lets DER and high-S through), so that both
// apply the same signature rules; everything else is verifyJwt's own code.
const OWN_DID = 'did:web:svc.joinery.test'
const LXM = 'chat.bsky.group.requestJoin'
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

let k1: Secp256k1Keypair
let p256: P256Keypair
beforeAll(async () => {
  k1 = await Secp256k1Keypair.create()
  p256 = await P256Keypair.create()
})

const untrusted = (iss: string) => `cannot resolve the signing key of ${iss}`
const keyOf: IssuerKeySource = async (iss) =>
  iss.startsWith('did:key:') ? ok(iss) : err({ code: 'UntrustedIss', message: untrusted(iss) })
const verifier = createSignatureVerifier()

async function ours(token: string): Promise<string> {
  const r = await verifyServiceJwt(token, { acceptsAudience: (aud) => aud === OWN_DID, lxm: LXM }, keyOf, verifier)
  return r.isOk() ? `ok ${r.value.iss}` : `${r.error.code}: ${r.error.message}`
}

async function theirs(token: string): Promise<string> {
  try {
    const payload = await verifyJwt(
      token,
      OWN_DID,
      LXM,
      async (iss) => {
        if (iss.startsWith('did:key:')) return iss
        throw new AuthRequiredError(untrusted(iss), 'UntrustedIss')
      },
      async (key, msg, sig, alg) => verifySignature(key, msg, sig, { jwtAlg: alg }),
    )
    return `ok ${payload.iss}`
  } catch (e) {
    if (e instanceof AuthRequiredError) return `${e.customErrorName}: ${e.errorMessage}`
    return `threw ${String(e)}`
  }
}

const absent = Symbol('absent')
/** The first value most of the time, so that runs get past the early checks and reach the later ones. */
const mostly = <T>(good: T, ...bad: T[]) =>
  fc.oneof({ arbitrary: fc.constant(good), weight: 6 }, { arbitrary: fc.constantFrom(...bad), weight: 1 })
const field = <T>(good: T, ...bad: T[]) => mostly<T | typeof absent>(good, ...bad, absent)
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== absent))

describe(verifyServiceJwt, () => {
  it('gives the answer and the error of verifyJwt on valid and damaged tokens', async () => {
    const seen = new Set<string>()
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          curve: fc.constantFrom('ES256K', 'ES256'),
          typ: field<unknown>('JWT', 'at+jwt', 'refresh+jwt', 'dpop+jwt', 7),
          alg: mostly<string | symbol>('own', 'other', 'HS256', absent),
          iss: mostly<string | number>(
            'own',
            'other key',
            'did:plc:abcdefghijklmnopqrstuvwx',
            'not-a-did',
            '',
            'own#frag',
            42,
          ),
          aud: field<unknown>(OWN_DID, `${OWN_DID}#svc`, 'did:web:other.test', 7),
          exp: field<unknown>(now() + 60, now() - 60, 'soon'),
          lxm: field<unknown>(LXM, 'chat.bsky.group.createGroup', '', 5),
          nonce: field<unknown>('n0nce', 3),
          sig: fc.constantFrom('valid', 'valid', 'valid', 'highS', 'der', 'flipped', 'empty'),
          parts: mostly(3, 2, 4),
        }),
        async (t) => {
          const [keypair, stranger] = t.curve === 'ES256K' ? [k1, p256] : [p256, k1]
          const alg =
            t.alg === 'own' ? keypair.jwtAlg : t.alg === 'other' ? stranger.jwtAlg : t.alg === absent ? absent : t.alg
          const iss =
            t.iss === 'own'
              ? keypair.did()
              : t.iss === 'other key'
                ? stranger.did()
                : t.iss === 'own#frag'
                  ? `${keypair.did()}#x`
                  : t.iss
          const header = b64(defined({ typ: t.typ, alg }))
          const payload = b64(defined({ iss, aud: t.aud, exp: t.exp, lxm: t.lxm, nonce: t.nonce, jti: 'j' }))
          const signed = Buffer.from(await keypair.sign(Buffer.from(`${header}.${payload}`)))
          const sig =
            t.sig === 'valid'
              ? signed
              : t.sig === 'highS'
                ? malleate(signed, keypair.jwtAlg as 'ES256K' | 'ES256')
                : t.sig === 'der'
                  ? toDer(signed)
                  : t.sig === 'flipped'
                    ? Buffer.from(signed.map((b, i) => (i === 5 ? b ^ 1 : b)))
                    : Buffer.alloc(0)
          const token = [header, payload, sig.toString('base64url'), 'extra'].slice(0, t.parts).join('.')
          const expected = await theirs(token)
          expect(await ours(token), token).toBe(expected)
          seen.add(expected.split(':')[0]?.split(' ')[0] ?? '')
        },
      ),
      {
        numRuns: 500,
        // The rarest outcome (a DID the resolver does not trust, on an otherwise valid token) is always tried too.
        examples: [
          [
            {
              curve: 'ES256K',
              typ: 'JWT',
              alg: 'own',
              iss: 'did:plc:abcdefghijklmnopqrstuvwx',
              aud: OWN_DID,
              exp: now() + 60,
              lxm: LXM,
              nonce: 'n0nce',
              sig: 'valid',
              parts: 3,
            },
          ],
        ],
      },
    )
    // Every outcome came up, so each check was compared, not only the first one to fail.
    expect([...seen].sort()).toEqual(
      [
        'BadJwt',
        'BadJwtAudience',
        'BadJwtIss',
        'BadJwtLexiconMethod',
        'BadJwtSignature',
        'BadJwtType',
        'JwtExpired',
        'UntrustedIss',
        'ok',
      ].sort(),
    )
  })

  it('refuses a header that is not JSON with BadJwt, where verifyJwt lets a SyntaxError out', async () => {
    const token = `not-json.${b64({ iss: k1.did(), aud: OWN_DID, exp: now() + 60, lxm: LXM })}.sig`
    expect(await ours(token)).toBe('BadJwt: poorly formatted jwt')
    expect(await theirs(token)).toMatch(/^threw SyntaxError/)
  })

  it('asks for a fresh key once when the signature fails, and accepts a token signed with the rotated key', async () => {
    const rotated = await Secp256k1Keypair.create()
    const asked: boolean[] = []
    const plcKeys: IssuerKeySource = async (_iss, forceRefresh) => {
      asked.push(forceRefresh)
      return ok(forceRefresh ? rotated.did() : k1.did())
    }
    const header = b64({ typ: 'JWT', alg: 'ES256K' })
    const payload = b64({ iss: 'did:plc:abcdefghijklmnopqrstuvwx', aud: OWN_DID, exp: now() + 60, lxm: LXM })
    const sig = Buffer.from(await rotated.sign(Buffer.from(`${header}.${payload}`))).toString('base64url')
    const expect_ = { acceptsAudience: (aud: string) => aud === OWN_DID, lxm: LXM }
    const r = await verifyServiceJwt(`${header}.${payload}.${sig}`, expect_, plcKeys, verifier)
    expect(r.isOk()).toBe(true)
    expect(asked).toEqual([false, true])

    const failing: IssuerKeySource = async (_iss, forceRefresh) =>
      forceRefresh ? err<string, ServiceJwtError>({ code: 'UntrustedIss', message: 'gone' }) : ok(k1.did())
    const refused = await verifyServiceJwt(`${header}.${payload}.${sig}`, expect_, failing, verifier)
    expect(refused._unsafeUnwrapErr().code).toBe('UntrustedIss')
  })
})
