import { AtpAgent } from '@atproto/api'
import { XrpcClient } from '@atproto/xrpc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDidSigningKeyResolver } from './identity/resolve-signing-key.js'
import { type Account, startDidWebAccount, startPlcDirectory } from './internal/identity-hosts.js'
import { startPdsStandIn } from './internal/pds-stand-in.js'
import { lexicons, startTestService, type TestService } from './internal/test-service.js'
import { LEXICONS, SERVED_METHODS } from './lexicons/index.js'

// Proof with real parts: a did:plc user (key in a PLC directory stand-in) and a did:web user (key in the DID
// document their own host serves) call every served method through `@atproto/api` — `@atproto/xrpc` with the pinned
// lexicons for the four methods the Node 20 `@atproto/api` lacks — behind a PDS stand-in that proxies as a PDS does
// (`atproto-proxy: <service did>#bsky_chat`, the service resolved through its own DID document, the bare service DID
// as audience). Every output is validated against the pinned lexicons.

let plc: Awaited<ReturnType<typeof startPlcDirectory>>
let webHost: Awaited<ReturnType<typeof startDidWebAccount>>
let pds: Awaited<ReturnType<typeof startPdsStandIn>>
let svc: TestService
let serviceDid: string
let owner: Account
let joiner: Account
let added: Account

beforeAll(async () => {
  plc = await startPlcDirectory()
  webHost = await startDidWebAccount('wren.joinery.test')
  owner = await plc.newAccount('olga.joinery.test')
  added = await plc.newAccount('abe.joinery.test')
  joiner = webHost.account
  // The service's did:web names its port, so the port is taken first.
  const probe = await startTestService()
  const port = Number(new URL(probe.url).port)
  await probe.close()
  serviceDid = `did:web:localhost%3A${port}`
  svc = await startTestService({
    serviceDid,
    port,
    resolveSigningKey: createDidSigningKeyResolver({ plcUrl: plc.url }),
    allowDidKeyIssuers: false,
  })
  pds = await startPdsStandIn([owner, joiner, added], plc.url)
})
afterAll(async () => {
  await Promise.all([svc?.close(), pds?.close(), webHost?.close(), plc?.close()])
})

const called = new Set<string>()
type ProxyHeader = Parameters<AtpAgent['configureProxy']>[0]

/** A user's client: `@atproto/api` on their PDS, proxying to the chat service. */
function clientOf(account: Account) {
  const agent = new AtpAgent({ service: pds.url })
  agent.setHeader('authorization', `Bearer ${account.did}`)
  agent.configureProxy(`${serviceDid}#bsky_chat` as ProxyHeader)
  const xrpc = new XrpcClient({ service: pds.url, headers: { authorization: `Bearer ${account.did}` } }, LEXICONS)
  xrpc.setHeader('atproto-proxy', `${serviceDid}#bsky_chat`)
  /** Runs a call, validates its output against the pinned lexicon and records the method as exercised. */
  async function run<T>(nsid: string, call: Promise<{ data: T }>): Promise<T> {
    const { data } = await call
    lexicons.assertValidXrpcOutput(nsid, data)
    called.add(nsid)
    return data
  }
  return { agent, xrpc, run }
}

