import type { ResultAsync } from 'neverthrow'
import { z } from 'zod'
import {
  type ApproveRefusal,
  decideApprove,
  decideReject,
  decideWithdraw,
  type RequestAlreadyDecided,
  type RequestNotFound,
} from '../decisions/requests.js'
import type { StorageFailure } from '../domain/errors.js'
import type { Group, UserId } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import type { Step } from '../internal/storage-flow.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import type { ListKey, Page, StoreTx } from '../ports/membership-store.js'
import {
  type CommandContext,
  type Emit,
  type GroupNotFound,
  type InsufficientRole,
  lockAccess,
  lockWithActor,
  type Outcome,
  type PageOf,
  readAccess,
  runCommand,
  runQuery,
} from './context.js'
import { currentRequest, isOverdue } from './latest-request.js'
import { countOnLink, linkCodeOf } from './link-counters.js'
import { pageOfRows, skipRows } from './paging.js'
import * as s from './schemas.js'

const requestKey = (r: JoinRequest): ListKey => ({ at: r.createdAt, id: r.id })

export const listJoinRequestsInput = s.groupTarget.extend({
  status: z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'expired']).default('pending'),
  limit: s.pageLimit,
  cursor: s.cursor,
  /** Requests to skip after the cursor (offset paging, as Bitrix24's `start`), read in the same transaction. */
  offset: z.number().int().min(0).max(1_000_000).default(0),
})
export type ListJoinRequestsInput = z.input<typeof listJoinRequestsInput>

export const listUserRequestsInput = z.object({
  actor: s.userId,
  limit: s.pageLimit,
  cursor: s.cursor,
})
export type ListUserRequestsInput = z.input<typeof listUserRequestsInput>

/** One of a user's pending requests or invitations, with its group. */
export interface UserRequest {
  readonly request: JoinRequest
  readonly group: Group
}

export const decideRequestInput = s.groupTarget.extend({ userId: s.userId })
export type ApproveJoinRequestInput = z.input<typeof decideRequestInput>
export const rejectJoinRequestInput = decideRequestInput.extend({ reason: s.reason })
export type RejectJoinRequestInput = z.input<typeof rejectJoinRequestInput>
export type WithdrawJoinRequestInput = z.input<typeof s.groupTarget>

export type ApproverCommandError = InvalidInput | GroupNotFound | InsufficientRole | StorageFailure
export type ApproveError = ApproverCommandError | ApproveRefusal
type RejectRefusal = GroupNotFound | InsufficientRole | RequestNotFound | RequestAlreadyDecided
export type RejectError = ApproverCommandError | RejectRefusal
type WithdrawRefusal = GroupNotFound | RequestNotFound | RequestAlreadyDecided
export type WithdrawError = InvalidInput | StorageFailure | WithdrawRefusal

export interface ApprovedRequest {
  readonly group: Group
  readonly request: JoinRequest
  /** The requester's membership; `null` only if they have left since an earlier approval. */
  readonly membership: Membership | null
  /** `false` when the request was approved already and nothing changed. */
  readonly changed: boolean
}

/** A page of requests, with the group's pending counts read in the same transaction. */
export interface RequestPage extends PageOf<JoinRequest> {
  readonly pending: { readonly total: number; readonly unread: number }
}

export interface DecidedRequest {
  readonly request: JoinRequest
  readonly changed: boolean
}

