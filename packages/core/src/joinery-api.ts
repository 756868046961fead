import type { ResultAsync } from 'neverthrow'
import type { PageOf } from './commands/context.js'
import type { ReadUserLogInput, UserLog } from './commands/group-log.js'
import type {
  CreateGroupError,
  CreateGroupInput,
  DeleteGroupInput,
  GetGroupInput,
  GroupTargetInput,
  GroupView,
  ListGroupsInput,
  LockGroupInput,
  ManageGroupError,
  UnlockGroupError,
  UpdateGroupError,
  UpdateGroupInput,
} from './commands/groups.js'
import type {
  ExplainError,
  ExplainJoinInput,
  JoinError,
  JoinExplanation,
  JoinResult,
  RequestJoinByCodeInput,
  RequestJoinInput,
} from './commands/join.js'
import type {
  CreateJoinLinkError,
  CreateJoinLinkInput,
  EditJoinLinkInput,
  EnableJoinLinkError,
  JoinLinkPreview,
  LinkCommandError,
  LinkTargetInput,
  PreviewJoinLinksInput,
} from './commands/join-links.js'
import type {
  AddedMembers,
  AddMembersError,
  AddMembersInput,
  BanUserInput,
  ChangedRoles,
  ChangeRoleError,
  ChangeRoleInput,
  ChangeRolesError,
  ChangeRolesInput,
  InvitedMembers,
  InviteMembersError,
  InviteMembersInput,
  LeaveError,
  LeaveGroupInput,
  ListMembersError,
  ListMembersInput,
  ListUserGroupsInput,
  ManageError,
  MemberPage,
  RemovedMembers,
  RemoveMembersError,
  RemoveMembersInput,
  TransferError,
  TransferOwnershipInput,
  UnbanUserInput,
} from './commands/members.js'
import type {
  ApprovedRequest,
  ApproveError,
  ApproveJoinRequestInput,
  ApproverCommandError,
  DecidedRequest,
  ListJoinRequestsInput,
  ListUserRequestsInput,
  RejectError,
  RejectJoinRequestInput,
  RequestPage,
  UserRequest,
  WithdrawError,
  WithdrawJoinRequestInput,
} from './commands/requests.js'
import type { GroupNotFound, InsufficientRole } from './decisions/access.js'
import type { StorageFailure } from './domain/errors.js'
import type { Group } from './domain/group.js'
import type { JoinLink } from './domain/join-link.js'
import type { Membership } from './domain/membership.js'
import type { Removal } from './domain/removal.js'
import type { InvalidInput } from './internal/validate.js'

/**
 * Every command of Joinery. Each validates its input, runs in one store transaction (a writing command first locks
 * its group, so commands behave as if they ran one at a time), decides through a pure decision function whose rules
 * are exported beside it (`JOIN_RULES`, `APPROVE_RULES`, …), and returns a `ResultAsync` of a typed success or a
 * typed error. None throws.
 */
export interface Joinery {
  // Groups
  /** Makes a group owned by `actor`, its first member (`CREATE_GROUP_RULES`). */
  createGroup(input: CreateGroupInput): ResultAsync<Group, CreateGroupError>
  /** A group as `viewer` sees it; hidden groups exist only for their members. */
  getGroup(input: GetGroupInput): ResultAsync<GroupView, InvalidInput | GroupNotFound | StorageFailure>
  /** The groups `viewer` can see, filtered, ordered and paged, with the total. */
  listGroups(
    input: ListGroupsInput,
  ): ResultAsync<{ groups: readonly Group[]; total: number }, InvalidInput | StorageFailure>
  /** Changes settings and the lock in one step, owner only (`UPDATE_GROUP_RULES`). */
  updateGroup(input: UpdateGroupInput): ResultAsync<Group, UpdateGroupError>
  /** Locks a group, owner only (`LOCK_GROUP_RULES`). */
  lockGroup(input: LockGroupInput): ResultAsync<Group, ManageGroupError>
  /** Unlocks a group, owner only (`UNLOCK_GROUP_RULES`). */
  unlockGroup(input: GroupTargetInput): ResultAsync<Group, UnlockGroupError>
  /** Deletes a group with all it holds, owner only (`DELETE_GROUP_RULES`). */
  deleteGroup(input: DeleteGroupInput): ResultAsync<void, ManageGroupError>

