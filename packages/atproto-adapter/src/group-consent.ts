import { AtpAgent } from '@atproto/api'

/** What a chat service knows of a user it is asked to add to a group, as seen from the adder. */
export interface SubjectFacts {
  /** Whether the account exists (an AppView knows its profile). */
  readonly exists: boolean
  /** The subject blocks the adder (directly or by a list). */
  readonly blocksAdder: boolean
  /** The adder blocks the subject (directly or by a list). */
  readonly blockedByAdder: boolean
  /** The subject follows the adder. */
  readonly followsAdder: boolean
  /** The subject's `chat.bsky.actor.declaration`: `allowIncoming` and `allowGroupInvites`, as written (unchecked). */
  readonly allowIncoming?: string
  readonly allowGroupInvites?: string
}

/** What a chat service knows of the caller who creates a group or adds to one. */
export interface ActorFacts {
  /** The account is suspended (taken down by moderation). */
  readonly suspended: boolean
  /** When the account was made, where known; an account of unknown age is not held to be new. */
  readonly createdAt?: Date
}

/** Where the facts come from: an AppView (`createAppViewChatFacts`) or memory (`createInMemoryChatFacts`). */
export interface ChatFacts {
  /** The facts of each subject, as the adder's. MUST reject (not guess) when it cannot tell. */
  subjects(adder: string, subjects: readonly string[]): Promise<ReadonlyMap<string, SubjectFacts>>
  /** The caller's own standing. MUST reject (not guess) when it cannot tell. */
  actor(did: string): Promise<ActorFacts>
  /** Accounts younger than this may not create groups (`NewAccountCannotCreateGroup`); 0: any may. */
  readonly minAccountAgeMs: number
}

/**
 * The default youngest age of an account that may create a group: one day. Bluesky refuses new accounts
 * (`NewAccountCannotCreateGroup`, "You cannot create a group chat yet") but does not publish its threshold.
 */
export const DEFAULT_MIN_ACCOUNT_AGE_MS = 24 * 60 * 60 * 1000

export type GroupAdderRefusal = 'AccountSuspended' | 'NewAccountCannotCreateGroup'

/** The rules of {@link decideGroupAdder}, in their order of precedence. */
export const GROUP_ADDER_RULES = [
  'a suspended account can neither create a group nor add anyone to one (AccountSuspended)',
  'an account younger than the minimum age cannot create a group (NewAccountCannotCreateGroup); adding to a group it is in stays open to it',
] as const

/** Whether a caller with these facts may create a group (`creating`) or add users to one, at `now`. Pure. */
export function decideGroupAdder(
  facts: ActorFacts,
  action: { readonly creating: boolean; readonly now: Date; readonly minAccountAgeMs: number },
): GroupAdderRefusal | null {
  if (facts.suspended) return 'AccountSuspended'
  const age = facts.createdAt ? action.now.getTime() - facts.createdAt.getTime() : Number.POSITIVE_INFINITY
  if (action.creating && age < action.minAccountAgeMs) return 'NewAccountCannotCreateGroup'
  return null
}

export type GroupInviteRefusal =
  | 'RecipientNotFound'
  | 'BlockedActor'
  | 'BlockedSubject'
  | 'UserForbidsGroups'
  | 'NotFollowedBySender'

/** The rules of {@link decideGroupInvite}, in their order of precedence. */
export const GROUP_INVITE_RULES = [
  'the subject must be an existing account (RecipientNotFound)',
  'a subject who blocks the adder cannot be added (BlockedActor: the actor is blocked)',
  'a subject the adder blocks cannot be added (BlockedSubject: the subject is blocked)',
  "the subject's declaration decides: allowGroupInvites, else allowIncoming, else `following`, as the Bluesky app reads it",
  '`all` lets anyone add them; `none`, or a value this service does not know, lets nobody (UserForbidsGroups)',
  '`following` lets only people the subject follows add them (NotFollowedBySender)',
] as const

/** Whether `adder` may add a user with these facts to a group. Pure. */
export function decideGroupInvite(facts: SubjectFacts | undefined): GroupInviteRefusal | null {
  if (!facts?.exists) return 'RecipientNotFound'
  if (facts.blocksAdder) return 'BlockedActor'
  if (facts.blockedByAdder) return 'BlockedSubject'
  const allows = facts.allowGroupInvites ?? facts.allowIncoming ?? 'following'
  if (allows === 'all') return null
  if (allows === 'following') return facts.followsAdder ? null : 'NotFollowedBySender'
  return 'UserForbidsGroups'
}

/** The messages of the refusals, as a client shows them. */
export const GROUP_INVITE_MESSAGES: Record<GroupInviteRefusal | GroupAdderRefusal, string> = {
  AccountSuspended: 'Suspended accounts cannot participate in a group chat.',
  NewAccountCannotCreateGroup: 'You cannot create a group chat yet.',
  RecipientNotFound: 'One of the members does not exist.',
  BlockedActor: 'One of the members has blocked you.',
  BlockedSubject: 'You have blocked one of the members.',
  UserForbidsGroups: 'One of the members does not allow being added to groups.',
  NotFollowedBySender: 'One of the members only allows people they follow to add them to groups.',
}

