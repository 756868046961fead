import { ok, type Result, type ResultAsync } from 'neverthrow'
import { z } from 'zod'
import { needsApproval } from '../decide-join.js'
import { decideCap } from '../decisions/caps.js'
import {
  decideCreateLink,
  decideDisableLink,
  decideEditLink,
  decideEnableLink,
  type LinkDecision,
  pickLink,
} from '../decisions/links.js'
import type { ErrorOf, StorageFailure } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
import { emptyCounters, type JoinLink, linkUnavailability } from '../domain/join-link.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import {
  type CommandContext,
  type GroupNotFound,
  type InsufficientRole,
  lockAccess,
  type Outcome,
  readAccess,
  runCommand,
  runQuery,
} from './context.js'
import * as s from './schemas.js'

const linkSettings = {
  joinRule: z.enum(['anyone', 'followed-by-owner']),
  requireApproval: z.boolean(),
  name: s.safeText().trim().min(1).max(100).nullable(),
  expiresAt: s.storableDate.nullable(),
  maxUses: s.boundedInt(1, 1_000_000_000).nullable(),
}

export const createJoinLinkInput = s.groupTarget.extend({
  joinRule: linkSettings.joinRule.default('anyone'),
  requireApproval: linkSettings.requireApproval.default(false),
  name: linkSettings.name.default(null),
  expiresAt: linkSettings.expiresAt.default(null),
  maxUses: linkSettings.maxUses.default(null),
})
export type CreateJoinLinkInput = z.input<typeof createJoinLinkInput>

/** Names a link of a group: `code`, or when omitted the group's enabled link (else its newest). */
export const linkTarget = s.groupTarget.extend({ code: s.joinCode.optional() })
export type LinkTargetInput = z.input<typeof linkTarget>
type GroupTargetInput = z.input<typeof s.groupTarget>

export const editJoinLinkInput = linkTarget.extend({
  joinRule: linkSettings.joinRule.optional(),
  requireApproval: linkSettings.requireApproval.optional(),
  name: linkSettings.name.optional(),
  expiresAt: linkSettings.expiresAt.optional(),
  maxUses: linkSettings.maxUses.optional(),
})
export type EditJoinLinkInput = z.input<typeof editJoinLinkInput>

export const previewJoinLinksInput = z.object({
  viewer: s.userId.nullish(),
  /** Any text: a code no link can have (too long, or not storable) previews as `invalid`, as an unknown one does. */
  codes: z.array(z.string()).min(1).max(50),
})
export type PreviewJoinLinksInput = z.input<typeof previewJoinLinksInput>

export type LinkCommandError = InvalidInput | GroupNotFound | InsufficientRole | ErrorOf<'NoJoinLink'> | StorageFailure
export type CreateJoinLinkError =
  | InvalidInput
  | GroupNotFound
  | InsufficientRole
  | ErrorOf<'EnabledLinkExists' | 'LinksPerGroupLimitReached'>
  | StorageFailure
export type EnableJoinLinkError = LinkCommandError | ErrorOf<'LinkAlreadyEnabled' | 'EnabledLinkExists'>

/** What a link shows before joining, one per code asked, in the same order. */
export type JoinLinkPreview =
  | { readonly kind: 'invalid'; readonly code: string }
  | { readonly kind: 'disabled'; readonly code: string; readonly reason: 'LinkDisabled' | 'LinkExpired' | 'LinkUsedUp' }
  | {
      readonly kind: 'valid'
      readonly code: string
      readonly link: JoinLink
      readonly group: Group
      /** The viewer's membership: the group's content may be shown only when this is set. */
      readonly viewerMembership: Membership | null
      /** The viewer's pending request, if any. */
      readonly viewerRequest: JoinRequest | null
      /** Whether joining through this link makes a request for the approvers rather than a member at once. */
      readonly requiresApproval: boolean
    }

