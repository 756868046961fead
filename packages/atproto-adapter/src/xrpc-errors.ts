import type { CoreError, CoreErrorCode } from '@joinery/core'
import { declaredErrors, SERVED_METHODS, type ServedMethod } from './lexicons/index.js'

/** What an XRPC error body says, with its HTTP status. */
export interface XrpcErrorResult {
  readonly status: number
  readonly error: string
  readonly message: string
}

/**
 * The one table from core errors to XRPC error names. Each core error lists the names it may take, best first;
 * a method answers with the first its lexicon declares, else with the generic name of `fallback`. The compiler
 * checks that every core error is mapped.
 */
export const XRPC_ERRORS = {
  InvalidInput: { names: [], fallback: 'InvalidRequest', message: 'Invalid request' },
  StorageError: { names: [], fallback: 'InternalServerError', message: 'Internal Server Error' },
  StorageUnavailable: {
    names: [],
    fallback: 'NotEnoughResources',
    message: 'Storage is temporarily unavailable, try again later',
  },
  SocialGraphUnavailable: { names: [], fallback: 'UpstreamFailure', message: 'Could not check who the owner follows' },
  GroupNotFound: {
    names: ['InvalidConvo', 'InvalidCode', 'InvalidJoinRequest'],
    fallback: 'InvalidRequest',
    message: 'Convo not found',
  },
  InsufficientRole: {
    names: ['InsufficientRole'],
    fallback: 'InvalidRequest',
    message: 'Only the group owner can do this',
  },
  InvalidCode: { names: ['InvalidCode'], fallback: 'InvalidRequest', message: 'Invalid group chat code.' },
  LinkDisabled: { names: ['LinkDisabled'], fallback: 'InvalidRequest', message: 'This invite link has been disabled.' },
  LinkExpired: { names: ['LinkDisabled'], fallback: 'InvalidRequest', message: 'This invite link has expired.' },
  LinkUsedUp: {
    names: ['LinkDisabled'],
    fallback: 'InvalidRequest',
    message: 'This invite link has reached its use limit.',
  },
  GroupLocked: { names: ['ConvoLocked'], fallback: 'InvalidRequest', message: 'This conversation is locked.' },
  UserKicked: { names: ['UserKicked'], fallback: 'InvalidRequest', message: 'You have been removed from this group.' },
  UserBanned: { names: ['UserKicked'], fallback: 'InvalidRequest', message: 'You have been banned from this group.' },
  FollowRequired: {
    names: ['FollowRequired'],
    fallback: 'InvalidRequest',
    message: 'Only followers can join this group chat.',
  },
  MemberLimitReached: {
    names: ['MemberLimitReached'],
    fallback: 'InvalidRequest',
    message: 'The member limit has been reached.',
  },
  GroupInviteOnly: {
    names: ['InvalidCode'],
    fallback: 'InvalidRequest',
    message: 'This group can only be joined with a link.',
  },
  EnabledLinkExists: {
    names: ['EnabledJoinLinkAlreadyExists'],
    fallback: 'InvalidRequest',
    message: 'The group already has an enabled join link.',
  },
  NoJoinLink: { names: ['NoJoinLink'], fallback: 'InvalidRequest', message: 'The group has no join link.' },
  LinkAlreadyEnabled: {
    names: ['LinkAlreadyEnabled'],
    fallback: 'InvalidRequest',
    message: 'The join link is already enabled.',
  },
  RequestNotFound: {
    names: ['InvalidJoinRequest'],
    fallback: 'InvalidRequest',
    message: 'No join request from this user.',
  },
  RequestAlreadyDecided: {
    names: ['InvalidJoinRequest'],
    fallback: 'InvalidRequest',
    message: 'The join request was already decided.',
  },
  OwnerCannotLeave: {
    names: ['OwnerCannotLeave'],
    fallback: 'InvalidRequest',
    message: 'The owner cannot leave the group.',
  },
  NotAMember: { names: ['InvalidConvo'], fallback: 'InvalidRequest', message: 'Not a member of this convo.' },
  TargetIsOwner: {
    names: ['InsufficientRole'],
    fallback: 'InvalidRequest',
    message: 'The group owner cannot be the target of this action.',
  },
  // The service's caps: no lexicon declares a name for them.
  PendingRequestLimitReached: {
    names: [],
    fallback: 'InvalidRequest',
    message: 'This group has too many pending join requests; try again later.',
  },
  GroupsPerUserLimitReached: {
    names: [],
    fallback: 'InvalidRequest',
    message: 'You own as many groups as this service allows.',
  },
  LinksPerGroupLimitReached: {
    names: [],
    fallback: 'InvalidRequest',
    message: 'This group has as many join links as this service allows.',
  },
} as const satisfies Record<CoreErrorCode, { names: readonly string[]; fallback: GenericError; message: string }>

/** XRPC's generic error names (`@atproto/xrpc` `ResponseType`), for errors no lexicon declares. */
type GenericError = 'InvalidRequest' | 'InternalServerError' | 'UpstreamFailure' | 'NotEnoughResources'

const GENERIC_STATUS: Record<GenericError, number> = {
  InvalidRequest: 400,
  InternalServerError: 500,
  UpstreamFailure: 502,
  NotEnoughResources: 503,
}

const declared = new Map(SERVED_METHODS.map((nsid) => [nsid, declaredErrors(nsid)]))

/**
 * Turns a core error into the XRPC error `nsid` may answer: a declared name (400) or a generic one. An id or code the
 * core refuses as input (too long, NUL, an unpaired surrogate: none can name a stored group or link) is answered as
 * a missing one — `InvalidConvo`, `InvalidCode`… — since the lexicon accepts it and no such convo or link exists.
 */
export function toXrpcError(nsid: ServedMethod, coreError: CoreError): XrpcErrorResult {
  const error = asMissing(coreError)
  const entry = XRPC_ERRORS[error.code]
  const names = declared.get(nsid)
  const name = entry.names.find((n) => names?.has(n))
  const message = error.code === 'InvalidInput' ? describeIssues(error.issues) : entry.message
  if (name) return { status: 400, error: name, message }
  return { status: GENERIC_STATUS[entry.fallback], error: entry.fallback, message }
}

/** The refusal of an id or a code that cannot exist, as the core's answer for a missing one; other errors as they are. */
function asMissing(error: CoreError): CoreError {
  if (error.code !== 'InvalidInput' || error.issues.length === 0) return error
  const fields = new Set(error.issues.map((i) => i.path[0]))
  if (fields.size !== 1) return error
  if (fields.has('groupId')) return { code: 'GroupNotFound' }
  if (fields.has('code')) return { code: 'InvalidCode' }
  return error
}

/** Core input fields by the names the lexicons give them, so no message names an internal field. */
const WIRE_FIELDS: Readonly<Record<string, string>> = {
  groupId: 'convoId',
  userIds: 'members',
  initialMembers: 'members',
  userId: 'member',
  actor: 'iss',
  viewer: 'iss',
}

function describeIssues(issues: readonly { path: readonly (string | number)[]; message: string }[]): string {
  const wire = (path: readonly (string | number)[]) =>
    path.map((p, i) => (i === 0 && typeof p === 'string' ? (WIRE_FIELDS[p] ?? p) : p)).join('.')
  return (
    issues.map((i) => (i.path.length ? `${wire(i.path)}: ${i.message}` : i.message)).join('; ') || 'Invalid request'
  )
}
