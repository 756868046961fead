/** A user's id as the embedding service knows it: an atproto DID, a Bitrix24 user id, an email… */
export type UserId = string
export type GroupId = string

export type LockStatus = 'unlocked' | 'locked' | 'locked-permanently'

/**
 * How people get in without being added by someone:
 * - `open`: anyone who may see the group joins at once (links may still ask for approval);
 * - `approval`: every join becomes a request for the approvers;
 * - `invite-only`: only links and approvers' additions let people in; direct requests are refused.
 */
export type AdmissionPolicy = 'open' | 'approval' | 'invite-only'

/** `hidden` groups are seen only by their members (and through a valid join link). */
export type Visibility = 'public' | 'hidden'

/** Who may approve requests, add, kick and ban: the owner alone, or the owner and the moderators. */
export type Approvers = 'owner' | 'owner-and-moderators'

/**
 * Who may invite users (`inviteMembers`): the owner alone, the owner and the moderators, or every member. A group
 * without a policy (made before there was one) lets its approvers invite (see `invitersOf`).
 */
export type Inviters = 'owner' | 'owner-and-moderators' | 'members'

/** Host-named descriptive attributes of a group: at most 32 keys of up to 64 characters, values up to 2,000. */
export type GroupAttributes = Readonly<Record<string, string>>

export interface Group {
  readonly id: GroupId
  readonly name: string
  readonly description: string
  readonly ownerId: UserId
  readonly createdAt: Date
  /** `null` means no limit. Counts every membership, the owner's included. */
  readonly memberLimit: number | null
  /** Kept by the store, changed only together with the membership rows it counts. */
  readonly memberCount: number
  readonly lockStatus: LockStatus
  readonly admission: AdmissionPolicy
  readonly visibility: Visibility
  readonly approvers: Approvers
  /** Who may invite; absent: the approvers (`invitersOf`). */
  readonly inviters?: Inviters
  /**
   * Descriptive attributes the host names and the core keeps without reading them (a Bitrix24 subject, keywords,
   * project flag…): text by text key. Absent or `{}` when none.
   */
  readonly attributes?: GroupAttributes
  /** When false (the default, as in Bluesky), at most one join link of the group is enabled at a time. */
  readonly allowMultipleLinks: boolean
}
