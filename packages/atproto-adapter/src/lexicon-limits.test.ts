import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestService, type TestService, type TestUser, xrpcErrorOf } from './internal/test-service.js'

// Whatever the pinned lexicons accept, the adapter accepts or answers with the method's own declared error; no
// message names a field of the core instead of the lexicon's.

let svc: TestService
let owner: TestUser
let stranger: TestUser
let convoId: string
let code: string
beforeAll(async () => {
  svc = await startTestService({ unknownCodeLimit: { attempts: 3 } })
  ;[owner, stranger] = await svc.newUsers()
  convoId = ((await owner.call('chat.bsky.group.createGroup', { name: 'G', members: [] })) as { convo: { id: string } })
    .convo.id
  code = (
    (await owner.call('chat.bsky.group.createJoinLink', { convoId, joinRule: 'anyone' })) as {
      joinLink: { code: string }
    }
  ).joinLink.code
})
afterAll(() => svc.close())

/** Ids and codes the lexicons accept (plain strings) that no stored group or link can have. */
const IMPOSSIBLE = ['x'.repeat(257), 'é'.repeat(129), 'a\u0000b', 'a\uD800b']
const INTERNAL_FIELDS = /\b(groupId|userIds?|initialMembers|actor|viewer)\b/

describe('lexicon-consistent limits', () => {
  it('answers requestJoin with a code no link can have as InvalidCode, counted against the guessing limit', async () => {
    const [guesser] = await svc.newUsers()
    for (const bad of IMPOSSIBLE.slice(0, 3))
      expect(await xrpcErrorOf(guesser.call('chat.bsky.group.requestJoin', { code: bad })), bad).toEqual({
        status: 400,
        error: 'InvalidCode',
        message: 'Invalid group chat code.',
      })
    expect(await xrpcErrorOf(guesser.call('chat.bsky.group.requestJoin', { code }))).toMatchObject({
      status: 429,
      error: 'RateLimitExceeded',
    })
  })

  it('previews each code on its own: an impossible code is one invalid view, the others as usual', async () => {
    const out = (await stranger.call('chat.bsky.group.getJoinLinkPreviews', undefined, {
      codes: [IMPOSSIBLE[0], code, IMPOSSIBLE[2], 'unknown'],
    })) as { joinLinkPreviews: { $type: string; code: string }[] }
    expect(out.joinLinkPreviews.map((p) => [p.$type.split('#')[1], p.code])).toEqual([
      ['invalidJoinLinkPreviewView', IMPOSSIBLE[0]],
      ['joinLinkPreviewView', code],
      ['invalidJoinLinkPreviewView', IMPOSSIBLE[2]],
      ['invalidJoinLinkPreviewView', 'unknown'],
    ])
  })

  it('answers a convoId no convo can have with each method’s declared error for a missing convo', async () => {
    for (const id of IMPOSSIBLE) {
      for (const [nsid, body, error] of [
        ['chat.bsky.group.editGroup', { convoId: id, name: 'n' }, 'InvalidConvo'],
        ['chat.bsky.convo.lockConvo', { convoId: id }, 'InvalidConvo'],
        ['chat.bsky.group.addMembers', { convoId: id, members: [stranger.did] }, 'InvalidConvo'],
        ['chat.bsky.group.withdrawJoinRequest', { convoId: id }, 'InvalidJoinRequest'],
      ] as const) {
        expect(await xrpcErrorOf(owner.call(nsid, body)), `${nsid} ${JSON.stringify(id)}`).toEqual({
          status: 400,
          error,
          message: 'Convo not found',
        })
      }
      const members = await xrpcErrorOf(owner.call('chat.bsky.convo.getConvoMembers', undefined, { convoId: id }))
      expect(members).toMatchObject({ status: 400, error: 'InvalidConvo' })
    }
  })

  it('accepts every name the lexicon accepts: 50 graphemes in 500 UTF-8 bytes, 275 UTF-16 units', async () => {
    const longest = `${'x'.repeat(49)}a${'\u0301'.repeat(225)}`
    expect([longest.length, Buffer.byteLength(longest)]).toEqual([275, 500])
    const created = (await owner.call('chat.bsky.group.createGroup', { name: longest, members: [] })) as {
      convo: { id: string; kind: { name: string } }
    }
    expect(created.convo.kind.name).toBe(longest)
    const families = `${'👩‍👩‍👧'.repeat(25)}${'x'.repeat(25)}` // 50 graphemes, 475 bytes, 225 units
    const edited = (await owner.call('chat.bsky.group.editGroup', { convoId: created.convo.id, name: families })) as {
      convo: { kind: { name: string } }
    }
    expect(edited.convo.kind.name).toBe(families)
  })

  it('names only lexicon fields in the messages of refused input', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `did:plc:${String(i).padStart(24, 'a')}`)
    const answers = [
      await xrpcErrorOf(owner.call('chat.bsky.group.createGroup', { name: 'n', members: many })),
      await xrpcErrorOf(owner.call('chat.bsky.group.addMembers', { convoId, members: many })),
      await xrpcErrorOf(owner.call('chat.bsky.group.removeMembers', { convoId, members: many })),
      await xrpcErrorOf(owner.call('chat.bsky.group.createGroup', { name: 'a\u0000', members: [] })),
      await xrpcErrorOf(owner.call('chat.bsky.group.createGroup', { name: '   ', members: [] })),
    ]
    for (const answer of answers) {
      expect(answer.status, answer.message).toBe(400)
      expect(answer.message).not.toMatch(INTERNAL_FIELDS)
    }
    expect(answers[0]?.message).toBe('members: must hold at most 100 items')
    expect(answers[3]?.message).toMatch(/^name: /)
  })
})
