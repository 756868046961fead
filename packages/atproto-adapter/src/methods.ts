import {
  type CoreError,
  decideAccess,
  type Group,
  type Joinery,
  type JoinLink,
  type JoinLinkPreview,
  MAX_USERS_PER_COMMAND,
} from '@joinery/core'
import type { ResultAsync } from 'neverthrow'
import { logsOf, withProfiles } from './convo-log.js'
import { type ChatFacts, decideGroupAdder, decideGroupInvite, GROUP_INVITE_MESSAGES } from './group-consent.js'
import type { ServedMethod } from './lexicons/index.js'
import { revOf, seqOfRev } from './rev.js'
import type { createUnknownCodeLimiter } from './unknown-code-limiter.js'
import { isDid, JOIN_RULE_FROM_WIRE, JOIN_RULE_TO_WIRE, joinLinkView, type Views } from './views.js'
import { toXrpcError, type XrpcErrorResult } from './xrpc-errors.js'

/** What a method handler gets: the verified caller (`null` only where a method allows anonymous calls) and its input. */
export interface MethodCall {
  readonly caller: string | null
  /** The JSON body of a procedure, already validated against the lexicon. */
  readonly input: Record<string, unknown>
  /** The query parameters of a query, already validated against the lexicon. */
  readonly params: Record<string, unknown>
}

/** A method's answer: a body, or an XRPC error with the core error it maps (`cause`), kept for the `onError` hook. */
export type MethodOutcome =
  | { readonly body: Record<string, unknown> }
  | { readonly error: XrpcErrorResult; readonly cause?: CoreError }

const failed = (nsid: ServedMethod, cause: CoreError): MethodOutcome => ({ error: toXrpcError(nsid, cause), cause })

export interface MethodDeps {
  readonly joinery: Joinery
  readonly views: Views
  readonly unknownCodes: ReturnType<typeof createUnknownCodeLimiter>
  readonly defaultMemberLimit: number
  readonly groupConsent: ChatFacts | null
  readonly addMembersAs: 'request' | 'member'
}

type Handler = (call: MethodCall) => Promise<MethodOutcome>

const str = (v: unknown) => (typeof v === 'string' ? v : '')

/**
 * The most DIDs one `members` list may hold: a Bluesky group holds at most its member limit (100), so no call needs
 * more (createGroup's lexicon allows 10,000 but says implementations may enforce their member limit; addMembers' and
 * removeMembers' set no bound), and never more than the core takes in one command (`MAX_USERS_PER_COMMAND`).
 */
export function maxMembersPerCall(memberLimit: number): number {
  return Math.min(memberLimit, MAX_USERS_PER_COMMAND)
}
const ok = (body: Record<string, unknown>): MethodOutcome => ({ body })

/**
 * One handler per served method: each parses the validated input, calls one core command, and maps the result.
 * Business rules stay in the core.
 */
