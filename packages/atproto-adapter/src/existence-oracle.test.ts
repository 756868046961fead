import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lexicons, startTestService, type TestService, type TestUser } from './internal/test-service.js'
import { SERVED_METHODS } from './lexicons/index.js'

// No existence oracle: to a caller who is not a member, a hidden convo answers every method exactly as a convo that
// does not exist, byte for byte (status and body). Convos made over XRPC are hidden.
let svc: TestService
let owner: TestUser
let stranger: TestUser
let requester: TestUser
let convoId: string

beforeAll(async () => {
  svc = await startTestService()
  ;[owner, stranger, requester] = await svc.newUsers()
  convoId = (
    (await owner.call('chat.bsky.group.createGroup', { name: 'Secret', members: [] })) as { convo: { id: string } }
  ).convo.id
  const { code } = (
    (await owner.call('chat.bsky.group.createJoinLink', { convoId, joinRule: 'anyone', requireApproval: true })) as {
      joinLink: { code: string }
    }
  ).joinLink
  await requester.call('chat.bsky.group.requestJoin', { code })
}, 60_000)
afterAll(() => svc.close())

/** The raw answer of `nsid` about `convo`, as `user` calls it. */
async function raw(user: TestUser, nsid: string, convo: string): Promise<string> {
  const isQuery = lexicons.getDefOrThrow(nsid).type === 'query'
  const args = { convoId: convo, member: owner.did, members: [owner.did], name: 'x' }
  const res = await fetch(
    `${svc.url}/xrpc/${nsid}${isQuery ? `?${new URLSearchParams({ convoId: convo })}` : ''}`,
    isQuery
      ? { headers: { authorization: `Bearer ${await user.token(nsid)}` } }
      : {
          method: 'POST',
          headers: { authorization: `Bearer ${await user.token(nsid)}`, 'content-type': 'application/json' },
          body: JSON.stringify(args),
        },
  )
  return `${res.status} ${await res.text()}`
}

describe('a hidden convo and a missing one answer a non-member alike', () => {
  it('withdrawJoinRequest: the same status and body for a hidden convo as for a missing one', async () => {
    const hidden = await raw(stranger, 'chat.bsky.group.withdrawJoinRequest', convoId)
    const missing = await raw(stranger, 'chat.bsky.group.withdrawJoinRequest', 'no-such-convo')
    expect(hidden).toBe(missing)
    expect(hidden).toMatch(/^400 /)
    // The requester still withdraws their own request.
    expect(await raw(requester, 'chat.bsky.group.withdrawJoinRequest', convoId)).toBe('200 {}')
  })

  it.each(
    SERVED_METHODS.filter(
      (n) =>
        n !== 'chat.bsky.group.requestJoin' &&
        n !== 'chat.bsky.group.createGroup' &&
        n !== 'chat.bsky.group.getJoinLinkPreviews',
    ),
  )('%s: the same status and body for a hidden convo as for a missing one', async (nsid) => {
    expect(await raw(stranger, nsid, convoId)).toBe(await raw(stranger, nsid, 'no-such-convo'))
  })
})
