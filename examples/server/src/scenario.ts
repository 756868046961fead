import { globalAgent } from 'node:https'
import { rootCertificates } from 'node:tls'
import { AtpAgent } from '@atproto/api'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { B24Hook } from '@bitrix24/b24jssdk'
import type { RunningServer, ServerConfig } from '@joinery/server'
import { startDidWebAccount } from './did-web-account.js'

/**
 * One step of the transcript: what the story says, the call that was made (method and key parameters, as sent),
 * what came back, and whether that is what the story says.
 */
export interface Step {
  readonly protocol: 'atproto' | 'bitrix24'
  readonly says: string
  readonly call: string
  readonly outcome: string
  readonly asExpected: boolean
}

/** The words the transcript uses, explained once before it. */
export const TERMS: readonly (readonly [term: string, meaning: string])[] = [
  [
    'group',
    'one group, two views: a Bluesky group chat (a "convo", AT Protocol) or a Bitrix24 workgroup. Each protocol addresses it by the same number: convo "2" is workgroup 2, from one sequence in the database',
  ],
  [
    'join link',
    'a code anyone holding it may use to join (chat.bsky.group.requestJoin {code}); its rule says who may use it: anyone, or only people the owner follows',
  ],
  [
    'approval',
    'on a link or a workgroup that requires it, a join is a request that waits until the owner (or a moderator) approves or rejects it; an open workgroup (OPENED: "Y") lets people straight in',
  ],
  ['member limit', 'the most members a group may hold; a full group refuses the next join'],
  [
    'roles',
    'Bitrix24 answers sonet_group.user.get with a ROLE per user: A the owner, E a moderator, K a member (Z marks a pending request)',
  ],
  [
    'callers',
    'AT Protocol: each call carries a service JWT that its user signed for that one method; Bitrix24: each call goes to a user\'s webhook, /rest/{userId}/{code}/{method}, so "user 2" is the webhook of user 2',
  ],
  ['✓ / ✗', 'what came back is / is not what the story says; the demo exits 1 on any ✗'],
]

