import { err, ok, type Result } from 'neverthrow'
import type { ErrorOf } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
import type { Membership } from '../domain/membership.js'
import { isApprover, mayInvite } from '../permissions.js'

export type GroupNotFound = ErrorOf<'GroupNotFound'>
export type InsufficientRole = ErrorOf<'InsufficientRole'>

/**
 * What a command needs of its actor: to own the group, to approve in it, to invite to it (`mayInvite`), to be a
 * member, or nothing.
 */
export type Authority = 'owner' | 'approver' | 'inviter' | 'member' | 'anyone'

/** The authorities a member may lack (`InsufficientRole.required`). */
export type MemberAuthority = Exclude<Authority, 'anyone'>

/** The rules every command on an existing group checks first, in this order. */
export const ACCESS_RULES = [
  'the group must exist, and a hidden group exists only for its members (GroupNotFound)',
  "the actor must hold the command's authority: owner, approver (the owner, and moderators where the group says so), inviter (as the group's invite policy says) or member (InsufficientRole)",
] as const

/**
 * The rules for a command run with `asAdministrator: true`: the host (an adapter) vouches that the actor
 * administers the whole service, as a Bitrix24 portal administrator does. Never inferred from membership.
 */
export const ADMINISTRATOR_ACCESS_RULES = [
  'the group must exist (GroupNotFound); an administrator sees hidden groups too',
  'an administrator holds every authority in every group, as its owner does, whether a member or not',
] as const

/** The access of an administrator: the group, and `'administrator'` in place of a membership. */
export interface AdministratorAccess {
  readonly group: Group
  readonly actor: 'administrator'
}

/** Decides an administrator's access to a group (`ADMINISTRATOR_ACCESS_RULES`). Pure. */
export function decideAdministratorAccess(group: Group | null): Result<AdministratorAccess, GroupNotFound> {
  return group ? ok({ group, actor: 'administrator' }) : err({ code: 'GroupNotFound' })
}

/** The group and the actor's membership, once the actor may act on it. */
export interface Access<M extends Membership | null = Membership | null> {
  readonly group: Group
  readonly actor: M
}

/**
 * Decides whether the actor may run a command that needs `authority` on the group. Pure. A hidden group answers
 * `GroupNotFound` to a non-member, exactly as a missing one does.
 */
export function decideAccess(
  group: Group | null,
  actor: Membership | null,
  authority: MemberAuthority,
): Result<Access<Membership>, GroupNotFound | InsufficientRole>
export function decideAccess(
  group: Group | null,
  actor: Membership | null,
  authority: 'anyone',
): Result<Access, GroupNotFound>
export function decideAccess(
  group: Group | null,
  actor: Membership | null,
  authority: Authority,
): Result<Access, GroupNotFound | InsufficientRole> {
  if (!group || (group.visibility === 'hidden' && !actor)) return err({ code: 'GroupNotFound' })
  if (authority === 'anyone') return ok({ group, actor })
  const allowed =
    authority === 'owner'
      ? actor?.role === 'owner'
      : authority === 'approver'
        ? isApprover(group, actor)
        : authority === 'inviter'
          ? mayInvite(group, actor)
          : actor !== null
  return allowed && actor ? ok({ group, actor }) : err({ code: 'InsufficientRole', required: authority })
}
