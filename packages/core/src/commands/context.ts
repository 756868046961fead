import { err, ok, type Result, ResultAsync } from 'neverthrow'
import {
  type Access,
  type AdministratorAccess,
  decideAccess,
  decideAdministratorAccess,
  type GroupNotFound,
  type InsufficientRole,
  type MemberAuthority,
} from '../decisions/access.js'
import type { Caps } from '../decisions/caps.js'
import { groupTimes } from '../decisions/group-times.js'
import { isStorageUnavailable, type StorageFailure, storageError } from '../domain/errors.js'
import type { DomainEvent } from '../domain/events.js'
import type { Group, GroupId, UserId } from '../domain/group.js'
import type { Membership } from '../domain/membership.js'
import { type Step, settled, storageFlow } from '../internal/storage-flow.js'
import type { Clock } from '../ports/clock.js'
import type { EventSink } from '../ports/event-sink.js'
import type { IdGenerator } from '../ports/id-generator.js'
import type { MembershipStore, StoreTx } from '../ports/membership-store.js'
import type { SocialGraph } from '../ports/social-graph.js'

/** What every command works with: the ports and the service-wide settings. */
export interface CommandContext {
  readonly store: MembershipStore
  readonly clock: Clock
  readonly ids: IdGenerator
  readonly socialGraph: SocialGraph | null
  readonly events: EventSink | null
  /** How long a pending request lives before it expires; `null`: forever. */
  readonly requestTtlMs: number | null
  /** The caps on pending requests per group, groups per user and links per group (`DEFAULT_CAPS`). */
  readonly caps: Caps
  readonly onSinkError: (error: unknown, events: readonly DomainEvent[]) => void
}

export type Emit = (event: DomainEvent) => void

const NO_EVENTS: readonly DomainEvent[] = []

/**
 * Runs one command in one transaction: the events it emits are written with it (the store's outbox) and
 * published to the sink only after the commit. If the work fails, nothing is written and nothing is published.
 * One async function from the transaction to the answer: a join runs thousands of times a second in memory, and
 * every ResultAsync link in between would cost promises and microtasks of its own.
 */
function inTransaction<T, E>(ctx: CommandContext, body: CommandBody<T, E>): Promise<Result<T, E | StorageFailure>> {
  let emitted: readonly DomainEvent[] = NO_EVENTS
  const answer = (committed: Result<Outcome<T, E>, StorageFailure>) =>
    committed.isOk() && ctx.events !== null && emitted.length > 0
      ? publish(ctx.events, ctx, emitted).then(() => answerOf(committed))
      : answerOf(committed)
  return ctx.store
    .transaction((tx) => {
      // A fresh batch per call: a store may run `work` again after a conflict.
      const batch: DomainEvent[] = []
      emitted = batch
      return storageFlow(async (step) => {
        const outcome = await body(tx, (event) => batch.push(event), step)
        if (batch.length > 0) {
          for (const [groupId, change] of groupTimes(batch)) await step(tx.updateGroup(groupId, change))
          await step(tx.appendEvents(batch))
        }
        return outcome
      })
    })
    .then(answer) as Promise<Result<T, E | StorageFailure>>
}

async function publish(sink: EventSink, ctx: CommandContext, events: readonly DomainEvent[]): Promise<void> {
  try {
    await sink.publish(events)
  } catch (error) {
    // The change is committed: a sink failure is reported, never turned into a failed command.
    ctx.onSinkError(error, events)
  }
}

export type { GroupNotFound, InsufficientRole } from '../decisions/access.js'

/**
 * How a command ends: done with a value, or refused with a typed error. A refusal still commits what the command
 * wrote before deciding (an overdue request marked expired, a refusal counted on a link); only a storage failure
 * undoes the transaction.
 */
export type Outcome<T, E> = { readonly done: T } | { readonly refused: E }

/** What a command's body may refuse with: its error union without bad input (refused before) and storage failures. */
export type Refusal<E> = Exclude<E, { readonly code: 'InvalidInput' | 'StorageError' | 'StorageUnavailable' }>

/** The body of a command: plain async code that loads, decides and writes, with `step` for every store call. */
export type CommandBody<T, E> = (tx: StoreTx, emit: Emit, step: Step) => Promise<Outcome<T, E>>

/**
 * Runs a writing command, the one shape every writing command has: in one transaction, lock the group, load a
 * snapshot, ask a pure decision function, write what it decided. Events go to the outbox with the writes and to
 * the sink after the commit.
 */
export function runCommand<T, E>(ctx: CommandContext, body: CommandBody<T, E>): ResultAsync<T, E | StorageFailure> {
  return new ResultAsync(inTransaction(ctx, body))
}

