import { groupLogCommands } from './commands/group-log.js'
import { groupCommands } from './commands/groups.js'
import { joinCommands } from './commands/join.js'
import { joinLinkCommands } from './commands/join-links.js'
import { memberListCommands } from './commands/member-lists.js'
import { memberCommands } from './commands/members.js'
import { requestCommands } from './commands/requests.js'
import { roleCommands } from './commands/roles.js'
import type { DomainEvent } from './domain/events.js'
import type { Joinery } from './joinery-api.js'
import { type Clock, systemClock } from './ports/clock.js'
import type { EventSink } from './ports/event-sink.js'
import { createCryptoIdGenerator, type IdGenerator } from './ports/id-generator.js'
import type { MembershipStore } from './ports/membership-store.js'
import type { SocialGraph } from './ports/social-graph.js'

export type { Joinery } from './joinery-api.js'

export interface JoineryOptions {
  /** Where state lives: `createInMemoryStore()` or a durable store. */
  readonly store: MembershipStore
  /** Asked for `followed-by-owner` links; without one such links answer `SocialGraphUnavailable`. */
  readonly socialGraph?: SocialGraph
  /** Receives committed events. */
  readonly events?: EventSink
  readonly clock?: Clock
  readonly ids?: IdGenerator
  /** Pending requests older than this expire (lazily, when next touched). Default: never. */
  readonly requestTtlMs?: number | null
  /** Called when the event sink throws; the command has already succeeded. Default: ignore. */
  readonly onSinkError?: (error: unknown, events: readonly DomainEvent[]) => void
}

/**
 * Builds a Joinery: every command of the group-membership domain over the ports you pass.
 * Each command validates its input and returns a `ResultAsync` of a typed success or a typed error; none throws.
 * @example
 * const joinery = createJoinery({ store: createInMemoryStore() })
 * const group = (await joinery.createGroup({ actor: 'alice', name: 'Climbers' }))._unsafeUnwrap()
 */
export function createJoinery(options: JoineryOptions): Joinery {
  const ctx = {
    store: options.store,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? createCryptoIdGenerator(),
    socialGraph: options.socialGraph ?? null,
    events: options.events ?? null,
    requestTtlMs: options.requestTtlMs ?? null,
    onSinkError: options.onSinkError ?? (() => {}),
  }
  return {
    ...groupCommands(ctx),
    ...joinLinkCommands(ctx),
    ...joinCommands(ctx),
    ...requestCommands(ctx),
    ...memberCommands(ctx),
    ...roleCommands(ctx),
    ...memberListCommands(ctx),
    ...groupLogCommands(ctx),
  }
}
