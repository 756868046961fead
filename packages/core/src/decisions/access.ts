import { err, ok, type Result } from 'neverthrow'
import type { ErrorOf } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
import type { Membership } from '../domain/membership.js'
import { isApprover } from '../permissions.js'

export type GroupNotFound = ErrorOf<'GroupNotFound'>
export type InsufficientRole = ErrorOf<'InsufficientRole'>

/** What a command needs of its actor: to own the group, to approve in it, to be a member, or nothing. */
export type Authority = 'owner' | 'approver' | 'member' | 'anyone'

/** The rules every command on an existing group checks first, in this order. */
export const ACCESS_RULES = [
  'the group must exist, and a hidden group exists only for its members (GroupNotFound)',
  "the actor must hold the command's authority: owner, approver (the owner, and moderators where the group says so) or member (InsufficientRole)",
] as const

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
  authority: 'owner' | 'approver' | 'member',
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
        : actor !== null
  return allowed && actor ? ok({ group, actor }) : err({ code: 'InsufficientRole', required: authority })
}
