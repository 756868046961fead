import { ok, type Result, type ResultAsync } from 'neverthrow'
import { z } from 'zod'
import { decideAccess } from '../decisions/access.js'
import { decideCap } from '../decisions/caps.js'
import {
  decideCreateGroup,
  decideCreateGroupInvitations,
  decideLock,
  decideUnlock,
  decideUpdateGroup,
} from '../decisions/groups.js'
import type { ErrorOf, StorageFailure } from '../domain/errors.js'
import type { DomainEvent } from '../domain/events.js'
import type { Group, LockStatus, UserId } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import type { InvalidInput } from '../internal/validate.js'
import { validate } from '../internal/validate.js'
import { isApprover } from '../permissions.js'
import {
  type CommandContext,
  type GroupNotFound,
  type InsufficientRole,
  lockAccess,
  lockAccessAs,
  nextGroupId,
  type Outcome,
  type Refusal,
  readWithActor,
  runCommand,
  runQuery,
} from './context.js'
import { insertInvitation } from './invitations.js'
import { isOverdue } from './latest-request.js'
import { handOver } from './roles.js'
import * as s from './schemas.js'

const groupSettings = {
  // 500 UTF-16 units holds every name the chat.bsky lexicons accept (at most 500 UTF-8 bytes and 50 graphemes).
  name: s.safeText().trim().min(1).max(500),
  description: s.safeText().max(10_000),
  memberLimit: s.memberLimit,
  admission: z.enum(['open', 'approval', 'invite-only']),
  visibility: z.enum(['public', 'hidden']),
  approvers: z.enum(['owner', 'owner-and-moderators']),
  inviters: z.enum(['owner', 'owner-and-moderators', 'members']),
  allowMultipleLinks: z.boolean(),
  attributes: z
    .record(s.safeText().min(1).max(64), s.safeText().max(2000))
    .refine((a) => Object.keys(a).length <= 32, { message: 'at most 32 attributes' }),
}

export const createGroupInput = z
  .object({
    actor: s.userId,
    /** The owner, when not the actor: only with `asAdministrator` (an administrator makes a group for someone). */
    ownerId: s.userId.optional(),
    asAdministrator: s.asAdministrator,
    name: groupSettings.name,
    description: groupSettings.description.default(''),
    memberLimit: groupSettings.memberLimit.default(null),
    admission: groupSettings.admission.default('approval'),
    visibility: groupSettings.visibility.default('public'),
    approvers: groupSettings.approvers.default('owner'),
    /** Who may invite; absent: the approvers (`invitersOf`). */
    inviters: groupSettings.inviters.optional(),
    /** Descriptive attributes, kept and never read by the core. */
    attributes: groupSettings.attributes.optional(),
    allowMultipleLinks: groupSettings.allowMultipleLinks.default(false),
    /** Added by the creator at once, within the member limit. */
    initialMembers: z.array(s.userId).max(s.MAX_USERS_PER_COMMAND).default([]),
    /** Invited by the creator in the same step (as `inviteMembers` invites): members once they accept. */
    invite: z.array(s.userId).max(s.MAX_USERS_PER_COMMAND).default([]),
    /** `locked`: the group is born locked (as if `lockGroup` had run in the same step): nobody joins until unlocked. */
    lockStatus: z.enum(['unlocked', 'locked']).default('unlocked'),
  })
  .refine((c) => c.ownerId === undefined || c.ownerId === c.actor || c.asAdministrator, {
    message: 'only an administrator (asAdministrator) makes a group for another owner',
    path: ['ownerId'],
  })
export type CreateGroupInput = z.input<typeof createGroupInput>