export function requestCommands(ctx: CommandContext) {
  /** Ends a pending request as the decision said: the request, its place on its link, and the event. */
  async function closeRequest(
    tx: StoreTx,
    emit: Emit,
    step: Step,
    request: JoinRequest,
    closing: { status: 'rejected' | 'withdrawn'; by: UserId; reason: string | null },
    now: Date,
  ): Promise<JoinRequest> {
    const closed: JoinRequest = {
      ...request,
      status: closing.status,
      decidedAt: now,
      decidedBy: closing.by,
      rejectionReason: closing.status === 'rejected' ? closing.reason : null,
    }
    await step(tx.updateRequest(closed))
    await step(countOnLink(tx, linkCodeOf(request.via), { pending: -1 }))
    const base = { groupId: request.groupId, actor: closing.by, at: now, requestId: request.id }
    emit(
      closing.status === 'rejected'
        ? { ...base, type: 'JoinRequestRejected', subject: request.requesterId, reason: closing.reason }
        : { ...base, type: 'JoinRequestWithdrawn' },
    )
    return closed
  }

  return {
    /** Withdraws the actor's own pending request. Withdrawing twice is a no-op. */
    withdrawJoinRequest(input: WithdrawJoinRequestInput): ResultAsync<DecidedRequest, WithdrawError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<DecidedRequest, WithdrawRefusal>> => {
          const { group, actor } = await lockWithActor(tx, step, cmd.groupId, cmd.actor)
          const now = ctx.clock.now()
          const latest = group ? await currentRequest(ctx, tx, emit, step, group.id, cmd.actor, now) : null
          const decision = decideWithdraw({ group, membership: actor, request: latest })
          if (decision.isErr()) return { refused: decision.error }
          const { request } = decision.value
          if (decision.value.kind === 'unchanged') return { done: { request, changed: false } }
          const withdrawn = await closeRequest(
            tx,
            emit,
            step,
            request,
            { status: 'withdrawn', by: cmd.actor, reason: null },
            now,
          )
          return { done: { request: withdrawn, changed: true } }
        }),
      )
    },

    /**
     * Lists the actor's own pending requests and invitations to every group, oldest first, with their groups (hidden
     * ones too: the actor asked, or was invited). Overdue ones, which the next command on them expires, are left out.
     */
    listUserRequests(input: ListUserRequestsInput): ResultAsync<PageOf<UserRequest>, InvalidInput | StorageFailure> {
      return validate(listUserRequestsInput, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<PageOf<UserRequest>, never>> => {
          const after = cmd.cursor ?? null
          const rows = await step(tx.listPendingRequestsOfUser(cmd.actor, { after, limit: cmd.limit + 1 }))
          const page = pageOfRows(rows, cmd.limit, requestKey)
          const now = ctx.clock.now()
          const items: UserRequest[] = []
          for (const request of page.items) {
            if (isOverdue(ctx, request, now)) continue
            const group = await step(tx.getGroup(request.groupId))
            if (group) items.push({ request, group })
          }
          return { done: { items, cursor: page.cursor } }
        }),
      )
    },

    /** Lists a group's requests, oldest first, by status (pending by default); approvers only. */
    listJoinRequests(input: ListJoinRequestsInput): ResultAsync<RequestPage, ApproverCommandError> {
      return validate(listJoinRequestsInput, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<RequestPage, GroupNotFound | InsufficientRole>> => {
          const access = await readAccess(tx, step, cmd.groupId, cmd.actor, 'approver')
          if (access.isErr()) return { refused: access.error }
          const { group } = access.value
          const list = (page: Page) => tx.listRequests(group.id, cmd.status, page)
          const after = await skipRows(step, list, requestKey, cmd.cursor ?? null, cmd.offset)
          const page = pageOfRows(await step(list({ after, limit: cmd.limit + 1 })), cmd.limit, requestKey)
          return { done: { ...page, pending: await step(tx.countPendingRequests(group.id)) } }
        }),
      )
    },

    /**
     * Approves the user's pending request (approvers only) and makes them a member, within the member limit.
     * Approving an approved request returns it unchanged; a rejected, withdrawn or expired one is refused.
     * The rules, in order: `APPROVE_RULES`.
     */
    approveJoinRequest(input: ApproveJoinRequestInput): ResultAsync<ApprovedRequest, ApproveError> {
      return validate(decideRequestInput, input).asyncAndThen((cmd) =>
        runCommand(
          ctx,
          async (
            tx,
            emit,
            step,
          ): Promise<Outcome<ApprovedRequest, ApproveRefusal | GroupNotFound | InsufficientRole>> => {
            const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'approver')
            if (access.isErr()) return { refused: access.error }
            const { group } = access.value
            const now = ctx.clock.now()
            const request = await currentRequest(ctx, tx, emit, step, group.id, cmd.userId, now)
            const membership = await step(tx.getMembership(group.id, cmd.userId))
            const removal = membership ? null : await step(tx.getRemoval(group.id, cmd.userId))
            const decision = decideApprove({ group, request, membership, removal, now })
            if (decision.isErr()) return { refused: decision.error }
            const d = decision.value
            if (d.kind === 'unchanged') return { done: { group, request: d.request, membership, changed: false } }
            let seated = membership
            if (d.seat) {
              const joined: Membership = {
                groupId: group.id,
                userId: cmd.userId,
                role: 'member',
                joinedAt: now,
                source: { kind: 'request', requestId: d.request.id },
                addedBy: cmd.actor,
              }
              // The decision saw a free seat under the lock; the store's own guard stays the last word.
              const outcome = await step(tx.insertMembership(joined, group.memberLimit))
              if (outcome === 'limit-reached')
                return { refused: { code: 'MemberLimitReached', limit: group.memberLimit ?? 0 } }
              seated = joined
            }
            const approved: JoinRequest = { ...d.request, status: 'approved', decidedAt: now, decidedBy: cmd.actor }
            await step(tx.updateRequest(approved))
            await step(countOnLink(tx, linkCodeOf(d.request.via), { pending: -1, uses: 1 }))
            const event = { groupId: group.id, actor: cmd.actor, at: now, requestId: d.request.id, subject: cmd.userId }
            emit({ type: 'JoinRequestApproved', ...event })
            if (d.seat) emit({ type: 'MemberJoined', ...event, code: linkCodeOf(d.request.via) })
            const updated: Group = d.seat ? { ...group, memberCount: group.memberCount + 1 } : group
            return { done: { group: updated, request: approved, membership: seated, changed: true } }
          },
        ),
      )
    },

    /** Rejects the user's pending request (approvers only), with an optional reason the requester can see. */
    rejectJoinRequest(input: RejectJoinRequestInput): ResultAsync<DecidedRequest, RejectError> {
      return validate(rejectJoinRequestInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<DecidedRequest, RejectRefusal>> => {
          const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'approver')
          if (access.isErr()) return { refused: access.error }
          const now = ctx.clock.now()
          const decision = decideReject(
            await currentRequest(ctx, tx, emit, step, access.value.group.id, cmd.userId, now),
          )
          if (decision.isErr()) return { refused: decision.error }
          const { request } = decision.value
          if (decision.value.kind === 'unchanged') return { done: { request, changed: false } }
          const closing = { status: 'rejected', by: cmd.actor, reason: cmd.reason } as const
          return { done: { request: await closeRequest(tx, emit, step, request, closing, now), changed: true } }
        }),
      )
    },

    /** Marks every pending request of the group read (approvers only); returns how many changed. */
    markJoinRequestsRead(input: WithdrawJoinRequestInput): ResultAsync<{ marked: number }, ApproverCommandError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        runCommand(
          ctx,
          async (tx, _emit, step): Promise<Outcome<{ marked: number }, GroupNotFound | InsufficientRole>> => {
            const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'approver')
            if (access.isErr()) return { refused: access.error }
            return { done: { marked: await step(tx.markRequestsRead(access.value.group.id)) } }
          },
        ),
      )
    },
  }
}
