import type { ResultAsync } from 'neverthrow'
import { z } from 'zod'
import { decideAccess } from '../decisions/access.js'
import {
  decideAddMembers,
  decideBan,
  decideInviteMembers,
  decideLeave,
  decideRemoveMembers,
  decideUnban,
  type Standing,
} from '../decisions/members.js'
import type { ErrorOf, StorageFailure } from '../domain/errors.js'
import type { Group, GroupId, UserId } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import type { Removal } from '../domain/removal.js'
import type { Step } from '../internal/storage-flow.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import type { StoreTx } from '../ports/membership-store.js'
import {
  type CommandContext,
  type Emit,
  type GroupNotFound,
  type InsufficientRole,
  lockAccess,
  lockAccessAs,
  lockWithActor,
  type Outcome,
  type PageOf,
  type Refusal,
  runCommand,
} from './context.js'
import { insertInvitation } from './invitations.js'
import { currentRequest } from './latest-request.js'
import { countOnLink, linkCodeOf } from './link-counters.js'
import * as s from './schemas.js'

export const addMembersInput = s.groupTarget.extend({
  userIds: s.userIds,
  asAdministrator: s.asAdministrator,
  /**
   * Skip (and report) users with a pending request or invitation or a ban in force instead of approving the request
   * or refusing the call, as Bitrix24's `sonet_group.user.add` skips every user it has a row for. Default false.
   */
  onlyNewcomers: z.boolean().default(false),
})
export type AddMembersInput = z.input<typeof addMembersInput>
export const inviteMembersInput = s.groupTarget.extend({
  userIds: s.userIds,
  message: s.message,
  asAdministrator: s.asAdministrator,
})
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
  /**
   * Also reject the pending request or invitation of a named non-member (reported in `rejected`), as Bitrix24's
   * `sonet_group.user.delete` deletes a pending row. Default false.
   */
  rejectPending: z.boolean().default(false),
  asAdministrator: s.asAdministrator,
})
export type RemoveMembersInput = z.input<typeof removeMembersInput>
export const banUserInput = s.groupTarget.extend({
  userId: s.userId,
  until: s.storableDate.nullish(),
  reason: s.reason,
})
export type BanUserInput = z.input<typeof banUserInput>
export const unbanUserInput = s.groupTarget.extend({ userId: s.userId })
export type UnbanUserInput = z.input<typeof unbanUserInput>
export const changeRoleInput = s.groupTarget.extend({ userId: s.userId, role: z.enum(['moderator', 'member']) })
export type ChangeRoleInput = z.input<typeof changeRoleInput>
export const changeRolesInput = s.groupTarget.extend({
  userIds: s.userIds,
  role: changeRoleInput.shape.role,
  asAdministrator: s.asAdministrator,
})
export type ChangeRolesInput = z.input<typeof changeRolesInput>
export const transferOwnershipInput = s.groupTarget.extend({
  newOwnerId: s.userId,
  asAdministrator: s.asAdministrator,
  ...s.transferOptionFields,
})
export type TransferOwnershipInput = z.input<typeof transferOwnershipInput>
export const listMembersInput = z.object({
  actor: s.userId.nullish(),
  groupId: s.groupId,
  limit: s.pageLimit,
  cursor: s.cursor,
  /** Members to skip after the cursor (offset paging, as Bitrix24's `start`), read in the same transaction. */
  offset: s.boundedInt(0, 1_000_000).default(0),
  /**
   * List only for the group's own members: anyone else gets `NotAMember` (or `GroupNotFound` for a hidden group),
   * as a chat lists its members only to those in it. Default false: a public group lists for anyone.
   */
  membersOnly: z.boolean().default(false),
  /** Every member after the cursor and offset in one read of one transaction, ignoring `limit` (a whole list). */
  all: z.boolean().default(false),
  /** An administrator's read: hidden groups list too (`ADMINISTRATOR_ACCESS_RULES`). */
  asAdministrator: s.asAdministrator,
})
export type ListMembersInput = z.input<typeof listMembersInput>
export const listUserGroupsInput = z.object({
  actor: s.userId,
  limit: s.pageLimit,
  cursor: s.cursor,
  /** Groups to skip after the cursor (offset paging, as Bitrix24's `start`), read in the same transaction. */
  offset: z.number().int().min(0).max(1_000_000).default(0),
  /** Every group after the cursor and offset in one read of one transaction, ignoring `limit` (a whole list). */
  all: z.boolean().default(false),
})
export type ListUserGroupsInput = z.input<typeof listUserGroupsInput>
export type LeaveGroupInput = z.input<typeof s.groupTarget>

