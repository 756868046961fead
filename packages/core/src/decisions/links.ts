import { err, ok, type Result } from 'neverthrow'
import type { ErrorOf } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
import type { JoinLink } from '../domain/join-link.js'
import type { LinkChange } from '../ports/membership-store.js'
import { ACCESS_RULES } from './access.js'

type EnabledLinkExists = ErrorOf<'EnabledLinkExists'>
type NoJoinLink = ErrorOf<'NoJoinLink'>

/** The rule every command on an existing link checks after the access rules. */
export const LINK_TARGET_RULE =
  "the link named by its code must be one of the group's; with no code, the group's enabled link, else its newest (NoJoinLink)"

export const CREATE_LINK_RULES = [
  ...ACCESS_RULES,
  'a group that does not allow several links has one enabled link at a time (EnabledLinkExists)',
  'otherwise the link is made, enabled',
] as const

/** Decides whether the owner may make another link, given the group's links. Pure. */
export function decideCreateLink(group: Group, links: readonly JoinLink[]): Result<'create', EnabledLinkExists> {
  return blocksAnotherEnabledLink(group, links, null) ? err({ code: 'EnabledLinkExists' }) : ok('create')
}

/** The link a command names: the given code of this group, else its enabled link, else its newest. Pure. */
export function pickLink(links: readonly JoinLink[], code: string | undefined): Result<JoinLink, NoJoinLink> {
  const picked = code !== undefined ? links.find((l) => l.code === code) : (links.find((l) => l.enabled) ?? links[0])
  return picked ? ok(picked) : err({ code: 'NoJoinLink' })
}

/** What a link command does: nothing, or change the settings named (never the counters). */
export type LinkDecision =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'change'; readonly change: LinkChange; readonly fields: readonly (keyof LinkChange)[] }

export const EDIT_LINK_RULES = [
  ...ACCESS_RULES,
  LINK_TARGET_RULE,
  'only the settings given change, and a setting given its current value is no change',
] as const

/** Decides an edit of a link's settings. Pure. */
export function decideEditLink(link: JoinLink, wanted: LinkChange): LinkDecision {
  return changeOf(link, wanted)
}

export const ENABLE_LINK_RULES = [
  ...ACCESS_RULES,
  LINK_TARGET_RULE,
  'an enabled link is not enabled again (LinkAlreadyEnabled)',
  'a group that does not allow several links has one enabled link at a time (EnabledLinkExists)',
  'otherwise the link is enabled',
] as const

/** Decides enabling a link, given the group's links. Pure. */
export function decideEnableLink(
  group: Group,
  links: readonly JoinLink[],
  link: JoinLink,
): Result<LinkDecision, ErrorOf<'LinkAlreadyEnabled'> | EnabledLinkExists> {
  if (link.enabled) return err({ code: 'LinkAlreadyEnabled' })
  if (blocksAnotherEnabledLink(group, links, link.code)) return err({ code: 'EnabledLinkExists' })
  return ok(changeOf(link, { enabled: true }))
}

export const DISABLE_LINK_RULES = [
  ...ACCESS_RULES,
  LINK_TARGET_RULE,
  'a disabled link stays as it is; otherwise it is disabled',
] as const

/** Decides disabling a link. Pure. */
export function decideDisableLink(link: JoinLink): LinkDecision {
  return changeOf(link, { enabled: false })
}

function blocksAnotherEnabledLink(group: Group, links: readonly JoinLink[], except: string | null): boolean {
  return !group.allowMultipleLinks && links.some((l) => l.enabled && l.code !== except)
}

/** The settings of `wanted` that differ from the link's (dates compare by time). */
function changeOf(link: JoinLink, wanted: LinkChange): LinkDecision {
  const fields = (Object.keys(wanted) as (keyof LinkChange)[]).filter(
    (k) => wanted[k] !== undefined && !sameValue(wanted[k], link[k]),
  )
  if (fields.length === 0) return { kind: 'unchanged' }
  return { kind: 'change', change: Object.fromEntries(fields.map((k) => [k, wanted[k]])) as LinkChange, fields }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b
}
