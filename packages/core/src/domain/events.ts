import type { GroupId, UserId } from './group.js'
import type { Role } from './membership.js'

interface EventBase {
  readonly groupId: GroupId
  /** Who acted. */
  readonly actor: UserId
  readonly at: Date
}

/**
 * What happened, published to the event sink only after the change is committed.
 * `subject` is the user the event is about when that is not the actor.
 */
export type DomainEvent =
  | (EventBase & { readonly type: 'GroupCreated' })
  | (EventBase & {
      readonly type: 'GroupUpdated'
      readonly fields: readonly string[]
      /** When `fields` names `name`: the name before the change and after it. */
      readonly name?: { readonly old: string; readonly new: string }
    })
  | (EventBase & { readonly type: 'GroupLocked'; readonly permanent: boolean })
  | (EventBase & { readonly type: 'GroupUnlocked' })
  | (EventBase & { readonly type: 'GroupDeleted' })
  | (EventBase & { readonly type: 'JoinLinkCreated'; readonly code: string })
  | (EventBase & {
      readonly type: 'JoinLinkChanged'
      readonly code: string
      readonly fields: readonly string[]
      /** The link's new state when the change enabled or disabled it. */
      readonly enabled?: boolean
    })
  | (EventBase & {
      readonly type: 'JoinRequested'
      readonly requestId: string
      readonly code: string | null
    })
  | (EventBase & { readonly type: 'MemberInvited'; readonly requestId: string; readonly subject: UserId })
  | (EventBase & { readonly type: 'JoinRequestApproved'; readonly requestId: string; readonly subject: UserId })
  | (EventBase & {
      readonly type: 'JoinRequestRejected'
      readonly requestId: string
      readonly subject: UserId
      readonly reason: string | null
    })
  | (EventBase & { readonly type: 'JoinRequestWithdrawn'; readonly requestId: string })
  | (EventBase & { readonly type: 'JoinRequestExpired'; readonly requestId: string; readonly subject: UserId })
  | (EventBase & {
      readonly type: 'MemberJoined'
      readonly subject: UserId
      readonly code: string | null
      readonly requestId: string | null
    })
  | (EventBase & { readonly type: 'MemberLeft' })
  | (EventBase & { readonly type: 'MemberKicked'; readonly subject: UserId; readonly reason: string | null })
  | (EventBase & {
      readonly type: 'UserBanned'
      readonly subject: UserId
      readonly until: Date | null
      readonly reason: string | null
    })
  | (EventBase & { readonly type: 'UserUnbanned'; readonly subject: UserId })
  | (EventBase & { readonly type: 'RoleChanged'; readonly subject: UserId; readonly role: Role })
  | (EventBase & { readonly type: 'OwnershipTransferred'; readonly subject: UserId })

export type DomainEventType = DomainEvent['type']
