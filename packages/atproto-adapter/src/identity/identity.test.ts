import { IdResolver } from '@atproto/identity'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Account, startDidWebAccount, startPlcDirectory } from '../internal/identity-hosts.js'
import { SERVICE_DID, startTestService, type TestService, xrpcErrorOf } from '../internal/test-service.js'
import { createDidSigningKeyResolver, type SigningKeyRefusal } from './resolve-signing-key.js'
import { didWebOrigin, serviceDidDocument } from './service-did-document.js'

const LXM = 'chat.bsky.group.createGroup'
const createGroup = { name: 'Crag', members: [] }
const now = () => Math.floor(Date.now() / 1000)

let plc: Awaited<ReturnType<typeof startPlcDirectory>>
let web: Awaited<ReturnType<typeof startDidWebAccount>>
beforeAll(async () => {
  plc = await startPlcDirectory()
  web = await startDidWebAccount('wanda.joinery.test')
})
afterAll(async () => {
  await plc.close()
  await web.close()
})

const running: TestService[] = []
afterEach(async () => {
  plc.setBehaviour('serve')
  await Promise.all(running.splice(0).map((s) => s.close()))
})
/** A service closed after the test. */
async function started(service: Promise<TestService>): Promise<TestService> {
  running.push(await service)
  return running.at(-1) as TestService
}

/** The adapter as a host deploys it: keys from DID documents (this PLC stand-in), did:key refused. */
const production = (options: Parameters<typeof startTestService>[0] = {}) =>
  startTestService({
    resolveSigningKey: createDidSigningKeyResolver({ plcUrl: plc.url, timeoutMs: 500 }),
    allowDidKeyIssuers: false,
    ...options,
  })

