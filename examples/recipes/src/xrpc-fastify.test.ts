import { createInMemoryStore, createJoinery } from '@joinery/core'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentsFor, joinThroughRecipe } from './xrpc-agents.js'
import { createFastifyApp } from './xrpc-fastify.js'

const serviceDid = 'did:web:chat.example.com'
let app: FastifyInstance
let base: string

beforeAll(async () => {
  app = createFastifyApp({
    joinery: createJoinery({ store: createInMemoryStore() }),
    serviceDid,
    allowDidKeyIssuers: true,
  })
  base = await app.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(() => app.close())

describe('the AT Protocol adapter in Fastify', () => {
  it('serves @atproto/api agents: a group, a link, a join and reads', async () => {
    const { bob, joined, members, seen, convoId } = await joinThroughRecipe(agentsFor(base, serviceDid))
    expect(joined).toMatchObject({ status: 'joined', convo: { id: convoId } })
    expect(members.map((m) => m.did)).toContain(bob.did)
    expect(seen).toMatchObject({ id: convoId, status: 'accepted' })
  })

  it('hands bodies of any type to the adapter, which answers with XRPC errors', async () => {
    const res = await fetch(`${base}/xrpc/chat.bsky.group.requestJoin`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'code',
    })
    expect(res.status).toBe(401)
    const unknown = await fetch(`${base}/xrpc/chat.bsky.group.noSuchMethod`, { method: 'POST' })
    expect(await unknown.json()).toEqual({ error: 'MethodNotImplemented', message: 'Method Not Implemented' })
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true })
  })

  it('serves the DID document', async () => {
    expect(await (await fetch(`${base}/.well-known/did.json`)).json()).toMatchObject({ id: serviceDid })
  })
})