  // Join links
  /** Makes a join link, owner only (`CREATE_LINK_RULES`). */
  createJoinLink(input: CreateJoinLinkInput): ResultAsync<JoinLink, CreateJoinLinkError>
  /** Changes a link's settings, never its counters, owner only (`EDIT_LINK_RULES`). */
  editJoinLink(input: EditJoinLinkInput): ResultAsync<JoinLink, LinkCommandError>
  /** Enables a link, owner only (`ENABLE_LINK_RULES`). */
  enableJoinLink(input: LinkTargetInput): ResultAsync<JoinLink, EnableJoinLinkError>
  /** Disables a link, owner only (`DISABLE_LINK_RULES`). */
  disableJoinLink(input: LinkTargetInput): ResultAsync<JoinLink, LinkCommandError>
  /** A group's links with their counters, owner only. */
  listJoinLinks(
    input: GroupTargetInput,
  ): ResultAsync<readonly JoinLink[], InvalidInput | GroupNotFound | InsufficientRole | StorageFailure>
  /** What each code leads to, for anyone, with whether joining needs approval. */
  previewJoinLinks(input: PreviewJoinLinksInput): ResultAsync<JoinLinkPreview[], InvalidInput | StorageFailure>

  // Joining
  /** Joins, or asks to join, through a link (`JOIN_RULES`). */
  requestJoinByCode(input: RequestJoinByCodeInput): ResultAsync<JoinResult, JoinError>
  /** Joins, or asks to join, by group id (`JOIN_RULES`). */
  requestJoin(input: RequestJoinInput): ResultAsync<JoinResult, JoinError>
  /** What a join would do, or which rule refuses it and what would fix it; writes nothing. */
  explain(input: ExplainJoinInput): ResultAsync<JoinExplanation, ExplainError>

  // Requests
  /** Withdraws the actor's own request (`WITHDRAW_RULES`). */
  withdrawJoinRequest(input: WithdrawJoinRequestInput): ResultAsync<DecidedRequest, WithdrawError>
  /** A group's requests by status, approvers only. */
  listJoinRequests(input: ListJoinRequestsInput): ResultAsync<RequestPage, ApproverCommandError>
  /** The actor's own pending requests and invitations, with their groups, oldest first. */
  listUserRequests(input: ListUserRequestsInput): ResultAsync<PageOf<UserRequest>, InvalidInput | StorageFailure>
  /** Approves a request and seats the user, approvers only (`APPROVE_RULES`). */
  approveJoinRequest(input: ApproveJoinRequestInput): ResultAsync<ApprovedRequest, ApproveError>
  /** Rejects a request, approvers only (`REJECT_RULES`). */
  rejectJoinRequest(input: RejectJoinRequestInput): ResultAsync<DecidedRequest, RejectError>
  /** Marks a group's pending requests read, approvers only. */
  markJoinRequestsRead(input: WithdrawJoinRequestInput): ResultAsync<{ marked: number }, ApproverCommandError>

  // Members
  /** Adds users, all or none, approvers only (`ADD_MEMBERS_RULES`). */
  addMembers(input: AddMembersInput): ResultAsync<AddedMembers, AddMembersError>
  /** Invites users, all or none, approvers only (`INVITE_MEMBERS_RULES`). */
  inviteMembers(input: InviteMembersInput): ResultAsync<InvitedMembers, InviteMembersError>
  /** Kicks members, approvers only (`REMOVE_MEMBERS_RULES`). */
  removeMembers(input: RemoveMembersInput): ResultAsync<RemovedMembers, RemoveMembersError>
  /** Bans a user, approvers only (`BAN_RULES`). */
  banUser(input: BanUserInput): ResultAsync<Removal, RemoveMembersError>
  /** Lifts a kick or a ban, approvers only (`UNBAN_RULES`). */
  unbanUser(input: UnbanUserInput): ResultAsync<{ lifted: boolean }, ManageError>
  /** Leaves a group (`LEAVE_RULES`). */
  leaveGroup(input: LeaveGroupInput): ResultAsync<{ group: Group }, LeaveError>
  /** Changes one member's role, owner only (`CHANGE_ROLE_RULES`). */
  changeRole(input: ChangeRoleInput): ResultAsync<Membership, ChangeRoleError>
  /** Changes several members' roles in one step, owner only (`CHANGE_ROLES_RULES`). */
  changeRoles(input: ChangeRolesInput): ResultAsync<ChangedRoles, ChangeRolesError>
  /** Hands the group to another member, owner only (`TRANSFER_RULES`). */
  transferOwnership(input: TransferOwnershipInput): ResultAsync<Group, TransferError>
  /** A group's members in join order, with the member count. */
  listMembers(input: ListMembersInput): ResultAsync<MemberPage, ListMembersError>
  /** The events of the actor's groups after a position (the store's outbox), for a member's change log. */
  readUserLog(input: ReadUserLogInput): ResultAsync<UserLog, InvalidInput | StorageFailure>
  /** The actor's own groups with their membership. */
  listUserGroups(
    input: ListUserGroupsInput,
  ): ResultAsync<PageOf<{ group: Group; membership: Membership }>, InvalidInput | StorageFailure>
}
