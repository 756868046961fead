export type { PageOf } from './commands/context.js'
export type { ReadUserLogInput, UserLog } from './commands/group-log.js'
export type {
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
export {
  type ExplainError,
  type ExplainJoinInput,
  type JoinError,
  type JoinExplanation,
  type JoinResult,
  REFUSAL_FIXES,
  type RequestJoinByCodeInput,
  type RequestJoinInput,
} from './commands/join.js'
export type {
  CreateJoinLinkError,
  CreateJoinLinkInput,
  EditJoinLinkInput,
  EnableJoinLinkError,
  JoinLinkPreview,
  LinkCommandError,
  LinkTargetInput,
  PreviewJoinLinksInput,
} from './commands/join-links.js'
export type {
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
export type {
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
export { MAX_USERS_PER_COMMAND } from './commands/schemas.js'
export { decideJoin, JOIN_RULES, type JoinDecision, type JoinSnapshot, needsApproval } from './decide-join.js'
export {
  ACCESS_RULES,
  type Access,
  ADMINISTRATOR_ACCESS_RULES,
  type AdministratorAccess,
  type Authority,
  decideAccess,
  decideAdministratorAccess,
  type MemberAuthority,
} from './decisions/access.js'
export { CAP_RULES, type Caps, DEFAULT_CAPS, decideCap } from './decisions/caps.js'
export { GROUP_TIME_EVENTS, groupTimes } from './decisions/group-times.js'
export {
  CREATE_GROUP_RULES,
  DELETE_GROUP_RULES,
  decideCreateGroup,
  decideCreateGroupInvitations,
  decideLock,
  decideUnlock,
  decideUpdateGroup,
  type GroupSettings,
  type GroupUpdate,
  LOCK_GROUP_RULES,
  UNLOCK_GROUP_RULES,
  UPDATE_GROUP_RULES,
} from './decisions/groups.js'
export {
  CREATE_LINK_RULES,
  DISABLE_LINK_RULES,
  decideCreateLink,
  decideDisableLink,
  decideEditLink,
  decideEnableLink,
  EDIT_LINK_RULES,
  ENABLE_LINK_RULES,
  LINK_TARGET_RULE,
  type LinkDecision,
  pickLink,
} from './decisions/links.js'
export {
  type Actor,
  ADD_MEMBERS_RULES,
  type AddDecision,
  BAN_RULES,
  CHANGE_ROLE_RULES,
  CHANGE_ROLES_RULES,
  decideAddMembers,
  decideBan,
  decideChangeRole,
  decideChangeRoles,
  decideInviteMembers,
  decideLeave,
  decideRemoveMembers,
  decideTransfer,
  decideUnban,
  INVITE_MEMBERS_RULES,
  type InviteDecision,
  LEAVE_RULES,
  REMOVE_MEMBERS_RULES,
  type RemoveDecision,
  type RoleDecision,
  type RolesDecision,
  type Standing,
  TRANSFER_RULES,
  UNBAN_RULES,
} from './decisions/members.js'
export {
  APPROVE_RULES,
  type ApproveDecision,
  type CloseDecision,
  decideApprove,
  decideReject,
  decideWithdraw,
  REJECT_RULES,
  type RequestSnapshot,
  WITHDRAW_RULES,
  type WithdrawSnapshot,
} from './decisions/requests.js'
export {
  type CoreError,
  type CoreErrorCode,
  type ErrorOf,
  type InputIssue,
  isStorageUnavailable,
  type JoinRefusal,
  type StorageError,
  type StorageFailure,
  type StorageUnavailable,
  storageError,
  storageUnavailable,
} from './domain/errors.js'
export type { DomainEvent, DomainEventType } from './domain/events.js'
export {
  type AdmissionPolicy,
  type Approvers,
  type Group,
  type GroupAttributes,
  type GroupId,
  type Inviters,
  type LockStatus,
  lastActivityAtOf,
  type UserId,
  updatedAtOf,
  type Visibility,
} from './domain/group.js'
export { type JoinLink, type JoinLinkCounters, type JoinRule, linkUnavailability } from './domain/join-link.js'
export type { JoinRequest, JoinRequestStatus, JoinRequestVia } from './domain/join-request.js'
export { MAX_REQUEST_MESSAGE_LENGTH } from './domain/join-request.js'
export type { Membership, MembershipSource, Role } from './domain/membership.js'
export { type Removal, removalIsActive } from './domain/removal.js'
export { createJoinery, groupIdForm, type Joinery, type JoineryOptions } from './joinery.js'
export { INVITE_PERMISSION_RULES, invitersOf, isApprover, isOwner, mayInvite } from './permissions.js'
export type { Clock } from './ports/clock.js'
export { systemClock } from './ports/clock.js'
export type { CommandEnd, CommandName, CommandObserver } from './ports/command-observer.js'
export type { EventSink } from './ports/event-sink.js'
export {
  createCryptoIdGenerator,
  createSequentialIdGenerator,
  type GroupIdForm,
  type IdGenerator,
} from './ports/id-generator.js'
export type {
  GroupAnyOf,
  GroupAttributeCondition,
  GroupChange,
  GroupCondition,
  GroupField,
  GroupQuery,
  GroupRows,
  InsertMembershipOutcome,
  JoinReads,
  JoinState,
  LinkChange,
  LinkCounterChange,
  LinkRows,
  ListKey,
  LockTarget,
  MembershipRows,
  MembershipStore,
  Outbox,
  Page,
  RemovalRows,
  RequestRows,
  StoredEvent,
  StoreTx,
} from './ports/membership-store.js'
export type { SocialGraph, SocialGraphError } from './ports/social-graph.js'
export { createInMemorySocialGraph, type InMemorySocialGraph } from './stores/in-memory-social-graph.js'
export { createInMemoryStore, type InMemoryStore, type InMemoryStoreOptions } from './stores/in-memory-store.js'