export function createMethods(deps: MethodDeps): Record<ServedMethod, Handler> {
  const { joinery, views } = deps

  const caller = (call: MethodCall) => call.caller ?? ''

  /** Maps a core error for `nsid`, or builds the body from the success. */
  async function answer<T>(
    nsid: ServedMethod,
    result: ResultAsync<T, CoreError>,
    onOk: (value: T) => MethodOutcome | Promise<MethodOutcome>,
  ): Promise<MethodOutcome> {
    const r = await result
    return r.isOk() ? onOk(r.value) : failed(nsid, r.error)
  }

  /** Answers `{convo}` with the group a command returned, as the caller sees it. */
  const convoOf = (nsid: ServedMethod, call: MethodCall, result: ResultAsync<Group | { group: Group }, CoreError>) =>
    answer(nsid, result, async (value) =>
      ok({ convo: await views.convoView('group' in value ? value.group : value, caller(call)) }),
    )

  const linkOf = (nsid: ServedMethod, result: ResultAsync<JoinLink, CoreError>) =>
    answer(nsid, result, (link) => ok({ joinLink: joinLinkView(link) }))

  const maxMembers = maxMembersPerCall(deps.defaultMemberLimit)
  /** The `members` list of a call, or the InvalidRequest naming it when it is longer than a group can hold. */
  const membersOf = (nsid: ServedMethod, call: MethodCall): string[] | MethodOutcome => {
    const members = (call.input.members as string[] | undefined) ?? []
    if (members.length <= maxMembers) return members
    return failed(nsid, {
      code: 'InvalidInput',
      issues: [{ path: ['members'], code: 'too_big', message: `must hold at most ${maxMembers} items` }],
    })
  }

  /**
   * Whether the caller may create a group or add these users, before the command runs: `null` when they may (or no
   * consent check is configured), else the first refusal — the caller's own standing first (`GROUP_ADDER_RULES`:
   * suspended, or too new to create a group), then each user (`GROUP_INVITE_RULES`). With `groupId` (an existing
   * group), the caller's authority is read before anything, so a caller who may not add anyone hears that (the
   * command's own `InvalidConvo` or `InsufficientRole`) and the AppView is not asked; the command checks it again
   * under its lock.
   */
  const consentOf = async (
    nsid: ServedMethod,
    call: MethodCall,
    members: string[],
    groupId?: string,
  ): Promise<MethodOutcome | null> => {
    const consent = deps.groupConsent
    const adder = caller(call)
    const subjects = [...new Set(members)].filter((did) => did !== adder)
    // Adding nobody to an existing group changes nothing: no standing to check.
    if (!consent || (groupId !== undefined && subjects.length === 0)) return null
    if (groupId !== undefined) {
      const view = await joinery.getGroup({ viewer: adder, groupId })
      if (view.isErr()) return failed(nsid, view.error)
      const access = decideAccess(
        view.value.group,
        view.value.viewerMembership,
        deps.addMembersAs === 'request' ? 'inviter' : 'approver',
      )
      if (access.isErr()) return failed(nsid, access.error)
    }
    let facts: Awaited<ReturnType<ChatFacts['subjects']>>
    let standing: Awaited<ReturnType<ChatFacts['actor']>>
    try {
      ;[standing, facts] = await Promise.all([
        consent.actor(adder),
        subjects.length ? consent.subjects(adder, subjects) : new Map(),
      ])
    } catch (cause) {
      return {
        error: toXrpcError(nsid, { code: 'SocialGraphUnavailable', cause }),
        cause: { code: 'SocialGraphUnavailable', cause },
      }
    }
    const barred = decideGroupAdder(standing, {
      creating: groupId === undefined,
      now: new Date(),
      minAccountAgeMs: consent.minAccountAgeMs,
    })
    if (barred) return { error: { status: 400, error: barred, message: GROUP_INVITE_MESSAGES[barred] } }
    for (const did of subjects) {
      const refusal = decideGroupInvite(facts.get(did))
      if (refusal) return { error: { status: 400, error: refusal, message: GROUP_INVITE_MESSAGES[refusal] } }
    }
    return null
  }

  /** A page of the caller's pending invitations and join requests (`limit`/`cursor` of the call). */
  const requestsOf = (call: MethodCall) =>
    joinery.listUserRequests({
      actor: caller(call),
      limit: (call.params.limit as number | undefined) ?? 50,
      ...(call.params.cursor !== undefined ? { cursor: str(call.params.cursor) } : {}),
    })

  const joinRule = (wire: unknown) => JOIN_RULE_FROM_WIRE[wire as keyof typeof JOIN_RULE_FROM_WIRE] ?? (wire as never)

  return {
    'chat.bsky.group.requestJoin': async (call) => {
      const did = caller(call)
      if (await deps.unknownCodes.isBlocked(did)) {
        return { error: { status: 429, error: 'RateLimitExceeded', message: 'Too many attempts with unknown codes' } }
      }
      const result = await joinery.requestJoinByCode({ actor: did, code: str(call.input.code) })
      if (result.isErr()) {
        const outcome = failed('chat.bsky.group.requestJoin', result.error)
        // Every code that leads nowhere counts, the ones no link could have (too long, unstorable) included.
        if ('error' in outcome && outcome.error.error === 'InvalidCode') await deps.unknownCodes.recordUnknownCode(did)
        return outcome
      }
      if (result.value.status === 'pending') return ok({ status: 'pending' })
      return ok({ status: 'joined', convo: await views.convoView(result.value.group, did) })
    },

    'chat.bsky.group.createGroup': async (call) => {
      const members = membersOf('chat.bsky.group.createGroup', call)
      if (!Array.isArray(members)) return members
      const refused = await consentOf('chat.bsky.group.createGroup', call, members)
      if (refused) return refused
      return convoOf(
        'chat.bsky.group.createGroup',
        call,
        joinery.createGroup({
          actor: caller(call),
          name: str(call.input.name),
          // Bluesky groups are private conversations that people enter through links or by being added.
          admission: 'invite-only',
          visibility: 'hidden',
          memberLimit: deps.defaultMemberLimit,
          ...(deps.addMembersAs === 'request' ? { invite: members } : { initialMembers: members }),
        }),
      )
    },

    'chat.bsky.group.editGroup': (call) =>
      convoOf(
        'chat.bsky.group.editGroup',
        call,
        joinery.updateGroup({ actor: caller(call), groupId: str(call.input.convoId), name: str(call.input.name) }),
      ),

    'chat.bsky.group.createJoinLink': (call) =>
      linkOf(
        'chat.bsky.group.createJoinLink',
        joinery.createJoinLink({
          actor: caller(call),
          groupId: str(call.input.convoId),
          joinRule: joinRule(call.input.joinRule),
          requireApproval: call.input.requireApproval === true,
        }),
      ),

    'chat.bsky.group.editJoinLink': (call) =>
      linkOf(
        'chat.bsky.group.editJoinLink',
        joinery.editJoinLink({
          actor: caller(call),
          groupId: str(call.input.convoId),
          ...(typeof call.input.requireApproval === 'boolean' ? { requireApproval: call.input.requireApproval } : {}),
          ...(call.input.joinRule !== undefined ? { joinRule: joinRule(call.input.joinRule) } : {}),
        }),
      ),

    'chat.bsky.group.enableJoinLink': (call) =>
      linkOf(
        'chat.bsky.group.enableJoinLink',
        joinery.enableJoinLink({ actor: caller(call), groupId: str(call.input.convoId) }),
      ),

    'chat.bsky.group.disableJoinLink': (call) =>
      linkOf(
        'chat.bsky.group.disableJoinLink',
        joinery.disableJoinLink({ actor: caller(call), groupId: str(call.input.convoId) }),
      ),

    'chat.bsky.group.getJoinLinkPreviews': async (call) => {
      const codes = call.params.codes as string[]
      const result = await joinery.previewJoinLinks({ viewer: call.caller, codes })
      if (result.isErr()) return failed('chat.bsky.group.getJoinLinkPreviews', result.error)
      const profile = await views.profileMap(result.value.flatMap((p) => (p.kind === 'valid' ? [p.group.ownerId] : [])))
      const previews = await Promise.all(result.value.map((p) => previewView(p)))
      return ok({ joinLinkPreviews: previews })

      async function previewView(p: JoinLinkPreview) {
        if (p.kind === 'invalid') return { $type: 'chat.bsky.group.defs#invalidJoinLinkPreviewView', code: p.code }
        if (p.kind === 'disabled') return { $type: 'chat.bsky.group.defs#disabledJoinLinkPreviewView', code: p.code }
        // A group owned by a user of another protocol has no atproto owner to show.
        if (!isDid(p.group.ownerId)) return { $type: 'chat.bsky.group.defs#invalidJoinLinkPreviewView', code: p.code }
        const convo = p.viewerMembership && call.caller ? { convo: await views.convoView(p.group, call.caller) } : {}
        return {
          $type: 'chat.bsky.group.defs#joinLinkPreviewView',
          convoId: p.group.id,
          code: p.code,
          name: p.group.name,
          owner: profile(p.group.ownerId),
          memberCount: p.group.memberCount,
          memberLimit: p.group.memberLimit ?? deps.defaultMemberLimit,
          requireApproval: p.requiresApproval,
          joinRule: JOIN_RULE_TO_WIRE[p.link.joinRule],
          ...convo,
          ...(call.caller
            ? { viewer: p.viewerRequest ? { requestedAt: p.viewerRequest.createdAt.toISOString() } : {} }
            : {}),
        }
      }
    },

    'chat.bsky.group.withdrawJoinRequest': async (call) =>
      answer(
        'chat.bsky.group.withdrawJoinRequest',
        joinery.withdrawJoinRequest({ actor: caller(call), groupId: str(call.input.convoId) }),
        () => ok({}),
      ),

    'chat.bsky.group.listJoinRequests': async (call) =>
      answer(
        'chat.bsky.group.listJoinRequests',
        joinery.listJoinRequests({
          actor: caller(call),
          groupId: str(call.params.convoId),
          limit: (call.params.limit as number | undefined) ?? 50,
          ...(call.params.cursor !== undefined ? { cursor: str(call.params.cursor) } : {}),
        }),
        async (page) =>
          ok({ requests: await views.joinRequestViews(page.items), ...(page.cursor ? { cursor: page.cursor } : {}) }),
      ),

    'chat.bsky.group.approveJoinRequest': (call) =>
      convoOf(
        'chat.bsky.group.approveJoinRequest',
        call,
        joinery.approveJoinRequest({
          actor: caller(call),
          groupId: str(call.input.convoId),
          userId: str(call.input.member),
        }),
      ),

    'chat.bsky.group.rejectJoinRequest': async (call) =>
      answer(
        'chat.bsky.group.rejectJoinRequest',
        joinery.rejectJoinRequest({
          actor: caller(call),
          groupId: str(call.input.convoId),
          userId: str(call.input.member),
        }),
        () => ok({}),
      ),

    'chat.bsky.group.updateJoinRequestsRead': async (call) =>
      answer(
        'chat.bsky.group.updateJoinRequestsRead',
        joinery.markJoinRequestsRead({ actor: caller(call), groupId: str(call.input.convoId) }),
        () => ok({}),
      ),

    'chat.bsky.group.addMembers': async (call) => {
      const members = membersOf('chat.bsky.group.addMembers', call)
      if (!Array.isArray(members)) return members
      const refused = await consentOf('chat.bsky.group.addMembers', call, members, str(call.input.convoId))
      if (refused) return refused
      const groupId = str(call.input.convoId)
      if (deps.addMembersAs === 'request') {
        // Invited, not added: each gets a convo request to accept (members and pending ones are left as they are).
        return answer(
          'chat.bsky.group.addMembers',
          joinery.inviteMembers({ actor: caller(call), groupId, userIds: members }),
          async (invited) => {
            const view = await joinery.getGroup({ viewer: caller(call), groupId })
            if (view.isErr()) return failed('chat.bsky.group.addMembers', view.error)
            const dids = invited.invited.map((r) => r.requesterId).filter(isDid)
            const profile = await views.profileMap(dids)
            return ok({ convo: await views.convoView(view.value.group, caller(call)), addedMembers: dids.map(profile) })
          },
        )
      }
      return answer(
        'chat.bsky.group.addMembers',
        joinery.addMembers({ actor: caller(call), groupId, userIds: members }),
        async (added) =>
          ok({
            convo: await views.convoView(added.group, caller(call)),
            addedMembers: await views.memberViews(added.added),
          }),
      )
    },

    'chat.bsky.group.removeMembers': async (call) => {
      const members = membersOf('chat.bsky.group.removeMembers', call)
      if (!Array.isArray(members)) return members
      return convoOf(
        'chat.bsky.group.removeMembers',
        call,
        joinery.removeMembers({ actor: caller(call), groupId: str(call.input.convoId), userIds: members }),
      )
    },

    'chat.bsky.convo.lockConvo': (call) =>
      convoOf(
        'chat.bsky.convo.lockConvo',
        call,
        joinery.lockGroup({ actor: caller(call), groupId: str(call.input.convoId) }),
      ),

    'chat.bsky.convo.unlockConvo': (call) =>
      convoOf(
        'chat.bsky.convo.unlockConvo',
        call,
        joinery.unlockGroup({ actor: caller(call), groupId: str(call.input.convoId) }),
      ),

    // The answer's rev is the leave's own position: the caller's MemberLeft in their log (their own events).
    'chat.bsky.convo.leaveConvo': async (call) => {
      const nsid = 'chat.bsky.convo.leaveConvo'
      const groupId = str(call.input.convoId)
      const before = await joinery.getGroup({ viewer: caller(call), groupId })
      const left = await joinery.leaveGroup({ actor: caller(call), groupId })
      if (left.isErr()) return failed(nsid, left.error)
      const after = before.isOk() ? before.value.lastEventSeq : null
      const log = await joinery.readUserLog({ actor: caller(call), after: after ?? 0, limit: 1000 })
      const leave = (log.isOk() ? [...log.value.events].reverse() : []).find(
        (e) => e.event.type === 'MemberLeft' && e.event.groupId === groupId && e.event.actor === caller(call),
      )
      if (leave) return ok({ convoId: left.value.group.id, rev: revOf(leave.seq) })
      // Not found among the first events after it (a caller in very busy groups): the group's position right after
      // the leave, read as its owner since the caller can no longer read it — at or after the leave's.
      const view = await joinery.getGroup({ viewer: left.value.group.ownerId, groupId })
      return ok({ convoId: left.value.group.id, rev: revOf(view.isOk() ? view.value.lastEventSeq : null) })
    },

    // Only members may list a convo's members: to anyone else the convo does not exist (the core's `membersOnly`).
    'chat.bsky.convo.getConvoMembers': async (call) =>
      answer(
        'chat.bsky.convo.getConvoMembers',
        joinery.listMembers({
          actor: caller(call),
          groupId: str(call.params.convoId),
          membersOnly: true,
          limit: (call.params.limit as number | undefined) ?? 50,
          ...(call.params.cursor !== undefined ? { cursor: str(call.params.cursor) } : {}),
        }),
        async (page) =>
          ok({ members: await views.memberViews(page.items), ...(page.cursor ? { cursor: page.cursor } : {}) }),
      ),

    // Convos for members only: to anyone else a convo does not exist.
    'chat.bsky.convo.getConvo': async (call) => {
      const nsid = 'chat.bsky.convo.getConvo'
      const view = await joinery.getGroup({ viewer: caller(call), groupId: str(call.params.convoId), invited: true })
      if (view.isErr()) return failed(nsid, view.error)
      if (!view.value.viewerMembership && !view.value.viewerInvitation) return failed(nsid, { code: 'NotAMember' })
      return ok({ convo: await views.convoView(view.value.group, caller(call)) })
    },

    // The caller's group convos in the order they joined. Filters the core cannot answer are answered exactly:
    // no direct convos are served here, no convo is a request until it has been accepted (see acceptConvo), and
    // nothing is unread, since this service holds no messages.
    'chat.bsky.convo.listConvos': async (call) => {
      const { kind, status, readState, lockStatus } = call.params as Record<string, string | undefined>
      if (kind === 'direct' || readState === 'unread') return ok({ convos: [] })
      if (status === 'request') {
        return answer('chat.bsky.convo.listConvos', requestsOf(call), async (page) => {
          const groups = page.items
            .filter((i) => i.request.via.kind === 'invitation')
            .map((i) => i.group)
            .filter((g) => !lockStatus || g.lockStatus === lockStatus)
          const convos = await Promise.all(groups.map((g) => views.convoView(g, caller(call))))
          return ok({ convos, ...(page.cursor ? { cursor: page.cursor } : {}) })
        })
      }
      return answer(
        'chat.bsky.convo.listConvos',
        joinery.listUserGroups({
          actor: caller(call),
          limit: (call.params.limit as number | undefined) ?? 50,
          ...(call.params.cursor !== undefined ? { cursor: str(call.params.cursor) } : {}),
        }),
        async (page) => {
          const groups = page.items.map((i) => i.group).filter((g) => !lockStatus || g.lockStatus === lockStatus)
          const convos = await Promise.all(groups.map((g) => views.convoView(g, caller(call))))
          return ok({ convos, ...(page.cursor ? { cursor: page.cursor } : {}) })
        },
      )
    },

    // The caller's invitations as convos in the request state, and their own join requests as joinRequestConvoViews.
    'chat.bsky.convo.listConvoRequests': async (call) =>
      answer('chat.bsky.convo.listConvoRequests', requestsOf(call), async (page) => {
        const shown = page.items.filter((i) => isDid(i.group.ownerId))
        const profile = await views.profileMap(shown.map((i) => i.group.ownerId))
        const requests = await Promise.all(
          shown.map(async ({ request, group }) =>
            request.via.kind === 'invitation'
              ? { $type: 'chat.bsky.convo.defs#convoView', ...(await views.convoView(group, caller(call))) }
              : {
                  $type: 'chat.bsky.group.defs#joinRequestConvoView',
                  convoId: group.id,
                  name: group.name,
                  owner: profile(group.ownerId),
                  memberCount: group.memberCount,
                  memberLimit: group.memberLimit ?? deps.defaultMemberLimit,
                  viewer: { requestedAt: request.createdAt.toISOString() },
                },
          ),
        )
        return ok({ requests, ...(page.cursor ? { cursor: page.cursor } : {}) })
      }),

    // Accepting is joining by invitation: a member gets `{}` (already accepted), an invitee becomes a member.
    'chat.bsky.convo.acceptConvo': async (call) => {
      const nsid = 'chat.bsky.convo.acceptConvo'
      const groupId = str(call.input.convoId)
      const joined = await joinery.requestJoin({ actor: caller(call), groupId })
      if (joined.isErr()) return failed(nsid, joined.error)
      if (joined.value.status !== 'joined') return failed(nsid, { code: 'GroupNotFound' })
      if (!joined.value.changed) return ok({})
      const view = await joinery.getGroup({ viewer: caller(call), groupId })
      return ok({ rev: revOf(view.isOk() ? view.value.lastEventSeq : null) })
    },

    'chat.bsky.convo.getLog': async (call) => {
      const cursor = call.params.cursor === undefined ? null : str(call.params.cursor)
      const after = cursor === null ? null : seqOfRev(cursor)
      if (cursor !== null && after === null)
        return failed('chat.bsky.convo.getLog', {
          code: 'InvalidInput',
          issues: [{ path: ['cursor'], code: 'custom', message: 'is not a cursor from this service' }],
        })
      const log = await joinery.readUserLog({ actor: caller(call), after, limit: 100 })
      if (log.isErr()) return failed('chat.bsky.convo.getLog', log.error)
      const { events, latest, more, memberships } = log.value
      const byGroup = new Map(memberships.map((m) => [m.groupId, m]))
      const pending = events.flatMap((e) => {
        // A member since before the event sees it as a member; else only as one of the caller's own events.
        const membership = byGroup.get(e.event.groupId)
        return logsOf(e, caller(call), membership && e.event.at >= membership.joinedAt ? membership : null)
      })
      const profile = await views.profileMap(pending.flatMap((l) => (l.member ? [...l.related, l.member] : l.related)))
      // Without a cursor the log starts now (as Bluesky's): the position only, to poll from.
      const position = more ? (events.at(-1)?.seq ?? latest) : Math.max(latest ?? 0, after ?? 0)
      return ok({ logs: pending.map((l) => withProfiles(l, profile)), cursor: revOf(position) })
    },

    // The groups both the caller and the subject are members of, in the order the caller joined them.
    'chat.bsky.group.listMutualGroups': async (call) => {
      const nsid = 'chat.bsky.group.listMutualGroups'
      const [mine, theirs] = await Promise.all([
        joinery.listUserGroups({ actor: caller(call), all: true }),
        joinery.listUserGroups({ actor: str(call.params.subject), all: true }),
      ])
      if (mine.isErr()) return failed(nsid, mine.error)
      if (theirs.isErr()) return failed(nsid, theirs.error)
      const shared = new Set(theirs.value.items.map((i) => i.group.id))
      const mutual = mine.value.items.map((i) => i.group).filter((g) => shared.has(g.id))
      const cursor = call.params.cursor === undefined ? '' : str(call.params.cursor)
      // A cursor naming no mutual group (left since, or made up) ends the list rather than starting it again.
      const start = cursor === '' ? 0 : mutual.findIndex((g) => g.id === cursor) + 1 || mutual.length
      const limit = (call.params.limit as number | undefined) ?? 50
      const page = mutual.slice(start, start + limit)
      const convos = await Promise.all(page.map((g) => views.convoView(g, caller(call))))
      const last = page.at(-1)
      return ok({ convos, ...(start + limit < mutual.length && last ? { cursor: last.id } : {}) })
    },
  }
}
