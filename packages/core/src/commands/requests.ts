import { ok, type ResultAsync, safeTry } from 'neverthrow'
import { z } from 'zod'
import type { ErrorOf, StorageError } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import { removalIsActive } from '../domain/removal.js'
import { decodeCursor, encodeCursor } from '../internal/keyset.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import type { StoreTx } from '../ports/membership-store.js'
import {
  type CommandContext,
  type Emit,
  type GroupNotFound,
  type InsufficientRole,
  inTransaction,
  loadGroupFor,
  type PageOf,
  requireGroup,
  type Settled,
  settle,
  viewGroupFor,
} from './context.js'
import { latestRequestOf } from './latest-request.js'
import { countOnLink, linkCodeOf } from './link-counters.js'
import * as s from './schemas.js'

export const listJoinRequestsInput = s.groupTarget.extend({
  status: z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'expired']).default('pending'),
  limit: s.pageLimit,
  cursor: s.cursor,
})
export type ListJoinRequestsInput = z.input<typeof listJoinRequestsInput>

export const decideRequestInput = s.groupTarget.extend({ userId: s.userId })
export type ApproveJoinRequestInput = z.input<typeof decideRequestInput>
export const rejectJoinRequestInput = decideRequestInput.extend({ reason: s.reason })
export type RejectJoinRequestInput = z.input<typeof rejectJoinRequestInput>
export type WithdrawJoinRequestInput = z.input<typeof s.groupTarget>

type AlreadyDecided = ErrorOf<'RequestAlreadyDecided'>
type RequestNotFound = ErrorOf<'RequestNotFound'>
export type ApproverCommandError = InvalidInput | GroupNotFound | InsufficientRole | StorageError
export type ApproveError =
  | ApproverCommandError
  | RequestNotFound
  | AlreadyDecided
  | ErrorOf<'MemberLimitReached' | 'GroupLocked' | 'UserBanned' | 'UserKicked'>
export type RejectError = ApproverCommandError | RequestNotFound | AlreadyDecided
export type WithdrawError = InvalidInput | GroupNotFound | RequestNotFound | AlreadyDecided | StorageError

export interface ApprovedRequest {
  readonly group: Group
  readonly request: JoinRequest
  /** The requester's membership; `null` only if they have left since an earlier approval. */
  readonly membership: Membership | null
  /** `false` when the request was approved already and nothing changed. */
  readonly changed: boolean
}

export interface DecidedRequest {
  readonly request: JoinRequest
  readonly changed: boolean
}

function alreadyDecided(request: JoinRequest): AlreadyDecided {
  return { code: 'RequestAlreadyDecided', status: request.status as AlreadyDecided['status'] }
}

