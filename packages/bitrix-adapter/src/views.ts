import type { Group, JoinRequest, Membership, Role } from '@joinery/core'
import { CONSTANT_FIELDS } from './internal/group-filter.js'

/** Bitrix24 member roles: A owner, E moderator, K member (Z pending request and T banned are never listed). */
export const ROLE_LETTER = { owner: 'A', moderator: 'E', member: 'K' } as const satisfies Record<Role, string>

const yn = (value: boolean) => (value ? 'Y' : 'N')

/** Bitrix24 dates: ISO 8601 with an offset. */
export function bitrixDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`
}

/**
 * A group as `sonet_group.get` sends it: stored values as strings, flags as Y/N. VISIBLE ↔ visibility, OPENED ↔
 * open admission, CLOSED ↔ locked (archived), INITIATE_PERMS ↔ who approves. SITE_ID, SUBJECT_ID and IS_EXTRANET
 * are the same for every group (`CONSTANT_FIELDS`), as `sonet_group.get` filters on them.
 */
export function groupFields(group: Group) {
  return {
    ID: group.id,
    SITE_ID: CONSTANT_FIELDS.SITE_ID,
    NAME: group.name,
    DESCRIPTION: group.description,
    DATE_CREATE: bitrixDate(group.createdAt),
    ACTIVE: CONSTANT_FIELDS.ACTIVE,
    VISIBLE: yn(group.visibility === 'public'),
    OPENED: yn(group.admission === 'open'),
    CLOSED: yn(group.lockStatus !== 'unlocked'),
    SUBJECT_ID: CONSTANT_FIELDS.SUBJECT_ID,
    OWNER_ID: group.ownerId,
    NUMBER_OF_MEMBERS: String(group.memberCount),
    INITIATE_PERMS: group.approvers === 'owner' ? 'A' : 'E',
    PROJECT: CONSTANT_FIELDS.PROJECT,
    IS_EXTRANET: CONSTANT_FIELDS.IS_EXTRANET,
  }
}

export function memberFields(m: Membership) {
  return { USER_ID: m.userId, ROLE: ROLE_LETTER[m.role] }
}

/** A pending request or invitation, for the `sonet_group.user.request.list` extension. */
export function requestFields(r: JoinRequest) {
  return {
    GROUP_ID: r.groupId,
    USER_ID: r.requesterId,
    ROLE: 'Z',
    INITIATED_BY_TYPE: r.via.kind === 'invitation' ? 'G' : 'U',
    INITIATED_BY_USER_ID: r.via.kind === 'invitation' ? r.via.invitedBy : r.requesterId,
    MESSAGE: r.message ?? '',
    DATE_CREATE: bitrixDate(r.createdAt),
  }
}
