import { err, ok, okAsync, type Result, type ResultAsync, safeTry } from 'neverthrow'
import { z } from 'zod'
import type { ErrorOf, StorageError } from '../domain/errors.js'
import type { DomainEvent } from '../domain/events.js'
import type { Group, LockStatus, UserId } from '../domain/group.js'
import type { Membership } from '../domain/membership.js'
import type { InvalidInput } from '../internal/validate.js'
import { validate } from '../internal/validate.js'
import { isApprover } from '../permissions.js'
import type { GroupChange } from '../ports/membership-store.js'
import {
  type CommandContext,
  type GroupNotFound,
  type InsufficientRole,
  inTransaction,
  loadGroupFor,
  nextGroupId,
  viewGroupAs,
} from './context.js'
import * as s from './schemas.js'

const groupSettings = {
  name: z.string().trim().min(1).max(255),
  description: z.string().max(10_000),
  memberLimit: s.memberLimit,
  admission: z.enum(['open', 'approval', 'invite-only']),
  visibility: z.enum(['public', 'hidden']),
  approvers: z.enum(['owner', 'owner-and-moderators']),
  allowMultipleLinks: z.boolean(),
}

export const createGroupInput = z.object({
  actor: s.userId,
  name: groupSettings.name,
  description: groupSettings.description.default(''),
  memberLimit: groupSettings.memberLimit.default(null),
  admission: groupSettings.admission.default('approval'),
  visibility: groupSettings.visibility.default('public'),
  approvers: groupSettings.approvers.default('owner'),
  allowMultipleLinks: groupSettings.allowMultipleLinks.default(false),
  /** Added by the creator at once, within the member limit. */
  initialMembers: z.array(s.userId).max(10_000).default([]),
  /** `locked`: the group is born locked (as if `lockGroup` had run in the same step): nobody joins until unlocked. */
  lockStatus: z.enum(['unlocked', 'locked']).default('unlocked'),
})
export type CreateGroupInput = z.input<typeof createGroupInput>

export const updateGroupInput = s.groupTarget.extend({
  name: groupSettings.name.optional(),
  description: groupSettings.description.optional(),
  memberLimit: groupSettings.memberLimit.optional(),
  admission: groupSettings.admission.optional(),
  visibility: groupSettings.visibility.optional(),
  approvers: groupSettings.approvers.optional(),
  allowMultipleLinks: groupSettings.allowMultipleLinks.optional(),
  /** Locks or unlocks the group in the same step as the settings; see `decideGroupUpdate` for the order. */
  lockStatus: z.enum(['unlocked', 'locked', 'locked-permanently']).optional(),
})
export type UpdateGroupInput = z.input<typeof updateGroupInput>

export const lockGroupInput = s.groupTarget.extend({ permanent: z.boolean().default(false) })
export type LockGroupInput = z.input<typeof lockGroupInput>
export type GroupTargetInput = z.input<typeof s.groupTarget>

export const getGroupInput = z.object({ viewer: s.userId.nullish(), groupId: s.groupId })
export type GetGroupInput = z.input<typeof getGroupInput>

const groupField = z.enum([
  'id',
  'name',
  'ownerId',
  'createdAt',
  'memberCount',
  'visibility',
  'admission',
  'lockStatus',
  'approvers',
])
export const listGroupsInput = z.object({
  /** Whose view: public groups plus the hidden ones the viewer is a member of. */
  viewer: s.userId.nullish(),
  where: z
    .array(
      z.object({
        field: groupField,
        op: z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'contains']),
        value: z.union([z.string().max(1000), z.number(), z.date()]),
      }),
    )
    .max(20)
    .default([]),
  orderBy: z
    .array(z.object({ field: groupField, direction: z.enum(['asc', 'desc']).default('asc') }))
    .max(5)
    .default([]),
  offset: z.number().int().min(0).max(10_000_000).default(0),
  limit: z.number().int().min(1).max(100).default(50),
})
export type ListGroupsInput = z.input<typeof listGroupsInput>

export type CreateGroupError = InvalidInput | ErrorOf<'MemberLimitReached'> | StorageError
export type ManageGroupError = InvalidInput | GroupNotFound | InsufficientRole | StorageError
export type UpdateGroupError = ManageGroupError | ErrorOf<'GroupLocked'>
export type UnlockGroupError = ManageGroupError | ErrorOf<'GroupLocked'>

type GroupLocked = ErrorOf<'GroupLocked'>
type GroupSettings = Omit<z.output<typeof updateGroupInput>, 'actor' | 'groupId' | 'lockStatus'>

/** The lock a group gets when locked (`null`: it stays as it is): locking twice is a no-op, a permanent lock stays. */
function lockedStatus(current: LockStatus, wanted: 'locked' | 'locked-permanently'): LockStatus | null {
  return current === wanted || current === 'locked-permanently' ? null : wanted
}