export function requestCommands(ctx: CommandContext) {
  const latestRequest = (tx: StoreTx, emit: Emit, group: Group, userId: string) =>
    latestRequestOf(ctx, tx, emit, group, userId)

  return {
    /** Withdraws the actor's own pending request. Withdrawing twice is a no-op. */
    withdrawJoinRequest(input: WithdrawJoinRequestInput): ResultAsync<DecidedRequest, WithdrawError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        settle(
          inTransaction(ctx, (tx, emit) =>
            safeTry(async function* () {
              // Requesters may withdraw from a hidden group they are not yet a member of: it is their own request.
              const group = yield* tx.lockGroup({ groupId: cmd.groupId }).andThen(requireGroup)
              const request = yield* latestRequest(tx, emit, group, cmd.actor)
              type Out = Settled<DecidedRequest, RequestNotFound | AlreadyDecided>
              if (!request) return ok<Out>({ refused: { code: 'RequestNotFound' } })
              if (request.status === 'withdrawn') return ok<Out>({ done: { request, changed: false } })
              if (request.status !== 'pending') return ok<Out>({ refused: alreadyDecided(request) })
              const now = ctx.clock.now()
              const withdrawn: JoinRequest = { ...request, status: 'withdrawn', decidedAt: now, decidedBy: cmd.actor }
              yield* tx.updateRequest(withdrawn)
              yield* countOnLink(tx, linkCodeOf(request.via), { pending: -1 })
              emit({
                type: 'JoinRequestWithdrawn',
                groupId: group.id,
                actor: cmd.actor,
                at: now,
                requestId: request.id,
              })
              return ok<Out>({ done: { request: withdrawn, changed: true } })
            }),
          ),
        ),
      )
    },

    /** Lists a group's requests, oldest first, by status (pending by default); approvers only. */
    listJoinRequests(input: ListJoinRequestsInput): ResultAsync<PageOf<JoinRequest>, ApproverCommandError> {
      return validate(listJoinRequestsInput, input).asyncAndThen((cmd) =>
        ctx.store.transaction((tx) =>
          viewGroupFor(tx, cmd.groupId, cmd.actor, 'approver').andThen(({ group }) =>
            tx
              .listRequests(group.id, cmd.status, {
                after: cmd.cursor ? decodeCursor(cmd.cursor) : null,
                limit: cmd.limit + 1,
              })
              .map((rows) => {
                const items = rows.slice(0, cmd.limit)
                const last = items.at(-1)
                const cursor =
                  rows.length > cmd.limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null
                return { items, cursor }
              }),
          ),
        ),
      )
    },

    /**
     * Approves the user's pending request (approvers only) and makes them a member, within the member limit.
     * Approving an approved request returns it unchanged; a rejected, withdrawn or expired one is refused.
     */
    approveJoinRequest(input: ApproveJoinRequestInput): ResultAsync<ApprovedRequest, ApproveError> {
      return validate(decideRequestInput, input).asyncAndThen((cmd) =>
        settle(
          inTransaction(ctx, (tx, emit) =>
            safeTry(async function* () {
              type Out = Settled<
                ApprovedRequest,
                Exclude<ApproveError, StorageError | InvalidInput | InsufficientRole | GroupNotFound>
              >
              const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'approver')
              const request = yield* latestRequest(tx, emit, group, cmd.userId)
              // An invitation is the approvers' own offer: only the invitee can accept it.
              if (!request || request.via.kind === 'invitation')
                return ok<Out>({ refused: { code: 'RequestNotFound' } })
              if (request.status === 'approved') {
                const membership = yield* tx.getMembership(group.id, cmd.userId)
                return ok<Out>({ done: { group, request, membership, changed: false } })
              }
              if (request.status !== 'pending') return ok<Out>({ refused: alreadyDecided(request) })
              if (group.lockStatus !== 'unlocked')
                return ok<Out>({ refused: { code: 'GroupLocked', lockStatus: group.lockStatus } })
              const now = ctx.clock.now()
              const removal = yield* tx.getRemoval(group.id, cmd.userId)
              if (removalIsActive(removal, now)) {
                return ok<Out>({ refused: { code: removal.kind === 'banned' ? 'UserBanned' : 'UserKicked' } })
              }
              const membership: Membership = {
                groupId: group.id,
                userId: cmd.userId,
                role: 'member',
                joinedAt: now,
                source: { kind: 'request', requestId: request.id },
                addedBy: cmd.actor,
              }
              const outcome = yield* tx.insertMembership(membership, group.memberLimit)
              if (outcome === 'limit-reached') {
                return ok<Out>({ refused: { code: 'MemberLimitReached', limit: group.memberLimit ?? 0 } })
              }
              const approved: JoinRequest = { ...request, status: 'approved', decidedAt: now, decidedBy: cmd.actor }
              yield* tx.updateRequest(approved)
              yield* countOnLink(tx, linkCodeOf(request.via), { pending: -1, uses: 1 })
              emit({
                type: 'JoinRequestApproved',
                groupId: group.id,
                actor: cmd.actor,
                at: now,
                requestId: request.id,
                subject: cmd.userId,
              })
              if (outcome === 'inserted') {
                emit({
                  type: 'MemberJoined',
                  groupId: group.id,
                  actor: cmd.actor,
                  at: now,
                  subject: cmd.userId,
                  code: linkCodeOf(request.via),
                  requestId: request.id,
                })
              }
              const current = outcome === 'inserted' ? membership : yield* tx.getMembership(group.id, cmd.userId)
              const updated = (yield* tx.getGroup(group.id)) ?? group
              return ok<Out>({ done: { group: updated, request: approved, membership: current, changed: true } })
            }),
          ),
        ),
      )
    },

    /** Rejects the user's pending request (approvers only), with an optional reason the requester can see. */
    rejectJoinRequest(input: RejectJoinRequestInput): ResultAsync<DecidedRequest, RejectError> {
      return validate(rejectJoinRequestInput, input).asyncAndThen((cmd) =>
        settle(
          inTransaction(ctx, (tx, emit) =>
            safeTry(async function* () {
              type Out = Settled<DecidedRequest, RequestNotFound | AlreadyDecided>
              const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'approver')
              const request = yield* latestRequest(tx, emit, group, cmd.userId)
              if (!request) return ok<Out>({ refused: { code: 'RequestNotFound' } })
              if (request.status === 'rejected') return ok<Out>({ done: { request, changed: false } })
              if (request.status !== 'pending') return ok<Out>({ refused: alreadyDecided(request) })
              const now = ctx.clock.now()
              const rejected: JoinRequest = {
                ...request,
                status: 'rejected',
                decidedAt: now,
                decidedBy: cmd.actor,
                rejectionReason: cmd.reason,
              }
              yield* tx.updateRequest(rejected)
              yield* countOnLink(tx, linkCodeOf(request.via), { pending: -1 })
              emit({
                type: 'JoinRequestRejected',
                groupId: group.id,
                actor: cmd.actor,
                at: now,
                requestId: request.id,
                subject: cmd.userId,
                reason: cmd.reason,
              })
              return ok<Out>({ done: { request: rejected, changed: true } })
            }),
          ),
        ),
      )
    },

    /** Marks every pending request of the group read (approvers only); returns how many changed. */
    markJoinRequestsRead(input: WithdrawJoinRequestInput): ResultAsync<{ marked: number }, ApproverCommandError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx) =>
          loadGroupFor(tx, cmd.groupId, cmd.actor, 'approver').andThen(({ group }) =>
            tx.markRequestsRead(group.id).map((marked) => ({ marked })),
          ),
        ),
      )
    },
  }
}
