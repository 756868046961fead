import { err, ok, type Result } from 'neverthrow'
import type { ErrorOf } from '../domain/errors.js'
import type { Group, UserId } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership, Role } from '../domain/membership.js'
import { type Removal, removalIsActive } from '../domain/removal.js'
import { ACCESS_RULES } from './access.js'
import { hasSeat } from './requests.js'

/** One user a command acts on, as they stand in the group, read after the group is locked. */
export interface Standing {
  readonly userId: UserId
  readonly membership: Membership | null
  readonly removal: Removal | null
  /** Their latest request or invitation if it is pending (an overdue one has expired by now). */
  readonly pending: JoinRequest | null
}

type GroupLocked = ErrorOf<'GroupLocked'>
type UserBanned = ErrorOf<'UserBanned'>
type TargetIsOwner = ErrorOf<'TargetIsOwner'>
type NotAMember = ErrorOf<'NotAMember'>
type OwnerRequired = ErrorOf<'InsufficientRole'>

const isBanned = (s: Standing, now: Date) => removalIsActive(s.removal, now) && s.removal.kind === 'banned'

export const ADD_MEMBERS_RULES = [
  ...ACCESS_RULES,
  'a locked group admits nobody (GroupLocked)',
  'a banned user cannot be added, and then nobody is (UserBanned)',
  'users who are members already are reported and left as they are',
  'with onlyNewcomers, users with a pending request or invitation or a ban in force are skipped and reported instead (as Bitrix24 skips every user it has a row for), and the ban rule above does not refuse',
  'the new members must all fit under the member limit, or nobody is added (MemberLimitReached)',
  'otherwise each is added: a kick or a lapsed ban is lifted, and a pending request counts as approved',
] as const

export interface AddDecision {
  readonly add: readonly Standing[]
  readonly alreadyMembers: readonly UserId[]
  /** With `onlyNewcomers`: pending or banned users, left as they are. */
  readonly skipped: readonly UserId[]
}

/** Decides `addMembers` for the users asked (each once, in order). Pure. */
export function decideAddMembers(
  group: Group,
  users: readonly Standing[],
  now: Date,
  options: { readonly onlyNewcomers?: boolean } = {},
): Result<AddDecision, GroupLocked | UserBanned | ErrorOf<'MemberLimitReached'>> {
  if (group.lockStatus !== 'unlocked') return err({ code: 'GroupLocked', lockStatus: group.lockStatus })
  const skip = (u: Standing) => options.onlyNewcomers === true && !u.membership && (!!u.pending || isBanned(u, now))
  if (users.some((u) => !skip(u) && isBanned(u, now))) return err({ code: 'UserBanned' })
  const add = users.filter((u) => !u.membership && !skip(u))
  if (add.length > 0 && !hasSeat(group, add.length)) {
    return err({ code: 'MemberLimitReached', limit: group.memberLimit ?? 0 })
  }
  return ok({
    add,
    alreadyMembers: users.filter((u) => u.membership).map((u) => u.userId),
    skipped: users.filter(skip).map((u) => u.userId),
  })
}

export const INVITE_MEMBERS_RULES = [
  ...ACCESS_RULES,
  'a locked group admits nobody (GroupLocked)',
  'a banned user cannot be invited, and then nobody is (UserBanned)',
  'users who are members already are reported and left as they are',
  'users with a pending request or invitation are reported and left as they are',
  'otherwise each gets a pending invitation, which needs no approval; a kick or a lapsed ban is lifted',
] as const

export interface InviteDecision {
  readonly invite: readonly Standing[]
  readonly alreadyMembers: readonly UserId[]
  readonly alreadyPending: readonly UserId[]
}

/** Decides `inviteMembers` for the users asked (each once, in order). Pure. */
export function decideInviteMembers(
  group: Group,
  users: readonly Standing[],
  now: Date,
): Result<InviteDecision, GroupLocked | UserBanned> {
  if (group.lockStatus !== 'unlocked') return err({ code: 'GroupLocked', lockStatus: group.lockStatus })
  if (users.some((u) => isBanned(u, now))) return err({ code: 'UserBanned' })
  return ok({
    invite: users.filter((u) => !u.membership && !u.pending),
    alreadyMembers: users.filter((u) => u.membership).map((u) => u.userId),
    alreadyPending: users.filter((u) => !u.membership && u.pending).map((u) => u.userId),
  })
}

