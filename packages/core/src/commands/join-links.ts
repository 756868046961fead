import { err, errAsync, ok, okAsync, type Result, type ResultAsync, safeTry } from 'neverthrow'
import { z } from 'zod'
import type { ErrorOf, StorageError } from '../domain/errors.js'
import type { Group, GroupId } from '../domain/group.js'
import { emptyCounters, type JoinLink, linkUnavailability } from '../domain/join-link.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Membership } from '../domain/membership.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import type { LinkChange, StoreTx } from '../ports/membership-store.js'
import {
  type CommandContext,
  type GroupNotFound,
  type InsufficientRole,
  inTransaction,
  loadGroupFor,
  viewGroupFor,
} from './context.js'
import * as s from './schemas.js'

const linkSettings = {
  joinRule: z.enum(['anyone', 'followed-by-owner']),
  requireApproval: z.boolean(),
  name: z.string().trim().min(1).max(100).nullable(),
  expiresAt: z.date().nullable(),
  maxUses: z.number().int().min(1).max(1_000_000_000).nullable(),
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
  codes: z.array(z.string().max(256)).min(1).max(50),
})
export type PreviewJoinLinksInput = z.input<typeof previewJoinLinksInput>

export type LinkCommandError = InvalidInput | GroupNotFound | InsufficientRole | ErrorOf<'NoJoinLink'> | StorageError
export type CreateJoinLinkError =
  | InvalidInput
  | GroupNotFound
  | InsufficientRole
  | ErrorOf<'EnabledLinkExists'>
  | StorageError
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

/**
 * Whether a join through `link` needs approval: the link or the group asks for it. This is the last rule of
 * `decideJoin` (`JOIN_RULES`), which decides the join itself; the two must say the same.
 */
function linkNeedsApproval(link: JoinLink, group: Group): boolean {
  return link.requireApproval || group.admission === 'approval'
}

/** The link a command names: the given code of this group, else its enabled link, else its newest. */
function resolveLink(
  tx: StoreTx,
  groupId: GroupId,
  code: string | undefined,
): ResultAsync<JoinLink, ErrorOf<'NoJoinLink'> | StorageError> {
  const noLink = { code: 'NoJoinLink' } as const
  if (code !== undefined) {
    return tx
      .getLink(code)
      .andThen((link): Result<JoinLink, typeof noLink> => (link?.groupId === groupId ? ok(link) : err(noLink)))
  }
  return tx.listLinks(groupId).andThen((links): Result<JoinLink, typeof noLink> => {
    const chosen = links.find((l) => l.enabled) ?? links[0]
    return chosen ? ok(chosen) : err(noLink)
  })
}

function otherEnabledLink(tx: StoreTx, group: Group, code: string | null) {
  return tx
    .listLinks(group.id)
    .map((links) => !group.allowMultipleLinks && links.some((l) => l.enabled && l.code !== code))
}

