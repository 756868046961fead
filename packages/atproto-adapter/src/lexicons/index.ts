import type { LexiconDoc } from '@atproto/lexicon'
import documents from './lexicons.json'

/**
 * The pinned official lexicons (bluesky-social/atproto d6296a1, identical to `@atproto/api` 0.21.0): the methods
 * this adapter serves and every definition they reference. Bundled so Node 20 hosts, whose `@atproto/api` is
 * older, serve the same contract. `scripts/pin-lexicons.py` writes the JSON.
 */
export const LEXICONS = documents as unknown as LexiconDoc[]

/** The NSIDs this adapter serves. */
export const SERVED_METHODS = [
  'chat.bsky.group.requestJoin',
  'chat.bsky.group.createGroup',
  'chat.bsky.group.editGroup',
  'chat.bsky.group.createJoinLink',
  'chat.bsky.group.editJoinLink',
  'chat.bsky.group.enableJoinLink',
  'chat.bsky.group.disableJoinLink',
  'chat.bsky.group.getJoinLinkPreviews',
  'chat.bsky.group.withdrawJoinRequest',
  'chat.bsky.group.listJoinRequests',
  'chat.bsky.group.approveJoinRequest',
  'chat.bsky.group.rejectJoinRequest',
  'chat.bsky.group.updateJoinRequestsRead',
  'chat.bsky.group.addMembers',
  'chat.bsky.group.removeMembers',
  'chat.bsky.convo.lockConvo',
  'chat.bsky.convo.unlockConvo',
  'chat.bsky.convo.leaveConvo',
  'chat.bsky.convo.getConvoMembers',
  'chat.bsky.convo.getConvo',
  'chat.bsky.convo.listConvos',
  'chat.bsky.convo.listConvoRequests',
  'chat.bsky.convo.acceptConvo',
  'chat.bsky.convo.getLog',
  'chat.bsky.group.listMutualGroups',
] as const

export type ServedMethod = (typeof SERVED_METHODS)[number]

/** The error names each served method's lexicon declares. */
export function declaredErrors(nsid: ServedMethod): ReadonlySet<string> {
  const doc = LEXICONS.find((d) => d.id === nsid)
  const main = doc?.defs.main as { errors?: { name: string }[] } | undefined
  return new Set((main?.errors ?? []).map((e) => e.name))
}
