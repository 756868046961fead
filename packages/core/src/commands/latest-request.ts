import { ok, safeTry } from 'neverthrow'
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
    const expired: JoinRequest = { ...request, status: 'expired', decidedAt: now, decidedBy: null }
    yield* tx.updateRequest(expired)
    yield* countOnLink(tx, linkCodeOf(request.via), { pending: -1 })
    emit({
      type: 'JoinRequestExpired',
      groupId: group.id,
      actor: userId,
      at: now,
      subject: userId,
      requestId: request.id,
    })
    return ok(expired)
  })
}