export type ManageError = InvalidInput | GroupNotFound | InsufficientRole | StorageFailure
export type AddMembersError = ManageError | ErrorOf<'GroupLocked' | 'MemberLimitReached' | 'UserBanned'>
export type InviteMembersError = ManageError | ErrorOf<'GroupLocked' | 'UserBanned'>
export type RemoveMembersError = ManageError | ErrorOf<'TargetIsOwner'>
export type ChangeRoleError = ManageError | ErrorOf<'TargetIsOwner' | 'NotAMember'>
export type TransferError = ManageError | ErrorOf<'NotAMember' | 'UserBanned' | 'MemberLimitReached'>
export type ChangeRolesError = ManageError
export type ListMembersError = InvalidInput | GroupNotFound | ErrorOf<'NotAMember'> | StorageFailure
export type LeaveError = InvalidInput | GroupNotFound | StorageFailure | ErrorOf<'NotAMember' | 'OwnerCannotLeave'>

export interface AddedMembers {
  readonly group: Group
  readonly added: readonly Membership[]
  /** Asked for but already members: left as they were. */
  readonly alreadyMembers: readonly UserId[]
  /** With `onlyNewcomers`: asked for but pending or banned, left as they were. */
  readonly skipped: readonly UserId[]
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
  /** With `rejectPending`: non-members whose pending request or invitation was rejected. */
  readonly rejected: readonly UserId[]
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

/** One shared, frozen source for every added member: thousands of members need not hold a copy each. */
const ADDED: Membership['source'] = Object.freeze({ kind: 'added' })

/**
 * How each named user stands in the group (each once, in order), read under the group's lock: membership, removal,
 * and — when the command needs it — their pending request (an overdue one is marked expired here).
 */
export async function loadStandings(
  ctx: CommandContext,
  tx: StoreTx,
  emit: Emit,
  step: Step,
  groupId: GroupId,
  userIds: Iterable<UserId>,
  withRequests: boolean,
  now: Date,
): Promise<Standing[]> {
  const standings: Standing[] = []
  for (const userId of new Set(userIds)) {
    const membership = await step(tx.getMembership(groupId, userId))
    const removal = await step(tx.getRemoval(groupId, userId))
    const request = withRequests ? await currentRequest(ctx, tx, emit, step, groupId, userId, now) : null
    standings.push({ userId, membership, removal, pending: request?.status === 'pending' ? request : null })
  }
  return standings
}

/** Ends the pending request (or invitation) of someone just added, banned or made owner, as the decision said. */
export async function closePending(
  tx: StoreTx,
  emit: Emit,
  step: Step,
  request: JoinRequest,
  actor: UserId,
  outcome: { status: 'approved' } | { status: 'rejected'; reason: string | null },
  now: Date,
): Promise<void> {
  const reason = outcome.status === 'rejected' ? outcome.reason : null
  await step(
    tx.updateRequest({
      ...request,
      status: outcome.status,
      decidedAt: now,
      decidedBy: actor,
      rejectionReason: reason,
    }),
  )
  const approved = outcome.status === 'approved'
  await step(countOnLink(tx, linkCodeOf(request.via), { pending: -1, uses: approved ? 1 : 0 }))
  const event = { groupId: request.groupId, actor, at: now, requestId: request.id, subject: request.requesterId }
  emit(approved ? { type: 'JoinRequestApproved', ...event } : { type: 'JoinRequestRejected', ...event, reason })
}

export function memberCommands(ctx: CommandContext) {
  return {
    /**
     * Adds users to the group (approvers only), all or none: if one is banned or the limit would be passed,
     * nobody is added. Adding a kicked user lifts the kick; their pending request counts as approved.
     * Rules: `ADD_MEMBERS_RULES`.
     */
    addMembers(input: AddMembersInput): ResultAsync<AddedMembers, AddMembersError> {
      return validate(addMembersInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<AddedMembers, Refusal<AddMembersError>>> => {
          const access = await lockAccessAs(tx, step, cmd.groupId, cmd.actor, 'approver', cmd.asAdministrator)
          if (access.isErr()) return { refused: access.error }
          const { group } = access.value
          const now = ctx.clock.now()
          const users = await loadStandings(ctx, tx, emit, step, group.id, cmd.userIds, true, now)
          const decision = decideAddMembers(group, users, now, cmd)
          if (decision.isErr()) return { refused: decision.error }
          const added: Membership[] = []
          for (const user of decision.value.add) {
            const membership: Membership = {
              groupId: group.id,
              userId: user.userId,
              role: 'member',
              joinedAt: now,
              source: ADDED,
              addedBy: cmd.actor,
            }
            // The decision counted the seats under the lock; the store's guard stays the last word.
            const outcome = await step(tx.insertMembership(membership, group.memberLimit))
            if (outcome === 'limit-reached') {
              return { refused: { code: 'MemberLimitReached', limit: group.memberLimit ?? 0 } }
            }
            if (user.removal) await step(tx.deleteRemoval(group.id, user.userId))
            if (user.pending) await closePending(tx, emit, step, user.pending, cmd.actor, { status: 'approved' }, now)
            emit({
              type: 'MemberJoined',
              groupId: group.id,
              actor: cmd.actor,
              at: now,
              subject: user.userId,
              code: null,
              requestId: null,
            })
            added.push(membership)
          }
          const updated: Group = { ...group, memberCount: group.memberCount + added.length }
          const { alreadyMembers, skipped } = decision.value
          return { done: { group: updated, added, alreadyMembers, skipped } }
        }),
      )
    },

    /**
     * Invites users (approvers only), all or none: each gets a pending invitation that they accept by asking to
     * join, with no further approval (the member limit still holds then). Refuses banned users; lifts kicks.
     * Rules: `INVITE_MEMBERS_RULES`.
     */
    inviteMembers(input: InviteMembersInput): ResultAsync<InvitedMembers, InviteMembersError> {
      return validate(inviteMembersInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<InvitedMembers, Refusal<InviteMembersError>>> => {
          const access = await lockAccessAs(tx, step, cmd.groupId, cmd.actor, 'inviter', cmd.asAdministrator)
          if (access.isErr()) return { refused: access.error }
          const { group } = access.value
          const now = ctx.clock.now()
          const users = await loadStandings(ctx, tx, emit, step, group.id, cmd.userIds, true, now)
          const decision = decideInviteMembers(group, users, now)
          if (decision.isErr()) return { refused: decision.error }
          const invited: JoinRequest[] = []
          for (const user of decision.value.invite) {
            if (user.removal) await step(tx.deleteRemoval(group.id, user.userId))
            const invite = { groupId: group.id, userId: user.userId, actor: cmd.actor, message: cmd.message, now }
            const invitation = await insertInvitation(ctx, tx, emit, step, invite)
            invited.push(invitation)
          }
          const { alreadyMembers, alreadyPending } = decision.value
          return { done: { invited, alreadyMembers, alreadyPending } }
        }),
      )
    },

