import type { LockStatus } from './group.js'
import type { JoinRequestStatus } from './join-request.js'

/** One issue found while validating a command's input (zod's issue, trimmed to what callers need). */
export interface InputIssue {
  readonly path: readonly (string | number)[]
  readonly message: string
  readonly code: string
}

/**
 * Every error a Joinery command can return. Each command returns a narrower union (see `JoinError`, …);
 * adapters map this whole union through one table typed `Record<CoreError['code'], …>`, so a new code
 * breaks every adapter's build until it is mapped.
 */
export type CoreError =
  | { readonly code: 'InvalidInput'; readonly issues: readonly InputIssue[] }
  | { readonly code: 'StorageError'; readonly message: string; readonly cause?: unknown }
  | { readonly code: 'StorageUnavailable'; readonly message: string; readonly cause?: unknown }
  | { readonly code: 'SocialGraphUnavailable'; readonly cause?: unknown }
  | { readonly code: 'GroupNotFound' }
  | { readonly code: 'InsufficientRole'; readonly required: 'owner' | 'approver' | 'inviter' | 'member' }
  | { readonly code: 'InvalidCode' }
  | { readonly code: 'LinkDisabled' }
  | { readonly code: 'LinkExpired' }
  | { readonly code: 'LinkUsedUp' }
  | { readonly code: 'GroupLocked'; readonly lockStatus: Exclude<LockStatus, 'unlocked'> }
  | { readonly code: 'UserKicked' }
  | { readonly code: 'UserBanned' }
  | { readonly code: 'FollowRequired' }
  | { readonly code: 'MemberLimitReached'; readonly limit: number }
  | { readonly code: 'GroupInviteOnly' }
  | { readonly code: 'EnabledLinkExists' }
  | { readonly code: 'NoJoinLink' }
  | { readonly code: 'LinkAlreadyEnabled' }
  | { readonly code: 'RequestNotFound' }
  | { readonly code: 'RequestAlreadyDecided'; readonly status: Exclude<JoinRequestStatus, 'pending'> }
  | { readonly code: 'OwnerCannotLeave' }
  | { readonly code: 'NotAMember' }
  | { readonly code: 'TargetIsOwner' }
  | { readonly code: 'PendingRequestLimitReached'; readonly limit: number }
  | { readonly code: 'GroupsPerUserLimitReached'; readonly limit: number }
  | { readonly code: 'LinksPerGroupLimitReached'; readonly limit: number }

export type CoreErrorCode = CoreError['code']
export type ErrorOf<C extends CoreErrorCode> = Extract<CoreError, { readonly code: C }>

/**
 * A storage failure that retrying will not fix by itself (a bug, a broken row, a constraint the code did not expect).
 * Adapters answer it with their protocol's generic server error, without detail.
 */
export type StorageError = ErrorOf<'StorageError'>

/**
 * The storage cannot answer now, and a later retry may succeed: the database refused or dropped the connection,
 * a connect, statement or lock timeout ran out, the server is paused, starting, restarting or shutting down, or has
 * no connection left. Nothing the command wrote is kept (a timed-out commit excepted: its outcome is unknown).
 * Adapters answer it with 503 and `Retry-After`.
 */
export type StorageUnavailable = ErrorOf<'StorageUnavailable'>

/** Every way a store call can fail: what each store method answers instead of a value. */
export type StorageFailure = StorageError | StorageUnavailable

/** The refusals of a join attempt, in the order `decideJoin` checks them. */
export type JoinRefusal = ErrorOf<
  | 'InvalidCode'
  | 'GroupNotFound'
  | 'UserBanned'
  | 'UserKicked'
  | 'GroupLocked'
  | 'LinkDisabled'
  | 'LinkExpired'
  | 'LinkUsedUp'
  | 'GroupInviteOnly'
  | 'FollowRequired'
  | 'MemberLimitReached'
>

export function storageError(message: string, cause?: unknown): StorageError {
  return cause === undefined ? { code: 'StorageError', message } : { code: 'StorageError', message, cause }
}

export function storageUnavailable(message: string, cause?: unknown): StorageUnavailable {
  return cause === undefined ? { code: 'StorageUnavailable', message } : { code: 'StorageUnavailable', message, cause }
}

/** Whether `value` is a `StorageUnavailable` error (e.g. one an id generator rejected with). */
export function isStorageUnavailable(value: unknown): value is StorageUnavailable {
  return typeof value === 'object' && value !== null && (value as { code?: unknown }).code === 'StorageUnavailable'
}
