import type { ResultAsync } from 'neverthrow'
import {
  decideChangeRole,
  decideChangeRoles,
  decideTransfer,
  type RoleDecision,
  type Standing,
} from '../decisions/members.js'
import type { ErrorOf } from '../domain/errors.js'
import type { Group, GroupId, UserId } from '../domain/group.js'
import type { Membership } from '../domain/membership.js'
import type { Step } from '../internal/storage-flow.js'
import { validate } from '../internal/validate.js'
import type { StoreTx } from '../ports/membership-store.js'
import type { Outcome as CommandOutcome } from './context.js'
import {
  type CommandContext,
  type Emit,
  lockAccess,
  lockAccessAs,
  type Outcome,
  type Refusal,
  runCommand,
} from './context.js'
import {
  type ChangedRoles,
  type ChangeRoleError,
  type ChangeRoleInput,
  type ChangeRolesError,
  type ChangeRolesInput,
  changeRoleInput,
  changeRolesInput,
  closePending,
  loadStandings,
  type TransferError,
  type TransferOwnershipInput,
  transferOwnershipInput,
} from './members.js'

type TransferRefusal = ErrorOf<'NotAMember' | 'UserBanned' | 'MemberLimitReached'>

/**
 * Hands the group to `newOwnerId` under the group's lock (rules: `TRANSFER_RULES`), for `transferOwnership` and
 * `updateGroup`: the new owner's membership becomes (or, admitted, is inserted as) the owner's, the old owner's
 * becomes `previousOwnerRole`, then the group's owner changes. Answers the group as it is afterwards.
 */
export async function handOver(
  ctx: CommandContext,
  tx: StoreTx,
  emit: Emit,
  step: Step,
  group: Group,
  actor: UserId,
  newOwnerId: UserId,
  options: { readonly previousOwnerRole: 'moderator' | 'member'; readonly admitNonMember: boolean },
): Promise<CommandOutcome<Group, TransferRefusal>> {
  const now = ctx.clock.now()
  const [to] = await loadStandings(ctx, tx, emit, step, group.id, [newOwnerId], options.admitNonMember, now)
  if (!to) throw new Error('loadStandings returned no standing for the one user asked')
  const decision = decideTransfer(group, to, options, now)
  if (decision.isErr()) return { refused: decision.error }
  if (decision.value === 'unchanged') return { done: group }
  let memberCount = group.memberCount
  if (decision.value === 'admit') {
    const owner: Membership = {
      groupId: group.id,
      userId: newOwnerId,
      role: 'owner',
      joinedAt: now,
      source: { kind: 'transfer' },
      addedBy: actor,
    }
    const outcome = await step(tx.insertMembership(owner, group.memberLimit))
    if (outcome === 'limit-reached') return { refused: { code: 'MemberLimitReached', limit: group.memberLimit ?? 0 } }
    memberCount += 1
    if (to.removal) await step(tx.deleteRemoval(group.id, newOwnerId))
    if (to.pending) await closePending(tx, emit, step, to.pending, actor, { status: 'approved' }, now)
    emit({ type: 'MemberJoined', groupId: group.id, actor, at: now, subject: newOwnerId, code: null, requestId: null })
  } else {
    await step(tx.updateMembershipRole(group.id, newOwnerId, 'owner'))
  }
  await step(tx.updateMembershipRole(group.id, group.ownerId, options.previousOwnerRole))
  await step(tx.updateGroup(group.id, { ownerId: newOwnerId }))
  emit({ type: 'OwnershipTransferred', groupId: group.id, actor, at: now, subject: newOwnerId })
  return { done: { ...group, ownerId: newOwnerId, memberCount } }
}

/** The users' memberships (each once, in order): all a role change looks at. */
async function standingsOf(tx: StoreTx, step: Step, groupId: GroupId, userIds: Iterable<UserId>) {
  const standings: Standing[] = []
  for (const userId of new Set(userIds)) {
    standings.push({ userId, membership: await step(tx.getMembership(groupId, userId)), removal: null, pending: null })
  }
  return standings
}

export function roleCommands(ctx: CommandContext) {
  /** Writes one decided role change and its event. */
  async function applyRole(tx: StoreTx, emit: Emit, step: Step, actor: UserId, decision: RoleDecision) {
    if (decision.kind === 'unchanged') return decision.membership
    const { groupId, userId, role } = decision.membership
    await step(tx.updateMembershipRole(groupId, userId, role))
    emit({ type: 'RoleChanged', groupId, actor, at: ctx.clock.now(), subject: userId, role })
    return decision.membership
  }

  return {
    /** Makes a member a moderator or a plain member (owner only). Rules: `CHANGE_ROLE_RULES`. */
    changeRole(input: ChangeRoleInput): ResultAsync<Membership, ChangeRoleError> {
      return validate(changeRoleInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<Membership, Refusal<ChangeRoleError>>> => {
          const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'owner')
          if (access.isErr()) return { refused: access.error }
          const { group } = access.value
          const [target] = await standingsOf(tx, step, group.id, [cmd.userId])
          if (!target) throw new Error('standingsOf returned no standing for the one user asked')
          const decision = decideChangeRole(group, target, cmd.role)
          if (decision.isErr()) return { refused: decision.error }
          return { done: await applyRole(tx, emit, step, cmd.actor, decision.value) }
        }),
      )
    },

    /**
     * Gives several members one role in one step (owner only), as Bitrix24's `sonet_group.user.update` does: the
     * owner and non-members are skipped and reported, not refused; an authority error changes nobody.
     * Rules: `CHANGE_ROLES_RULES`.
     */
    changeRoles(input: ChangeRolesInput): ResultAsync<ChangedRoles, ChangeRolesError> {
      return validate(changeRolesInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<ChangedRoles, Refusal<ChangeRolesError>>> => {
          const access = await lockAccessAs(tx, step, cmd.groupId, cmd.actor, 'owner', cmd.asAdministrator)
          if (access.isErr()) return { refused: access.error }
          const { group } = access.value
          const decision = decideChangeRoles(group, await standingsOf(tx, step, group.id, cmd.userIds), cmd.role)
          const members: Membership[] = []
          for (const one of decision.members) members.push(await applyRole(tx, emit, step, cmd.actor, one))
          return { done: { members, skippedOwner: decision.skippedOwner, notMembers: decision.notMembers } }
        }),
      )
    },

    /**
     * Hands the group to another member (owner only, or an administrator); the old owner stays on as a moderator
     * (or a member, with `previousOwnerRole`); with `admitNonMember` a non-member may take it. Rules: `TRANSFER_RULES`.
     */
    transferOwnership(input: TransferOwnershipInput): ResultAsync<Group, TransferError> {
      return validate(transferOwnershipInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<Group, Refusal<TransferError>>> => {
          const access = await lockAccessAs(tx, step, cmd.groupId, cmd.actor, 'owner', cmd.asAdministrator)
          if (access.isErr()) return { refused: access.error }
          return handOver(ctx, tx, emit, step, access.value.group, cmd.actor, cmd.newOwnerId, cmd)
        }),
      )
    },
  }
}
