import { err, ok, type Result } from 'neverthrow'
import type { ErrorOf } from '../domain/errors.js'
import type { Group, LockStatus, UserId } from '../domain/group.js'
import type { GroupChange } from '../ports/membership-store.js'
import { ACCESS_RULES } from './access.js'

type GroupLocked = ErrorOf<'GroupLocked'>

export const CREATE_GROUP_RULES = [
  'anyone may make a group, and owns it as its first member',
  'the initial members must fit under the member limit with the owner, or no group is made (MemberLimitReached)',
  'the group starts unlocked, or locked when the call asks for it',
  'the users the call invites (invite), others than the owner and the initial members, each once, get a pending invitation from the creator, as inviteMembers gives; a group born locked invites nobody, and then no group is made (GroupLocked); invitees count against the member limit when they accept',
  'an administrator (asAdministrator) may make a group for another owner (ownerId), who is then its first member; anyone else who names another owner is refused (InvalidInput)',
] as const

/** Decides `createGroup`: whether the owner and the initial members (others than the owner, each once) fit. Pure. */
export function decideCreateGroup(
  memberLimit: number | null,
  initialMembers: number,
): Result<'create', ErrorOf<'MemberLimitReached'>> {
  if (memberLimit !== null && 1 + initialMembers > memberLimit) {
    return err({ code: 'MemberLimitReached', limit: memberLimit })
  }
  return ok('create')
}

/** Decides whom a new group invites (`CREATE_GROUP_RULES`): the invited users, each once, who are not added already. Pure. */
export function decideCreateGroupInvitations(
  added: readonly UserId[],
  invite: readonly UserId[],
  lockStatus: LockStatus,
): Result<UserId[], GroupLocked> {
  const skip = new Set(added)
  const invited = [...new Set(invite)].filter((userId) => !skip.has(userId))
  if (invited.length > 0 && lockStatus !== 'unlocked') return err({ code: 'GroupLocked', lockStatus })
  return ok(invited)
}

/** The settings `updateGroup` may change (the lock comes separately). */
export type GroupSettings = Omit<GroupChange, 'ownerId' | 'lockStatus'>

export const UPDATE_GROUP_RULES = [
  ...ACCESS_RULES,
  'a permanently locked group cannot be unlocked (GroupLocked)',
  "a locked group's settings change only in a call that also unlocks it (GroupLocked); a call with no settings is not refused by this rule",
  'a new owner named in the call (newOwnerId) takes the group first, as transferOwnership hands it (TRANSFER_RULES); if that is refused, nothing changes',
  'the settings that differ and the lock change are written together; events come as the separate commands would send them (unlock before the edit, lock after it)',
] as const

/** What an update writes: the settings that differ, and the new lock status (`null`: unchanged). */
export interface GroupUpdate {
  readonly fields: readonly (keyof GroupSettings)[]
  readonly change: GroupChange
  readonly lock: LockStatus | null
}

/** Decides `updateGroup`, settings and lock in one step. Pure. */
export function decideUpdateGroup(
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
  // Attributes merge: they change when a key given differs from the stored one.
  const fields = given.filter((k) =>
    k === 'attributes'
      ? Object.entries(settings.attributes ?? {}).some(([key, v]) => group.attributes?.[key] !== v)
      : settings[k] !== group[k],
  )
  const change = Object.fromEntries(fields.map((k) => [k, settings[k]])) as GroupChange
  return ok({ fields, change: lock.value ? { ...change, lockStatus: lock.value } : change, lock: lock.value })
}

export const LOCK_GROUP_RULES = [
  ...ACCESS_RULES,
  'a group locked the same way, or locked permanently, stays as it is',
  'otherwise it is locked, permanently if the call asks',
] as const

/** Decides `lockGroup`: the new lock status, or `null` for no change. Pure. */
export function decideLock(current: LockStatus, wanted: 'locked' | 'locked-permanently'): LockStatus | null {
  return current === wanted || current === 'locked-permanently' ? null : wanted
}

export const UNLOCK_GROUP_RULES = [
  ...ACCESS_RULES,
  'an unlocked group stays as it is',
  'a permanent lock cannot be undone (GroupLocked)',
  'otherwise the group is unlocked',
] as const

/** Decides `unlockGroup`: `'unlocked'`, or `null` for no change. Pure. */
export function decideUnlock(current: LockStatus): Result<'unlocked' | null, GroupLocked> {
  if (current === 'unlocked') return ok(null)
  if (current === 'locked-permanently') return err({ code: 'GroupLocked', lockStatus: current })
  return ok('unlocked')
}

export const DELETE_GROUP_RULES = [
  ...ACCESS_RULES,
  'the group goes with its links, members, requests and removals',
] as const

function nextLockStatus(current: LockStatus, wanted: LockStatus): Result<LockStatus | null, GroupLocked> {
  return wanted === 'unlocked' ? decideUnlock(current) : ok(decideLock(current, wanted))
}