interface ProfileChat {
  did: string
  associated?: { chat?: { allowIncoming?: string; allowGroupInvites?: string } }
}
interface Relationship {
  did?: string
  followedBy?: string
  blocking?: string
  blockedBy?: string
  blockingByList?: string
  blockedByList?: string
}

/**
 * The facts from an AppView: `app.bsky.actor.getProfiles` (existence, and the declaration it shows as
 * `associated.chat`) and `app.bsky.graph.getRelationships` from the adder (follows and blocks, lists included), 25
 * subjects a call; the caller's standing from `app.bsky.actor.getProfile` (an AppView answers a taken-down account
 * with `AccountTakedown`, "Account has been suspended"; its profile's `createdAt` dates the account). Any other
 * failure rejects: the call is then refused with `UpstreamFailure`, never let through.
 */
export function createAppViewChatFacts(
  options: { readonly service?: string; readonly minAccountAgeMs?: number } = {},
): ChatFacts {
  const agent = new AtpAgent({ service: options.service ?? 'https://api.bsky.app' })
  return {
    minAccountAgeMs: options.minAccountAgeMs ?? DEFAULT_MIN_ACCOUNT_AGE_MS,
    async actor(did) {
      try {
        const { data } = await agent.app.bsky.actor.getProfile({ actor: did })
        const createdAt = data.createdAt ? new Date(data.createdAt) : undefined
        return { suspended: false, ...(createdAt && !Number.isNaN(createdAt.getTime()) ? { createdAt } : {}) }
      } catch (error) {
        // An XRPCError of the client (its class is not a peer dependency here: read by shape).
        if ((error as { error?: unknown } | null)?.error === 'AccountTakedown') return { suspended: true }
        throw error
      }
    },
    async subjects(adder, subjects) {
      const facts = new Map<string, SubjectFacts>()
      for (let i = 0; i < subjects.length; i += 25) {
        const actors = subjects.slice(i, i + 25)
        const [profiles, relations] = await Promise.all([
          agent.app.bsky.actor.getProfiles({ actors }),
          agent.app.bsky.graph.getRelationships({ actor: adder, others: actors }),
        ])
        const profile = new Map((profiles.data.profiles as ProfileChat[]).map((p) => [p.did, p]))
        const relation = new Map(
          (relations.data.relationships as Relationship[]).flatMap((r) => (r.did ? [[r.did, r] as const] : [])),
        )
        for (const did of actors) {
          const p = profile.get(did)
          const r = relation.get(did)
          const chat = p?.associated?.chat
          facts.set(did, {
            exists: p !== undefined,
            blocksAdder: Boolean(r?.blockedBy || r?.blockedByList),
            blockedByAdder: Boolean(r?.blocking || r?.blockingByList),
            followsAdder: Boolean(r?.followedBy),
            ...(chat?.allowIncoming ? { allowIncoming: chat.allowIncoming } : {}),
            ...(chat?.allowGroupInvites ? { allowGroupInvites: chat.allowGroupInvites } : {}),
          })
        }
      }
      return facts
    },
  }
}

/**
 * Facts kept in memory, for tests: accounts (with their creation time), suspensions, follows, blocks and declarations
 * set by hand.
 */
export function createInMemoryChatFacts(options: { readonly minAccountAgeMs?: number } = {}) {
  const accounts = new Map<string, { allowIncoming?: string; allowGroupInvites?: string }>()
  const created = new Map<string, Date>()
  const suspended = new Set<string>()
  const follows = new Set<string>()
  const blocks = new Set<string>()
  const edge = (a: string, b: string) => `${a} ${b}`
  const facts: ChatFacts & {
    addAccount(
      did: string,
      declaration?: { allowIncoming?: string; allowGroupInvites?: string },
      createdAt?: Date,
    ): void
    suspend(did: string): void
    follow(follower: string, subject: string): void
    block(blocker: string, subject: string): void
  } = {
    minAccountAgeMs: options.minAccountAgeMs ?? DEFAULT_MIN_ACCOUNT_AGE_MS,
    addAccount: (did, declaration = {}, createdAt) => {
      accounts.set(did, declaration)
      if (createdAt) created.set(did, createdAt)
    },
    suspend: (did) => {
      suspended.add(did)
    },
    async actor(did) {
      const createdAt = created.get(did)
      return { suspended: suspended.has(did), ...(createdAt ? { createdAt } : {}) }
    },
    follow: (follower, subject) => {
      follows.add(edge(follower, subject))
    },
    block: (blocker, subject) => {
      blocks.add(edge(blocker, subject))
    },
    async subjects(adder, subjects) {
      return new Map(
        subjects.map((did) => {
          const declaration = accounts.get(did)
          return [
            did,
            {
              exists: declaration !== undefined,
              blocksAdder: blocks.has(edge(did, adder)),
              blockedByAdder: blocks.has(edge(adder, did)),
              followsAdder: follows.has(edge(did, adder)),
              ...declaration,
            },
          ] as const
        }),
      )
    },
  }
  return facts
}