describe(createDidSigningKeyResolver, () => {
  it('serves a did:plc user resolved through the PLC directory and a did:web user through their DID document', async () => {
    const svc = await started(production())
    const pat = await plc.newAccount('pat.joinery.test')
    const pam = await plc.newAccount('pam.joinery.test', 'p256')
    for (const account of [pat, pam, web.account]) {
      const out = (await svc.userOf(account).call(LXM, createGroup)) as { convo: { members: { did: string }[] } }
      expect(out.convo.members.map((m) => m.did)).toEqual([account.did])
    }
    expect(plc.requests).toContain(pat.did)
  })

  it('refuses a did:key issuer unless the host opted in', async () => {
    const svc = await started(production())
    const keyUser = await svc.newUser()
    expect(await xrpcErrorOf(keyUser.call(LXM, createGroup))).toMatchObject({
      status: 401,
      error: 'UntrustedIss',
      message: 'did:key issuers are not accepted by this service',
    })
    const lenient = await started(production({ allowDidKeyIssuers: true }))
    await expect(lenient.newUser().then((u) => u.call(LXM, createGroup))).resolves.toBeDefined()
  })

  it('refuses unknown DIDs, documents without a key, other methods and forged keys with 401', async () => {
    const svc = await started(production())
    const ghost = await plc.newAccount('ghost.joinery.test')
    plc.setDocument(ghost.did, undefined)
    const keyless = await plc.newAccount('keyless.joinery.test')
    plc.setDocument(keyless.did, { id: keyless.did, alsoKnownAs: [], verificationMethod: [], service: [] })
    const impostor = await plc.newAccount('imp.joinery.test')
    const forger: Account = { ...impostor, did: (await plc.newAccount('victim.joinery.test')).did }
    const cases: [Account, string, string][] = [
      [ghost, 'UntrustedIss', 'the issuer DID has no DID document'],
      [keyless, 'UntrustedIss', "the issuer's DID document has no #atproto signing key"],
      [
        { ...ghost, did: 'did:example:123' },
        'UntrustedIss',
        'only did:plc and did:web (without a path) issuers are supported',
      ],
      [forger, 'BadJwtSignature', 'jwt signature does not match jwt issuer'],
    ]
    for (const [account, error, message] of cases) {
      expect(await xrpcErrorOf(svc.userOf(account).call(LXM, createGroup)), account.did).toMatchObject({
        status: 401,
        error,
        message,
      })
    }
    expect(svc.store.recentEvents().filter((e) => e.type === 'GroupCreated')).toEqual([])
  })

  it('answers 502 UpstreamFailure, not 401, when the directory fails or does not answer in time', async () => {
    const errors: unknown[] = []
    const svc = await started(production({ onError: (cause) => errors.push(cause) }))
    for (const behaviour of ['fail', 'hang'] as const) {
      const account = await plc.newAccount(`${behaviour}.joinery.test`)
      plc.setBehaviour(behaviour)
      expect(await xrpcErrorOf(svc.userOf(account).call(LXM, createGroup)), behaviour).toMatchObject({
        status: 502,
        error: 'UpstreamFailure',
        message: "could not fetch the issuer's DID document",
      })
      // A failed lookup is not remembered: once the directory is back, the same user gets in.
      plc.setBehaviour('serve')
      await expect(svc.userOf(account).call(LXM, createGroup)).resolves.toBeDefined()
    }
    expect(errors).toHaveLength(2)
  })

  it('rejects with a typed refusal, keeping the cause', async () => {
    const resolve = createDidSigningKeyResolver({ plcUrl: plc.url, timeoutMs: 500 })
    const refusal = (await resolve('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', false).catch((e) => e)) as SigningKeyRefusal
    expect(refusal).toMatchObject({ code: 'DidNotFound', did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' })
    expect(refusal.cause).toBeInstanceOf(Error)
    expect(await resolve('did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', false).catch((e) => e.code)).toBe(
      'UnsupportedDid',
    )
  })
})

/** Posts createGroup with `token` and answers `<status> <error name>` (just the status on success). */
async function answerTo(svc: TestService, token: string): Promise<string> {
  const res = await fetch(`${svc.url}/xrpc/${LXM}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(createGroup),
  })
  return `${res.status} ${((await res.json()) as { error?: string }).error ?? ''}`.trim()
}

describe('token checks', () => {
  it('accepts only the bare service DID or its #bsky_chat service as audience', async () => {
    const svc = await started(production())
    const user = svc.userOf(await plc.newAccount('aud.joinery.test'))
    const status = async (aud: string) => answerTo(svc, await user.token(LXM, { aud }))
    expect(await status(SERVICE_DID)).toBe('200')
    expect(await status(`${SERVICE_DID}#bsky_chat`)).toBe('200')
    for (const aud of [
      `${SERVICE_DID}#atproto_labeler`,
      `${SERVICE_DID}#`,
      `${SERVICE_DID}#bsky_chat#x`,
      `${SERVICE_DID}:x`,
      `${SERVICE_DID}#bsky_chat `,
    ])
      expect(await status(aud), aud).toBe('401 BadJwtAudience')
  })

  it('takes the configured service id as the only fragment', async () => {
    const svc = await started(production({ serviceId: 'joinery_chat' }))
    const user = svc.userOf(await plc.newAccount('sid.joinery.test'))
    await expect(user.call(LXM, createGroup)).resolves.toBeDefined()
    expect(await answerTo(svc, await user.token(LXM, { aud: `${SERVICE_DID}#joinery_chat` }))).toBe('200')
    expect(await answerTo(svc, await user.token(LXM, { aud: `${SERVICE_DID}#bsky_chat` }))).toBe('401 BadJwtAudience')
  })

  it('refuses a token living longer than the maximum lifetime, or issued in the future beyond the clock skew', async () => {
    const svc = await started(production({ maxTokenLifetimeSeconds: 300, clockSkewSeconds: 30 }))
    const user = svc.userOf(await plc.newAccount('time.joinery.test'))
    const answer = async (claims: { iat: number; exp: number }) => answerTo(svc, await user.token(LXM, claims))
    const t = now()
    expect(await answer({ iat: t, exp: t + 300 })).toBe('200')
    expect(await answer({ iat: t + 10, exp: t + 70 })).toBe('200')
    expect(await answer({ iat: t, exp: t + 301 })).toBe('401 BadJwtLifetime')
    expect(await answer({ iat: t, exp: t + 10 * 365 * 86_400 })).toBe('401 BadJwtLifetime')
    // An old iat does not buy a long life from now.
    expect(await answer({ iat: t - 3_600, exp: t + 3_000 })).toBe('401 BadJwtLifetime')
    expect(await answer({ iat: t + 120, exp: t + 180 })).toBe('401 BadJwtIat')
    expect(await answer({ iat: t - 120, exp: t - 60 })).toBe('401 JwtExpired')
  })
})

describe(serviceDidDocument, () => {
  it('is served at /.well-known/did.json and resolves, as a PDS resolves it, to the #bsky_chat endpoint', async () => {
    // The service's own DID names the port it listens on, so it is made after listening: the test service first,
    // then a second one on a did:web for that origin.
    const probe = await startTestService()
    const port = new URL(probe.url).port
    await probe.close()
    const serviceDid = `did:web:localhost%3A${port}`
    await started(startTestService({ serviceDid, port: Number(port) }))
    const doc = await new IdResolver({ timeout: 1_000 }).did.resolve(serviceDid)
    expect(doc).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: serviceDid,
      service: [{ id: '#bsky_chat', type: 'BskyChatService', serviceEndpoint: `http://localhost:${port}` }],
    })
  })

  it('refuses an endpoint that is not an http(s) origin', () => {
    for (const serviceEndpoint of ['ftp://x.test', 'https://x.test/xrpc', 'https://x.test/?a=1', 'not a url'])
      expect(() => serviceDidDocument({ serviceDid: 'did:web:x.test', serviceEndpoint }), serviceEndpoint).toThrow()
  })
})

describe(didWebOrigin, () => {
  it('names where a did:web document lives, plain http only for localhost', () => {
    expect(didWebOrigin('did:web:chat.example.com')).toBe('https://chat.example.com')
    expect(didWebOrigin('did:web:localhost%3A8080')).toBe('http://localhost:8080')
    expect(didWebOrigin('did:web:example.com:user:alice')).toBeNull()
    expect(didWebOrigin('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')).toBeNull()
  })
})
