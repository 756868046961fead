import { Agent as HttpsAgent } from 'node:https'
import { AtpAgent } from '@atproto/api'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { ApiVersion, B24Hook } from '@bitrix24/b24jssdk'
import type { RunningServer, ServerConfig } from '@joinery/server'
import { startDidWebAccount } from './did-web-account.js'

/** One line of the transcript: what was done, and whether it came out as narrated. */
export interface Step {
  readonly line: string
  readonly asExpected: boolean
}

interface AtprotoUser {
  readonly name: string
  readonly did: string
  call<T>(
    nsid: string,
    run: (agent: AtpAgent, headers: { headers: Record<string, string> }) => Promise<{ data: T }>,
  ): Promise<T>
}

/** A user signing with `keypair` as `did` (by default the keypair's own did:key). */
async function atprotoUser(
  name: string,
  server: RunningServer,
  account?: { did: string; keypair: Secp256k1Keypair },
): Promise<AtprotoUser> {
  const keypair = account?.keypair ?? (await Secp256k1Keypair.create())
  const did = account?.did ?? keypair.did()
  const agent = new AtpAgent({ service: server.httpUrl })
  return {
    name,
    did,
    async call(nsid, run) {
      // A fresh service JWT per call, as the user's PDS would mint when proxying to a chat service.
      const token = await createServiceJwt({ iss: did, aud: server.serviceDid, lxm: nsid, keypair })
      return (await run(agent, { headers: { authorization: `Bearer ${token}` } })).data
    },
  }
}

/** The XRPC error name a call failed with, or `joined`/`pending` when it succeeded. */
async function outcome(call: Promise<{ status: string }>): Promise<string> {
  try {
    return (await call).status
  } catch (e) {
    return (e as { error?: string }).error ?? String(e)
  }
}

/** Plays the demo story against a running server through the official clients. */
export async function playScenario(server: RunningServer, config: ServerConfig): Promise<Step[]> {
  const steps: Step[] = []
  const step = (line: string, asExpected = true) => steps.push({ line, asExpected })

  // AT Protocol: a Bluesky group chat.
  const served = (await (await fetch(`${server.httpUrl}/.well-known/did.json`)).json()) as {
    id?: string
    service?: { id: string; serviceEndpoint: string }[]
  }
  const chat = served.service?.find((s) => s.id === '#bsky_chat')
  step(
    `[atproto] the server publishes its DID document for ${served.id}: #bsky_chat → ${chat?.serviceEndpoint}, so a PDS can proxy to it`,
    served.id === server.serviceDid && chat !== undefined,
  )
  // ada is a did:web account: the server knows her key only from her DID document.
  const adaHome = await startDidWebAccount('ada.localhost')
  try {
    await atprotoStory(server, config, step, await atprotoUser('ada', server, adaHome))
  } finally {
    await adaHome.close()
  }
  await bitrixStory(server, config, step)
  return steps
}