/**
 * {@link runCommand}'s answer as a plain promise, for a command that runs its body more than once (a join asking the
 * social graph between two attempts) and wraps the whole in one `ResultAsync` itself.
 */
export function settleCommand<T, E>(
  ctx: CommandContext,
  body: CommandBody<T, E>,
): Promise<Result<T, E | StorageFailure>> {
  return inTransaction(ctx, body)
}

/** Runs a reading command in one transaction: it takes no lock and writes nothing. */
export function runQuery<T, E>(
  ctx: CommandContext,
  body: (tx: StoreTx, step: Step) => Promise<Outcome<T, E>>,
): ResultAsync<T, E | StorageFailure> {
  return new ResultAsync(
    settled(ctx.store.transaction((tx) => storageFlow((step) => body(tx, step)))).then(answerOf<T, E>),
  )
}

function answerOf<T, E>(read: Result<Outcome<T, E>, StorageFailure>): Result<T, E | StorageFailure> {
  return read.isErr() ? err(read.error) : outcomeResult(read.value)
}

function outcomeResult<T, E>(outcome: Outcome<T, E>): Result<T, E> {
  return 'refused' in outcome ? err(outcome.refused) : ok(outcome.done)
}

/** How a command reads its group: holding it (`StoreTx.lockGroup`, every writing command) or just reading it. */
type GroupRead = 'lock' | 'read'

async function groupWithActor(tx: StoreTx, step: Step, groupId: GroupId, actor: UserId | null, how: GroupRead) {
  const group = await step(how === 'lock' ? tx.lockGroup({ groupId }) : tx.getGroup(groupId))
  return { group, actor: group && actor ? await step(tx.getMembership(group.id, actor)) : null }
}

/** Locks the group (see `StoreTx.lockGroup`) and reads the actor's membership: the start of every writing command. */
export function lockWithActor(
  tx: StoreTx,
  step: Step,
  groupId: GroupId,
  actor: UserId,
): Promise<{ group: Group | null; actor: Membership | null }> {
  return groupWithActor(tx, step, groupId, actor, 'lock')
}

/** The same read without the lock, for reading commands. */
export function readWithActor(
  tx: StoreTx,
  step: Step,
  groupId: GroupId,
  actor: UserId | null,
): Promise<{ group: Group | null; actor: Membership | null }> {
  return groupWithActor(tx, step, groupId, actor, 'read')
}

type Authority = MemberAuthority
type AccessResult = Result<Access<Membership>, GroupNotFound | InsufficientRole>

async function access(tx: StoreTx, step: Step, groupId: GroupId, actor: UserId, authority: Authority, how: GroupRead) {
  const read = await groupWithActor(tx, step, groupId, actor, how)
  return decideAccess(read.group, read.actor, authority)
}

/** Locks the group, reads the actor's membership and decides the actor's access (`decideAccess`). */
export function lockAccess(
  tx: StoreTx,
  step: Step,
  groupId: GroupId,
  actor: UserId,
  authority: Authority,
): Promise<AccessResult> {
  return access(tx, step, groupId, actor, authority, 'lock')
}

/**
 * {@link lockAccess} for the commands an administrator may run: with `asAdministrator` the access is decided by
 * `decideAdministratorAccess` (every group, every authority; the actor is `'administrator'`), else as `lockAccess`.
 */
export async function lockAccessAs(
  tx: StoreTx,
  step: Step,
  groupId: GroupId,
  actor: UserId,
  authority: Authority,
  asAdministrator: boolean,
): Promise<Result<Access<Membership> | AdministratorAccess, GroupNotFound | InsufficientRole>> {
  if (!asAdministrator) return lockAccess(tx, step, groupId, actor, authority)
  return decideAdministratorAccess(await step(tx.lockGroup({ groupId })))
}

/** {@link lockAccess} without the lock, for reading commands. */
export function readAccess(
  tx: StoreTx,
  step: Step,
  groupId: GroupId,
  actor: UserId,
  authority: Authority,
): Promise<AccessResult> {
  return access(tx, step, groupId, actor, authority, 'read')
}

/** A page of rows and the cursor of the next page (`null` on the last page). */
export interface PageOf<T> {
  readonly items: readonly T[]
  readonly cursor: string | null
}

/** A new group id from the id port, which may answer asynchronously; a failure is a storage error (kept as it is
 * when the port rejects with `StorageUnavailable`). */
export function nextGroupId(ctx: CommandContext): ResultAsync<string, StorageFailure> {
  return ResultAsync.fromPromise(
    Promise.resolve().then(() => ctx.ids.newGroupId()),
    (cause) => (isStorageUnavailable(cause) ? cause : storageError('could not make a new group id', cause)),
  )
}
