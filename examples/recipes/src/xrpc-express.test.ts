import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInMemoryStore, createJoinery } from '@joinery/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentsFor, joinThroughRecipe } from './xrpc-agents.js'
import { createExpressApp } from './xrpc-express.js'

const serviceDid = 'did:web:chat.example.com'
let server: Server
let base: string

beforeAll(async () => {
  const app = createExpressApp({
    joinery: createJoinery({ store: createInMemoryStore() }),
    serviceDid,
    allowDidKeyIssuers: true,
  })
  server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('the AT Protocol adapter in Express, under /chat, behind express.json()', () => {
  it('serves @atproto/api agents: a group, a link, a join and reads', async () => {
    const { bob, joined, members, seen, convoId } = await joinThroughRecipe(agentsFor(`${base}/chat`, serviceDid))
    expect(joined).toMatchObject({ status: 'joined', convo: { id: convoId } })
    expect(members.map((m) => m.did)).toContain(bob.did)
    expect(seen).toMatchObject({ id: convoId, status: 'accepted' })
  })

  it('validates the body express.json() parsed, with the XRPC error a client expects', async () => {
    const res = await fetch(`${base}/chat/xrpc/chat.bsky.group.requestJoin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 42 }),
    })
    // The token is checked before the body, as in @atproto/xrpc-server.
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'AuthMissing' })
  })

  it("leaves the app's other routes and its 404 alone", async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true })
    const missing = await fetch(`${base}/chat/elsewhere`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('Cannot GET /chat/elsewhere')
    const unknown = await fetch(`${base}/chat/xrpc/chat.bsky.group.noSuchMethod`)
    expect(unknown.status).toBe(501)
    expect(await unknown.json()).toMatchObject({ error: 'MethodNotImplemented' })
  })
})
