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

/** Where the facts come from: an AppView (`createAppViewChatFacts`) or memory (`createInMemoryChatFacts`). */
export interface ChatFacts {
  /** The facts of each subject, as the adder's. MUST reject (not guess) when it cannot tell. */
  subjects(adder: string, subjects: readonly string[]): Promise<ReadonlyMap<string, SubjectFacts>>
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
export const GROUP_INVITE_MESSAGES: Record<GroupInviteRefusal, string> = {
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
 * subjects a call. Any failure rejects: the add is then refused with `UpstreamFailure`, never let through.
 */
export function createAppViewChatFacts(options: { readonly service?: string } = {}): ChatFacts {
  const agent = new AtpAgent({ service: options.service ?? 'https://api.bsky.app' })
  return {
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

/** Facts kept in memory, for tests: accounts, follows, blocks and declarations set by hand. */
export function createInMemoryChatFacts() {
  const accounts = new Map<string, { allowIncoming?: string; allowGroupInvites?: string }>()
  const follows = new Set<string>()
  const blocks = new Set<string>()
  const edge = (a: string, b: string) => `${a} ${b}`
  const facts: ChatFacts & {
    addAccount(did: string, declaration?: { allowIncoming?: string; allowGroupInvites?: string }): void
    follow(follower: string, subject: string): void
    block(blocker: string, subject: string): void
  } = {
    addAccount: (did, declaration = {}) => {
      accounts.set(did, declaration)
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
