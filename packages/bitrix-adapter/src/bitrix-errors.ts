import type { CoreError, CoreErrorCode } from '@joinery/core'
import { type BitrixError, bitrixError } from './wire/envelope.js'

/**
 * The one table from core errors to Bitrix24 errors: a never-empty code (the official JS SDK cannot read an empty
 * one, which the real server sends for method errors), the HTTP status and the description. Texts are Bitrix24's
 * documented ones where it has one. The compiler checks that every core error is mapped.
 */
export const BITRIX_ERRORS = {
  InvalidInput: { code: 'ERROR_ARGUMENT', status: 400, description: 'Incorrect input data' },
  StorageError: { code: 'INTERNAL_SERVER_ERROR', status: 500, description: 'Internal server error' },
  // Bitrix24's own "try again later" answer (its leaky bucket's 503): the official SDK retries it by itself.
  StorageUnavailable: {
    code: 'QUERY_LIMIT_EXCEEDED',
    status: 503,
    description: 'Service temporarily unavailable, try again later',
  },
  SocialGraphUnavailable: { code: 'INTERNAL_SERVER_ERROR', status: 500, description: 'Internal server error' },
  GroupNotFound: { code: 'ERROR_GROUP_NOT_FOUND', status: 400, description: 'Socialnetwork group not found' },
  InsufficientRole: {
    code: 'ACCESS_DENIED',
    status: 400,
    description: 'User has no permissions to do this in the group',
  },
  InvalidCode: { code: 'ERROR_NOT_FOUND', status: 400, description: 'Join link not found' },
  LinkDisabled: { code: 'ERROR_LINK_DISABLED', status: 400, description: 'The join link is disabled' },
  LinkExpired: { code: 'ERROR_LINK_EXPIRED', status: 400, description: 'The join link has expired' },
  LinkUsedUp: { code: 'ERROR_LINK_USED_UP', status: 400, description: 'The join link has reached its use limit' },
  GroupLocked: {
    code: 'ERROR_GROUP_ARCHIVED',
    status: 400,
    description: 'Cannot request to join group: the group is archived',
  },
  UserKicked: {
    code: 'ERROR_USER_EXCLUDED',
    status: 400,
    description: 'Cannot request to join group: the user was excluded from it',
  },
  UserBanned: {
    code: 'ERROR_USER_BANNED',
    status: 400,
    description: 'Cannot request to join group: the user is banned from it',
  },
  FollowRequired: {
    code: 'ERROR_FOLLOW_REQUIRED',
    status: 400,
    description: 'Cannot request to join group: the owner must follow the user',
  },
  MemberLimitReached: {
    code: 'ERROR_MEMBER_LIMIT_REACHED',
    status: 400,
    description: 'Cannot request to join group: it has reached its member limit',
  },
  GroupInviteOnly: {
    code: 'ERROR_INVITATION_ONLY',
    status: 400,
    description: 'Cannot request to join group: it admits members by invitation only',
  },
  EnabledLinkExists: {
    code: 'ERROR_LINK_EXISTS',
    status: 400,
    description: 'The group already has an enabled join link',
  },
  NoJoinLink: { code: 'ERROR_NOT_FOUND', status: 400, description: 'The group has no join link' },
  LinkAlreadyEnabled: { code: 'ERROR_LINK_ENABLED', status: 400, description: 'The join link is already enabled' },
  RequestNotFound: {
    code: 'ERROR_REQUEST_NOT_FOUND',
    status: 400,
    description: 'The user has no pending request to join the group',
  },
  RequestAlreadyDecided: { code: 'ERROR_REQUEST_DECIDED', status: 400, description: 'The request was already decided' },
  OwnerCannotLeave: { code: 'ERROR_OWNER_CANNOT_LEAVE', status: 400, description: 'The owner cannot leave the group' },
  NotAMember: {
    code: 'ERROR_USER_NOT_MEMBER',
    status: 400,
    description: 'Invalid user ID: the user is not a member of the group',
  },
  TargetIsOwner: {
    code: 'ERROR_USER_IS_OWNER',
    status: 400,
    description: 'The group owner cannot be the target of this action',
  },
  PendingRequestLimitReached: {
    code: 'ERROR_REQUEST_LIMIT_REACHED',
    status: 400,
    description: 'Cannot request to join group: it has too many pending requests',
  },
  GroupsPerUserLimitReached: {
    code: 'ERROR_GROUP_LIMIT_REACHED',
    status: 400,
    description: 'Cannot create group: the user owns as many groups as allowed',
  },
  LinksPerGroupLimitReached: {
    code: 'ERROR_LINK_LIMIT_REACHED',
    status: 400,
    description: 'The group has as many join links as allowed',
  },
} as const satisfies Record<CoreErrorCode, { code: string; status: number; description: string }>

/** Maps a core error; a method may give a more specific documented text for access errors. */
export function toBitrixError(error: CoreError, accessDenied?: string): BitrixError {
  const entry = BITRIX_ERRORS[error.code]
  if (error.code === 'InsufficientRole' && accessDenied) return bitrixError(entry.status, entry.code, accessDenied)
  if (error.code === 'InvalidInput' && error.issues.length) {
    const detail = error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')
    return bitrixError(entry.status, entry.code, `${entry.description}: ${detail}`)
  }
  // A server error keeps its core error as the cause, for the handler's onError (never sent).
  return entry.status >= 500
    ? bitrixError(entry.status, entry.code, entry.description, { cause: error })
    : bitrixError(entry.status, entry.code, entry.description)
}
