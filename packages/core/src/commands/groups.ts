import { err, ok, okAsync, type ResultAsync, safeTry } from 'neverthrow'
import { z } from 'zod'
import type { ErrorOf, StorageError } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
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

export interface GroupView {
  readonly group: Group
  /** The viewer's membership, `null` when they are not a member (or anonymous). */
  readonly viewerMembership: Membership | null
  /** Pending requests, shown to approvers only. */
  readonly pendingRequests: { readonly total: number; readonly unread: number } | null
}

export function groupCommands(ctx: CommandContext) {
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
                lockStatus: 'unlocked',
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

    /** Changes a group's settings (owner only). A lower member limit removes nobody; it stops new joins. */
    updateGroup(input: UpdateGroupInput): ResultAsync<Group, UpdateGroupError> {
      return validate(updateGroupInput, input).asyncAndThen(({ actor, groupId, ...patch }) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, groupId, actor, 'owner')
            if (group.lockStatus !== 'unlocked')
              return err({ code: 'GroupLocked', lockStatus: group.lockStatus } as const)
            const fields = (Object.keys(patch) as (keyof typeof patch)[]).filter(
              (k) => patch[k] !== undefined && patch[k] !== group[k],
            )
            if (fields.length === 0) return ok(group)
            const change = Object.fromEntries(fields.map((k) => [k, patch[k]])) as GroupChange
            const updated: Group = { ...group, ...change }
            yield* tx.updateGroup(groupId, change)
            emit({ type: 'GroupUpdated', groupId, actor, at: ctx.clock.now(), fields })
            return ok(updated)
          }),
        ),
      )
    },

    /** Locks a group so nobody joins (owner only). `permanent` locks cannot be undone. Locking twice is a no-op. */
    lockGroup(input: LockGroupInput): ResultAsync<Group, ManageGroupError> {
      return validate(lockGroupInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'owner')
            const target = cmd.permanent ? 'locked-permanently' : 'locked'
            if (group.lockStatus === target || group.lockStatus === 'locked-permanently') return ok(group)
            const updated: Group = { ...group, lockStatus: target }
            yield* tx.updateGroup(group.id, { lockStatus: target })
            emit({
              type: 'GroupLocked',
              groupId: group.id,
              actor: cmd.actor,
              at: ctx.clock.now(),
              permanent: cmd.permanent,
            })
            return ok(updated)
          }),
        ),
      )
    },

    /** Unlocks a locked group (owner only); a permanent lock refuses with `GroupLocked`. */
    unlockGroup(input: GroupTargetInput): ResultAsync<Group, UnlockGroupError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'owner')
            if (group.lockStatus === 'unlocked') return ok(group)
            if (group.lockStatus === 'locked-permanently') {
              return err({ code: 'GroupLocked', lockStatus: 'locked-permanently' } as const)
            }
            const updated: Group = { ...group, lockStatus: 'unlocked' }
            yield* tx.updateGroup(group.id, { lockStatus: 'unlocked' })
            emit({ type: 'GroupUnlocked', groupId: group.id, actor: cmd.actor, at: ctx.clock.now() })
            return ok(updated)
          }),
        ),
      )
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