    /**
     * Kicks members (approvers only): they leave and cannot come back by link or request until the kick is lifted.
     * All or none: one target the actor may not act on (the owner, unless `skipOwner`; a moderator, unless the
     * actor owns the group) refuses the whole call. Rules: `REMOVE_MEMBERS_RULES`.
     */
    removeMembers(input: RemoveMembersInput): ResultAsync<RemovedMembers, RemoveMembersError> {
      return validate(removeMembersInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<RemovedMembers, Refusal<RemoveMembersError>>> => {
          const access = await lockAccessAs(tx, step, cmd.groupId, cmd.actor, 'approver', cmd.asAdministrator)
          if (access.isErr()) return { refused: access.error }
          const { group, actor } = access.value
          const now = ctx.clock.now()
          const users = await loadStandings(ctx, tx, emit, step, group.id, cmd.userIds, cmd.rejectPending, now)
          const decision = decideRemoveMembers(group, actor, users, cmd, now)
          if (decision.isErr()) return { refused: decision.error }
          const { remove, reject, kick, notMembers, skippedOwner } = decision.value
          for (const user of reject) {
            if (user.pending) {
              const outcome = { status: 'rejected', reason: cmd.reason } as const
              await closePending(tx, emit, step, user.pending, cmd.actor, outcome, now)
            }
          }
          const rejected = reject.map((u) => u.userId)
          for (const user of remove) {
            await step(tx.deleteMembership(group.id, user.userId))
            if (kick.includes(user.userId)) {
              const removal: Removal = {
                groupId: group.id,
                userId: user.userId,
                kind: 'kicked',
                by: cmd.actor,
                at: now,
                until: null,
                reason: cmd.reason,
              }
              await step(tx.putRemoval(removal))
            }
            emit({
              type: 'MemberKicked',
              groupId: group.id,
              actor: cmd.actor,
              at: now,
              subject: user.userId,
              reason: cmd.reason,
            })
          }
          const removed = remove.map((u) => u.userId)
          const updated: Group = { ...group, memberCount: group.memberCount - removed.length }
          return {
            done: {
              group: updated,
              removed,
              notMembers: notMembers.filter((u) => !rejected.includes(u)),
              skippedOwner,
              rejected,
            },
          }
        }),
      )
    },

    /**
     * Bans a user (approvers only), member or not, optionally until a time; ends their membership and pending
     * request. Rules: `BAN_RULES`.
     */
    banUser(input: BanUserInput): ResultAsync<Removal, RemoveMembersError> {
      return validate(banUserInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<Removal, Refusal<RemoveMembersError>>> => {
          const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'approver')
          if (access.isErr()) return { refused: access.error }
          const { group, actor } = access.value
          const now = ctx.clock.now()
          const [target] = await loadStandings(ctx, tx, emit, step, group.id, [cmd.userId], true, now)
          if (!target) throw new Error('loadStandings returned no standing for the one user asked')
          const decision = decideBan(group, actor, target)
          if (decision.isErr()) return { refused: decision.error }
          if (target.membership) await step(tx.deleteMembership(group.id, cmd.userId))
          if (target.pending) {
            const outcome = { status: 'rejected', reason: cmd.reason } as const
            await closePending(tx, emit, step, target.pending, cmd.actor, outcome, now)
          }
          const removal: Removal = {
            groupId: group.id,
            userId: cmd.userId,
            kind: 'banned',
            by: cmd.actor,
            at: now,
            until: cmd.until ?? null,
            reason: cmd.reason,
          }
          await step(tx.putRemoval(removal))
          emit({
            type: 'UserBanned',
            groupId: group.id,
            actor: cmd.actor,
            at: now,
            subject: cmd.userId,
            until: removal.until,
            reason: cmd.reason,
          })
          return { done: removal }
        }),
      )
    },

    /** Lifts a ban or a kick (approvers only); `lifted: false` when there was none. Rules: `UNBAN_RULES`. */
    unbanUser(input: UnbanUserInput): ResultAsync<{ lifted: boolean }, ManageError> {
      return validate(unbanUserInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<{ lifted: boolean }, Refusal<ManageError>>> => {
          const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'approver')
          if (access.isErr()) return { refused: access.error }
          const { group } = access.value
          if (decideUnban(await step(tx.getRemoval(group.id, cmd.userId))) === 'unchanged') {
            return { done: { lifted: false } }
          }
          await step(tx.deleteRemoval(group.id, cmd.userId))
          emit({ type: 'UserUnbanned', groupId: group.id, actor: cmd.actor, at: ctx.clock.now(), subject: cmd.userId })
          return { done: { lifted: true } }
        }),
      )
    },

    /** Leaves a group. The owner must transfer ownership first. Rules: `LEAVE_RULES`. */
    leaveGroup(input: LeaveGroupInput): ResultAsync<{ group: Group }, LeaveError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<{ group: Group }, Refusal<LeaveError>>> => {
          const read = await lockWithActor(tx, step, cmd.groupId, cmd.actor)
          const access = decideAccess(read.group, read.actor, 'anyone')
          if (access.isErr()) return { refused: access.error }
          const decision = decideLeave(access.value.actor)
          if (decision.isErr()) return { refused: decision.error }
          const { group } = access.value
          await step(tx.deleteMembership(group.id, cmd.actor))
          emit({ type: 'MemberLeft', groupId: group.id, actor: cmd.actor, at: ctx.clock.now() })
          return { done: { group: { ...group, memberCount: group.memberCount - 1 } } }
        }),
      )
    },
  }
}
