import { type ServerType, serve } from '@hono/node-server'
import { createInMemoryStore, createJoinery } from '@joinery/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentsFor, joinThroughRecipe } from './xrpc-agents.js'
import { createHonoApp } from './xrpc-hono.js'

const serviceDid = 'did:web:chat.example.com'
let server: ServerType
let base: string

beforeAll(async () => {
  const app = createHonoApp({
    joinery: createJoinery({ store: createInMemoryStore() }),
    serviceDid,
    allowDidKeyIssuers: true,
    anonymousPreviewLimit: { calls: 2 },
  })
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      base = `http://127.0.0.1:${info.port}`
      resolve()
    })
  })
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('the AT Protocol adapter in Hono, through the web entry', () => {
  it('serves @atproto/api agents: a group, a link, a join and reads', async () => {
    const { bob, joined, members, seen, convoId } = await joinThroughRecipe(agentsFor(base, serviceDid))
    expect(joined).toMatchObject({ status: 'joined', convo: { id: convoId } })
    expect(members.map((m) => m.did)).toContain(bob.did)
    expect(seen).toMatchObject({ id: convoId, status: 'accepted' })
  })

  it("limits anonymous previews per address, read from @hono/node-server's bindings", async () => {
    const preview = () => fetch(`${base}/xrpc/chat.bsky.group.getJoinLinkPreviews?codes=nope`)
    expect((await preview()).status).toBe(200)
    expect((await preview()).status).toBe(200)
    const third = await preview()
    expect(third.status).toBe(429)
    expect(await third.json()).toMatchObject({ error: 'RateLimitExceeded' })
  })

  it('serves the DID document', async () => {
    expect(await (await fetch(`${base}/.well-known/did.json`)).json()).toMatchObject({ id: serviceDid })
  })
})
