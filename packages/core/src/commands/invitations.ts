import type { GroupId, UserId } from '../domain/group.js'
import type { JoinRequest } from '../domain/join-request.js'
import type { Step } from '../internal/storage-flow.js'
import type { StoreTx } from '../ports/membership-store.js'
import type { CommandContext, Emit } from './context.js'

/** Stores a pending invitation of `userId` to the group from `actor` and records `MemberInvited`; returns it. */
export async function insertInvitation(
  ctx: CommandContext,
  tx: StoreTx,
  emit: Emit,
  step: Step,
  invite: { groupId: GroupId; userId: UserId; actor: UserId; message: string | null; now: Date },
): Promise<JoinRequest> {
  const { groupId, userId, actor, message, now } = invite
  const invitation: JoinRequest = {
    id: ctx.ids.newId(),
    groupId,
    requesterId: userId,
    via: { kind: 'invitation', invitedBy: actor },
    message,
    status: 'pending',
    createdAt: now,
    decidedAt: null,
    decidedBy: null,
    rejectionReason: null,
    read: true,
  }
  await step(tx.insertRequest(invitation))
  emit({ type: 'MemberInvited', groupId, actor, at: now, requestId: invitation.id, subject: userId })
  return invitation
}