/** Unlocking (`null`: it is unlocked already); a permanent lock cannot be undone. */
function unlockedStatus(current: LockStatus): Result<'unlocked' | null, GroupLocked> {
  if (current === 'locked-permanently') return err({ code: 'GroupLocked', lockStatus: current })
  return ok(current === 'unlocked' ? null : 'unlocked')
}

function nextLockStatus(current: LockStatus, wanted: LockStatus): Result<LockStatus | null, GroupLocked> {
  return wanted === 'unlocked' ? unlockedStatus(current) : ok(lockedStatus(current, wanted))
}

/** The event of a lock change, as `lockGroup` and `unlockGroup` emit it. */
function lockEvent(group: Group, actor: UserId, at: Date, to: LockStatus): DomainEvent {
  return to === 'unlocked'
    ? { type: 'GroupUnlocked', groupId: group.id, actor, at }
    : { type: 'GroupLocked', groupId: group.id, actor, at, permanent: to === 'locked-permanently' }
}

/** What an update writes: the settings that differ from the group's, and the new lock status (`null`: unchanged). */
interface GroupUpdate {
  readonly fields: readonly (keyof GroupSettings)[]
  readonly change: GroupChange
  readonly lock: LockStatus | null
}

/**
 * Decides an `updateGroup`. Its rules, in order of precedence:
 * 1. a permanently locked group cannot be unlocked (`GroupLocked`);
 * 2. a locked group's settings may change only in a call that also unlocks it (`GroupLocked`), whether or not the
 *    values differ; a call that gives no settings (only a lock status, or nothing) is not refused by this rule;
 * 3. the settings that differ are written together with the lock change, in one write. Events come as the separate
 *    commands would send them: an unlock before `GroupUpdated` (unlock, then edit), a lock after it (edit, then
 *    lock), so an observer never sees a locked group's settings change.
 */
function decideGroupUpdate(
  group: Group,
  settings: GroupSettings,
  wanted: LockStatus | undefined,
): Result<GroupUpdate, GroupLocked> {
  const lock = wanted === undefined ? ok(null) : nextLockStatus(group.lockStatus, wanted)
  if (lock.isErr()) return err(lock.error)
  const given = (Object.keys(settings) as (keyof GroupSettings)[]).filter((k) => settings[k] !== undefined)
  if (given.length > 0 && group.lockStatus !== 'unlocked' && wanted !== 'unlocked') {
    return err({ code: 'GroupLocked', lockStatus: group.lockStatus })
  }
  const fields = given.filter((k) => settings[k] !== group[k])
  const change = Object.fromEntries(fields.map((k) => [k, settings[k]])) as GroupChange
  return ok({ fields, change: lock.value ? { ...change, lockStatus: lock.value } : change, lock: lock.value })
}

export interface GroupView {
  readonly group: Group
  /** The viewer's membership, `null` when they are not a member (or anonymous). */
  readonly viewerMembership: Membership | null
  /** Pending requests, shown to approvers only. */
  readonly pendingRequests: { readonly total: number; readonly unread: number } | null
}

