import type { DomainEvent, Membership, StoredEvent } from '@joinery/core'
import { revOf } from './rev.js'
import { isDid, type ProfileViewBasic } from './views.js'

/** One `chat.bsky.convo.getLog` entry, before profiles are filled in: the users it names. */
export interface PendingLog {
  readonly entry: Record<string, unknown>
  /** Users whose `profileViewBasic` the entry needs, as `relatedProfiles` or `member`. */
  readonly related: readonly string[]
  readonly member?: string
}

const user = (did: string) => ({ did })
const D = 'chat.bsky.convo.defs'

/**
 * The log entries an event of a group gives `viewer`, as the lexicons describe them. With `membership` (the viewer
 * was a member when it happened): membership changes to every member, join-request changes to the owner only. The
 * viewer's own events come whether or not they were a member (`membership` null): their leave or removal
 * (`logLeaveConvo`, not the others' `logMemberLeave`/`logRemoveMember`), their invitation (`logBeginConvo` and
 * `logAddMember`, as an added member gets), its acceptance (`logAcceptConvo`), their join requests
 * (`logOutgoingJoinRequest`, `logWithdrawOutgoingJoinRequest`). Events with no log in the lexicons (roles, bans of
 * non-members, expiries, deletions) give none, and so do events naming users that are not DIDs.
 */
