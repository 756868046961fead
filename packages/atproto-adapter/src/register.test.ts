import { Secp256k1Keypair } from '@atproto/crypto'
import type { LexiconDoc } from '@atproto/lexicon'
import { XrpcClient } from '@atproto/xrpc'
import { createServer, createServiceJwt } from '@atproto/xrpc-server'
import { createInMemoryStore, createJoinery } from '@joinery/core'
import { afterEach, describe, expect, it } from 'vitest'
import { lexicons, SERVICE_DID, startTestService, type TestService } from './internal/test-service.js'
import { LEXICONS } from './lexicons/index.js'
import { type Listening, listen } from './node.js'
import { registerJoineryMethods } from './register.js'

let open: (Listening | TestService)[] = []
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()))
  open = []
})

describe(registerJoineryMethods, () => {
  it("mounts the join family beside a host server's own methods and lexicons", async () => {
    // The host already serves its own method and holds some of the same lexicons.
    const ping: LexiconDoc = {
      lexicon: 1,
      id: 'com.example.ping',
      defs: {
        main: {
          type: 'query',
          output: {
            encoding: 'application/json',
            schema: { type: 'object', properties: { pong: { type: 'boolean' } } },
          },
        },
      },
    }
    const host = createServer([ping, ...LEXICONS.filter((d) => d.id.startsWith('app.'))])
    host.method('com.example.ping', async () => ({ encoding: 'application/json', body: { pong: true } }))
    registerJoineryMethods(host, {
      joinery: createJoinery({ store: createInMemoryStore() }),
      serviceDid: SERVICE_DID,
      allowDidKeyIssuers: true,
    })
    const server = await listen(host)
    open.push(server)
    const keypair = await Secp256k1Keypair.create()
    const client = new XrpcClient({ service: server.url }, LEXICONS)
    const headers = async (lxm: string) => ({
      authorization: `Bearer ${await createServiceJwt({ iss: keypair.did(), aud: SERVICE_DID, lxm, keypair })}`,
    })
    const created = await client.call(
      'chat.bsky.group.createGroup',
      undefined,
      { name: 'Hosted', members: [] },
      { headers: await headers('chat.bsky.group.createGroup') },
    )
    lexicons.assertValidXrpcOutput('chat.bsky.group.createGroup', created.data)
    const hostAnswer = await fetch(`${server.url}/xrpc/com.example.ping`)
    expect(await hostAnswer.json()).toEqual({ pong: true })
  })
})

describe('view hooks', () => {
  it('fills profiles from the host lookup and lets the host enrich convo views', async () => {
    const svc = await startTestService({
      profiles: async (dids) =>
        new Map(dids.map((did) => [did, { handle: `${did.slice(-6).toLowerCase()}.test`, displayName: 'Someone' }])),
      enrichConvo: (view) => ({ ...view, rev: 'rev-from-host', unreadCount: 7 }),
      // About the host's hooks, not consent: members are added at once, so the view shows who added them.
      addMembersAs: 'member',
    })
    open.push(svc)
    const [owner, alice] = await svc.newUsers()
    const created = (await owner.call('chat.bsky.group.createGroup', { name: 'G', members: [alice.did] })) as {
      convo: {
        rev: string
        unreadCount: number
        members: { did: string; handle: string; displayName?: string; kind: { addedBy?: { did: string } } }[]
      }
    }
    expect(created.convo).toMatchObject({ rev: 'rev-from-host', unreadCount: 7 })
    const aliceView = created.convo.members.find((m) => m.did === alice.did)
    expect(aliceView).toMatchObject({
      handle: `${alice.did.slice(-6).toLowerCase()}.test`,
      displayName: 'Someone',
      kind: { addedBy: { did: owner.did } },
    })
  })

  it('falls back to bare profiles when the lookup fails', async () => {
    const svc = await startTestService({ profiles: async () => Promise.reject(new Error('profile service down')) })
    open.push(svc)
    const [owner] = await svc.newUsers()
    const created = (await owner.call('chat.bsky.group.createGroup', { name: 'G', members: [] })) as {
      convo: { members: { handle: string }[] }
    }
    expect(created.convo.members[0]?.handle).toBe('handle.invalid')
  })
})

describe('one core shared with another protocol', () => {
  it('leaves users who are not DIDs out of atproto views, so every answer stays valid', async () => {
    const svc = await startTestService()
    open.push(svc)
    const [owner, alice] = await svc.newUsers()
    const convoId = (
      (await owner.call('chat.bsky.group.createGroup', { name: 'Mixed', members: [alice.did] })) as {
        convo: { id: string }
      }
    ).convo.id
    await alice.call('chat.bsky.convo.acceptConvo', { convoId })
    // A Bitrix24 user (id "42") joins the same core group by another door.
    ;(await svc.joinery.addMembers({ actor: owner.did, groupId: convoId, userIds: ['42'] }))._unsafeUnwrap()
    const members = (await owner.call('chat.bsky.convo.getConvoMembers', undefined, { convoId })) as {
      members: { did: string }[]
    }
    expect(members.members.map((m) => m.did).sort()).toEqual([owner.did, alice.did].sort())
    // A group owned by a non-DID user previews as invalid rather than as an invalid view.
    const foreign = (
      await svc.joinery.createGroup({ actor: '7', name: 'Bitrix group', admission: 'open' })
    )._unsafeUnwrap()
    const link = (await svc.joinery.createJoinLink({ actor: '7', groupId: foreign.id }))._unsafeUnwrap()
    const preview = (await owner.call('chat.bsky.group.getJoinLinkPreviews', undefined, { codes: [link.code] })) as {
      joinLinkPreviews: { $type: string }[]
    }
    expect(preview.joinLinkPreviews[0]?.$type).toBe('chat.bsky.group.defs#invalidJoinLinkPreviewView')
    const joined = (await alice.call('chat.bsky.group.requestJoin', { code: link.code })) as { status: string }
    expect(joined.status).toBe('joined')
  })
})