export function groupCommands(ctx: CommandContext) {
  /** Moves a group to the lock status `decide` picks from its current one (owner only); `null` leaves it. */
  function changeLock<E>(
    actor: UserId,
    groupId: string,
    decide: (current: LockStatus) => Result<LockStatus | null, E>,
  ) {
    return inTransaction(ctx, (tx, emit) =>
      safeTry(async function* () {
        const { group } = yield* loadGroupFor(tx, groupId, actor, 'owner')
        const next = yield* decide(group.lockStatus)
        if (next === null) return ok(group)
        yield* tx.updateGroup(group.id, { lockStatus: next })
        emit(lockEvent(group, actor, ctx.clock.now(), next))
        return ok<Group>({ ...group, lockStatus: next })
      }),
    )
  }

  return {
    /** Creates a group owned by `actor`, with the owner as its first member. */
    createGroup(input: CreateGroupInput): ResultAsync<Group, CreateGroupError> {
      // The id is taken before the transaction opens: a database sequence may serve it on the same connection.
      return validate(createGroupInput, input).asyncAndThen((cmd) =>
        nextGroupId(ctx).andThen((id) =>
          inTransaction(ctx, (tx, emit) =>
            safeTry(async function* () {
              const now = ctx.clock.now()
              const group: Group = {
                id,
                name: cmd.name,
                description: cmd.description,
                ownerId: cmd.actor,
                createdAt: now,
                memberLimit: cmd.memberLimit,
                memberCount: 0,
                lockStatus: cmd.lockStatus,
                admission: cmd.admission,
                visibility: cmd.visibility,
                approvers: cmd.approvers,
                allowMultipleLinks: cmd.allowMultipleLinks,
              }
              yield* tx.insertGroup(group)
              emit({ type: 'GroupCreated', groupId: group.id, actor: cmd.actor, at: now })
              const owner: Membership = {
                groupId: group.id,
                userId: cmd.actor,
                role: 'owner',
                joinedAt: now,
                source: { kind: 'created' },
                addedBy: null,
              }
              yield* tx.insertMembership(owner, cmd.memberLimit)
              for (const userId of new Set(cmd.initialMembers)) {
                if (userId === cmd.actor) continue
                const added: Membership = {
                  ...owner,
                  userId,
                  role: 'member',
                  source: { kind: 'added' },
                  addedBy: cmd.actor,
                }
                const outcome = yield* tx.insertMembership(added, cmd.memberLimit)
                if (outcome === 'limit-reached') {
                  return err({ code: 'MemberLimitReached', limit: cmd.memberLimit ?? 0 } as const)
                }
                emit({
                  type: 'MemberJoined',
                  groupId: group.id,
                  actor: cmd.actor,
                  at: now,
                  subject: userId,
                  code: null,
                  requestId: null,
                })
              }
              const stored = yield* tx.getGroup(group.id)
              return ok(stored ?? group)
            }),
          ),
        ),
      )
    },

    /** Reads a group as `viewer` sees it. Hidden groups exist only for their members. */
    getGroup(input: GetGroupInput): ResultAsync<GroupView, InvalidInput | GroupNotFound | StorageError> {
      return validate(getGroupInput, input).asyncAndThen((cmd) =>
        ctx.store.transaction((tx) =>
          safeTry(async function* () {
            const { group, membership } = yield* viewGroupAs(tx, cmd.groupId, cmd.viewer ?? '')
            const pendingRequests = isApprover(group, membership) ? yield* tx.countPendingRequests(group.id) : null
            return ok({ group, viewerMembership: membership, pendingRequests })
          }),
        ),
      )
    },

    /** Lists the groups `viewer` can see, filtered, ordered (ties by id) and paged by offset, with the total. */
    listGroups(
      input: ListGroupsInput,
    ): ResultAsync<{ groups: readonly Group[]; total: number }, InvalidInput | StorageError> {
      return validate(listGroupsInput, input).asyncAndThen((cmd) =>
        ctx.store.transaction((tx) =>
          tx.listGroups({
            visibleTo: cmd.viewer ?? null,
            conditions: cmd.where,
            order: cmd.orderBy,
            offset: cmd.offset,
            limit: cmd.limit,
          }),
        ),
      )
    },

    /**
     * Changes a group's settings and, with `lockStatus`, its lock, in one step (owner only); the rules are those of
     * `decideGroupUpdate`. A lower member limit removes nobody; it stops new joins. Without settings it changes
     * nothing but still answers whether the group exists and the actor owns it.
     */
    updateGroup(input: UpdateGroupInput): ResultAsync<Group, UpdateGroupError> {
      return validate(updateGroupInput, input).asyncAndThen(({ actor, groupId, lockStatus, ...settings }) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, groupId, actor, 'owner')
            const { fields, change, lock } = yield* decideGroupUpdate(group, settings, lockStatus)
            if (fields.length === 0 && lock === null) return ok(group)
            yield* tx.updateGroup(groupId, change)
            const at = ctx.clock.now()
            if (lock === 'unlocked') emit(lockEvent(group, actor, at, lock))
            if (fields.length > 0) emit({ type: 'GroupUpdated', groupId, actor, at, fields })
            if (lock !== null && lock !== 'unlocked') emit(lockEvent(group, actor, at, lock))
            return ok<Group>({ ...group, ...change })
          }),
        ),
      )
    },

    /** Locks a group so nobody joins (owner only). `permanent` locks cannot be undone. Locking twice is a no-op. */
    lockGroup(input: LockGroupInput): ResultAsync<Group, ManageGroupError> {
      return validate(lockGroupInput, input).asyncAndThen((cmd) =>
        changeLock(cmd.actor, cmd.groupId, (current) =>
          ok(lockedStatus(current, cmd.permanent ? 'locked-permanently' : 'locked')),
        ),
      )
    },

    /** Unlocks a locked group (owner only); a permanent lock refuses with `GroupLocked`. */
    unlockGroup(input: GroupTargetInput): ResultAsync<Group, UnlockGroupError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) => changeLock(cmd.actor, cmd.groupId, unlockedStatus))
    },

    /** Deletes a group with its links, members, requests and bans (owner only). */
    deleteGroup(input: GroupTargetInput): ResultAsync<void, ManageGroupError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          loadGroupFor(tx, cmd.groupId, cmd.actor, 'owner').andThen(({ group }) =>
            tx.deleteGroup(group.id).andThen(() => {
              emit({ type: 'GroupDeleted', groupId: group.id, actor: cmd.actor, at: ctx.clock.now() })
              return okAsync(undefined)
            }),
          ),
        ),
      )
    },
  }
}
