import { type CoreError, MAX_USERS_PER_COMMAND } from '@joinery/core'
import { okAsync, ResultAsync } from 'neverthrow'
import { exactStart, idList, positiveId, text } from '../internal/params.js'
import { MAX_USER_IDS_PER_CALL, SLICE_PAUSE_MS } from '../limits.js'
import { memberFields, requestFields } from '../views.js'
import { bitrixError } from '../wire/envelope.js'
import type { Params } from '../wire/php-params.js'
import { answer, argumentError, listing, type Method, type MethodCall, PAGE_SIZE } from './context.js'

const wrongGroupId = () => argumentError('Wrong group ID')
const wrongUserIds = () => argumentError('Wrong user IDs')

/** USER_ID as a list of ids, or the error: too many (more than MAX_USER_IDS_PER_CALL), or not positive integers. */
function userIdsOf(params: Params) {
  const given = params.USER_ID
  const count = Array.isArray(given)
    ? given.length
    : typeof given === 'object' && given !== null
      ? Object.keys(given).length
      : 1
  if (count > MAX_USER_IDS_PER_CALL)
    return argumentError(`Too many user IDs: at most ${MAX_USER_IDS_PER_CALL} in USER_ID in one call`)
  return idList(given) ?? wrongUserIds()
}

/**
 * Lets the event loop run between slices: an in-process database (PGlite) answers through promises alone, so while a
 * slice runs no request is read, and a request needs a few turns (headers, body, auth) before its command reaches
 * the store. With one turn (setImmediate) the next slice still went first (probe p99 517 ms, 200 users a slice); with
 * SLICE_PAUSE_MS a request waits for one slice at most: p99 93–126 ms at 100 users a slice (`pnpm bench probe`).
 */
const nextTurn = () => ResultAsync.fromSafePromise(new Promise<void>((resolve) => setTimeout(resolve, SLICE_PAUSE_MS)))

/**
 * Runs `command` on consecutive slices of at most MAX_USERS_PER_COMMAND users, one core command (one transaction)
 * each, with a turn of the event loop between them, so that a big call lets other requests through between its
 * slices. The first failing slice ends the call with its error; the slices before it stay done (each command is
 * idempotent: a retry reports them, never refuses).
 */
function inChunks<T>(
  userIds: readonly string[],
  command: (slice: string[]) => ResultAsync<T, CoreError>,
): ResultAsync<T[], CoreError> {
  let all: ResultAsync<T[], CoreError> = okAsync([])
  for (let i = 0; i < userIds.length; i += MAX_USERS_PER_COMMAND) {
    const slice = userIds.slice(i, i + MAX_USERS_PER_COMMAND)
    const first = i === 0
    all = all.andThen((done) =>
      (first ? okAsync(undefined) : nextTurn()).andThen(() => command(slice).map((value) => [...done, value])),
    )
  }
  return all
}

/**
 * The check `sonet_group.user.add`, `.update` and `.delete` make after GROUP_ID and before USER_ID: only a portal
 * administrator may call them (api-reference/sonet-group/members/sonet-group-user-add.md, "Who can execute the
 * method: administrator"; `CSocNetLogRestService::addGroupUsers` throws `AccessDeniedException`).
 */
function administratorOnly(call: MethodCall, description: string) {
  return call.administrator ? null : bitrixError(400, 'ACCESS_DENIED', description)
}

/** GROUP_ID and one USER_ID, both positive integers, or the Bitrix24 error for the first that is not. */
function groupAndUser(params: Params) {
  const groupId = positiveId(params.GROUP_ID)
  if (!groupId) return wrongGroupId()
  const userId = positiveId(params.USER_ID)
  return userId ? { groupId, userId } : wrongUserIds()
}