/** Who acts: a member, or an administrator (`ADMINISTRATOR_ACCESS_RULES`), who acts as the owner would. */
export type Actor = Membership | 'administrator'

/** Whether an approver may remove or ban a user: nobody acts on the owner; only the owner acts on moderators. */
function mayActOn(group: Group, actor: Actor, target: Standing): Result<void, TargetIsOwner | OwnerRequired> {
  if (target.userId === group.ownerId) return err({ code: 'TargetIsOwner' })
  const ownerOrAdministrator = actor === 'administrator' || actor.role === 'owner'
  if (target.membership?.role === 'moderator' && !ownerOrAdministrator) {
    return err({ code: 'InsufficientRole', required: 'owner' })
  }
  return ok(undefined)
}

export const REMOVE_MEMBERS_RULES = [
  ...ACCESS_RULES,
  'the owner is never removed: skipped and reported when the call says skipOwner, else the call is refused (TargetIsOwner)',
  'only the owner removes a moderator, and otherwise nobody is removed (InsufficientRole)',
  'users who are not members are reported and left as they are; with rejectPending, the pending request or invitation of such a user is rejected and reported (as Bitrix24 deletes the pending row)',
  'otherwise each leaves; with blockRejoin a kick is recorded, unless a ban in force (which is stronger) stays',
] as const

export interface RemoveDecision {
  readonly remove: readonly Standing[]
  /** With `rejectPending`: non-members whose pending request or invitation is rejected. */
  readonly reject: readonly Standing[]
  readonly notMembers: readonly UserId[]
  readonly skippedOwner: UserId | null
  /** Those whose removal records a kick (a ban in force is kept instead). */
  readonly kick: readonly UserId[]
}

/** Decides `removeMembers` (a kick). Pure. */
export function decideRemoveMembers(
  group: Group,
  actor: Actor,
  users: readonly Standing[],
  options: { readonly skipOwner: boolean; readonly blockRejoin: boolean; readonly rejectPending?: boolean },
  now: Date,
): Result<RemoveDecision, TargetIsOwner | OwnerRequired> {
  const skippedOwner = options.skipOwner && users.some((u) => u.userId === group.ownerId) ? group.ownerId : null
  const targets = users.filter((u) => u.userId !== skippedOwner)
  // Rule by rule over all targets, so the answer does not depend on the order the users were named in.
  if (targets.some((u) => u.userId === group.ownerId)) return err({ code: 'TargetIsOwner' })
  for (const target of targets) {
    const allowed = mayActOn(group, actor, target)
    if (allowed.isErr()) return err(allowed.error)
  }
  const remove = targets.filter((u) => u.membership)
  return ok({
    remove,
    reject: options.rejectPending === true ? targets.filter((u) => !u.membership && u.pending) : [],
    notMembers: targets.filter((u) => !u.membership).map((u) => u.userId),
    skippedOwner,
    kick: options.blockRejoin ? remove.filter((u) => !isBanned(u, now)).map((u) => u.userId) : [],
  })
}

export const BAN_RULES = [
  ...ACCESS_RULES,
  'nobody bans the owner (TargetIsOwner)',
  'only the owner bans a moderator (InsufficientRole)',
  'otherwise the user is banned, until a time or for good: a membership ends and a pending request or invitation is rejected',
] as const

/** Decides `banUser`. Pure. */
export function decideBan(group: Group, actor: Actor, target: Standing): Result<'ban', TargetIsOwner | OwnerRequired> {
  return mayActOn(group, actor, target).map(() => 'ban' as const)
}

export const UNBAN_RULES = [
  ...ACCESS_RULES,
  'a user with no kick or ban is answered lifted: false, and nothing changes',
  'otherwise the kick or ban is lifted',
] as const

/** Decides `unbanUser`. Pure. */
export function decideUnban(removal: Removal | null): 'lift' | 'unchanged' {
  return removal ? 'lift' : 'unchanged'
}