export function joinLinkCommands(ctx: CommandContext) {
  function changeLink<E>(
    cmd: { actor: string; groupId: string; code?: string | undefined },
    change: (link: JoinLink, group: Group, tx: StoreTx) => ResultAsync<JoinLink, E>,
  ) {
    return inTransaction(ctx, (tx, emit) =>
      safeTry(async function* () {
        const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'owner')
        const link = yield* resolveLink(tx, group.id, cmd.code)
        const updated = yield* change(link, group, tx)
        const fields = (Object.keys(updated) as (keyof JoinLink)[]).filter((k) => updated[k] !== link[k])
        if (fields.length === 0) return ok(link)
        // Only the settings this command changed: the counters belong to the joins, which count atomically.
        yield* tx.updateLink(link.code, Object.fromEntries(fields.map((k) => [k, updated[k]])) as LinkChange)
        emit({
          type: 'JoinLinkChanged',
          groupId: group.id,
          actor: cmd.actor,
          at: ctx.clock.now(),
          code: link.code,
          fields,
        })
        return ok(updated)
      }),
    )
  }

  return {
    /** Makes a join link (owner only). Without `allowMultipleLinks`, refuses while another link is enabled. */
    createJoinLink(input: CreateJoinLinkInput): ResultAsync<JoinLink, CreateJoinLinkError> {
      return validate(createJoinLinkInput, input).asyncAndThen((cmd) =>
        inTransaction(ctx, (tx, emit) =>
          safeTry(async function* () {
            const { group } = yield* loadGroupFor(tx, cmd.groupId, cmd.actor, 'owner')
            if (yield* otherEnabledLink(tx, group, null)) return err({ code: 'EnabledLinkExists' } as const)
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
            yield* tx.insertLink(link)
            emit({ type: 'JoinLinkCreated', groupId: group.id, actor: cmd.actor, at: now, code: link.code })
            return ok(link)
          }),
        ),
      )
    },

    /** Changes a link's rule, approval mode, name, expiry or cap (owner only). */
    editJoinLink(input: EditJoinLinkInput): ResultAsync<JoinLink, LinkCommandError> {
      return validate(editJoinLinkInput, input).asyncAndThen(({ actor, groupId, code, ...patch }) =>
        changeLink({ actor, groupId, code }, (link) => {
          const defined = Object.entries(patch).filter(([, v]) => v !== undefined)
          return okAsync<JoinLink>({ ...link, ...Object.fromEntries(defined) })
        }),
      )
    },

    /** Enables a disabled link (owner only). */
    enableJoinLink(input: LinkTargetInput): ResultAsync<JoinLink, EnableJoinLinkError> {
      return validate(linkTarget, input).asyncAndThen((cmd) =>
        changeLink(
          cmd,
          (
            link,
            group,
            tx,
          ): ResultAsync<JoinLink, ErrorOf<'LinkAlreadyEnabled' | 'EnabledLinkExists'> | StorageError> => {
            if (link.enabled) return errAsync({ code: 'LinkAlreadyEnabled' } as const)
            return otherEnabledLink(tx, group, link.code).andThen((blocked) =>
              blocked ? err({ code: 'EnabledLinkExists' } as const) : ok<JoinLink>({ ...link, enabled: true }),
            )
          },
        ),
      )
    },

    /** Disables a link (owner only); disabling a disabled link changes nothing. */
    disableJoinLink(input: LinkTargetInput): ResultAsync<JoinLink, LinkCommandError> {
      return validate(linkTarget, input).asyncAndThen((cmd) =>
        changeLink(cmd, (link) => okAsync<JoinLink>({ ...link, enabled: false })),
      )
    },

    /** The group's links, newest first, with their counters (owner only). */
    listJoinLinks(
      input: GroupTargetInput,
    ): ResultAsync<readonly JoinLink[], InvalidInput | GroupNotFound | InsufficientRole | StorageError> {
      return validate(s.groupTarget, input).asyncAndThen((cmd) =>
        ctx.store.transaction((tx) =>
          viewGroupFor(tx, cmd.groupId, cmd.actor, 'owner').andThen(({ group }) => tx.listLinks(group.id)),
        ),
      )
    },

    /** What each code leads to, for anyone (the viewer may be anonymous). Writes nothing. */
    previewJoinLinks(input: PreviewJoinLinksInput): ResultAsync<JoinLinkPreview[], InvalidInput | StorageError> {
      return validate(previewJoinLinksInput, input).asyncAndThen((cmd) =>
        ctx.store.transaction((tx) =>
          safeTry(async function* () {
            const now = ctx.clock.now()
            const previews: JoinLinkPreview[] = []
            for (const code of cmd.codes) {
              const link = yield* tx.getLink(code)
              const group = link ? yield* tx.getGroup(link.groupId) : null
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
              const viewerMembership = viewer ? yield* tx.getMembership(group.id, viewer) : null
              const latest = viewer ? yield* tx.getLatestRequest(group.id, viewer) : null
              previews.push({
                kind: 'valid',
                code,
                link,
                group,
                viewerMembership,
                viewerRequest: latest?.status === 'pending' ? latest : null,
                requiresApproval: linkNeedsApproval(link, group),
              })
            }
            return ok(previews)
          }),
        ),
      )
    },
  }
}
