import { ok, type ResultAsync, safeTry } from 'neverthrow'
import type { StorageError } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { StoreTx } from '../ports/membership-store.js'
import type { CommandContext, Emit } from './context.js'
import { countOnLink, linkCodeOf } from './link-counters.js'

/**
 * The user's latest request, with an overdue pending one marked expired first (the expiry is kept even if the
 * command then refuses). Every command that looks at a user's request goes through here, so expiry is the same
 * everywhere.
 */
export function latestRequestOf(ctx: CommandContext, tx: StoreTx, emit: Emit, group: Group, userId: string) {
  return safeTry(async function* () {
    const request = yield* tx.getLatestRequest(group.id, userId)
    if (!request) return ok(null)
    const now = ctx.clock.now()
    const ttl = ctx.requestTtlMs
    if (request.status !== 'pending' || ttl === null || request.createdAt.getTime() + ttl > now.getTime()) {
      return ok(request)
    }
    const expired = yield* expireRequest(tx, emit, request, now)
    return ok(expired)
  })
}

/** Marks a pending request expired, frees its place on its link, and records the event. */
export function expireRequest(
  tx: StoreTx,
  emit: Emit,
  request: JoinRequest,
  now: Date,
): ResultAsync<JoinRequest, StorageError> {
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
