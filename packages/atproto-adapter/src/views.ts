import type { Group, Joinery, JoinLink, JoinRequest, Membership } from '@joinery/core'
import { revOf } from './rev.js'

/** What a host knows about an account, for `chat.bsky.actor.defs#profileViewBasic`. */
export interface ProfileBasics {
  readonly handle: string
  readonly displayName?: string
  readonly avatar?: string
}

/** Looks up profiles by DID; DIDs missing from the answer get the handle `handle.invalid`. */
export type ProfileLookup = (dids: readonly string[]) => Promise<ReadonlyMap<string, ProfileBasics>>

/** Lets a chat service add what Joinery does not hold (messages, rev, unread counts, muted) to a convo view. */
export type ConvoEnricher = (
  view: ConvoView,
  context: { readonly group: Group; readonly viewer: string },
) => ConvoView | Promise<ConvoView>

export interface ViewOptions {
  readonly profiles?: ProfileLookup
  readonly enrichConvo?: ConvoEnricher
  /** How many members a convo view lists (the first ones, plus the viewer). Default 10. */
  readonly convoMembers?: number
}

export interface ProfileViewBasic {
  readonly did: string
  readonly handle: string
  readonly displayName?: string
  readonly avatar?: string
  readonly kind?: {
    readonly $type: 'chat.bsky.actor.defs#groupConvoMember'
    readonly role: 'owner' | 'standard'
    readonly addedBy?: ProfileViewBasic
  }
}

export interface JoinLinkView {
  readonly code: string
  readonly enabledStatus: 'enabled' | 'disabled'
  readonly requireApproval: boolean
  readonly joinRule: 'anyone' | 'followedByOwner'
  readonly createdAt: string
}

export interface ConvoView {
  readonly id: string
  readonly rev: string
  readonly members: readonly ProfileViewBasic[]
  readonly muted: boolean
  readonly unreadCount: number
  readonly status?: 'request' | 'accepted'
  readonly kind: {
    readonly $type: 'chat.bsky.convo.defs#groupConvo'
    readonly createdAt: string
    readonly lockStatus: Group['lockStatus']
    readonly lockStatusModerationOverride: boolean
    readonly memberCount: number
    readonly memberLimit: number
    readonly name: string
    readonly joinLink?: JoinLinkView
    readonly joinRequestCount?: number
    readonly unreadJoinRequestCount?: number
  }
  readonly [extra: string]: unknown
}

export const JOIN_RULE_TO_WIRE = { anyone: 'anyone', 'followed-by-owner': 'followedByOwner' } as const
export const JOIN_RULE_FROM_WIRE = { anyone: 'anyone', followedByOwner: 'followed-by-owner' } as const

const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/

/**
 * Whether a user id is a DID. One core may serve other protocols too (Bitrix24 users are numbers): atproto views
 * leave such users out, since a profile view must name a DID.
 */
export function isDid(userId: string): boolean {
  return userId.length <= 2048 && DID.test(userId)
}

/** Bluesky shows at most this many pending requests to the owner ("20+"). */
const JOIN_REQUEST_COUNT_CAP = 21

export function joinLinkView(link: JoinLink): JoinLinkView {
  return {
    code: link.code,
    enabledStatus: link.enabled ? 'enabled' : 'disabled',
    requireApproval: link.requireApproval,
    joinRule: JOIN_RULE_TO_WIRE[link.joinRule],
    createdAt: link.createdAt.toISOString(),
  }
}