/** How a value appears in a call's text: known DIDs by their owner's name, long text cut. */
function show(value: unknown, names: ReadonlyMap<string, string>): string {
  if (typeof value === 'string') {
    const name = names.get(value)
    if (name) return `${name}'s DID`
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}…` : value)
  }
  if (Array.isArray(value)) return `[${value.map((v) => show(v, names)).join(', ')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${show(v, names)}`)
      .join(', ')}}`
  return String(value)
}

/** The XRPC error a call failed with (`400 MemberLimitReached`), or its data. */
async function attempt<T>(call: Promise<{ data: T }>): Promise<{ data: T; error?: never } | { error: string }> {
  try {
    return { data: (await call).data }
  } catch (e) {
    const { status, error } = e as { status?: number; error?: string }
    return { error: `${status ?? '?'} ${error ?? String(e)}` }
  }
}

interface AtprotoUser {
  readonly name: string
  readonly did: string
  /** Runs `run` with this user's agent and a fresh service JWT for `nsid`. */
  call<T>(
    nsid: string,
    run: (agent: AtpAgent, headers: { headers: Record<string, string> }) => Promise<{ data: T }>,
  ): Promise<{ data: T }>
}

/** Plays the demo story against a running server through the official clients. */
export async function playScenario(server: RunningServer, config: ServerConfig): Promise<Step[]> {
  const steps: Step[] = []
  // DIDs are long: a call's text names them by their owner.
  const names = new Map<string, string>()
  // What each agent last sent, read back from its own fetch: the call text is the request, not a retelling of it.
  let sent = ''
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const nsid = new URL(request.url).pathname.replace('/xrpc/', '')
    const params =
      request.method === 'GET'
        ? Object.fromEntries(new URL(request.url).searchParams)
        : (JSON.parse((await request.clone().text()) || '{}') as unknown)
    sent = `${request.method} ${nsid} ${show(params, names)}`
    return fetch(request)
  }
  const step = (protocol: Step['protocol'], says: string, outcome: string, asExpected = true, call = sent) =>
    steps.push({ protocol, says, call, outcome, asExpected })

  async function atprotoUser(name: string, account?: { did: string; keypair: Secp256k1Keypair }): Promise<AtprotoUser> {
    const keypair = account?.keypair ?? (await Secp256k1Keypair.create())
    const did = account?.did ?? keypair.did()
    names.set(did, name)
    const agent = new AtpAgent({ service: server.httpUrl, fetch: recordingFetch })
    return {
      name,
      did,
      async call(nsid, run) {
        // A fresh service JWT per call, as the user's PDS would mint when proxying to a chat service.
        const token = await createServiceJwt({ iss: did, aud: server.serviceDid, lxm: nsid, keypair })
        return run(agent, { headers: { authorization: `Bearer ${token}` } })
      },
    }
  }

  // AT Protocol: a Bluesky group chat.
  const served = (await (await fetch(`${server.httpUrl}/.well-known/did.json`)).json()) as {
    id?: string
    service?: { id: string; serviceEndpoint: string }[]
  }
  const chat = served.service?.find((s) => s.id === '#bsky_chat')
  step(
    'atproto',
    'the server publishes its DID document, so a PDS can find it and proxy its users’ calls to it',
    `${served.id}: #bsky_chat → ${chat?.serviceEndpoint}`,
    served.id === server.serviceDid && chat !== undefined,
    'GET /.well-known/did.json',
  )
  // ada is a did:web account: the server knows her key only from her DID document.
  const adaHome = await startDidWebAccount('ada.localhost')
  try {
    await atprotoStory(
      config,
      step,
      await atprotoUser('ada', adaHome),
      await Promise.all(['bo', 'cy', 'dee', 'eve', 'fin'].map((n) => atprotoUser(n))),
    )
  } finally {
    await adaHome.close()
  }
  await bitrixStory(server, config, (says, call, outcome, asExpected) =>
    step('bitrix24', says, outcome, asExpected, call),
  )
  return steps
}

async function atprotoStory(
  config: ServerConfig,
  step: (protocol: 'atproto', says: string, outcome: string, asExpected?: boolean) => void,
  ada: AtprotoUser,
  users: AtprotoUser[],
): Promise<void> {
  const [bo, cy, dee, eve, fin] = users
  if (!bo || !cy || !dee || !eve || !fin) throw new Error('could not make users')
  const say = (says: string, outcome: string, asExpected?: boolean) => step('atproto', says, outcome, asExpected)
  /** ada edits the link; the answer's rule and approval setting. */
  const edit = async (change: { requireApproval?: boolean; joinRule?: 'anyone' | 'followedByOwner' }) => {
    const { joinLink } = (
      await ada.call('chat.bsky.group.editJoinLink', (a, h) =>
        a.chat.bsky.group.editJoinLink({ convoId, ...change }, h),
      )
    ).data
    return {
      outcome: `joinRule "${joinLink.joinRule}", requireApproval ${joinLink.requireApproval}`,
      matches: Object.entries(change).every(([k, v]) => joinLink[k as keyof typeof change] === v),
    }
  }
  const join = async (user: AtprotoUser, code: string) => {
    const r = await attempt(
      user.call('chat.bsky.group.requestJoin', (a, h) => a.chat.bsky.group.requestJoin({ code }, h)),
    )
    return r.error ?? r.data.status
  }

  const created = (
    await ada.call('chat.bsky.group.createGroup', (a, h) =>
      a.chat.bsky.group.createGroup({ name: 'Climbing club', members: [] }, h),
    )
  ).data
  const convoId = created.convo.id
  const limit = (created.convo.kind as { memberLimit?: number }).memberLimit
  say(
    `ada (a did:web account: the server read her key from her DID document) creates a group chat`,
    `convo "${convoId}", member limit ${limit}, members: ada (its owner)`,
    limit === config.groupMemberLimit && created.convo.members[0]?.did === ada.did,
  )
  const link = (
    await ada.call('chat.bsky.group.createJoinLink', (a, h) =>
      a.chat.bsky.group.createJoinLink({ convoId, joinRule: 'anyone' }, h),
    )
  ).data
  const code = link.joinLink.code
  say('ada makes a join link anyone may use', `code "${code}"`, typeof code === 'string' && code.length > 0)

  const boJoin = await join(bo, code)
  say('bo opens the link and is in at once', boJoin, boJoin === 'joined')

  const approval = await edit({ requireApproval: true })
  say('ada switches the link to "approval required"', approval.outcome, approval.matches)
  const cyAsk = await join(cy, code)
  say('cy opens the link: now it is a request, waiting for ada', cyAsk, cyAsk === 'pending')
  const requests = (
    await ada.call('chat.bsky.group.listJoinRequests', (a, h) => a.chat.bsky.group.listJoinRequests({ convoId }, h))
  ).data
  const waiting = requests.requests.map((r) => r.requestedBy.did)
  say(
    'ada looks at the requests waiting for her',
    `${waiting.length} request: cy`,
    waiting.length === 1 && waiting[0] === cy.did,
  )
  const approved = (
    await ada.call('chat.bsky.group.approveJoinRequest', (a, h) =>
      a.chat.bsky.group.approveJoinRequest({ convoId, member: cy.did }, h),
    )
  ).data
  const afterApproval = (approved.convo.kind as { memberCount?: number }).memberCount
  say('ada approves cy', `${afterApproval} members`, afterApproval === 3)

  const followed = await edit({ requireApproval: false, joinRule: 'followedByOwner' })
  say('ada opens the link again, but only to people she follows', followed.outcome, followed.matches)
  const stranger = await join(dee, code)
  say('dee, whom ada does not follow, opens it and is refused', stranger, stranger === '400 FollowRequired')

  const anyone = await edit({ joinRule: 'anyone' })
  say('ada opens the link to anyone', anyone.outcome, anyone.matches)
  const deeJoin = await join(dee, code)
  say(`dee joins: the group now holds its limit of ${config.groupMemberLimit}`, deeJoin, deeJoin === 'joined')
  const full = await join(eve, code)
  say('eve opens the link: the group is full', full, full === '400 MemberLimitReached')

  const removed = (
    await ada.call('chat.bsky.group.removeMembers', (a, h) =>
      a.chat.bsky.group.removeMembers({ convoId, members: [bo.did] }, h),
    )
  ).data
  const left = (removed.convo.kind as { memberCount?: number }).memberCount
  say('ada removes bo', `${left} members`, left === config.groupMemberLimit - 1)
  const back = await join(bo, code)
  say('bo opens the link again: someone removed may not come back through it', back, back === '400 UserKicked')
  const finJoin = await join(fin, code)
  say("fin opens the link and takes bo's seat", finJoin, finJoin === 'joined')
}

/** Bitrix24: workgroups through the official JS SDK over HTTPS, each user through their own webhook. */
async function bitrixStory(
  server: RunningServer,
  config: ServerConfig,
  step: (says: string, call: string, outcome: string, asExpected: boolean) => void,
): Promise<void> {
  if (!server.httpsUrl || !server.certificate) {
    step('skipped: the HTTPS port is off (TLS_PORT=off)', '', '', false)
    return
  }
  const [first, second, third] = config.bitrixWebhooks
  if (!first || !second || !third) {
    step('skipped: three webhooks are needed (BITRIX_WEBHOOKS)', '', '', false)
    return
  }
  const names = new Map<string, string>() // Bitrix24 names users by number: nothing to replace
  const user = (hook: { userId: string; code: string }) => {
    const b24 = B24Hook.fromWebhookUrl(`${server.httpsUrl}/rest/${hook.userId}/${hook.code}/`)
    // The SDK warns when a webhook is used in a browser-like setting; this is neither.
    b24.offClientSideWarning()
    return {
      id: hook.userId,
      b24,
      /** Calls `method`; its text, and the result or `400 ERROR_…` (Bitrix24's error code). */
      async call<T>(method: string, params: Record<string, unknown>) {
        const text = `${method} ${show(params, names)}`
        try {
          const result = (await b24.actions.v2.call.make<T>({ method, params })).getData() as { result: T }
          return { text, result: result.result }
        } catch (e) {
          const { status, code, message } = e as { status?: number; code?: string; message?: string }
          return { text, error: `${status ?? '?'} ${code ?? ''}: ${message ?? String(e)}` }
        }
      },
    }
  }
  // The SDK makes its requests through Node's default HTTPS agent: trust the throwaway certificate there for the
  // story (what NODE_EXTRA_CA_CERTS does for a whole process), and put things back afterwards.
  const before = globalAgent.options.ca
  globalAgent.options.ca = [...rootCertificates, server.certificate]
  try {
    const [owner, asker, other] = [user(first), user(second), user(third)]
    const roles = (members: { USER_ID: string; ROLE: string }[] | undefined) =>
      (members ?? []).map((m) => `${m.ROLE} ${m.USER_ID}`).join(', ')

    const open = await owner.call<number>('sonet_group.create', { NAME: 'Open workgroup', OPENED: 'Y' })
    step(
      `user ${owner.id} creates an open workgroup`,
      open.text,
      `${open.result ?? open.error}`,
      open.result !== undefined,
    )
    const closed = await owner.call<number>('sonet_group.create', { NAME: 'Closed workgroup', OPENED: 'N' })
    step(
      `user ${owner.id} creates a workgroup that needs approval`,
      closed.text,
      `${closed.result ?? closed.error}`,
      closed.result !== undefined,
    )

    const joined = await asker.call<boolean>('sonet_group.user.request', { GROUP_ID: open.result, MESSAGE: 'Hi!' })
    step(
      `user ${asker.id} asks to join the open one`,
      joined.text,
      `${joined.result ?? joined.error}`,
      joined.result === true,
    )
    const openMembers = await owner.call<{ USER_ID: string; ROLE: string }[]>('sonet_group.user.get', {
      ID: open.result,
    })
    step(
      `… and is a member at once: role K`,
      openMembers.text,
      roles(openMembers.result) || `${openMembers.error}`,
      roles(openMembers.result) === `A ${owner.id}, K ${asker.id}`,
    )

    const asked = await asker.call<boolean>('sonet_group.user.request', {
      GROUP_ID: closed.result,
      MESSAGE: 'I would like to help',
    })
    step(
      `user ${asker.id} asks to join the one that needs approval, with a message`,
      asked.text,
      `${asked.result ?? asked.error}`,
      asked.result === true,
    )
    const pending = await owner.call<{ USER_ID: string; ROLE: string; MESSAGE: string }[]>(
      'sonet_group.user.request.list',
      { GROUP_ID: closed.result },
    )
    const request = pending.result?.[0]
    step(
      `user ${owner.id}, its owner, sees the request waiting (an extension: a portal shows requests only in its UI)`,
      pending.text,
      request ? `user ${request.USER_ID}, role ${request.ROLE}: "${request.MESSAGE}"` : `${pending.error ?? 'none'}`,
      pending.result?.length === 1 && request?.USER_ID === asker.id && request.ROLE === 'Z',
    )
    const approval = await owner.call<boolean>('sonet_group.user.request.approve', {
      GROUP_ID: closed.result,
      USER_ID: Number(asker.id),
    })
    const closedMembers = await owner.call<{ USER_ID: string; ROLE: string }[]>('sonet_group.user.get', {
      ID: closed.result,
    })
    step(
      `user ${owner.id} approves it (an extension too): user ${asker.id} is a member, K`,
      approval.text,
      `${approval.result ?? approval.error}; members ${roles(closedMembers.result)}`,
      approval.result === true && roles(closedMembers.result) === `A ${owner.id}, K ${asker.id}`,
    )

    const otherJoins = await other.call<boolean>('sonet_group.user.request', { GROUP_ID: open.result })
    step(
      `user ${other.id} joins the open workgroup`,
      otherJoins.text,
      `${otherJoins.result ?? otherJoins.error}`,
      otherJoins.result === true,
    )
    const ban = await owner.call<boolean>('sonet_group.user.ban', { GROUP_ID: open.result, USER_ID: Number(other.id) })
    step(
      `user ${owner.id} bans user ${other.id} from it (an extension), which ends the membership`,
      ban.text,
      `${ban.result ?? ban.error}`,
      ban.result === true,
    )
    const refused = await other.call<boolean>('sonet_group.user.request', { GROUP_ID: open.result })
    step(
      `user ${other.id} asks to join again and is refused`,
      refused.text,
      `${refused.result ?? refused.error}`,
      refused.error?.startsWith('400 ERROR_USER_BANNED') === true,
    )

    // A batch: up to 50 calls in one request; later calls read earlier results through $result[name].
    const calls = {
      trip: { method: 'sonet_group.create', params: { NAME: 'Kayak trip', OPENED: 'Y' } },
      add: { method: 'sonet_group.user.add', params: { GROUP_ID: '$result[trip]', USER_ID: Number(other.id) } },
      members: { method: 'sonet_group.user.get', params: { ID: '$result[trip]' } },
    }
    const text = `batch, halting on the first error:\n${Object.entries(calls)
      .map(([name, c]) => `  ${name.padEnd(8)}${c.method} ${show(c.params, names)}`)
      .join('\n')}`
    try {
      const response = await owner.b24.actions.v2.batch.make({
        calls,
        options: { isHaltOnError: true, returnAjaxResult: true },
      })
      const results = response.getData() as Record<string, { getData(): { result: unknown } }>
      const trip = results.trip?.getData().result
      const added = results.add?.getData().result
      const members = results.members?.getData().result as { USER_ID: string; ROLE: string }[] | undefined
      step(
        `user ${owner.id}, a portal administrator, makes a workgroup and adds user ${other.id} to it in one batch`,
        text,
        `trip: ${trip}, add: ${JSON.stringify(added)}, members: ${roles(members)}`,
        Number.isInteger(trip) && roles(members) === `A ${owner.id}, K ${other.id}`,
      )
    } catch (e) {
      step(`user ${owner.id} runs a batch`, text, (e as Error).message, false)
    }
  } catch (e) {
    step('a call failed', '', (e as Error).message, false)
  } finally {
    globalAgent.destroy()
    if (before === undefined) delete globalAgent.options.ca
    else globalAgent.options.ca = before
  }
}
