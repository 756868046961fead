import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../domain/errors.js'
import type { GroupId, UserId } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Step } from '../internal/storage-flow.js'
import type { StoreTx } from '../ports/membership-store.js'
import type { CommandContext, Emit } from './context.js'
import { countOnLink, linkCodeOf } from './link-counters.js'

/**
 * The user's latest request as it stands now, read under the group's lock; an overdue pending request is marked
 * expired on the spot (a write every command keeps, whether it then goes on or refuses), so expiry is the same
 * everywhere and decisions see only live requests as pending.
 */
export async function currentRequest(
  ctx: CommandContext,
  tx: StoreTx,
  emit: Emit,
  step: Step,
  groupId: GroupId,
  userId: UserId,
  now: Date,
): Promise<JoinRequest | null> {
  const request = await step(tx.getLatestRequest(groupId, userId))
  if (!request || !isOverdue(ctx, request, now)) return request
  return step(expireRequest(tx, emit, request, now))
}

/** Whether a pending request has outlived the service's request lifetime. */
export function isOverdue(ctx: CommandContext, request: JoinRequest, now: Date): boolean {
  const ttl = ctx.requestTtlMs
  return request.status === 'pending' && ttl !== null && request.createdAt.getTime() + ttl <= now.getTime()
}

/** Marks a pending request expired, frees its place on its link, and records the event. */
export function expireRequest(
  tx: StoreTx,
  emit: Emit,
  request: JoinRequest,
  now: Date,
): ResultAsync<JoinRequest, StorageFailure> {
  const expired: JoinRequest = { ...request, status: 'expired', decidedAt: now, decidedBy: null }
  emit({
    type: 'JoinRequestExpired',
    groupId: request.groupId,
    actor: request.requesterId,
    at: now,
    subject: request.requesterId,
    requestId: request.id,
  })
  return tx
    .updateRequest(expired)
    .andThen(() => countOnLink(tx, linkCodeOf(request.via), { pending: -1 }))
    .map(() => expired)
}