export const LEAVE_RULES = [
  ACCESS_RULES[0],
  'the actor must be a member (NotAMember)',
  'the owner cannot leave before handing the group on (OwnerCannotLeave)',
  'otherwise the actor leaves',
] as const

/** Decides `leaveGroup` (the group's visibility is checked by `decideAccess` before). Pure. */
export function decideLeave(actor: Membership | null): Result<Membership, NotAMember | ErrorOf<'OwnerCannotLeave'>> {
  if (!actor) return err({ code: 'NotAMember' })
  if (actor.role === 'owner') return err({ code: 'OwnerCannotLeave' })
  return ok(actor)
}

export const CHANGE_ROLE_RULES = [
  ...ACCESS_RULES,
  "the owner's role changes only by a transfer of ownership (TargetIsOwner)",
  'the user must be a member (NotAMember)',
  'a member who holds the role already is answered as they are',
  'otherwise the role changes',
] as const

export type RoleDecision =
  | { readonly kind: 'unchanged'; readonly membership: Membership }
  | { readonly kind: 'change'; readonly membership: Membership }

/** Decides `changeRole` for one user. Pure. */
export function decideChangeRole(
  group: Group,
  target: Standing,
  role: Exclude<Role, 'owner'>,
): Result<RoleDecision, TargetIsOwner | NotAMember> {
  if (target.userId === group.ownerId) return err({ code: 'TargetIsOwner' })
  if (!target.membership) return err({ code: 'NotAMember' })
  if (target.membership.role === role) return ok({ kind: 'unchanged', membership: target.membership })
  return ok({ kind: 'change', membership: { ...target.membership, role } })
}

export const CHANGE_ROLES_RULES = [
  ...ACCESS_RULES,
  'the owner is skipped and reported: their role changes only by a transfer',
  'users who are not members are skipped and reported',
  'members who hold the role already are left as they are',
  'otherwise each gets the role',
] as const

export interface RolesDecision {
  readonly members: readonly RoleDecision[]
  readonly skippedOwner: UserId | null
  readonly notMembers: readonly UserId[]
}

/** Decides `changeRoles` for several users at once (each once, in order). Pure. */
export function decideChangeRoles(
  group: Group,
  users: readonly Standing[],
  role: Exclude<Role, 'owner'>,
): RolesDecision {
  const members: RoleDecision[] = []
  const notMembers: UserId[] = []
  let skippedOwner: UserId | null = null
  for (const user of users) {
    const one = decideChangeRole(group, user, role)
    if (one.isOk()) members.push(one.value)
    else if (one.error.code === 'TargetIsOwner') skippedOwner = user.userId
    else notMembers.push(user.userId)
  }
  return { members, skippedOwner, notMembers }
}

export const TRANSFER_RULES = [
  ...ACCESS_RULES,
  'handing the group to its owner changes nothing',
  'the new owner must be a member (NotAMember), unless the call admits a non-member (admitNonMember)',
  'a non-member admitted must not be banned (UserBanned) and must fit under the member limit (MemberLimitReached); they join as the owner, a kick or lapsed ban lifted and a pending request or invitation approved',
  'otherwise the new owner owns the group and the old owner stays on as a moderator, or as a plain member when the call says so (previousOwnerRole)',
] as const

/** Decides `transferOwnership`: `admit` when the new owner joins as they take over. Pure. */
export function decideTransfer(
  group: Group,
  to: Standing,
  options: { readonly admitNonMember?: boolean } = {},
  now: Date = new Date(0),
): Result<'unchanged' | 'transfer' | 'admit', NotAMember | UserBanned | ErrorOf<'MemberLimitReached'>> {
  if (to.userId === group.ownerId) return ok('unchanged')
  if (to.membership) return ok('transfer')
  if (options.admitNonMember !== true) return err({ code: 'NotAMember' })
  if (isBanned(to, now)) return err({ code: 'UserBanned' })
  if (!hasSeat(group, 1)) return err({ code: 'MemberLimitReached', limit: group.memberLimit ?? 0 })
  return ok('admit')
}