export function joinLinkCommands(ctx: CommandContext) {
  type LinkRefusal<E> = GroupNotFound | InsufficientRole | ErrorOf<'NoJoinLink'> | E
  /** The shape of every command on an existing link: lock, check the owner, pick the link, decide, write. */
  function changeLink<E>(
    cmd: { actor: string; groupId: string; code?: string | undefined },
    decide: (link: JoinLink, group: Group, links: readonly JoinLink[]) => Result<LinkDecision, E>,
  ): ResultAsync<JoinLink, LinkRefusal<E> | StorageFailure> {
    return runCommand(ctx, async (tx, emit, step): Promise<Outcome<JoinLink, LinkRefusal<E>>> => {
      const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'owner')
      if (access.isErr()) return { refused: access.error }
      const { group } = access.value
      const links = await step(tx.listLinks(group.id))
      const picked = pickLink(links, cmd.code)
      if (picked.isErr()) return { refused: picked.error }
      const link = picked.value
      const decision = decide(link, group, links)
      if (decision.isErr()) return { refused: decision.error }
      const d = decision.value
      if (d.kind === 'unchanged') return { done: link }
      // Only the settings this command changed: the counters belong to the joins, which count atomically.
      await step(tx.updateLink(link.code, d.change))
      emit({
        type: 'JoinLinkChanged',
        groupId: group.id,
        actor: cmd.actor,
        at: ctx.clock.now(),
        code: link.code,
        fields: d.fields,
        ...(d.change.enabled !== undefined ? { enabled: d.change.enabled } : {}),
      })
      return { done: { ...link, ...d.change } }
    })
  }

  return {
    /** Makes a join link (owner only). Without `allowMultipleLinks`, refuses while another link is enabled. */
    createJoinLink(input: CreateJoinLinkInput): ResultAsync<JoinLink, CreateJoinLinkError> {
      return validate(createJoinLinkInput, input).asyncAndThen((cmd) =>
        runCommand(
          ctx,
          async (
            tx,
            emit,
            step,
          ): Promise<Outcome<JoinLink, Exclude<CreateJoinLinkError, InvalidInput | StorageFailure>>> => {
            const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'owner')
            if (access.isErr()) return { refused: access.error }
            const { group } = access.value
            const links = await step(tx.listLinks(group.id))
            const decision = decideCreateLink(group, links).andThen(() =>
              decideCap('LinksPerGroupLimitReached', links.length, ctx.caps.linksPerGroup),
            )
            if (decision.isErr()) return { refused: decision.error }
            const now = ctx.clock.now()
            const link: JoinLink = {
              code: ctx.ids.newCode(),
              groupId: group.id,
              createdBy: cmd.actor,
              joinRule: cmd.joinRule,
              requireApproval: cmd.requireApproval,
              enabled: true,
              createdAt: now,
              name: cmd.name,
              expiresAt: cmd.expiresAt,
              maxUses: cmd.maxUses,
              counters: emptyCounters,
            }
            await step(tx.insertLink(link))
            emit({ type: 'JoinLinkCreated', groupId: group.id, actor: cmd.actor, at: now, code: link.code })
            return { done: link }
          },
        ),
      )
    },

    /** Changes a link's rule, approval mode, name, expiry or cap (owner only). */
    editJoinLink(input: EditJoinLinkInput): ResultAsync<JoinLink, LinkCommandError> {
      return validate(editJoinLinkInput, input).asyncAndThen(({ actor, groupId, code, ...wanted }) =>
        changeLink({ actor, groupId, code }, (link) => ok(decideEditLink(link, wanted))),
      )
    },

    /** Enables a disabled link (owner only). */
    enableJoinLink(input: LinkTargetInput): ResultAsync<JoinLink, EnableJoinLinkError> {
      return validate(linkTarget, input).asyncAndThen((cmd) =>
        changeLink(cmd, (link, group, links) => decideEnableLink(group, links, link)),
      )
    },

    /** Disables a link (owner only); disabling a disabled link changes nothing. */
    disableJoinLink(input: LinkTargetInput): ResultAsync<JoinLink, LinkCommandError> {
      return validate(linkTarget, input).asyncAndThen((cmd) => changeLink(cmd, (link) => ok(decideDisableLink(link))))
    },

    /** The group's links, newest first, with their counters (owner only). */
    listJoinLinks(
      input: GroupTargetInput,
    ): ResultAsync<readonly JoinLink[], InvalidInput | GroupNotFound | InsufficientRole | StorageFailure> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<readonly JoinLink[], GroupNotFound | InsufficientRole>> => {
          const access = await readAccess(tx, step, cmd.groupId, cmd.actor, 'owner')
          if (access.isErr()) return { refused: access.error }
          return { done: await step(tx.listLinks(access.value.group.id)) }
        }),
      )
    },

    /** What each code leads to, for anyone (the viewer may be anonymous). Writes nothing. */
    previewJoinLinks(input: PreviewJoinLinksInput): ResultAsync<JoinLinkPreview[], InvalidInput | StorageFailure> {
      return validate(previewJoinLinksInput, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<JoinLinkPreview[], never>> => {
          const now = ctx.clock.now()
          const previews: JoinLinkPreview[] = []
          for (const code of cmd.codes) {
            const link = s.joinCode.safeParse(code).success ? await step(tx.getLink(code)) : null
            const group = link ? await step(tx.getGroup(link.groupId)) : null
            if (!link || !group) {
              previews.push({ kind: 'invalid', code })
              continue
            }
            const reason = linkUnavailability(link, now)
            if (reason) {
              previews.push({ kind: 'disabled', code, reason })
              continue
            }
            const viewer = cmd.viewer
            const viewerMembership = viewer ? await step(tx.getMembership(group.id, viewer)) : null
            const latest = viewer ? await step(tx.getLatestRequest(group.id, viewer)) : null
            previews.push({
              kind: 'valid',
              code,
              link,
              group,
              viewerMembership,
              viewerRequest: latest?.status === 'pending' ? latest : null,
              requiresApproval: needsApproval(group, link),
            })
          }
          return { done: previews }
        }),
      )
    },
  }
}