export function logsOf(stored: StoredEvent, viewer: string, membership: Membership | null): PendingLog[] {
  const e: DomainEvent = stored.event
  const rev = revOf(stored.seq)
  const base = { rev, convoId: e.groupId }
  const system = (data: Record<string, unknown>) => ({
    id: `system-${rev}`,
    rev,
    sentAt: e.at.toISOString(),
    data,
  })
  const isOwner = membership?.role === 'owner'
  /** A log of the viewer's own that names nobody else. */
  const own = (type: string): PendingLog[] => [{ entry: { $type: `${D}#${type}`, ...base }, related: [] }]
  const systemLog = (type: string, data: Record<string, unknown>, related: string[]): PendingLog[] =>
    related.every(isDid)
      ? [{ entry: { $type: `${D}#${type}`, ...base, message: system(data), relatedProfiles: [] }, related }]
      : []
  const ownerLog = (type: string, member: string): PendingLog[] =>
    isOwner && isDid(member) ? [{ entry: { $type: `${D}#${type}`, ...base }, related: [], member }] : []

  // Outside a membership only the viewer's own events give logs: those about them, and their own leave or requests.
  const aboutViewer =
    'subject' in e
      ? e.subject === viewer
      : e.actor === viewer &&
        (e.type === 'MemberLeft' || e.type === 'JoinRequested' || e.type === 'JoinRequestWithdrawn')
  if (membership === null && !aboutViewer) return []

  switch (e.type) {
    case 'GroupCreated':
      return e.actor === viewer ? [{ entry: { $type: `${D}#logBeginConvo`, ...base }, related: [] }] : []
    case 'MemberJoined': {
      const data = (type: string) => ({ $type: `${D}#${type}`, member: user(e.subject), role: 'standard' })
      const begin: PendingLog[] =
        e.subject === viewer ? [{ entry: { $type: `${D}#logBeginConvo`, ...base }, related: [] }] : []
      if (e.actor === e.subject && e.requestId === null)
        return [...begin, ...systemLog('logMemberJoin', data('systemMessageDataMemberJoin'), [e.subject])]
      // An accepted invitation: the members saw it as an added member when it was made (MemberInvited).
      if (e.requestId !== null && e.actor === e.subject) return e.subject === viewer ? own('logAcceptConvo') : []
      if (e.requestId !== null)
        return [
          ...begin,
          ...systemLog('logMemberJoin', { ...data('systemMessageDataMemberJoin'), approvedBy: user(e.actor) }, [
            e.subject,
            e.actor,
          ]),
        ]
      return [
        ...begin,
        ...systemLog('logAddMember', { ...data('systemMessageDataAddMember'), addedBy: user(e.actor) }, [
          e.subject,
          e.actor,
        ]),
      ]
    }
    case 'MemberInvited': {
      // Bluesky adds a member in `request` status: the convo begins for them, and everyone sees them added.
      const added = systemLog(
        'logAddMember',
        { $type: `${D}#systemMessageDataAddMember`, member: user(e.subject), role: 'standard', addedBy: user(e.actor) },
        [e.subject, e.actor],
      )
      return e.subject === viewer && added.length ? [...own('logBeginConvo'), ...added] : added
    }
    case 'MemberLeft':
      if (e.actor === viewer) return own('logLeaveConvo')
      return systemLog('logMemberLeave', { $type: `${D}#systemMessageDataMemberLeave`, member: user(e.actor) }, [
        e.actor,
      ])
    case 'MemberKicked':
      if (e.subject === viewer) return own('logLeaveConvo')
      return systemLog(
        'logRemoveMember',
        { $type: `${D}#systemMessageDataRemoveMember`, member: user(e.subject), removedBy: user(e.actor) },
        [e.subject, e.actor],
      )
    case 'GroupLocked':
      return e.permanent
        ? systemLog(
            'logLockConvoPermanently',
            { $type: `${D}#systemMessageDataLockConvoPermanently`, lockedBy: user(e.actor) },
            [e.actor],
          )
        : systemLog('logLockConvo', { $type: `${D}#systemMessageDataLockConvo`, lockedBy: user(e.actor) }, [e.actor])
    case 'GroupUnlocked':
      return systemLog('logUnlockConvo', { $type: `${D}#systemMessageDataUnlockConvo`, unlockedBy: user(e.actor) }, [
        e.actor,
      ])
    case 'GroupUpdated':
      return e.fields.includes('name')
        ? [
            {
              entry: {
                $type: `${D}#logEditGroup`,
                ...base,
                message: system({
                  $type: `${D}#systemMessageDataEditGroup`,
                  ...(e.name ? { oldName: e.name.old, newName: e.name.new } : {}),
                }),
              },
              related: [],
            },
          ]
        : []
    case 'JoinLinkCreated':
      return [linkLog('logCreateJoinLink', 'systemMessageDataCreateJoinLink')]
    case 'JoinLinkChanged': {
      const logs: PendingLog[] = []
      if (e.fields.some((f) => f !== 'enabled')) logs.push(linkLog('logEditJoinLink', 'systemMessageDataEditJoinLink'))
      if (e.enabled === true) logs.push(linkLog('logEnableJoinLink', 'systemMessageDataEnableJoinLink'))
      if (e.enabled === false) logs.push(linkLog('logDisableJoinLink', 'systemMessageDataDisableJoinLink'))
      return logs
    }
    case 'JoinRequested':
      return e.actor === viewer ? own('logOutgoingJoinRequest') : ownerLog('logIncomingJoinRequest', e.actor)
    case 'JoinRequestApproved':
      // An invitee accepting is their join, logged by MemberJoined.
      return e.actor === e.subject ? [] : ownerLog('logApproveJoinRequest', e.subject)
    case 'JoinRequestRejected':
      return ownerLog('logRejectJoinRequest', e.subject)
    case 'JoinRequestWithdrawn':
      return e.actor === viewer
        ? own('logWithdrawOutgoingJoinRequest')
        : ownerLog('logWithdrawIncomingJoinRequest', e.actor)
    default:
      return []
  }

  function linkLog(type: string, data: string): PendingLog {
    return { entry: { $type: `${D}#${type}`, ...base, message: system({ $type: `${D}#${data}` }) }, related: [] }
  }
}

/** Fills in the profiles a log entry names. */
export function withProfiles(log: PendingLog, profile: (did: string) => ProfileViewBasic): Record<string, unknown> {
  return {
    ...log.entry,
    ...(log.related.length || 'relatedProfiles' in log.entry ? { relatedProfiles: log.related.map(profile) } : {}),
    ...(log.member ? { member: profile(log.member) } : {}),
  }
}
