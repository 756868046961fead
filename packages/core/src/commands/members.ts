import { err, ok, type ResultAsync, safeTry } from 'neverthrow'
import { z } from 'zod'
import type { ErrorOf, StorageError } from '../domain/errors.js'
import type { Group, UserId } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import { type Removal, removalIsActive } from '../domain/removal.js'
import { decodeCursor, encodeCursor } from '../internal/keyset.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import type { ListKey, StoreTx } from '../ports/membership-store.js'
import {
  type CommandContext,
  type Emit,
  type GroupNotFound,
  type InsufficientRole,
  inTransaction,
  loadGroupAs,
  loadGroupFor,
  type PageOf,
  viewGroupAs,
} from './context.js'
import { latestRequestOf } from './latest-request.js'
import { countOnLink, linkCodeOf } from './link-counters.js'
import * as s from './schemas.js'

export const addMembersInput = s.groupTarget.extend({ userIds: s.userIds })
export type AddMembersInput = z.input<typeof addMembersInput>
export const inviteMembersInput = s.groupTarget.extend({ userIds: s.userIds, message: s.message })
export type InviteMembersInput = z.input<typeof inviteMembersInput>
export const removeMembersInput = s.groupTarget.extend({
  userIds: s.userIds,
  reason: s.reason,
  /** Keep them from coming back by link or request until an approver lifts it. Default true (a kick). */
  blockRejoin: z.boolean().default(true),
  /**
   * Skip the owner when asked for (reported as `skippedOwner`) instead of refusing the whole call with
   * `TargetIsOwner`, as Bitrix24's `sonet_group.user.delete` does. Default false.
   */
  skipOwner: z.boolean().default(false),
})
export type RemoveMembersInput = z.input<typeof removeMembersInput>
export const banUserInput = s.groupTarget.extend({ userId: s.userId, until: z.date().nullish(), reason: s.reason })
export type BanUserInput = z.input<typeof banUserInput>
export const unbanUserInput = s.groupTarget.extend({ userId: s.userId })
export type UnbanUserInput = z.input<typeof unbanUserInput>
export const changeRoleInput = s.groupTarget.extend({ userId: s.userId, role: z.enum(['moderator', 'member']) })
export type ChangeRoleInput = z.input<typeof changeRoleInput>
export const changeRolesInput = s.groupTarget.extend({ userIds: s.userIds, role: changeRoleInput.shape.role })
export type ChangeRolesInput = z.input<typeof changeRolesInput>
export const transferOwnershipInput = s.groupTarget.extend({ newOwnerId: s.userId })
export type TransferOwnershipInput = z.input<typeof transferOwnershipInput>
export const listMembersInput = z.object({
  actor: s.userId.nullish(),
  groupId: s.groupId,
  limit: s.pageLimit,
  cursor: s.cursor,
  /** Members to skip after the cursor (offset paging, as Bitrix24's `start`), read in the same transaction. */
  offset: z.number().int().min(0).max(1_000_000).default(0),
  /**
   * List only for the group's own members: anyone else gets `NotAMember` (or `GroupNotFound` for a hidden group),
   * as a chat lists its members only to those in it. Default false: a public group lists for anyone.
   */
  membersOnly: z.boolean().default(false),
})
export type ListMembersInput = z.input<typeof listMembersInput>
export const listUserGroupsInput = z.object({ actor: s.userId, limit: s.pageLimit, cursor: s.cursor })
export type ListUserGroupsInput = z.input<typeof listUserGroupsInput>
export type LeaveGroupInput = z.input<typeof s.groupTarget>

type ManageError = InvalidInput | GroupNotFound | InsufficientRole | StorageError
export type AddMembersError = ManageError | ErrorOf<'GroupLocked' | 'MemberLimitReached' | 'UserBanned'>
export type InviteMembersError = ManageError | ErrorOf<'GroupLocked' | 'UserBanned'>
export type RemoveMembersError = ManageError | ErrorOf<'TargetIsOwner'>
export type ChangeRoleError = ManageError | ErrorOf<'TargetIsOwner' | 'NotAMember'>
export type ChangeRolesError = ManageError
export type ListMembersError = InvalidInput | GroupNotFound | ErrorOf<'NotAMember'> | StorageError
export type LeaveError = InvalidInput | GroupNotFound | StorageError | ErrorOf<'NotAMember' | 'OwnerCannotLeave'>