async function atprotoStory(
  server: RunningServer,
  config: ServerConfig,
  step: (line: string, asExpected?: boolean) => void,
  ada: AtprotoUser,
): Promise<void> {
  const [bo, cy, dee, eve, fin] = await Promise.all(
    ['bo', 'cy', 'dee', 'eve', 'fin'].map((n) => atprotoUser(n, server)),
  )
  if (!bo || !cy || !dee || !eve || !fin) throw new Error('could not make users')
  const created = await ada.call('chat.bsky.group.createGroup', (a, h) =>
    a.chat.bsky.group.createGroup({ name: 'Climbing club', members: [] }, h),
  )
  const convoId = created.convo.id
  const limit = (created.convo.kind as { memberLimit?: number }).memberLimit
  step(
    `[atproto] ada (${ada.did}, her key resolved through her DID document) creates the group chat "Climbing club" (member limit ${limit})`,
    limit === config.groupMemberLimit && created.convo.members[0]?.did === ada.did,
  )
  const link = await ada.call('chat.bsky.group.createJoinLink', (a, h) =>
    a.chat.bsky.group.createJoinLink({ convoId, joinRule: 'anyone' }, h),
  )
  const code = link.joinLink.code
  step(`[atproto] ada makes a join link anyone can use: ${code}`)

  const boJoin = await outcome(
    bo.call('chat.bsky.group.requestJoin', (a, h) => a.chat.bsky.group.requestJoin({ code }, h)),
  )
  step(`[atproto] bo opens the link and is in: ${boJoin}`, boJoin === 'joined')

  await ada.call('chat.bsky.group.editJoinLink', (a, h) =>
    a.chat.bsky.group.editJoinLink({ convoId, requireApproval: true }, h),
  )
  step('[atproto] ada switches the link to "approval required"')
  const cyAsk = await outcome(
    cy.call('chat.bsky.group.requestJoin', (a, h) => a.chat.bsky.group.requestJoin({ code }, h)),
  )
  step(`[atproto] cy asks to join: ${cyAsk}`, cyAsk === 'pending')
  const requests = await ada.call('chat.bsky.group.listJoinRequests', (a, h) =>
    a.chat.bsky.group.listJoinRequests({ convoId }, h),
  )
  const waiting = requests.requests.map((r) => r.requestedBy.did)
  step(`[atproto] ada sees ${waiting.length} request waiting (cy's)`, waiting.length === 1 && waiting[0] === cy.did)
  const approved = await ada.call('chat.bsky.group.approveJoinRequest', (a, h) =>
    a.chat.bsky.group.approveJoinRequest({ convoId, member: cy.did }, h),
  )
  const afterApproval = (approved.convo.kind as { memberCount?: number }).memberCount
  step(`[atproto] ada approves cy: ${afterApproval} members`, afterApproval === 3)

  await ada.call('chat.bsky.group.editJoinLink', (a, h) =>
    a.chat.bsky.group.editJoinLink({ convoId, requireApproval: false, joinRule: 'followedByOwner' }, h),
  )
  const stranger = await outcome(
    dee.call('chat.bsky.group.requestJoin', (a, h) => a.chat.bsky.group.requestJoin({ code }, h)),
  )
  step(
    `[atproto] the link now needs ada to follow the joiner; dee, a stranger, is refused: ${stranger}`,
    stranger === 'FollowRequired',
  )

  await ada.call('chat.bsky.group.editJoinLink', (a, h) =>
    a.chat.bsky.group.editJoinLink({ convoId, joinRule: 'anyone' }, h),
  )
  const deeJoin = await outcome(
    dee.call('chat.bsky.group.requestJoin', (a, h) => a.chat.bsky.group.requestJoin({ code }, h)),
  )
  step(`[atproto] the link is open to anyone again; dee joins: ${deeJoin}`, deeJoin === 'joined')
  const full = await outcome(
    eve.call('chat.bsky.group.requestJoin', (a, h) => a.chat.bsky.group.requestJoin({ code }, h)),
  )
  step(
    `[atproto] the group is full (${config.groupMemberLimit}); eve is refused: ${full}`,
    full === 'MemberLimitReached',
  )

  await ada.call('chat.bsky.group.removeMembers', (a, h) =>
    a.chat.bsky.group.removeMembers({ convoId, members: [bo.did] }, h),
  )
  step('[atproto] ada removes bo')
  const back = await outcome(
    bo.call('chat.bsky.group.requestJoin', (a, h) => a.chat.bsky.group.requestJoin({ code }, h)),
  )
  step(`[atproto] bo tries the link again: ${back}`, back === 'UserKicked')
  const finJoin = await outcome(
    fin.call('chat.bsky.group.requestJoin', (a, h) => a.chat.bsky.group.requestJoin({ code }, h)),
  )
  step(`[atproto] bo's seat is free again; fin takes it: ${finJoin}`, finJoin === 'joined')
}

/** Bitrix24: workgroups through the official JS SDK over HTTPS. */
async function bitrixStory(
  server: RunningServer,
  config: ServerConfig,
  step: (line: string, asExpected?: boolean) => void,
): Promise<void> {
  if (!server.httpsUrl || !server.certificate) {
    step('[bitrix24] skipped: the HTTPS port is off (TLS_PORT=off)', false)
    return
  }
  const trusting = new HttpsAgent({ ca: server.certificate })
  const hook = (userId: string, secret: string) => {
    const b24 = B24Hook.fromWebhookUrl(`${server.httpsUrl}/rest/${userId}/${secret}/`)
    b24.offClientSideWarning()
    b24.getHttpClient(ApiVersion.v2).ajaxClient.defaults.httpsAgent = trusting
    return async <T>(method: string, params: Record<string, unknown> = {}) =>
      ((await b24.actions.v2.call.make<T>({ method, params })).getData() as { result: T }).result
  }
  const [owner, member] = config.bitrixWebhooks
  if (!owner || !member) {
    step('[bitrix24] skipped: two webhooks are needed (BITRIX_WEBHOOKS)', false)
    return
  }
  try {
    const asOwner = hook(owner.userId, owner.code)
    const asMember = hook(member.userId, member.code)
    const open = await asOwner<number>('sonet_group.create', { NAME: 'Open workgroup', OPENED: 'Y' })
    const closed = await asOwner<number>('sonet_group.create', { NAME: 'Closed workgroup', OPENED: 'N' })
    step(`[bitrix24] user ${owner.userId} creates an open workgroup (#${open}) and a closed one (#${closed})`)
    const joinedOpen = await asMember<boolean>('sonet_group.user.request', { GROUP_ID: open, MESSAGE: 'Hi!' })
    const roles = await asOwner<{ USER_ID: string; ROLE: string }[]>('sonet_group.user.get', { ID: open })
    const isMember = roles.some((r) => r.USER_ID === member.userId && r.ROLE === 'K')
    step(
      `[bitrix24] user ${member.userId} asks to join the open one: ${joinedOpen}, and is a member (role K)`,
      joinedOpen === true && isMember,
    )
    const asked = await asMember<boolean>('sonet_group.user.request', {
      GROUP_ID: closed,
      MESSAGE: 'I would like to help',
    })
    const pending = await asOwner<{ USER_ID: string; MESSAGE: string }[]>('sonet_group.user.request.list', {
      GROUP_ID: closed,
    })
    step(
      `[bitrix24] user ${member.userId} asks to join the closed one with a message: ${asked}; it waits for approval ("${pending[0]?.MESSAGE}")`,
      asked === true && pending.length === 1 && pending[0]?.USER_ID === member.userId,
    )
  } catch (e) {
    step(`[bitrix24] a call failed: ${(e as Error).message}`, false)
  } finally {
    trusting.destroy()
  }
}
