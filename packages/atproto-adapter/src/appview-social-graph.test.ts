import { schemas } from '@atproto/api'
import { createServer } from '@atproto/xrpc-server'
import { afterEach, describe, expect, it } from 'vitest'
import { createAppViewSocialGraph } from './appview-social-graph.js'
import { type Listening, listen } from './node.js'

let appview: Listening | null = null
afterEach(async () => {
  await appview?.close()
  appview = null
})

/** A real XRPC server answering app.bsky.graph.getRelationships from a list of follows, as an AppView would. */
async function startAppView(follows: [string, string][], fail = false) {
  const server = createServer(schemas)
  server.method('app.bsky.graph.getRelationships', async ({ params }) => {
    if (fail) return { status: 500, error: 'InternalServerError', message: 'down' }
    const actor = params.actor as string
    const others = (params.others as string[] | undefined) ?? []
    return {
      encoding: 'application/json',
      body: {
        actor,
        relationships: others.map((did) => ({
          $type: 'app.bsky.graph.defs#relationship',
          did,
          ...(follows.some(([a, b]) => a === actor && b === did)
            ? { following: `at://${actor}/app.bsky.graph.follow/3k2abc` }
            : {}),
        })),
      },
    }
  })
  appview = await listen(server)
  return appview.url
}

describe(createAppViewSocialGraph, () => {
  it('answers whether the owner follows the user from getRelationships', async () => {
    const url = await startAppView([['did:plc:owner', 'did:plc:fan']])
    const graph = createAppViewSocialGraph({ service: url })
    expect((await graph.follows('did:plc:owner', 'did:plc:fan'))._unsafeUnwrap()).toBe(true)
    expect((await graph.follows('did:plc:owner', 'did:plc:stranger'))._unsafeUnwrap()).toBe(false)
    expect((await graph.follows('did:plc:fan', 'did:plc:owner'))._unsafeUnwrap()).toBe(false)
  })

  it('answers SocialGraphUnavailable when the AppView fails or cannot be reached', async () => {
    const url = await startAppView([], true)
    expect(
      (await createAppViewSocialGraph({ service: url }).follows('did:plc:a', 'did:plc:b'))._unsafeUnwrapErr().code,
    ).toBe('SocialGraphUnavailable')
    const closed = 'http://127.0.0.1:9'
    expect(
      (await createAppViewSocialGraph({ service: closed }).follows('did:plc:a', 'did:plc:b'))._unsafeUnwrapErr().code,
    ).toBe('SocialGraphUnavailable')
  })
})
