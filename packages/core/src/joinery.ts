import type { ResultAsync } from 'neverthrow'
import { groupLogCommands } from './commands/group-log.js'
import { groupCommands } from './commands/groups.js'
import { joinCommands } from './commands/join.js'
import { joinLinkCommands } from './commands/join-links.js'
import { memberListCommands } from './commands/member-lists.js'
import { memberCommands } from './commands/members.js'
import { requestCommands } from './commands/requests.js'
import { roleCommands } from './commands/roles.js'
import { type Caps, DEFAULT_CAPS } from './decisions/caps.js'
import type { CoreError } from './domain/errors.js'
import type { DomainEvent } from './domain/events.js'
import { optionalFunction, optionalInteger, optionalObject, requireObject } from './internal/check-options.js'
import type { Joinery } from './joinery-api.js'
import { type Clock, systemClock } from './ports/clock.js'
import type { CommandEnd, CommandName, CommandObserver } from './ports/command-observer.js'
import type { EventSink } from './ports/event-sink.js'
import { createCryptoIdGenerator, type GroupIdForm, type IdGenerator } from './ports/id-generator.js'
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
  /** Caps on pending requests per group, groups per user and links per group; each `null` turns one off. Default `DEFAULT_CAPS`. */
  readonly caps?: Partial<Caps>
  /** Called when the event sink throws; the command has already succeeded. Default: ignore. */
  readonly onSinkError?: (error: unknown, events: readonly DomainEvent[]) => void
  /**
   * Told when each command starts and how it ends (logs, metrics, traces; `@joinery/opentelemetry` makes one).
   * Storage failures reach it with their cause, so it is also where a host logs them. Default: none, at no cost.
   */
  readonly observer?: CommandObserver
}

/**
 * Builds a Joinery: every command of the group-membership domain over the ports you pass.
 * Each command validates its input and returns a `ResultAsync` of a typed success or a typed error; none throws.
 * @example
 * const joinery = createJoinery({ store: createInMemoryStore() })
 * const group = (await joinery.createGroup({ actor: 'alice', name: 'Climbers' }))._unsafeUnwrap()
 */
export function createJoinery(options: JoineryOptions): Joinery {
  checkOptions(options)
  const caps: Caps = { ...DEFAULT_CAPS, ...options.caps }
  const ctx = {
    store: options.store,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? createCryptoIdGenerator(),
    socialGraph: options.socialGraph ?? null,
    events: options.events ?? null,
    requestTtlMs: options.requestTtlMs ?? null,
    caps,
    onSinkError: options.onSinkError ?? (() => {}),
  }
  const joinery: Joinery = {
    ...groupCommands(ctx),
    ...joinLinkCommands(ctx),
    ...joinCommands(ctx),
    ...requestCommands(ctx),
    ...memberCommands(ctx),
    ...roleCommands(ctx),
    ...memberListCommands(ctx),
    ...groupLogCommands(ctx),
  }
  const built = options.observer ? observed(joinery, options.observer) : joinery
  const form = ctx.ids.groupIdForm
  if (form === 'integer' || form === 'text') groupIdForms.set(built, form)
  return built
}

/** The group-id form each Joinery's generator promised; kept beside the object so `Joinery` stays commands only. */
const groupIdForms = new WeakMap<Joinery, GroupIdForm>()

/**
 * What `joinery`'s group ids look like, as its id generator promised (`createSequentialIdGenerator()` and
 * `createDatabaseIdGenerator()` make integers; the default, UUIDs, is `'text'`), or `undefined` when the generator
 * did not say or `joinery` was not made by `createJoinery`.
 */
export function groupIdForm(joinery: Joinery): GroupIdForm | undefined {
  return groupIdForms.get(joinery)
}

/** Every command of `joinery`, reported to `observer` as it starts and ends; answers unchanged. */
function observed(joinery: Joinery, observer: CommandObserver): Joinery {
  const wrapped: Record<string, unknown> = {}
  for (const [name, command] of Object.entries(joinery) as [
    CommandName,
    (input: unknown) => ResultAsync<unknown, CoreError>,
  ][]) {
    wrapped[name] = (input: unknown) => {
      const finish = quietly(() => observer.commandStarted(name, { actor: actorOf(input) }))
      const end = (outcome: CommandEnd) => {
        if (finish) quietly(() => finish(outcome))
      }
      return command(input)
        .map((value) => {
          end({ ok: true })
          return value
        })
        .mapErr((error) => {
          end({ ok: false, error })
          return error
        })
    }
  }
  return wrapped as unknown as Joinery
}

function actorOf(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return null
  const { actor, viewer } = input as { actor?: unknown; viewer?: unknown }
  const who = actor ?? viewer
  return typeof who === 'string' ? who : null
}

/** Runs an observer's code so that nothing it throws reaches the command. */
function quietly<T>(run: () => T): T | undefined {
  try {
    return run()
  } catch {
    return undefined
  }
}

/** Misuse fails here, naming the option, rather than as a TypeError on the first command. */
function checkOptions(options: JoineryOptions): void {
  const owner = 'createJoinery'
  requireObject(owner, 'options', options, [])
  requireObject(owner, 'store', options.store, ['transaction'], 'createInMemoryStore()')
  optionalObject(owner, 'socialGraph', options.socialGraph, ['follows'])
  optionalObject(owner, 'events', options.events, ['publish'])
  optionalObject(owner, 'clock', options.clock, ['now'])
  optionalObject(owner, 'ids', options.ids, ['newGroupId', 'newId', 'newCode'])
  optionalInteger(owner, 'requestTtlMs', options.requestTtlMs, { min: 1, nullable: true })
  optionalFunction(owner, 'onSinkError', options.onSinkError)
  optionalObject(owner, 'observer', options.observer, ['commandStarted'])
  if (options.caps !== undefined) {
    requireObject(owner, 'caps', options.caps, [])
    for (const name of Object.keys(DEFAULT_CAPS) as (keyof Caps)[])
      optionalInteger(owner, `caps.${name}`, options.caps[name], { min: 0, nullable: true })
  }
}
