import type { DomainEvent, DomainEventType } from '@joinery/core'

/**
 * The workgroup events a portal defines (api-reference/sonet-group/events/index.md), under the `sonet_group` scope,
 * upper-cased as `event.bind` and `events` name them. A portal defines no membership events: joins, requests,
 * invitations, role changes, removals and bans are not Bitrix24 events (deliver those through webhooks).
 */
export const BITRIX_EVENTS = ['ONSONETGROUPADD', 'ONSONETGROUPUPDATE', 'ONSONETGROUPDELETE'] as const
export type BitrixEventName = (typeof BITRIX_EVENTS)[number]

/** The scope each event is listed under (`events` with `SCOPE`). */
export const EVENT_SCOPE: Readonly<Record<BitrixEventName, string>> = {
  ONSONETGROUPADD: 'sonet_group',
  ONSONETGROUPUPDATE: 'sonet_group',
  ONSONETGROUPDELETE: 'sonet_group',
}

/**
 * The Bitrix24 event of each domain event, or `null` for those a portal has no event for. A change to a group's row
 * (its settings, archiving with `CLOSED`, a new owner through `setowner`) is an update, as the module fires
 * `OnSocNetGroupUpdate` for each; membership changes touch no group row and fire nothing.
 */
export const BITRIX_EVENT_OF = {
  GroupCreated: 'ONSONETGROUPADD',
  GroupUpdated: 'ONSONETGROUPUPDATE',
  GroupLocked: 'ONSONETGROUPUPDATE',
  GroupUnlocked: 'ONSONETGROUPUPDATE',
  OwnershipTransferred: 'ONSONETGROUPUPDATE',
  GroupDeleted: 'ONSONETGROUPDELETE',
  JoinLinkCreated: null,
  JoinLinkChanged: null,
  JoinRequested: null,
  MemberInvited: null,
  JoinRequestApproved: null,
  JoinRequestRejected: null,
  JoinRequestWithdrawn: null,
  JoinRequestExpired: null,
  MemberJoined: null,
  MemberLeft: null,
  MemberKicked: null,
  UserBanned: null,
  UserUnbanned: null,
  RoleChanged: null,
} as const satisfies Record<DomainEventType, BitrixEventName | null>

/** The domain events no Bitrix24 event carries: for webhooks (`@joinery/relay`'s `createWebhookSubscriber`). */
export const EVENTS_OUTSIDE_BITRIX: readonly DomainEventType[] = (
  Object.keys(BITRIX_EVENT_OF) as DomainEventType[]
).filter((type) => BITRIX_EVENT_OF[type] === null)

export function bitrixEventOf(event: DomainEvent): BitrixEventName | null {
  return BITRIX_EVENT_OF[event.type]
}

/**
 * `data` of a workgroup event: `{FIELDS: {ID}}`, the group id and nothing else (`CSocNetGroupRestProxy::processEvent`;
 * the handler reads the group with `sonet_group.get`). An integer id stays a number, as the module casts it.
 */
export function eventData(groupId: string): { FIELDS: { ID: number | string } } {
  return { FIELDS: { ID: /^\d{1,15}$/.test(groupId) ? Number(groupId) : groupId } }
}