export interface AddedMembers {
  readonly group: Group
  readonly added: readonly Membership[]
  /** Asked for but already members: left as they were. */
  readonly alreadyMembers: readonly UserId[]
}

export interface InvitedMembers {
  /** Newly invited: each has a pending invitation, accepted by asking to join. */
  readonly invited: readonly JoinRequest[]
  readonly alreadyMembers: readonly UserId[]
  /** Had a pending request or invitation already: left as it was. */
  readonly alreadyPending: readonly UserId[]
}

export interface RemovedMembers {
  readonly group: Group
  readonly removed: readonly UserId[]
  /** Asked for but not members: nothing done to them. */
  readonly notMembers: readonly UserId[]
  /** The owner, when asked for with `skipOwner`: left in the group. */
  readonly skippedOwner: UserId | null
}

export interface ChangedRoles {
  /** The members asked for who hold the role now, whether it changed or they held it already; each once. */
  readonly members: readonly Membership[]
  /** The owner, when asked for: skipped, since only `transferOwnership` changes the owner's role. */
  readonly skippedOwner: UserId | null
  /** Asked for but not members: skipped. */
  readonly notMembers: readonly UserId[]
}

/** A page of members, with how many members the group has (read in the same transaction). */
export interface MemberPage extends PageOf<Membership> {
  readonly total: number
}

/** Whether `actor` (with `role`) may remove or ban `target`: nobody touches the owner; only the owner touches moderators. */
function mayActOn(actorRole: Membership['role'], target: Membership | null, group: Group, targetId: UserId) {
  if (targetId === group.ownerId) return err({ code: 'TargetIsOwner' } as const)
  if (target?.role === 'moderator' && actorRole !== 'owner')
    return err({ code: 'InsufficientRole', required: 'owner' } as const)
  return ok(undefined)
}

/** One shared, frozen source for every added member: thousands of members need not hold a copy each. */
const ADDED: Membership['source'] = Object.freeze({ kind: 'added' })

function pageResult<T>(rows: readonly T[], limit: number, keyOf: (row: T) => ListKey): PageOf<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, cursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null }
}

/** How many rows offset paging reads at a time while it skips. */
const SKIP_CHUNK = 1000

/** The key after the first `count` members following `after` (offset paging over the keyset port). */
function skipMembers(tx: StoreTx, groupId: string, after: ListKey | null, count: number) {
  return safeTry(async function* () {
    let key = after
    for (let left = count; left > 0; ) {
      const rows = yield* tx.listMembers(groupId, { after: key, limit: Math.min(left, SKIP_CHUNK) })
      const last = rows.at(-1)
      if (!last) break
      key = { at: last.joinedAt, id: last.userId }
      left -= rows.length
    }
    return ok(key)
  })
}

