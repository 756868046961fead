import type { ResultAsync } from 'neverthrow'
import { decideAccess, type GroupNotFound } from '../decisions/access.js'
import type { ErrorOf, StorageError } from '../domain/errors.js'
import type { Group, GroupId } from '../domain/group.js'
import type { Membership } from '../domain/membership.js'
import { encodeCursor } from '../internal/keyset.js'
import type { Step } from '../internal/storage-flow.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import type { ListKey, StoreTx } from '../ports/membership-store.js'
import { type CommandContext, type Outcome, type PageOf, readWithActor, runQuery } from './context.js'
import {
  type ListMembersError,
  type ListMembersInput,
  type ListUserGroupsInput,
  listMembersInput,
  listUserGroupsInput,
  type MemberPage,
} from './members.js'

function pageResult<T>(rows: readonly T[], limit: number, keyOf: (row: T) => ListKey): PageOf<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, cursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null }
}

/** How many rows offset paging reads at a time while it skips. */
const SKIP_CHUNK = 1000

/** The key after the first `count` members following `after` (offset paging over the keyset port). */
async function skipMembers(tx: StoreTx, step: Step, groupId: GroupId, after: ListKey | null, count: number) {
  let key = after
  for (let left = count; left > 0; ) {
    const rows = await step(tx.listMembers(groupId, { after: key, limit: Math.min(left, SKIP_CHUNK) }))
    const last = rows.at(-1)
    if (!last) break
    key = { at: last.joinedAt, id: last.userId }
    left -= rows.length
  }
  return key
}

export function memberListCommands(ctx: CommandContext) {
  return {
    /**
     * Lists a group's members in the order they joined, a page after `cursor` and `offset`, with the group's member
     * count. Hidden groups list only for members; with `membersOnly`, every group does.
     */
    listMembers(input: ListMembersInput): ResultAsync<MemberPage, ListMembersError> {
      return validate(listMembersInput, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<MemberPage, GroupNotFound | ErrorOf<'NotAMember'>>> => {
          const read = await readWithActor(tx, step, cmd.groupId, cmd.actor ?? null)
          const access = decideAccess(read.group, read.actor, 'anyone')
          if (access.isErr()) return { refused: access.error }
          const { group, actor } = access.value
          if (cmd.membersOnly && !actor) return { refused: { code: 'NotAMember' } }
          const after = await skipMembers(tx, step, group.id, cmd.cursor ?? null, cmd.offset)
          const rows = await step(tx.listMembers(group.id, { after, limit: cmd.limit + 1 }))
          const page = pageResult(rows, cmd.limit, (m) => ({ at: m.joinedAt, id: m.userId }))
          return { done: { ...page, total: group.memberCount } }
        }),
      )
    },

    /** Lists the actor's own groups with their membership, in the order they joined. */
    listUserGroups(
      input: ListUserGroupsInput,
    ): ResultAsync<PageOf<{ group: Group; membership: Membership }>, InvalidInput | StorageError> {
      return validate(listUserGroupsInput, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<PageOf<{ group: Group; membership: Membership }>, never>> => {
          const after = cmd.cursor ?? null
          const rows = await step(tx.listMembershipsOfUser(cmd.actor, { after, limit: cmd.limit + 1 }))
          const page = pageResult(rows, cmd.limit, (m) => ({ at: m.joinedAt, id: m.groupId }))
          const items: { group: Group; membership: Membership }[] = []
          for (const membership of page.items) {
            const group = await step(tx.getGroup(membership.groupId))
            if (group) items.push({ group, membership })
          }
          return { done: { items, cursor: page.cursor } }
        }),
      )
    },
  }
}
