import { type Group, invitersOf, type JoinRequest, type Membership, type Role } from '@joinery/core'
import { ATTRIBUTE_FIELDS, CONSTANT_FIELDS } from './internal/group-filter.js'
import { DEFAULT_SUBJECT } from './subjects.js'

/** Bitrix24 member roles: A owner, E moderator, K member (Z pending request and T banned are never listed). */
export const ROLE_LETTER = { owner: 'A', moderator: 'E', member: 'K' } as const satisfies Record<Role, string>

const yn = (value: boolean) => (value ? 'Y' : 'N')

/** Bitrix24 dates: ISO 8601 with an offset. */
export function bitrixDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`
}

/** `INITIATE_PERMS`, who may invite: A the owner, E the owner and moderators, K every member. */
export function initiatePerms(group: Group): 'A' | 'E' | 'K' {
  const inviters = invitersOf(group)
  return inviters === 'owner' ? 'A' : inviters === 'owner-and-moderators' ? 'E' : 'K'
}

/**
 * A group as `sonet_group.get` sends it (api-reference/sonet-group/sonet-group-get.md; `CSocNetLogRestService::getGroup`):
 * stored values as strings, flags as Y/N, empty text columns as `null`, dates ISO 8601 with an offset.
 * `INITIATE_PERMS` is not among them: the module deletes it from each row (`socialnetwork.api.workgroup.get` shows
 * it). `IMAGE` is sent only for a group with an image, which these never have. Joinery keeps no update or activity
 * time: `DATE_UPDATE` and `DATE_ACTIVITY` are the creation time (and FILTER/ORDER read them so). `SUBJECT_ID`,
 * `KEYWORDS` and `PROJECT` are the group's descriptive attributes.
 */
/** A Bitrix24 field kept as a descriptive attribute, or the value a group without it shows. */
export function attributeField(group: Group, field: keyof typeof ATTRIBUTE_FIELDS): string {
  const { name, missing } = ATTRIBUTE_FIELDS[field]
  return group.attributes?.[name] ?? missing
}

export function groupFields(group: Group, subjectName: string = DEFAULT_SUBJECT.name) {
  const created = bitrixDate(group.createdAt)
  return {
    ID: group.id,
    SITE_ID: CONSTANT_FIELDS.SITE_ID,
    NAME: group.name,
    DESCRIPTION: group.description === '' ? null : group.description,
    DATE_CREATE: created,
    DATE_UPDATE: created,
    ACTIVE: CONSTANT_FIELDS.ACTIVE,
    VISIBLE: yn(group.visibility === 'public'),
    OPENED: yn(group.admission === 'open'),
    CLOSED: yn(group.lockStatus !== 'unlocked'),
    SUBJECT_ID: attributeField(group, 'SUBJECT_ID'),
    OWNER_ID: group.ownerId,
    KEYWORDS: attributeField(group, 'KEYWORDS') || null,
    NUMBER_OF_MEMBERS: String(group.memberCount),
    DATE_ACTIVITY: created,
    SUBJECT_NAME: subjectName,
    PROJECT: attributeField(group, 'PROJECT'),
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