export function memberCommands(ctx: CommandContext) {
  /** Ends a pending request of someone who was just added, kicked or banned. */
  function closePendingRequest(
    tx: StoreTx,
    emit: Emit,
    group: Group,
    actor: UserId,
    userId: UserId,
    status: 'approved' | 'rejected',
    reason: string | null,
  ) {
    return safeTry(async function* () {
      const request = yield* latestRequestOf(ctx, tx, emit, group, userId)
      if (request?.status !== 'pending') return ok(undefined)
      const now = ctx.clock.now()
      const closed: JoinRequest = {
        ...request,
        status,
        decidedAt: now,
        decidedBy: actor,
        rejectionReason: status === 'rejected' ? reason : null,
      }
      yield* tx.updateRequest(closed)
      yield* countOnLink(tx, linkCodeOf(request.via), { pending: -1, uses: status === 'approved' ? 1 : 0 })
      emit(
        status === 'approved'
          ? { type: 'JoinRequestApproved', groupId: group.id, actor, at: now, requestId: request.id, subject: userId }
          : {
              type: 'JoinRequestRejected',
              groupId: group.id,
              actor,
              at: now,
              requestId: request.id,
              subject: userId,
              reason,
            },
      )
      return ok(undefined)
    })
  }

  /**
   * Gives a member `role` (the caller has checked that the actor owns the group). The owner's role changes only by
   * transfer (`'owner'`), and a non-member has no role to change (`'not-a-member'`); neither is written.
   */
  function setRole(tx: StoreTx, emit: Emit, group: Group, actor: UserId, userId: UserId, role: 'moderator' | 'member') {
    return safeTry(async function* () {
      if (userId === group.ownerId) return ok('owner' as const)
      const target = yield* tx.getMembership(group.id, userId)
      if (!target) return ok('not-a-member' as const)
      if (target.role === role) return ok(target)
      yield* tx.updateMembershipRole(group.id, userId, role)
      emit({ type: 'RoleChanged', groupId: group.id, actor, at: ctx.clock.now(), subject: userId, role })
      return ok<Membership>({ ...target, role })
    })
  }

  return {
    /**
     * Adds users to the group (approvers only), all or none: if one is banned or the limit would be passed,
     * nobody is added. Adding a kicked user lifts the kick; their pending request counts as approved.
     */
    addMembers(input: AddMembersInput): ResultAsync<AddedMembers, AddMembersError> {
      return validate(addMembersInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'approver')
            if (group.lockStatus !== 'unlocked')
              return err({ code: 'GroupLocked', lockStatus: group.lockStatus } as const)
            const now = ctx.clock.now()
            const added: Membership[] = []
            const alreadyMembers: UserId[] = []
            for (const userId of new Set(cmd.userIds)) {
              const removal = yield* tx.getRemoval(group.id, userId)
              if (removalIsActive(removal, now) && removal.kind === 'banned')
                return err({ code: 'UserBanned' } as const)
              const membership: Membership = {
                groupId: group.id,
                userId,
                role: 'member',
                joinedAt: now,
                source: ADDED,
                addedBy: cmd.actor,
              }
              const outcome = yield* tx.insertMembership(membership, group.memberLimit)
              if (outcome === 'limit-reached')
                return err({ code: 'MemberLimitReached', limit: group.memberLimit ?? 0 } as const)
              if (outcome === 'exists') {
                alreadyMembers.push(userId)
                continue
              }
              if (removal) yield* tx.deleteRemoval(group.id, userId)
              yield* closePendingRequest(tx, emit, group, cmd.actor, userId, 'approved', null)
              emit({
                type: 'MemberJoined',
                groupId: group.id,
                actor: cmd.actor,
                at: now,
                subject: userId,
                code: null,
                requestId: null,
              })
              added.push(membership)
            }
            const updated = (yield* tx.getGroup(group.id)) ?? group
            return ok({ group: updated, added, alreadyMembers })
          }),
        ),
      )
    },

    /**
     * Invites users (approvers only), all or none: each gets a pending invitation that they accept by asking to
     * join, with no further approval (the member limit still holds then). Refuses banned users; lifts kicks.
     */
    inviteMembers(input: InviteMembersInput): ResultAsync<InvitedMembers, InviteMembersError> {
      return validate(inviteMembersInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'approver')
            if (group.lockStatus !== 'unlocked')
              return err({ code: 'GroupLocked', lockStatus: group.lockStatus } as const)
            const now = ctx.clock.now()
            const invited: JoinRequest[] = []
            const alreadyMembers: UserId[] = []
            const alreadyPending: UserId[] = []
            for (const userId of new Set(cmd.userIds)) {
              const removal = yield* tx.getRemoval(group.id, userId)
              if (removalIsActive(removal, now) && removal.kind === 'banned')
                return err({ code: 'UserBanned' } as const)
              if (yield* tx.getMembership(group.id, userId)) {
                alreadyMembers.push(userId)
                continue
              }
              if ((yield* latestRequestOf(ctx, tx, emit, group, userId))?.status === 'pending') {
                alreadyPending.push(userId)
                continue
              }
              if (removal) yield* tx.deleteRemoval(group.id, userId)
              const invitation: JoinRequest = {
                id: ctx.ids.newId(),
                groupId: group.id,
                requesterId: userId,
                via: { kind: 'invitation', invitedBy: cmd.actor },
                message: cmd.message,
                status: 'pending',
                createdAt: now,
                decidedAt: null,
                decidedBy: null,
                rejectionReason: null,
                read: true,
              }
              yield* tx.insertRequest(invitation)
              emit({
                type: 'MemberInvited',
                groupId: group.id,
                actor: cmd.actor,
                at: now,
                requestId: invitation.id,
                subject: userId,
              })
              invited.push(invitation)
            }
            return ok({ invited, alreadyMembers, alreadyPending })
          }),
        ),
      )
    },

    /**
     * Kicks members (approvers only): they leave and cannot come back by link or request until the kick is lifted.
     * All or none: one target the actor may not act on (the owner, unless `skipOwner`; a moderator, unless the
     * actor owns the group) refuses the whole call.
     */
    removeMembers(input: RemoveMembersInput): ResultAsync<RemovedMembers, RemoveMembersError> {
      return validate(removeMembersInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group, membership: actorMembership } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'approver')
            const now = ctx.clock.now()
            const removed: UserId[] = []
            const notMembers: UserId[] = []
            let skippedOwner: UserId | null = null
            for (const userId of new Set(cmd.userIds)) {
              if (cmd.skipOwner && userId === group.ownerId) {
                skippedOwner = userId
                continue
              }
              const target = yield* tx.getMembership(group.id, userId)
              yield* mayActOn(actorMembership.role, target, group, userId)
              if (!target) {
                notMembers.push(userId)
                continue
              }
              yield* tx.deleteMembership(group.id, userId)
              const existing = yield* tx.getRemoval(group.id, userId)
              // A ban in force is stronger than a kick: keep it.
              if (cmd.blockRejoin && !(removalIsActive(existing, now) && existing.kind === 'banned')) {
                yield* tx.putRemoval({
                  groupId: group.id,
                  userId,
                  kind: 'kicked',
                  by: cmd.actor,
                  at: now,
                  until: null,
                  reason: cmd.reason,
                })
              }
              emit({
                type: 'MemberKicked',
                groupId: group.id,
                actor: cmd.actor,
                at: now,
                subject: userId,
                reason: cmd.reason,
              })
              removed.push(userId)
            }
            const updated = (yield* tx.getGroup(group.id)) ?? group
            return ok({ group: updated, removed, notMembers, skippedOwner })
          }),
        ),
      )
    },

    /** Bans a user (approvers only), member or not, optionally until a time; ends their membership and pending request. */
    banUser(input: BanUserInput): ResultAsync<Removal, RemoveMembersError> {
      return validate(banUserInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group, membership: actorMembership } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'approver')
            const target = yield* tx.getMembership(group.id, cmd.userId)
            yield* mayActOn(actorMembership.role, target, group, cmd.userId)
            const now = ctx.clock.now()
            if (target) yield* tx.deleteMembership(group.id, cmd.userId)
            yield* closePendingRequest(tx, emit, group, cmd.actor, cmd.userId, 'rejected', cmd.reason)
            const removal: Removal = {
              groupId: group.id,
              userId: cmd.userId,
              kind: 'banned',
              by: cmd.actor,
              at: now,
              until: cmd.until ?? null,
              reason: cmd.reason,
            }
            yield* tx.putRemoval(removal)
            emit({
              type: 'UserBanned',
              groupId: group.id,
              actor: cmd.actor,
              at: now,
              subject: cmd.userId,
              until: removal.until,
              reason: cmd.reason,
            })
            return ok(removal)
          }),
        ),
      )
    },

    /** Lifts a ban or a kick (approvers only); `lifted: false` when there was none. */
    unbanUser(input: UnbanUserInput): ResultAsync<{ lifted: boolean }, ManageError> {
      return validate(unbanUserInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          loadGroupFor(tx, cmd.groupId, cmd.actor, 'approver').andThen(({ group }) =>
            tx.deleteRemoval(group.id, cmd.userId).map((lifted) => {
              if (lifted)
                emit({
                  type: 'UserUnbanned',
                  groupId: group.id,
                  actor: cmd.actor,
                  at: ctx.clock.now(),
                  subject: cmd.userId,
                })
              return { lifted }
            }),
          ),
        ),
      )
    },

    /** Leaves a group. The owner must transfer ownership first. */
    leaveGroup(input: LeaveGroupInput): ResultAsync<{ group: Group }, LeaveError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group, membership } = yield* loadGroupAs(tx, cmd.groupId, cmd.actor)
            if (!membership) return err({ code: 'NotAMember' } as const)
            if (membership.role === 'owner') return err({ code: 'OwnerCannotLeave' } as const)
            yield* tx.deleteMembership(group.id, cmd.actor)
            emit({ type: 'MemberLeft', groupId: group.id, actor: cmd.actor, at: ctx.clock.now() })
            return ok({ group: (yield* tx.getGroup(group.id)) ?? group })
          }),
        ),
      )
    },

    /** Makes a member a moderator or a plain member (owner only). */
    changeRole(input: ChangeRoleInput): ResultAsync<Membership, ChangeRoleError> {
      return validate(changeRoleInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'owner')
            const outcome = yield* setRole(tx, emit, group, cmd.actor, cmd.userId, cmd.role)
            if (outcome === 'owner') return err({ code: 'TargetIsOwner' } as const)
            if (outcome === 'not-a-member') return err({ code: 'NotAMember' } as const)
            return ok(outcome)
          }),
        ),
      )
    },

    /**
     * Gives several members one role in one step (owner only), as Bitrix24's `sonet_group.user.update` does: the
     * owner and non-members are skipped and reported, not refused; an authority error changes nobody.
     */
    changeRoles(input: ChangeRolesInput): ResultAsync<ChangedRoles, ChangeRolesError> {
      return validate(changeRolesInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'owner')
            const members: Membership[] = []
            const notMembers: UserId[] = []
            let skippedOwner: UserId | null = null
            for (const userId of new Set(cmd.userIds)) {
              const outcome = yield* setRole(tx, emit, group, cmd.actor, userId, cmd.role)
              if (outcome === 'owner') skippedOwner = userId
              else if (outcome === 'not-a-member') notMembers.push(userId)
              else members.push(outcome)
            }
            return ok({ members, skippedOwner, notMembers })
          }),
        ),
      )
    },

    /** Hands the group to another member (owner only); the old owner stays on as a moderator. */
    transferOwnership(input: TransferOwnershipInput): ResultAsync<Group, ChangeRoleError> {
      return validate(transferOwnershipInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'owner')
            if (cmd.newOwnerId === group.ownerId) return ok(group)
            const target = yield* tx.getMembership(group.id, cmd.newOwnerId)
            if (!target) return err({ code: 'NotAMember' } as const)
            yield* tx.updateMembershipRole(group.id, cmd.newOwnerId, 'owner')
            yield* tx.updateMembershipRole(group.id, group.ownerId, 'moderator')
            const updated: Group = { ...group, ownerId: cmd.newOwnerId }
            yield* tx.updateGroup(group.id, { ownerId: cmd.newOwnerId })
            emit({
              type: 'OwnershipTransferred',
              groupId: group.id,
              actor: cmd.actor,
              at: ctx.clock.now(),
              subject: cmd.newOwnerId,
            })
            return ok(updated)
          }),
        ),
      )
    },

    /**
     * Lists a group's members in the order they joined, a page after `cursor` and `offset`, with the group's member
     * count. Hidden groups list only for members; with `membersOnly`, every group does.
     */
    listMembers(input: ListMembersInput): ResultAsync<MemberPage, ListMembersError> {
      return validate(listMembersInput, input).asyncAndThen((cmd) =>
        ctx.store.transaction((tx) =>
          safeTry(async function* () {
            const { group, membership } = yield* viewGroupAs(tx, cmd.groupId, cmd.actor ?? '')
            if (cmd.membersOnly && !membership) return err({ code: 'NotAMember' } as const)
            const after = yield* skipMembers(tx, group.id, cmd.cursor ? decodeCursor(cmd.cursor) : null, cmd.offset)
            const rows = yield* tx.listMembers(group.id, { after, limit: cmd.limit + 1 })
            const page = pageResult(rows, cmd.limit, (m) => ({ at: m.joinedAt, id: m.userId }))
            return ok({ ...page, total: group.memberCount })
          }),
        ),
      )
    },

    /** Lists the actor's own groups with their membership, in the order they joined. */
    listUserGroups(
      input: ListUserGroupsInput,
    ): ResultAsync<PageOf<{ group: Group; membership: Membership }>, InvalidInput | StorageError> {
      return validate(listUserGroupsInput, input).asyncAndThen((cmd) =>
        ctx.store.transaction((tx) =>
          safeTry(async function* () {
            const rows = yield* tx.listMembershipsOfUser(cmd.actor, {
              after: cmd.cursor ? decodeCursor(cmd.cursor) : null,
              limit: cmd.limit + 1,
            })
            const page = pageResult(rows, cmd.limit, (m) => ({ at: m.joinedAt, id: m.groupId }))
            const items: { group: Group; membership: Membership }[] = []
            for (const membership of page.items) {
              const group = yield* tx.getGroup(membership.groupId)
              if (group) items.push({ group, membership })
            }
            return ok({ items, cursor: page.cursor })
          }),
        ),
      )
    },
  }
}
