import type { ResultAsync } from 'neverthrow'
import {
  decideChangeRole,
  decideChangeRoles,
  decideTransfer,
  type RoleDecision,
  type Standing,
} from '../decisions/members.js'
import type { Group, GroupId, UserId } from '../domain/group.js'
import type { Membership } from '../domain/membership.js'
import type { Step } from '../internal/storage-flow.js'
import { validate } from '../internal/validate.js'
import type { StoreTx } from '../ports/membership-store.js'
import { type CommandContext, type Emit, lockAccess, type Outcome, type Refusal, runCommand } from './context.js'
import {
  type ChangedRoles,
  type ChangeRoleError,
  type ChangeRoleInput,
  type ChangeRolesError,
  type ChangeRolesInput,
  changeRoleInput,
  changeRolesInput,
  type TransferOwnershipInput,
  transferOwnershipInput,
} from './members.js'

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
          const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'owner')
          if (access.isErr()) return { refused: access.error }
          const { group } = access.value
          const decision = decideChangeRoles(group, await standingsOf(tx, step, group.id, cmd.userIds), cmd.role)
          const members: Membership[] = []
          for (const one of decision.members) members.push(await applyRole(tx, emit, step, cmd.actor, one))
          return { done: { members, skippedOwner: decision.skippedOwner, notMembers: decision.notMembers } }
        }),
      )
    },

    /** Hands the group to another member (owner only); the old owner stays on as a moderator. Rules: `TRANSFER_RULES`. */
    transferOwnership(input: TransferOwnershipInput): ResultAsync<Group, ChangeRoleError> {
      return validate(transferOwnershipInput, input).asyncAndThen((cmd) =>
        runCommand(ctx, async (tx, emit, step): Promise<Outcome<Group, Refusal<ChangeRoleError>>> => {
          const access = await lockAccess(tx, step, cmd.groupId, cmd.actor, 'owner')
          if (access.isErr()) return { refused: access.error }
          const { group } = access.value
          const [to] = await standingsOf(tx, step, group.id, [cmd.newOwnerId])
          if (!to) throw new Error('standingsOf returned no standing for the one user asked')
          const decision = decideTransfer(group, to)
          if (decision.isErr()) return { refused: decision.error }
          if (decision.value === 'unchanged') return { done: group }
          await step(tx.updateMembershipRole(group.id, cmd.newOwnerId, 'owner'))
          await step(tx.updateMembershipRole(group.id, group.ownerId, 'moderator'))
          await step(tx.updateGroup(group.id, { ownerId: cmd.newOwnerId }))
          emit({
            type: 'OwnershipTransferred',
            groupId: group.id,
            actor: cmd.actor,
            at: ctx.clock.now(),
            subject: cmd.newOwnerId,
          })
          return { done: { ...group, ownerId: cmd.newOwnerId } }
        }),
      )
    },
  }
}
