import type { ResultAsync } from 'neverthrow'
import { z } from 'zod'
import type { StorageFailure } from '../domain/errors.js'
import type { Membership } from '../domain/membership.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import type { ListKey, StoredEvent } from '../ports/membership-store.js'
import { type CommandContext, type Outcome, runQuery } from './context.js'
import { allRows } from './paging.js'
import * as s from './schemas.js'

export const readUserLogInput = z.object({
  actor: s.userId,
  /** Events after this `seq` (from an earlier answer); none: only the current position is answered. */
  after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  limit: s.boundedInt(1, 1000).default(100),
})
export type ReadUserLogInput = z.input<typeof readUserLogInput>

/** The events of the actor's groups after a position, and the newest position among them. */
export interface UserLog {
  /**
   * At most `limit` events, in `seq` order (`[]` without `after`): those of the groups the actor is a member of, each
   * since the actor joined it, and the actor's own (naming them as actor or subject) in any group — their leaves,
   * removals, invitations and requests, in groups they are no longer or not yet a member of too.
   */
  readonly events: readonly StoredEvent[]
  /**
   * The greatest `seq` of any of those groups' events (read or not) and of the actor's own events read, `null` when
   * there are none.
   */
  readonly latest: number | null
  /** Whether events after the last one returned remain (read again from its `seq`). */
  readonly more: boolean
  /** The actor's memberships, one per group the log covers. */
  readonly memberships: readonly Membership[]
}

const groupKey = (m: Membership): ListKey => ({ at: m.joinedAt, id: m.groupId })

export function groupLogCommands(ctx: CommandContext) {
  return {
    /**
     * The recorded events of every group the actor is a member of, and the actor's own events in any group (a leave,
     * a removal, an invitation, a request), after a position, oldest first: a log a user polls to apply changes on
     * top of what they read before. The events are the store's outbox, so a store that
     * drops old events (a retention) bounds how far back the log reaches. Reads in one transaction.
     */
    readUserLog(input: ReadUserLogInput): ResultAsync<UserLog, InvalidInput | StorageFailure> {
      return validate(readUserLogInput, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<UserLog, never>> => {
          const groups = (await allRows(step, (page) => tx.listMembershipsOfUser(cmd.actor, page), groupKey, null))
            .items
          let latest: number | null = null
          const found: StoredEvent[] = []
          for (const { groupId, joinedAt } of groups) {
            const last = await step(tx.lastGroupEventSeq(groupId))
            if (last !== null && (latest === null || last > latest)) latest = last
            if (cmd.after === null || cmd.after === undefined || last === null || last <= cmd.after) continue
            // What happened before the actor joined is not theirs to read.
            const events = await step(tx.readGroupEvents(groupId, cmd.after, cmd.limit + 1))
            found.push(...events.filter((e) => e.event.at >= joinedAt))
          }
          // The actor's own events, of any group: those of a group they are a member of since they joined are in already.
          const own = await step(tx.readUserEvents(cmd.actor, cmd.after ?? latest ?? 0, cmd.limit + 1))
          const seen = new Set(found.map((e) => e.seq))
          const mine = own.filter((e) => !seen.has(e.seq))
          const newestOwn = own.at(-1)?.seq ?? null
          if (newestOwn !== null && (latest === null || newestOwn > latest)) latest = newestOwn
          if (cmd.after !== null && cmd.after !== undefined) found.push(...mine)
          found.sort((a, b) => a.seq - b.seq)
          return {
            done: { events: found.slice(0, cmd.limit), latest, more: found.length > cmd.limit, memberships: groups },
          }
        }),
      )
    },
  }
}