export const updateGroupInput = s.groupTarget.extend({
  asAdministrator: s.asAdministrator,
  /** Hands the group to this user in the same step, as `transferOwnership` does (with `transfer`'s options). */
  newOwnerId: s.userId.optional(),
  transfer: s.transferOptions,
  name: groupSettings.name.optional(),
  description: groupSettings.description.optional(),
  memberLimit: groupSettings.memberLimit.optional(),
  admission: groupSettings.admission.optional(),
  visibility: groupSettings.visibility.optional(),
  approvers: groupSettings.approvers.optional(),
  inviters: groupSettings.inviters.optional(),
  /** Merged into the group's attributes: the keys given are set, the others kept. */
  attributes: groupSettings.attributes.optional(),
  allowMultipleLinks: groupSettings.allowMultipleLinks.optional(),
  /** Locks or unlocks the group in the same step as the settings; see `decideGroupUpdate` for the order. */
  lockStatus: z.enum(['unlocked', 'locked', 'locked-permanently']).optional(),
})
export type UpdateGroupInput = z.input<typeof updateGroupInput>

export const lockGroupInput = s.groupTarget.extend({ permanent: z.boolean().default(false) })
export type LockGroupInput = z.input<typeof lockGroupInput>
export type GroupTargetInput = z.input<typeof s.groupTarget>
export const deleteGroupInput = s.groupTarget.extend({ asAdministrator: s.asAdministrator })
export type DeleteGroupInput = z.input<typeof deleteGroupInput>

export const getGroupInput = z.object({
  viewer: s.userId.nullish(),
  groupId: s.groupId,
  /** A hidden group is shown to a viewer with a pending invitation to it too (`viewerInvitation`). Default false. */
  invited: z.boolean().default(false),
})
export type GetGroupInput = z.input<typeof getGroupInput>

const ORDERING = z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte'])
/**
 * One `where` condition, checked by field: a date for `createdAt`, `updatedAt` and `lastActivityAt` (the last two
 * read as `createdAt` for a group without them), and an int4 integer for `memberCount` (neither
 * takes `contains` or `notContains`), storable text up to 1,000 characters for every other field.
 */
const groupCondition = z.discriminatedUnion('field', [
  /** A condition on a descriptive attribute (a missing one reads as `""`): `field: 'attribute'` and its name. */
  z
    .object({
      field: z.literal('attribute'),
      attribute: s.safeText().min(1).max(64),
      op: z.enum([...ORDERING.options, 'contains', 'notContains']),
      value: s.safeText().max(1000),
    })
    .transform(({ field: _, ...condition }) => condition),
  z.object({ field: z.enum(['createdAt', 'updatedAt', 'lastActivityAt']), op: ORDERING, value: s.storableDate }),
  z.object({ field: z.literal('memberCount'), op: ORDERING, value: s.boundedInt(s.INT4_MIN, s.INT4_MAX) }),
  z.object({
    field: z.enum(['id', 'name', 'ownerId', 'visibility', 'admission', 'lockStatus', 'approvers']),
    op: z.enum([...ORDERING.options, 'contains', 'notContains']),
    value: s.safeText().max(1000),
  }),
])
const groupField = z.enum([
  'id',
  'name',
  'ownerId',
  'createdAt',
  'updatedAt',
  'lastActivityAt',
  'memberCount',
  'visibility',
  'admission',
  'lockStatus',
  'approvers',
])
export const listGroupsInput = z.object({
  /** Whose view: public groups plus the hidden ones the viewer is a member of. */
  viewer: s.userId.nullish(),
  /** An administrator's view: every group, hidden ones included (`ADMINISTRATOR_ACCESS_RULES`). */
  asAdministrator: s.asAdministrator,
  where: z.array(groupCondition).max(20).default([]),
  /** Alternatives, besides `where`: in each list at least one condition must hold (a list of values, a range's outside). */
  whereAny: z.array(z.array(groupCondition).min(1).max(100)).max(20).default([]),
  orderBy: z
    .array(z.object({ field: groupField, direction: z.enum(['asc', 'desc']).default('asc') }))
    .max(5)
    .default([]),
  offset: s.boundedInt(0, 10_000_000).default(0),
  limit: s.boundedInt(1, 100).default(50),
})
export type ListGroupsInput = z.input<typeof listGroupsInput>

