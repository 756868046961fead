import type { ResultAsync } from 'neverthrow'
import { decideAccess, decideAdministratorAccess, type GroupNotFound } from '../decisions/access.js'
import type { ErrorOf, StorageFailure } from '../domain/errors.js'
import type { Group } from '../domain/group.js'
import type { Membership } from '../domain/membership.js'
import { type InvalidInput, validate } from '../internal/validate.js'
import type { ListKey, Page } from '../ports/membership-store.js'
import { type CommandContext, type Outcome, type PageOf, readWithActor, runQuery } from './context.js'
import {
  type ListMembersError,
  type ListMembersInput,
  type ListUserGroupsInput,
  listMembersInput,
  listUserGroupsInput,
  type MemberPage,
} from './members.js'
import { allRows, pageOfRows, skipRows } from './paging.js'

const memberKey = (m: Membership): ListKey => ({ at: m.joinedAt, id: m.userId })
const groupKey = (m: Membership): ListKey => ({ at: m.joinedAt, id: m.groupId })

export function memberListCommands(ctx: CommandContext) {
  return {
    /**
     * Lists a group's members in the order they joined, a page after `cursor` and `offset` (or all of them, with
     * `all`), with the group's member count. Hidden groups list only for members; with `membersOnly`, every group does.
     */
    listMembers(input: ListMembersInput): ResultAsync<MemberPage, ListMembersError> {
      return validate(listMembersInput, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<MemberPage, GroupNotFound | ErrorOf<'NotAMember'>>> => {
          const read = await readWithActor(tx, step, cmd.groupId, cmd.actor ?? null)
          const access = cmd.asAdministrator
            ? decideAdministratorAccess(read.group)
            : decideAccess(read.group, read.actor, 'anyone')
          if (access.isErr()) return { refused: access.error }
          const { group, actor } = access.value
          if (cmd.membersOnly && !actor) return { refused: { code: 'NotAMember' } }
          const list = (page: Page) => tx.listMembers(group.id, page)
          const after = await skipRows(step, list, memberKey, cmd.cursor ?? null, cmd.offset)
          const page = cmd.all
            ? await allRows(step, list, memberKey, after)
            : pageOfRows(await step(list({ after, limit: cmd.limit + 1 })), cmd.limit, memberKey)
          return { done: { ...page, total: group.memberCount } }
        }),
      )
    },

    /** Lists the actor's own groups with their membership, in the order they joined (a page, or all with `all`). */
    listUserGroups(
      input: ListUserGroupsInput,
    ): ResultAsync<PageOf<{ group: Group; membership: Membership }>, InvalidInput | StorageFailure> {
      return validate(listUserGroupsInput, input).asyncAndThen((cmd) =>
        runQuery(ctx, async (tx, step): Promise<Outcome<PageOf<{ group: Group; membership: Membership }>, never>> => {
          const list = (page: Page) => tx.listMembershipsOfUser(cmd.actor, page)
          const after = await skipRows(step, list, groupKey, cmd.cursor ?? null, cmd.offset)
          const page = cmd.all
            ? await allRows(step, list, groupKey, after)
            : pageOfRows(await step(list({ after, limit: cmd.limit + 1 })), cmd.limit, groupKey)
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
