import { schemas } from '@atproto/api'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServer } from '@atproto/xrpc-server'
import { afterEach, describe, expect, it } from 'vitest'
import { createAppViewProfiles, createStaticProfiles } from './appview-profiles.js'
import { startTestService, type TestService } from './internal/test-service.js'
import { type Listening, listen } from './node.js'

const open: (Listening | TestService)[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})

/** A real XRPC server answering app.bsky.actor.getProfiles from a table, as an AppView would; counts its calls. */
async function startAppView(table: Record<string, { handle: string; displayName?: string }>) {
  const calls: string[][] = []
  let down = false
  const server = createServer(schemas)
  server.method('app.bsky.actor.getProfiles', async ({ params }) => {
    const actors = params.actors as string[]
    calls.push(actors)
    if (down) return { status: 500, error: 'InternalServerError', message: 'down' }
    return {
      encoding: 'application/json',
      body: { profiles: actors.flatMap((did) => (table[did] ? [{ did, ...table[did] }] : [])) },
    }
  })
  const appview = await listen(server)
  open.push(appview)
  return {
    url: appview.url,
    calls,
    setDown: (d: boolean) => {
      down = d
    },
  }
}

describe(createAppViewProfiles, () => {
  it('puts real handles and display names in convo views, asking the AppView once per profile', async () => {
    const [adaKey, boKey] = [await Secp256k1Keypair.create(), await Secp256k1Keypair.create()]
    const appview = await startAppView({
      [adaKey.did()]: { handle: 'ada.test', displayName: 'Ada' },
      [boKey.did()]: { handle: 'bo.test' },
    })
    const served = await startTestService({ profiles: createAppViewProfiles({ service: appview.url }) })
    open.push(served)
    const ada = served.userOf({ did: adaKey.did(), keypair: adaKey })
    const bo = served.userOf({ did: boKey.did(), keypair: boKey })
    const created = (await ada.call('chat.bsky.group.createGroup', { name: 'Named', members: [bo.did] })) as {
      convo: { id: string }
    }
    await bo.call('chat.bsky.convo.acceptConvo', { convoId: created.convo.id })
    const seen = (await bo.call('chat.bsky.convo.getConvo', undefined, { convoId: created.convo.id })) as {
      convo: { members: { did: string; handle: string; displayName?: string }[] }
    }
    const shown = seen.convo.members.map(({ did, handle, displayName }) => ({ did, handle, displayName }))
    expect(shown.sort((x, y) => x.did.localeCompare(y.did))).toEqual(
      [
        { did: ada.did, handle: 'ada.test', displayName: 'Ada' },
        { did: bo.did, handle: 'bo.test', displayName: undefined },
      ].sort((x, y) => x.did.localeCompare(y.did)),
    )
    await ada.call('chat.bsky.convo.getConvo', undefined, { convoId: created.convo.id })
    // Each profile was asked for once; later views come from the cache.
    expect(appview.calls.flat().sort()).toEqual([ada.did, bo.did].sort())
  })

  it('asks 25 DIDs a call, remembers unknown DIDs, and does not remember a failure', async () => {
    const dids = Array.from({ length: 30 }, (_, i) => `did:plc:${String(i).padStart(24, 'a')}`)
    const appview = await startAppView({ [dids[0] as string]: { handle: 'zero.test' } })
    const profiles = createAppViewProfiles({ service: appview.url })
    const first = await profiles(dids)
    expect([...first.entries()]).toEqual([[dids[0], { handle: 'zero.test' }]])
    expect(appview.calls.map((c) => c.length)).toEqual([25, 5])
    await profiles(dids)
    expect(appview.calls).toHaveLength(2)
    appview.setDown(true)
    const fresh = `did:plc:${'b'.repeat(24)}`
    expect((await profiles([fresh])).size).toBe(0)
    appview.setDown(false)
    await profiles([fresh])
    expect(appview.calls.at(-1)).toEqual([fresh])
  })
})

describe(createStaticProfiles, () => {
  it('answers the DIDs it holds', async () => {
    const lookup = createStaticProfiles([['did:plc:a', { handle: 'a.test' }]])
    expect([...(await lookup(['did:plc:a', 'did:plc:b'])).entries()]).toEqual([['did:plc:a', { handle: 'a.test' }]])
  })
})