/** Builds views from core data, asking the host's profile lookup once per response. */
export function createViews(joinery: Joinery, options: ViewOptions, defaultMemberLimit: number) {
  const profiles: ProfileLookup = options.profiles ?? (async () => new Map())
  const convoMembers = options.convoMembers ?? 10

  async function profileMap(dids: Iterable<string>): Promise<(did: string) => ProfileViewBasic> {
    const unique = [...new Set(dids)]
    let known: ReadonlyMap<string, ProfileBasics> = new Map()
    try {
      known = unique.length ? await profiles(unique) : known
    } catch {
      // A profile service that is down must not fail a membership answer: fall back to bare DIDs.
    }
    return (did) => {
      const p = known.get(did)
      return {
        did,
        handle: p?.handle ?? 'handle.invalid',
        ...(p?.displayName ? { displayName: p.displayName } : {}),
        ...(p?.avatar ? { avatar: p.avatar } : {}),
      }
    }
  }

  function memberView(profile: (did: string) => ProfileViewBasic, m: Membership): ProfileViewBasic {
    const addedBy = m.addedBy && m.source.kind === 'added' && isDid(m.addedBy) ? { addedBy: profile(m.addedBy) } : {}
    return {
      ...profile(m.userId),
      kind: {
        $type: 'chat.bsky.actor.defs#groupConvoMember',
        role: m.role === 'owner' ? 'owner' : 'standard',
        ...addedBy,
      },
    }
  }

  /** The members of a page, as `profileViewBasic` with their group role. */
  async function memberViews(memberships: readonly Membership[]): Promise<ProfileViewBasic[]> {
    const shown = memberships.filter((m) => isDid(m.userId))
    const profile = await profileMap(shown.flatMap((m) => (m.addedBy ? [m.userId, m.addedBy] : [m.userId])))
    return shown.map((m) => memberView(profile, m))
  }

  /**
   * The convo view of a group as `viewer` sees it: its important members (the first ones, the viewer, and who added
   * or invited the viewer, as the lexicon lists them), and for the owner the link and request counts. A user invited
   * to the convo (`status: 'request'`) sees it as Bluesky shows a member in request status: the same members, and
   * themself as added by the inviter.
   */
  async function convoView(group: Group, viewer: string): Promise<ConvoView> {
    const view = await joinery.getGroup({ viewer, groupId: group.id, invited: true })
    const viewerMembership = view.isOk() ? view.value.viewerMembership : null
    const invitation = !viewerMembership && view.isOk() ? (view.value.viewerInvitation ?? null) : null
    const invitedBy = invitation?.via.kind === 'invitation' ? invitation.via.invitedBy : null
    const addedBy = viewerMembership?.addedBy ?? invitedBy
    const [firstMembers, links] = await Promise.all([
      // An invitee is not a member yet, so the core shows them no members: they are read with the owner's eyes,
      // only once the core has shown the invitation (`getGroup`'s `invited`).
      joinery.listMembers({ actor: invitation ? group.ownerId : viewer, groupId: group.id, limit: convoMembers }),
      group.ownerId === viewer ? joinery.listJoinLinks({ actor: viewer, groupId: group.id }) : null,
    ])
    const members = firstMembers.isOk() ? [...firstMembers.value.items] : []
    // Who added the viewer, when not among the first members already: their membership (they may have left since).
    const adder =
      addedBy && addedBy !== viewer && !members.some((m) => m.userId === addedBy)
        ? await joinery.getGroup({ viewer: addedBy, groupId: group.id })
        : null
    const adderMembership = adder?.isOk() ? adder.value.viewerMembership : null
    const self: Membership | null =
      viewerMembership ??
      (invitation
        ? {
            groupId: group.id,
            userId: viewer,
            role: 'member',
            joinedAt: invitation.createdAt,
            source: { kind: 'added' },
            addedBy: invitedBy,
          }
        : null)
    for (const important of [self, adderMembership])
      if (important && !members.some((m) => m.userId === important.userId)) members.push(important)
    const current = view.isOk() ? view.value.group : group
    const pending = view.isOk() ? view.value.pendingRequests : null
    const link = links?.isOk() ? (links.value.find((l) => l.enabled) ?? links.value[0]) : undefined
    const built: ConvoView = {
      id: current.id,
      // The group's newest event: an ordering that only grows, the same position getLog's revs count in.
      rev: revOf(view.isOk() ? view.value.lastEventSeq : null),
      members: await memberViews(members),
      muted: false,
      unreadCount: 0,
      // A user invited (not yet a member) sees the convo as a request until they accept it.
      status: invitation ? 'request' : 'accepted',
      kind: {
        $type: 'chat.bsky.convo.defs#groupConvo',
        createdAt: current.createdAt.toISOString(),
        lockStatus: current.lockStatus,
        lockStatusModerationOverride: false,
        memberCount: current.memberCount,
        memberLimit: current.memberLimit ?? defaultMemberLimit,
        name: current.name,
        ...(link ? { joinLink: joinLinkView(link) } : {}),
        ...(pending && current.ownerId === viewer
          ? {
              joinRequestCount: Math.min(pending.total, JOIN_REQUEST_COUNT_CAP),
              unreadJoinRequestCount: pending.unread,
            }
          : {}),
      },
    }
    return options.enrichConvo ? options.enrichConvo(built, { group: current, viewer }) : built
  }

  async function joinRequestViews(requests: readonly JoinRequest[]) {
    const shown = requests.filter((r) => isDid(r.requesterId))
    const profile = await profileMap(shown.map((r) => r.requesterId))
    return shown.map((r) => ({
      convoId: r.groupId,
      requestedBy: profile(r.requesterId),
      requestedAt: r.createdAt.toISOString(),
    }))
  }

  return { profileMap, memberViews, convoView, joinRequestViews }
}

export type Views = ReturnType<typeof createViews>
