import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestService, type TestService, type TestUser } from './internal/test-service.js'

let svc: TestService
let owner: TestUser
let convoId: string
beforeAll(async () => {
  svc = await startTestService()
  owner = await svc.newUser()
  convoId = ((await owner.call('chat.bsky.group.createGroup', { name: 'G', members: [] })) as { convo: { id: string } })
    .convo.id
})
afterAll(() => svc.close())

/** Sends a raw request as `owner` (with a valid token for `nsid`) and returns status and body. */
async function raw(nsid: string, init: { method?: string; body?: string; contentType?: string; query?: string } = {}) {
  const res = await fetch(`${svc.url}/xrpc/${nsid}${init.query ? `?${init.query}` : ''}`, {
    method: init.method ?? 'POST',
    headers: {
      authorization: `Bearer ${await owner.token(nsid)}`,
      ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  })
  const text = await res.text()
  let body: { error?: string; message?: string } = {}
  try {
    body = JSON.parse(text)
  } catch {
    body = { error: `non-JSON: ${text.slice(0, 40)}` }
  }
  return { status: res.status, body }
}

describe('bad input over XRPC', () => {
  const cases: [string, string, Parameters<typeof raw>[1]][] = [
    ['missing field', 'chat.bsky.group.requestJoin', { body: '{}' }],
    ['wrong type', 'chat.bsky.group.requestJoin', { body: '{"code": 42}' }],
    ['malformed JSON', 'chat.bsky.group.requestJoin', { body: '{"code": ' }],
    [
      'not JSON at all',
      'chat.bsky.group.requestJoin',
      { body: 'code=abc', contentType: 'application/x-www-form-urlencoded' },
    ],
    ['huge code', 'chat.bsky.group.requestJoin', { body: JSON.stringify({ code: 'x'.repeat(100_000) }) }],
    ['wrong verb', 'chat.bsky.group.requestJoin', { method: 'GET' }],
    ['name too long', 'chat.bsky.group.createGroup', { body: JSON.stringify({ name: 'n'.repeat(600), members: [] }) }],
    ['member not a DID', 'chat.bsky.group.createGroup', { body: JSON.stringify({ name: 'n', members: ['bob'] }) }],
    [
      'unknown join rule',
      'chat.bsky.group.createJoinLink',
      { body: JSON.stringify({ convoId: 'x', joinRule: 'everyone' }) },
    ],
    ['huge convoId', 'chat.bsky.group.editGroup', { body: JSON.stringify({ convoId: 'c'.repeat(5000), name: 'x' }) }],
    ['limit out of range', 'chat.bsky.group.listJoinRequests', { method: 'GET', query: 'convoId=x&limit=1000' }],
    [
      'too many codes',
      'chat.bsky.group.getJoinLinkPreviews',
      { method: 'GET', query: Array(51).fill('codes=a').join('&') },
    ],
    ['bad cursor', 'chat.bsky.convo.getConvoMembers', { method: 'GET', query: 'convoId=x&cursor=%00%00' }],
    ['unknown convo', 'chat.bsky.convo.lockConvo', { body: JSON.stringify({ convoId: 'nope' }) }],
  ]

  for (const [name, nsid, init] of cases) {
    it(`answers ${name} with a 4xx XRPC error and no 500`, async () => {
      const res = await raw(nsid, init)
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(typeof res.body.error).toBe('string')
    })
  }

  it('answers an unknown method with 501 MethodNotImplemented', async () => {
    const res = await raw('chat.bsky.group.noSuchMethod', { body: '{}' })
    expect(res).toMatchObject({ status: 501, body: { error: 'MethodNotImplemented' } })
  })

  it('changed nothing in the group', async () => {
    const group = (await svc.joinery.getGroup({ groupId: convoId, viewer: owner.did }))._unsafeUnwrap().group
    expect(group).toMatchObject({ name: 'G', lockStatus: 'unlocked', memberCount: 1 })
  })
})