describe('did:plc and did:web users through a PDS proxy', () => {
  it('create, join, accept, read the log and leave, calling every method through the official clients', async () => {
    const o = clientOf(owner)
    const j = clientOf(joiner)
    const a = clientOf(added)
    const group = o.agent.chat.bsky.group
    const convo = o.agent.chat.bsky.convo

    const created = await o.run('chat.bsky.group.createGroup', group.createGroup({ name: 'Proof', members: [] }))
    const convoId = created.convo.id
    expect(created.convo.members.map((m) => m.did)).toEqual([owner.did])
    const start = await j.run('chat.bsky.convo.getLog', j.agent.chat.bsky.convo.getLog({}))
    const { joinLink } = await o.run(
      'chat.bsky.group.createJoinLink',
      group.createJoinLink({ convoId, joinRule: 'anyone', requireApproval: true }),
    )
    const preview = await j.run(
      'chat.bsky.group.getJoinLinkPreviews',
      j.xrpc.call('chat.bsky.group.getJoinLinkPreviews', { codes: [joinLink.code] }),
    )
    expect(JSON.stringify(preview)).toContain('"requireApproval":true')
    const code = joinLink.code
    const ask = () => j.run('chat.bsky.group.requestJoin', j.agent.chat.bsky.group.requestJoin({ code }))
    expect((await ask()).status).toBe('pending')
    const requests = await o.run('chat.bsky.group.listJoinRequests', group.listJoinRequests({ convoId }))
    expect(requests.requests.map((r) => r.requestedBy.did)).toEqual([joiner.did])
    await o.run(
      'chat.bsky.group.updateJoinRequestsRead',
      o.xrpc.call('chat.bsky.group.updateJoinRequestsRead', undefined, { convoId }),
    )
    await j.run(
      'chat.bsky.group.withdrawJoinRequest',
      j.xrpc.call('chat.bsky.group.withdrawJoinRequest', undefined, { convoId }),
    )
    expect((await ask()).status).toBe('pending')
    await o.run('chat.bsky.group.rejectJoinRequest', group.rejectJoinRequest({ convoId, member: joiner.did }))
    expect((await ask()).status).toBe('pending')
    const approved = await o.run(
      'chat.bsky.group.approveJoinRequest',
      group.approveJoinRequest({ convoId, member: joiner.did }),
    )
    expect(approved.convo.kind).toMatchObject({ memberCount: 2 })
    expect(await j.run('chat.bsky.convo.acceptConvo', j.agent.chat.bsky.convo.acceptConvo({ convoId }))).toEqual({})

    const seen = await j.run('chat.bsky.convo.getConvo', j.agent.chat.bsky.convo.getConvo({ convoId }))
    expect(seen.convo).toMatchObject({ id: convoId, status: 'accepted' })
    const listed = await j.run('chat.bsky.convo.listConvos', j.agent.chat.bsky.convo.listConvos({ kind: 'group' }))
    expect(listed.convos.map((c) => c.id)).toEqual([convoId])
    await j.run('chat.bsky.convo.listConvoRequests', j.agent.chat.bsky.convo.listConvoRequests({}))
    const members = await j.run('chat.bsky.convo.getConvoMembers', j.agent.chat.bsky.convo.getConvoMembers({ convoId }))
    expect(members.members.map((m) => m.did).sort()).toEqual([owner.did, joiner.did].sort())
    const mutual = await o.run(
      'chat.bsky.group.listMutualGroups',
      o.xrpc.call('chat.bsky.group.listMutualGroups', { subject: joiner.did }),
    )
    expect((mutual as { convos: { id: string }[] }).convos.map((c) => c.id)).toEqual([convoId])

    await o.run('chat.bsky.group.editGroup', group.editGroup({ convoId, name: 'Proven' }))
    await o.run('chat.bsky.group.editJoinLink', group.editJoinLink({ convoId, requireApproval: false }))
    await o.run('chat.bsky.group.disableJoinLink', group.disableJoinLink({ convoId }))
    await o.run('chat.bsky.group.enableJoinLink', group.enableJoinLink({ convoId }))
    await o.run('chat.bsky.convo.lockConvo', convo.lockConvo({ convoId }))
    await o.run('chat.bsky.convo.unlockConvo', convo.unlockConvo({ convoId }))
    const withAbe = await o.run('chat.bsky.group.addMembers', group.addMembers({ convoId, members: [added.did] }))
    // Abe is asked, not yet a member: his convo is a request until he accepts it.
    expect(withAbe.convo.kind).toMatchObject({ memberCount: 2 })
    const invited = await a.run('chat.bsky.convo.getConvo', a.agent.chat.bsky.convo.getConvo({ convoId }))
    expect(invited.convo.status).toBe('request')
    const accepted = await a.run('chat.bsky.convo.acceptConvo', a.agent.chat.bsky.convo.acceptConvo({ convoId }))
    expect(accepted.rev).toBeTypeOf('string')
    expect((await o.run('chat.bsky.convo.getConvo', convo.getConvo({ convoId }))).convo.kind).toMatchObject({
      memberCount: 3,
    })
    await o.run('chat.bsky.group.removeMembers', group.removeMembers({ convoId, members: [added.did] }))

    const log = await j.run('chat.bsky.convo.getLog', j.agent.chat.bsky.convo.getLog({ cursor: start.cursor }))
    expect(log.logs.map((l) => (l.$type as string).split('#')[1])).toEqual([
      // The joiner's own requests (asked, withdrew, asked, rejected, asked), then their convo from its beginning.
      'logOutgoingJoinRequest',
      'logWithdrawOutgoingJoinRequest',
      'logOutgoingJoinRequest',
      'logOutgoingJoinRequest',
      'logBeginConvo',
      'logMemberJoin',
      'logEditGroup',
      'logEditJoinLink',
      'logDisableJoinLink',
      'logEnableJoinLink',
      'logLockConvo',
      'logUnlockConvo',
      'logAddMember',
      'logRemoveMember',
    ])
    const left = await j.run('chat.bsky.convo.leaveConvo', j.agent.chat.bsky.convo.leaveConvo({ convoId }))
    expect(left.convoId).toBe(convoId)
    // The leaver's log ends with their own leave, at the rev leaveConvo answered.
    const last = await j.run('chat.bsky.convo.getLog', j.agent.chat.bsky.convo.getLog({ cursor: log.cursor }))
    expect(last.logs.map((l) => [(l.$type as string).split('#')[1], (l as { rev?: string }).rev])).toEqual([
      ['logLeaveConvo', left.rev],
    ])
    const after = await o.run('chat.bsky.convo.getConvo', convo.getConvo({ convoId }))
    expect(after.convo.kind).toMatchObject({ memberCount: 1, name: 'Proven' })

    expect([...SERVED_METHODS].filter((nsid) => !called.has(nsid))).toEqual([])
    // Every token the service accepted was minted by the PDS for the bare service DID and the called method.
    expect(pds.minted.every((m) => m.aud === serviceDid)).toBe(true)
    expect(new Set(pds.minted.map((m) => m.lxm))).toEqual(new Set(SERVED_METHODS))
  })

  it('refuses, through the same proxy, a user whose PLC entry names another key', async () => {
    const impostor = await plc.newAccount('imp.joinery.test')
    const victim = await plc.newAccount('vic.joinery.test')
    const stolen = await startPdsStandIn([{ ...impostor, did: victim.did }], plc.url)
    try {
      const agent = new AtpAgent({ service: stolen.url })
      agent.setHeader('authorization', `Bearer ${victim.did}`)
      agent.configureProxy(`${serviceDid}#bsky_chat` as ProxyHeader)
      const error = await agent.chat.bsky.group.createGroup({ name: 'x', members: [] }).catch((e) => e)
      expect(error).toMatchObject({ status: 401, error: 'BadJwtSignature' })
    } finally {
      await stolen.close()
    }
  })
})