export type CreateGroupError =
  | InvalidInput
  | ErrorOf<'MemberLimitReached' | 'GroupsPerUserLimitReached' | 'GroupLocked'>
  | StorageFailure
export type ManageGroupError = InvalidInput | GroupNotFound | InsufficientRole | StorageFailure
type TransferRefusal = ErrorOf<'NotAMember' | 'UserBanned' | 'MemberLimitReached'>
export type UpdateGroupError = ManageGroupError | ErrorOf<'GroupLocked'> | TransferRefusal
export type UnlockGroupError = ManageGroupError | ErrorOf<'GroupLocked'>

/** The event of a lock change, as `lockGroup` and `unlockGroup` emit it. */
function lockEvent(group: Group, actor: UserId, at: Date, to: LockStatus): DomainEvent {
  return to === 'unlocked'
    ? { type: 'GroupUnlocked', groupId: group.id, actor, at }
    : { type: 'GroupLocked', groupId: group.id, actor, at, permanent: to === 'locked-permanently' }
}

export interface GroupView {
  readonly group: Group
  /** The viewer's membership, `null` when they are not a member (or anonymous). */
  readonly viewerMembership: Membership | null
  /** With `invited`: the viewer's pending invitation, when they are not a member. */
  readonly viewerInvitation?: JoinRequest | null
  /** Pending requests, shown to approvers only. */
  readonly pendingRequests: { readonly total: number; readonly unread: number } | null
  /** The `seq` of the group's newest recorded event (see `readUserLog`), `null` when it has none: a revision. */
  readonly lastEventSeq: number | null
}

