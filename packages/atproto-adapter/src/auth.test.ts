import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { malleate, toDer } from './internal/signature-mutations.js'
import { SERVICE_DID, startTestService, type TestService } from './internal/test-service.js'
import { createMemoryReplayGuard } from './replay-guard.js'

let svc: TestService
beforeEach(async () => {
  svc = await startTestService({ replayGuard: createMemoryReplayGuard() })
})
afterEach(() => svc.close())

/** Posts createGroup with a raw Authorization header and returns the status and body. */
async function createGroupWith(authorization: string | null) {
  const res = await fetch(`${svc.url}/xrpc/chat.bsky.group.createGroup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ name: 'G', members: [] }),
  })
  return { status: res.status, body: (await res.json()) as { error?: string } }
}

async function groupsInStore() {
  return svc.store.recentEvents().filter((e) => e.type === 'GroupCreated').length
}

describe('service JWT authentication', () => {
  it('accepts a valid token with the bare or the #bsky_chat audience', async () => {
    const user = await svc.newUser()
    const bare = await createGroupWith(`Bearer ${await user.token('chat.bsky.group.createGroup')}`)
    expect(bare.status).toBe(200)
    const fragment = await createGroupWith(
      `Bearer ${await user.token('chat.bsky.group.createGroup', { aud: `${SERVICE_DID}#bsky_chat` })}`,
    )
    expect(fragment.status).toBe(200)
  })

  it('refuses missing, malformed, expired, wrong-audience, wrong-method, forged and replayed tokens with 401, changing nothing', async () => {
    const user = await svc.newUser()
    const lxm = 'chat.bsky.group.createGroup'
    const impostor = await Secp256k1Keypair.create()
    const forged = await createServiceJwt({ iss: user.did, aud: SERVICE_DID, lxm, keypair: impostor })
    const replayed = await user.token(lxm)
    expect((await createGroupWith(`Bearer ${replayed}`)).status).toBe(200)
    const cases: [string, string | null][] = [
      ['missing', null],
      ['not bearer', `Basic ${Buffer.from('a:b').toString('base64')}`],
      ['garbage', 'Bearer not.a.jwt'],
      ['expired', `Bearer ${await user.token(lxm, { exp: Math.floor(Date.now() / 1000) - 10 })}`],
      ['wrong audience', `Bearer ${await user.token(lxm, { aud: 'did:web:someone.else' })}`],
      ['wrong method', `Bearer ${await user.token('chat.bsky.group.requestJoin')}`],
      ['service issuer', `Bearer ${await user.token(lxm, { iss: `${user.did}#atproto_labeler` })}`],
      ['forged signature', `Bearer ${forged}`],
      ['replayed', `Bearer ${replayed}`],
    ]
    const before = await groupsInStore()
    for (const [name, header] of cases) {
      const res = await createGroupWith(header)
      expect(res.status, name).toBe(401)
      expect(typeof res.body.error, name).toBe('string')
    }
    expect(await groupsInStore()).toBe(before)
  })

  it('resolves other issuers through the host resolver', async () => {
    await svc.close()
    const keypair = await Secp256k1Keypair.create()
    const plc = 'did:plc:abcdefghijklmnopqrstuvwx'
    svc = await startTestService({
      resolveSigningKey: async (did) => (did === plc ? keypair.did() : Promise.reject(new Error('unknown'))),
    })
    const token = await createServiceJwt({ iss: plc, aud: SERVICE_DID, lxm: 'chat.bsky.group.createGroup', keypair })
    expect((await createGroupWith(`Bearer ${token}`)).status).toBe(200)
  })

  it('refuses the malleated (high-S) and the DER form of a valid token signature with BadJwtSignature', async () => {
    const user = await svc.newUser()
    const reSigned = async (damage: (sig: Uint8Array) => Uint8Array) => {
      const [header, payload, sig] = (await user.token('chat.bsky.group.createGroup')).split('.')
      return `Bearer ${header}.${payload}.${Buffer.from(damage(Buffer.from(sig ?? '', 'base64url'))).toString('base64url')}`
    }
    const before = await groupsInStore()
    for (const header of [await reSigned((sig) => malleate(sig, 'ES256K')), await reSigned(toDer)]) {
      expect(await createGroupWith(header)).toMatchObject({ status: 401, body: { error: 'BadJwtSignature' } })
    }
    expect(await groupsInStore()).toBe(before)
    expect((await createGroupWith(await reSigned((sig) => sig))).status).toBe(200)
  })

  it('resolves a non-did:key issuer once, and again only after a signature failure', async () => {
    await svc.close()
    const [oldKey, newKey] = [await Secp256k1Keypair.create(), await Secp256k1Keypair.create()]
    const plc = 'did:plc:abcdefghijklmnopqrstuvwx'
    let current = oldKey
    const asked: boolean[] = []
    svc = await startTestService({
      resolveSigningKey: async (_did, fresh) => {
        asked.push(fresh)
        return current.did()
      },
    })
    const lxm = 'chat.bsky.group.createGroup'
    const call = async (keypair: Secp256k1Keypair) =>
      (await createGroupWith(`Bearer ${await createServiceJwt({ iss: plc, aud: SERVICE_DID, lxm, keypair })}`)).status
    expect([await call(oldKey), await call(oldKey)]).toEqual([200, 200])
    expect(asked).toEqual([false])
    current = newKey
    // The cached key fails on the new signature: the adapter asks afresh once and keeps the new key.
    expect([await call(newKey), await call(newKey)]).toEqual([200, 200])
    expect(asked).toEqual([false, true])
    // The old key no longer signs for the issuer.
    expect(await call(oldKey)).toBe(401)
    expect(asked).toEqual([false, true, true])
  })

  it('serves getJoinLinkPreviews without a token but refuses a bad one', async () => {
    const url = `${svc.url}/xrpc/chat.bsky.group.getJoinLinkPreviews?codes=abc`
    expect((await fetch(url)).status).toBe(200)
    expect((await fetch(url, { headers: { authorization: 'Bearer junk' } })).status).toBe(401)
  })
})