export const memberMethods: Record<string, Method> = {
  /**
   * Asks to join: an open group (OPENED=Y) makes the caller a member at once; otherwise a pending request with the
   * message goes to the approvers. A member or the owner asking again stays as they are; a repeat stays one request.
   */
  async 'sonet_group.user.request'({ joinery, user, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    const message = text(params.MESSAGE)
    if (message === null) return argumentError('Incorrect input data: MESSAGE')
    return answer(joinery.requestJoin({ actor: user, groupId, message: message ?? null }), () => ({ result: true }))
  },

  /**
   * Every member of the group with role A, E or K, in one read: the method does not page, and `start` is ignored
   * (api-reference/sonet-group/members/sonet-group-user-get.md).
   */
  async 'sonet_group.user.get'({ joinery, user, administrator, params }) {
    const groupId = positiveId(params.ID)
    if (!groupId) return argumentError('Wrong socialnetwork group ID')
    // An administrator skips the visibility check (`CSocNetLogRestService::getGroupUsers`).
    const read = joinery.listMembers({ actor: user, groupId, all: true, asAdministrator: administrator })
    return answer(read, (page) => ({
      result: page.items.map(memberFields),
    }))
  },

  /**
   * Every group of the caller, in one read: the method does not page, and `start` is ignored
   * (api-reference/sonet-group/sonet-group-user-groups.md).
   */
  async 'sonet_group.user.groups'({ joinery, user }) {
    return answer(joinery.listUserGroups({ actor: user, all: true }), (page) => ({
      result: page.items.map(({ group, membership }) => ({
        GROUP_ID: group.id,
        GROUP_NAME: group.name,
        ROLE: memberFields(membership).ROLE,
        // Joinery keeps no group images: the column is null and the URL empty, as for a portal group without one.
        GROUP_IMAGE_ID: null,
        GROUP_IMAGE: '',
      })),
    }))
  },

  /**
   * Adds users at once (portal administrators only). Users the group has any standing for — a pending request or
   * invitation, a ban — are skipped, as the module skips every user it has a row for (`addGroupUsers`).
   */
  async 'sonet_group.user.add'(call) {
    const { joinery, user, params } = call
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    const denied = administratorOnly(call, 'No permissions to add users')
    if (denied) return denied
    const userIds = userIdsOf(params)
    if (!Array.isArray(userIds)) return userIds
    return answer(
      inChunks(userIds, (slice) =>
        joinery.addMembers({ actor: user, groupId, userIds: slice, asAdministrator: true, onlyNewcomers: true }),
      ),
      (chunks) => ({ result: chunks.flatMap(({ added }) => added.map((m) => m.userId)) }),
      'No permissions to add users',
    )
  },

  /**
   * Invites users, as the group's INITIATE_PERMS allows (or a portal administrator). A caller who may not invite
   * gets `[]`, as documented (api-reference/sonet-group/members/sonet-group-user-invite.md: "An empty array means
   * that none of the provided users could be invited … the current user does not have permission to invite").
   */
  async 'sonet_group.user.invite'({ joinery, user, administrator, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    const userIds = userIdsOf(params)
    if (!Array.isArray(userIds)) return userIds
    const message = text(params.MESSAGE)
    if (message === null) return argumentError('Incorrect input data: MESSAGE')
    const invited = await inChunks(userIds, (slice) =>
      joinery.inviteMembers({
        actor: user,
        groupId,
        userIds: slice,
        message: message ?? null,
        asAdministrator: administrator,
      }),
    )
    if (invited.isErr() && invited.error.code === 'InsufficientRole') return { result: [] }
    return answer(invited, (chunks) => ({ result: chunks.flatMap((c) => c.invited.map((r) => r.requesterId)) }))
  },

  /** Changes roles (portal administrators only, `updateGroupUsers`); the owner and non-members are skipped. */
  async 'sonet_group.user.update'(call) {
    const { joinery, user, params } = call
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    const denied = administratorOnly(call, 'No permissions to update users role')
    if (denied) return denied
    const role = params.ROLE === 'E' ? 'moderator' : params.ROLE === 'K' ? 'member' : null
    if (!role) return argumentError('Incorrect role code')
    const userIds = userIdsOf(params)
    if (!Array.isArray(userIds)) return userIds
    return answer(
      inChunks(userIds, (slice) =>
        joinery.changeRoles({ actor: user, groupId, userIds: slice, role, asAdministrator: true }),
      ),
      (chunks) => {
        // As Bitrix24 does, the owner and non-members are skipped rather than failing the call; the answer lists the
        // ids asked for that hold the role now, in the order (and as often) they were asked.
        const holding = new Set(chunks.flatMap(({ members }) => members.map((m) => m.userId)))
        return { result: userIds.filter((id) => holding.has(id)) }
      },
      'No permissions to update users role',
    )
  },

  /**
   * Removes users (portal administrators only, `deleteGroupUsers`): the owner is skipped; a pending requester's or
   * invitee's request is removed (rejected here), as the module deletes their row; nobody is barred from asking again.
   */
  async 'sonet_group.user.delete'(call) {
    const { joinery, user, params } = call
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    const denied = administratorOnly(call, 'No permissions to update users role')
    if (denied) return denied
    const userIds = userIdsOf(params)
    if (!Array.isArray(userIds)) return userIds
    return answer(
      inChunks(userIds, (slice) =>
        joinery.removeMembers({
          actor: user,
          groupId,
          userIds: slice,
          blockRejoin: false,
          skipOwner: true,
          rejectPending: true,
          asAdministrator: true,
        }),
      ),
      (chunks) => {
        const done = new Set(chunks.flatMap(({ removed, rejected }) => [...removed, ...rejected]))
        return { result: [...new Set(userIds)].filter((id) => done.has(id)) }
      },
      'No permissions to update users role',
    )
  },
}

/**
 * Extensions, not Bitrix24 methods (a portal answers them `ERROR_METHOD_NOT_FOUND`): Bitrix24 approves and rejects
 * requests and bans only in its UI. Marked `extension: true` in `METHODS`; their own error codes are listed as
 * non-Bitrix in the README.
 */
export const extensionMethods: Record<string, Method> = {
  async 'sonet_group.user.request.list'({ joinery, user, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    const start = exactStart(params.start)
    return answer(
      joinery.listJoinRequests({ actor: user, groupId, offset: start ?? 0, limit: PAGE_SIZE }),
      (page) => listing(page.items.map(requestFields), start, page.pending.total),
      'No permissions to see the requests of this group',
    )
  },

  async 'sonet_group.user.request.approve'({ joinery, user, params }) {
    const ids = groupAndUser(params)
    if ('error' in ids) return ids
    const { groupId, userId } = ids
    return answer(
      joinery.approveJoinRequest({ actor: user, groupId, userId }),
      () => ({ result: true }),
      'No permissions to approve requests',
    )
  },

  async 'sonet_group.user.request.reject'({ joinery, user, params }) {
    const ids = groupAndUser(params)
    if ('error' in ids) return ids
    const { groupId, userId } = ids
    const reason = text(params.REASON)
    if (reason === null) return argumentError('Incorrect input data: REASON')
    return answer(
      joinery.rejectJoinRequest({ actor: user, groupId, userId, reason: reason ?? null }),
      () => ({ result: true }),
      'No permissions to reject requests',
    )
  },

  async 'sonet_group.user.request.withdraw'({ joinery, user, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    return answer(joinery.withdrawJoinRequest({ actor: user, groupId }), () => ({ result: true }))
  },

  async 'sonet_group.user.ban'({ joinery, user, params }) {
    const ids = groupAndUser(params)
    if ('error' in ids) return ids
    const { groupId, userId } = ids
    return answer(
      joinery.banUser({ actor: user, groupId, userId }),
      () => ({ result: true }),
      'No permissions to ban users',
    )
  },

  async 'sonet_group.user.unban'({ joinery, user, params }) {
    const ids = groupAndUser(params)
    if ('error' in ids) return ids
    const { groupId, userId } = ids
    return answer(
      joinery.unbanUser({ actor: user, groupId, userId }),
      () => ({ result: true }),
      'No permissions to unban users',
    )
  },
}