export function groupCommands(ctx: CommandContext) {
  type Refused = GroupNotFound | InsufficientRole | ErrorOf<'GroupLocked'>
  /** Moves a group to the lock status `decide` picks from its current one (owner only); `null` leaves it. */
  function changeLock<E>(
    actor: UserId,
    groupId: string,
    decide: (current: LockStatus) => Result<LockStatus | null, E>,
  ) {
    return runCommand(ctx, async (tx, emit, step): Promise<Outcome<Group, GroupNotFound | InsufficientRole | E>> => {
      const access = await lockAccess(tx, step, groupId, actor, 'owner')
      if (access.isErr()) return { refused: access.error }
      const { group } = access.value
      const next = decide(group.lockStatus)
      if (next.isErr()) return { refused: next.error }
      if (next.value === null) return { done: group }
      await step(tx.updateGroup(group.id, { lockStatus: next.value }))
      emit(lockEvent(group, actor, ctx.clock.now(), next.value))
      return { done: { ...group, lockStatus: next.value } }
    })
  }

  return {
    /** Creates a group owned by `actor`, with the owner as its first member (rules: `CREATE_GROUP_RULES`). */
    createGroup(input: CreateGroupInput): ResultAsync<Group, CreateGroupError> {
      // The id is taken before the transaction opens: a database sequence may serve it on the same connection.
      return validate(createGroupInput, input).asyncAndThen((cmd) =>
        nextGroupId(ctx).andThen((id) =>
          runCommand(ctx, async (tx, emit, step): Promise<Outcome<Group, Refusal<CreateGroupError>>> => {
            const ownerId = cmd.ownerId ?? cmd.actor
            const initial = [...new Set(cmd.initialMembers)].filter((userId) => userId !== ownerId)
            const decision = decideCreateGroup(cmd.memberLimit, initial.length)
            if (decision.isErr()) return { refused: decision.error }
            const invitations = decideCreateGroupInvitations([ownerId, ...initial], cmd.invite, cmd.lockStatus)
            if (invitations.isErr()) return { refused: invitations.error }
            // The new owner's groups are held until the commit, so two calls for one user at once count each other.
            const cap = ctx.caps.groupsPerUser
            const owned = cap === null ? 0 : await step(tx.lockOwnedGroups(ownerId))
            const capped = decideCap('GroupsPerUserLimitReached', owned, cap)
            if (capped.isErr()) return { refused: capped.error }
            const now = ctx.clock.now()
            const group: Group = {
              id,
              name: cmd.name,
              description: cmd.description,
              ownerId,
              createdAt: now,
              memberLimit: cmd.memberLimit,
              memberCount: 0,
              lockStatus: cmd.lockStatus,
              admission: cmd.admission,
              visibility: cmd.visibility,
              approvers: cmd.approvers,
              ...(cmd.inviters ? { inviters: cmd.inviters } : {}),
              ...(cmd.attributes && Object.keys(cmd.attributes).length > 0 ? { attributes: cmd.attributes } : {}),
              allowMultipleLinks: cmd.allowMultipleLinks,
            }
            await step(tx.insertGroup(group))
            emit({ type: 'GroupCreated', groupId: group.id, actor: cmd.actor, at: now })
            const owner: Membership = {
              groupId: group.id,
              userId: ownerId,
              role: 'owner',
              joinedAt: now,
              source: { kind: 'created' },
              addedBy: ownerId === cmd.actor ? null : cmd.actor,
            }
            await step(tx.insertMembership(owner, null))
            for (const userId of initial) {
              const added: Membership = { ...owner, userId, role: 'member', source: ADDED, addedBy: cmd.actor }
              await step(tx.insertMembership(added, null))
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
            for (const userId of invitations.value) {
              const invite = { groupId: group.id, userId, actor: cmd.actor, message: null, now }
              await insertInvitation(ctx, tx, emit, step, invite)
            }
            return { done: { ...group, memberCount: 1 + initial.length } }
          }),
        ),
      )
    },

    /** Reads a group as `viewer` sees it. Hidden groups exist only for their members. */
    getGroup(input: GetGroupInput): ResultAsync<GroupView, InvalidInput | GroupNotFound | StorageFailure> {
      return validate(getGroupInput, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<GroupView, GroupNotFound>> => {
          const read = await readWithActor(tx, step, cmd.groupId, cmd.viewer ?? null)
          const invitation =
            cmd.invited && cmd.viewer && read.group && !read.actor
              ? await step(tx.getLatestRequest(read.group.id, cmd.viewer))
              : null
          const invited =
            invitation?.status === 'pending' &&
            invitation.via.kind === 'invitation' &&
            !isOverdue(ctx, invitation, ctx.clock.now())
          const access =
            invited && read.group
              ? ok({ group: read.group, actor: null })
              : decideAccess(read.group, read.actor, 'anyone')
          if (access.isErr()) return { refused: access.error }
          const { group, actor } = access.value
          const pendingRequests = isApprover(group, actor) ? await step(tx.countPendingRequests(group.id)) : null
          const lastEventSeq = await step(tx.lastGroupEventSeq(group.id))
          const viewerInvitation = cmd.invited ? (invited ? invitation : null) : undefined
          return {
            done: {
              group,
              viewerMembership: actor,
              pendingRequests,
              lastEventSeq,
              ...(viewerInvitation !== undefined ? { viewerInvitation } : {}),
            },
          }
        }),
      )
    },

    /** Lists the groups `viewer` can see, filtered, ordered (ties by id) and paged by offset, with the total. */
    listGroups(
      input: ListGroupsInput,
    ): ResultAsync<{ groups: readonly Group[]; total: number }, InvalidInput | StorageFailure> {
      return validate(listGroupsInput, input).asyncAndThen((cmd) =>
        runQuery(
          ctx,
          async (tx, step): Promise<Outcome<{ groups: readonly Group[]; total: number }, never>> => ({
            done: await step(
              tx.listGroups({
                visibleTo: cmd.viewer ?? null,
                everyGroup: cmd.asAdministrator,
                conditions: [...cmd.where, ...cmd.whereAny.map((anyOf) => ({ anyOf }))],
                order: cmd.orderBy,
                offset: cmd.offset,
                limit: cmd.limit,
              }),
            ),
          }),
        ),
      )
    },

    /**
     * Changes a group's settings and, with `lockStatus`, its lock, in one step (owner only); the rules are those of
     * `decideUpdateGroup` (`UPDATE_GROUP_RULES`). A lower member limit removes nobody; it stops new joins. Without
     * settings it changes nothing but still answers whether the group exists and the actor owns it.
     */
    updateGroup(input: UpdateGroupInput): ResultAsync<Group, UpdateGroupError> {
      return validate(updateGroupInput, input).asyncAndThen(
        ({ actor, groupId, lockStatus, asAdministrator, newOwnerId, transfer, ...settings }) =>
          runCommand(ctx, async (tx, emit, step): Promise<Outcome<Group, Refused | TransferRefusal>> => {
            const access = await lockAccessAs(tx, step, groupId, actor, 'owner', asAdministrator)
            if (access.isErr()) return { refused: access.error }
            const decision = decideUpdateGroup(access.value.group, settings, lockStatus)
            if (decision.isErr()) return { refused: decision.error }
            let group = access.value.group
            if (newOwnerId !== undefined) {
              // The hand-over comes first, so that its refusal leaves the settings unwritten too.
              const handed = await handOver(ctx, tx, emit, step, group, actor, newOwnerId, transfer)
              if ('refused' in handed) return handed
              group = handed.done
            }
            const { fields, change, lock } = decision.value
            if (fields.length === 0 && lock === null) return { done: group }
            await step(tx.updateGroup(groupId, change))
            const at = ctx.clock.now()
            // As the separate commands would: unlock, then edit; edit, then lock.
            if (lock === 'unlocked') emit(lockEvent(group, actor, at, lock))
            if (fields.length > 0) {
              const name =
                change.name !== undefined && fields.includes('name') ? { old: group.name, new: change.name } : null
              emit({ type: 'GroupUpdated', groupId, actor, at, fields, ...(name ? { name } : {}) })
            }
            if (lock !== null && lock !== 'unlocked') emit(lockEvent(group, actor, at, lock))
            const attributes = change.attributes ? { attributes: { ...group.attributes, ...change.attributes } } : {}
            return { done: { ...group, ...change, ...attributes } }
          }),
      )
    },

    /** Locks a group so nobody joins (owner only). `permanent` locks cannot be undone. Locking twice is a no-op. */
    lockGroup(input: LockGroupInput): ResultAsync<Group, ManageGroupError> {
      return validate(lockGroupInput, input).asyncAndThen((cmd) =>
        changeLock(cmd.actor, cmd.groupId, (current) =>
          ok<LockStatus | null, never>(decideLock(current, cmd.permanent ? 'locked-permanently' : 'locked')),
        ),
      )
    },

    /** Unlocks a locked group (owner only); a permanent lock refuses with `GroupLocked`. */
    unlockGroup(input: GroupTargetInput): ResultAsync<Group, UnlockGroupError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) => changeLock(cmd.actor, cmd.groupId, decideUnlock))
    },

    /** Deletes a group with its links, members, requests and bans (owner only). */
    deleteGroup(input: DeleteGroupInput): ResultAsync<void, ManageGroupError> {
      return validate(deleteGroupInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<void, GroupNotFound | InsufficientRole>> => {
          const access = await lockAccessAs(tx, step, cmd.groupId, cmd.actor, 'owner', cmd.asAdministrator)
          if (access.isErr()) return { refused: access.error }
          await step(tx.deleteGroup(access.value.group.id))
          emit({ type: 'GroupDeleted', groupId: cmd.groupId, actor: cmd.actor, at: ctx.clock.now() })
          return { done: undefined }
        }),
      )
    },
  }
}

/** One shared, frozen source for every added member: thousands of members need not hold a copy each. */
const ADDED: Membership['source'] = Object.freeze({ kind: 'added' })
